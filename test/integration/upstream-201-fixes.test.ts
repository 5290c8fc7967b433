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
    // Its first message after the boot stays queued: the Started waits behind it.
    cloud.delay.set('StatusNotification', 20_000);
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 10, timestamp: at(1) });
    const reference = `${start.transactionId}-20250601T100100`;
    await cloud.up();
    await eventually(() => cloud.clients.has(station) && gw.app.upstream!.online(), 'the CSMS back');
    t.notOk(started(cloud), 'the Started is still queued');
    t.same(await cloud.command(station, 'RequestStopTransaction', { transactionId: reference }), { status: 'Accepted' });
    t.same(stops, [{ transactionId: start.transactionId }]);
  });
}
