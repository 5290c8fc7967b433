/**
 * The 2.0.1 upstream's loose ends (#17), against a strict 2.0.1 CSMS (ocpp-rpc with its own
 * 2.0.1 schemas): a RequestStop that comes before the CSMS answered the Started, a Started's
 * Transaction.Begin reading told once, a charger's own (connector 0) status.
 */
import t, { type Test } from 'tap';
import { startCloud201, type TestCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

/** A site behind a 2.0.1 CSMS in `mode`; the CSMS's station is CP1 (transparent) or the site (aggregate). */
async function site(t: Test, mode: 'transparent' | 'aggregate', cloud: TestCloud201) {
  cloud.passwords.set(SITE, 'site-secret-01');
  const gw = await startGateway(t, {
    bootedBefore: ['CP1'],
    patch: (c) =>
      (c.upstream = {
        mode,
        ocpp: '2.0.1',
        url: cloud.url,
        ...(mode === 'aggregate' ? { identity: SITE, password: 'site-secret-01' } : {}),
        answerTimeout: 2,
        callTimeout: 30,
        transactionMessageRetryInterval: 0,
        reconnect: { initialDelay: 0.05, maxDelay: 0.2 },
      }),
  });
  // The first connection of a run also compiles ocpp-rpc's 2.0.1 schemas: allow for it.
  await eventually(() => gw.app.upstream!.online(), 'online at the CSMS', 20_000);
  return { gw, station: mode === 'aggregate' ? SITE : 'CP1' };
}

const started = (cloud: TestCloud201) => cloud.calls.find((c) => c.action === 'TransactionEvent' && c.params.eventType === 'Started');

for (const mode of ['transparent', 'aggregate'] as const) {
  t.test(`${mode}: a RequestStopTransaction the CSMS sends before it answered the Started reaches the charger`, async (t) => {
    const cloud = await startCloud201();
    t.teardown(() => cloud.close());
    const { gw, station } = await site(t, mode, cloud);
    const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
    await cp1.call('BootNotification', bootPayload);
    const stops: unknown[] = [];
    cp1.handle('RemoteStopTransaction', ({ params }) => (stops.push(params), { status: 'Accepted' }));
    // The CSMS is slow to answer the Started: the id map has no answer to learn from yet.
    cloud.delay.set('TransactionEvent', 20_000);
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 10, timestamp: at(1) });
    await eventually(() => started(cloud) !== undefined, 'the Started at the CSMS');
    const transactionId = started(cloud)!.params.transactionInfo.transactionId as string;
    t.same(await cloud.command(station, 'RequestStopTransaction', { transactionId }), { status: 'Accepted' }, 'Accepted: the transactionId is chargegate\'s own');
    t.same(stops, [{ transactionId: start.transactionId }], 'the charger was asked to stop its session');
    t.same(cloud.validationFailures, []);
  });

  t.test(`${mode}: a RequestStopTransaction for a Started still queued (the CSMS was away) reaches the charger`, async (t) => {
    const cloud = await startCloud201();
    t.teardown(() => cloud.close());
    const { gw, station } = await site(t, mode, cloud);
    const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
    await cp1.call('BootNotification', bootPayload);
    const stops: unknown[] = [];
    cp1.handle('RemoteStopTransaction', ({ params }) => (stops.push(params), { status: 'Accepted' }));
    await cloud.down();
    await eventually(() => !gw.app.upstream!.online(), 'the CSMS gone');
    // The CSMS holds its answer to the BootNotification after it is back: until a boot is
    // accepted nothing else is sent (2.0.1 B01/B02), so the Started stays in the outbox.
    cloud.delay.set('BootNotification', 20_000);
    const boots = () => cloud.calls.filter((c) => c.action === 'BootNotification').length;
    const bootsBefore = boots();
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 10, timestamp: at(1) });
    const reference = `${start.transactionId}-20250601T100100`;
    await cloud.up();
    await eventually(() => cloud.clients.has(station) && boots() > bootsBefore, 'the CSMS back, the boot unanswered');
    t.notOk(started(cloud), 'the Started is still queued');
    t.same(await cloud.command(station, 'RequestStopTransaction', { transactionId: reference }), { status: 'Accepted' });
    t.same(stops, [{ transactionId: start.transactionId }]);
  });
}

t.test('transparent: a charger Faulted as a whole (connector 0) is the station\'s NotifyEvent, AvailabilityState and Problem', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { gw } = await site(t, 'transparent', cloud);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  await cp1.call('StatusNotification', { connectorId: 0, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', timestamp: at(5) });
  const faulted = await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'NotifyEvent' && c.params.eventData[0].timestamp === at(5), 'the fault at the CSMS');
  t.match(faulted.params.eventData, [
    { component: { name: 'ChargingStation' }, variable: { name: 'AvailabilityState' }, actualValue: 'Faulted', trigger: 'Delta' },
    { component: { name: 'ChargingStation' }, variable: { name: 'Problem' }, actualValue: 'true', techCode: 'GroundFailure', techInfo: 'RCD tripped' },
  ]);
  await cp1.call('StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError', timestamp: at(6) });
  const back = await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'NotifyEvent' && c.params.eventData[0].timestamp === at(6), 'the charger available again');
  t.match(back.params.eventData, [{ actualValue: 'Available' }, { variable: { name: 'Problem' }, actualValue: 'false', cleared: true }]);
  t.not(back.params.eventData[0].eventId, faulted.params.eventData[0].eventId, 'each event its own eventId');
  t.notOk(cloud.calls.some((c) => c.action === 'StatusNotification' && c.params.evseId === 0), 'no StatusNotification for the station itself');
  t.same(cloud.validationFailures, []);
});

t.test('aggregate: a charger Faulted as a whole (connector 0) makes its EVSEs so; Available again, their own statuses', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { gw } = await site(t, 'aggregate', cloud);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  await cp1.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(1) });
  await cloud.waitFor((c) => c.action === 'StatusNotification' && c.params.evseId === 1 && c.params.timestamp === at(1), 'EVSE 1 Available');
  await cp1.call('StatusNotification', { connectorId: 0, status: 'Faulted', errorCode: 'OverVoltage', timestamp: at(2) });
  await cloud.waitFor((c) => c.action === 'StatusNotification' && c.params.evseId === 1 && c.params.connectorStatus === 'Faulted' && c.params.timestamp === at(2), 'EVSE 1 Faulted with its charger');
  // The charger's connector says Available: while the charger is Faulted, so is its EVSE.
  await cp1.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(3) });
  await cp1.call('StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError', timestamp: at(4) });
  await cloud.waitFor((c) => c.action === 'StatusNotification' && c.params.evseId === 1 && c.params.connectorStatus === 'Available' && c.params.timestamp === at(3), 'EVSE 1 its own status again');
  const evse1 = cloud.calls.filter((c) => c.action === 'StatusNotification' && c.params.evseId === 1 && c.params.timestamp.startsWith('2025-06-01')).map((c) => [c.params.connectorStatus, c.params.timestamp]);
  t.same(evse1.filter((x, i) => JSON.stringify(x) !== JSON.stringify(evse1[i - 1])), [['Available', at(1)], ['Faulted', at(2)], ['Faulted', at(3)], ['Available', at(3)]]);
  t.notOk(cloud.calls.some((c) => c.action === 'StatusNotification' && c.params.evseId === 2 && c.params.connectorStatus === 'Faulted'), 'the other charger\'s EVSE is not touched');
  t.same(cloud.validationFailures, []);
});
