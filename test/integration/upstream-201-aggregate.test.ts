/**
 * Aggregate mode over OCPP 2.0.1 (#17): two 1.6 chargers behind chargegate, and a strict 2.0.1
 * CSMS (ocpp-rpc with its own 2.0.1 schemas) that sees one charging station, SITE-GW-1, whose
 * EVSEs are the site's connectors (CP1 connector 1 is EVSE 1, CP2 connector 1 EVSE 2, config order).
 */
import t, { type Test } from 'tap';
import { startCloud201, type TestCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, callSoon, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

async function site(t: Test) {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  const gw = await startGateway(t, {
    patch: (c) =>
      (c.upstream = {
        mode: 'aggregate',
        ocpp: '2.0.1',
        url: cloud.url,
        identity: SITE,
        password: 'site-secret-01',
        answerTimeout: 2,
        callTimeout: 2,
        transactionMessageRetryInterval: 0,
        reconnect: { initialDelay: 0.05, maxDelay: 0.2 },
      }),
  });
  // The first connection of a run also compiles ocpp-rpc's 2.0.1 schemas: allow for it.
  await eventually(() => gw.app.upstream!.online(), 'the site online at the CSMS', 20_000);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  await cp2.call('BootNotification', bootPayload);
  return { cloud, gw, cp1, cp2 };
}

/** One whole 1.6 session on a charger's connector 1. */
async function session(cp: RpcClient, meterStart: number): Promise<void> {
  const status = (status: string, minute: number) => cp.call('StatusNotification', { connectorId: 1, status, errorCode: 'NoError', timestamp: at(minute) });
  await status('Preparing', 0);
  const start = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart, timestamp: at(1) });
  await status('Charging', 2);
  await cp.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(3), sampledValue: [{ value: String(meterStart + 20), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
  await cp.call('StopTransaction', { transactionId: start.transactionId, meterStop: meterStart + 40, timestamp: at(4), reason: 'Local' });
  await status('Available', 5);
}

const ended = (cloud: TestCloud201) => [...cloud.transactions.values()].filter((events) => events.some((e) => e.eventType === 'Ended'));

t.test('the site as one 2.0.1 station: its boot, a status per EVSE, Authorize, a session on EVSE 2', async (t) => {
  const { cloud, cp2 } = await site(t);
  const boot = await cloud.waitFor((c) => c.identity === SITE && c.action === 'BootNotification', 'the station\'s boot');
  t.match(boot.params, { reason: 'PowerUp', chargingStation: { vendorName: 'chargegate', model: 'site gateway', serialNumber: SITE } });
  t.notOk(cloud.calls.some((c) => c.identity !== SITE), 'the chargers are not seen by the CSMS on their own');

  await cp2.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(0) });
  await cloud.waitFor((c) => c.action === 'StatusNotification' && c.params.evseId === 2 && c.params.timestamp === at(0), 'CP2\'s status as EVSE 2');
  await cloud.waitFor((c) => c.action === 'StatusNotification' && c.params.evseId === 1, 'EVSE 1\'s status (CP1)');
  t.ok(cloud.calls.filter((c) => c.action === 'StatusNotification').every((c) => c.params.connectorId === 1 && c.params.evseId > 0), 'one connector per EVSE; no EVSE 0');

  t.match(await cp2.call('Authorize', { idTag: 'TAG2' }), { idTagInfo: { status: 'Accepted' } });
  await cloud.waitFor((c) => c.action === 'Authorize' && c.params.idToken.idToken === 'TAG2', 'the Authorize as 2.0.1');

  await session(cp2, 10);
  await eventually(() => ended(cloud).length === 1, 'the Ended event');
  const events = ended(cloud)[0]!;
  t.same(events.map((e) => [e.eventType, e.seqNo]), [['Started', 0], ['Updated', 1], ['Updated', 2], ['Ended', 3]], 'seqNo from 0, in order');
  t.match(events[0], { identity: SITE, evse: { id: 2, connectorId: 1 }, idToken: { idToken: 'TAG2' }, meterValue: [{ sampledValue: [{ value: 10, context: 'Transaction.Begin' }] }] });
  t.match(events[3], { meterValue: [{ sampledValue: [{ value: 50, context: 'Transaction.End' }] }] });
  t.notOk(events.some((e) => e.offline), 'sent while connected');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('sessions while the CSMS is down: delivered in order when it is back, seqNo from 0, offline', async (t) => {
  const { cloud, gw, cp1, cp2 } = await site(t);
  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the CSMS gone');
  await session(cp2, 100);
  await session(cp1, 200);
  await cloud.up();
  await eventually(() => ended(cloud).length === 2, 'both transactions at the CSMS', 15_000);
  for (const events of ended(cloud)) {
    t.same(events.map((e) => [e.eventType, e.seqNo]), [['Started', 0], ['Updated', 1], ['Updated', 2], ['Ended', 3]], 'each event once, in order');
    t.ok(events.every((e) => e.offline === true), 'queued while the CSMS was away: offline');
  }
  const started = cloud.calls.filter((c) => c.action === 'TransactionEvent' && c.params.eventType === 'Started').map((c) => c.params.evse.id);
  t.same(started, [2, 1], 'CP2 (EVSE 2) first, then CP1 (EVSE 1), as they happened');
  const order = cloud.calls.filter((c) => c.action === 'TransactionEvent').map((c) => c.params.meterValue?.[0]?.sampledValue?.[0]?.value ?? c.params.transactionInfo.chargingState);
  t.same(order, [100, 'Charging', 120, 140, 200, 'Charging', 220, 240], 'the whole first session before the second');
  t.same(cloud.validationFailures, []);
});

t.test('the CSMS\'s commands reach the charger behind the EVSE', async (t) => {
  const { cloud, gw, cp1, cp2 } = await site(t);
  const got: [string, string, unknown][] = [];
  const started = new Map<string, Promise<unknown>>();
  for (const [id, cp] of [['CP1', cp1], ['CP2', cp2]] as const) {
    cp.handle('RemoteStartTransaction', ({ params }) => {
      got.push([id, 'RemoteStartTransaction', params]);
      started.set(id, callSoon(cp, 'StartTransaction', { connectorId: 1, idTag: params.idTag, meterStart: 5, timestamp: at(20) }));
      return { status: 'Accepted' };
    });
    cp.handle('RemoteStopTransaction', ({ params }) => (got.push([id, 'RemoteStopTransaction', params]), { status: 'Accepted' }));
    cp.handle('Reset', ({ params }) => (got.push([id, 'Reset', params]), { status: 'Accepted' }));
    cp.handle('UnlockConnector', ({ params }) => (got.push([id, 'UnlockConnector', params]), { status: 'Unlocked' }));
    cp.handle('ChangeAvailability', ({ params }) => (got.push([id, 'ChangeAvailability', params]), { status: 'Accepted' }));
  }
  await cloud.waitFor((c) => c.identity === SITE && c.action === 'BootNotification', 'the station booted');

  t.same(await cloud.command(SITE, 'RequestStartTransaction', { evseId: 2, remoteStartId: 77, idToken: { idToken: 'TAG9', type: 'ISO14443' } }), { status: 'Accepted' });
  t.same(got.shift(), ['CP2', 'RemoteStartTransaction', { idTag: 'TAG9', connectorId: 1 }], 'EVSE 2 is CP2\'s connector 1');
  await eventually(() => cloud.transactions.size === 1, 'the Started at the CSMS');
  // The CSMS's answer to the Started read back by chargegate (the id map), as a 1.6 StartTransaction.conf would be.
  await eventually(() => gw.app.store.upstream.transactions.get(1)?.state === 'mapped', 'the Started\'s answer taken in');
  const [transactionId, events] = [...cloud.transactions.entries()][0]!;
  t.match(events[0], { eventType: 'Started', triggerReason: 'RemoteStart', evse: { id: 2 }, transactionInfo: { remoteStartId: 77 } });
  t.same(await cloud.command(SITE, 'RequestStopTransaction', { transactionId }), { status: 'Accepted' });
  t.match(got.shift(), ['CP2', 'RemoteStopTransaction', {}]);

  t.same(await cloud.command(SITE, 'UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'Unlocked' });
  t.same(got.shift(), ['CP1', 'UnlockConnector', { connectorId: 1 }]);
  t.same(await cloud.command(SITE, 'ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } }), { status: 'Accepted' });
  t.same(got.shift(), ['CP2', 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' }]);
  t.same(await cloud.command(SITE, 'Reset', { type: 'Immediate', evseId: 1 }), { status: 'Accepted' }, 'an EVSE\'s reset: its charger');
  t.same(got.shift(), ['CP1', 'Reset', { type: 'Hard' }]);
  t.same(await cloud.command(SITE, 'Reset', { type: 'OnIdle' }), { status: 'Accepted' }, 'the station\'s reset: every charger');
  t.same(got.splice(0).map(([id, action, params]) => [id, action, params]).sort(), [['CP1', 'Reset', { type: 'Soft' }], ['CP2', 'Reset', { type: 'Soft' }]]);

  const count = (match: (c: { action: string; params: any }) => boolean) => cloud.calls.filter(match).length;
  const boots = count((c) => c.action === 'BootNotification');
  t.same(await cloud.command(SITE, 'TriggerMessage', { requestedMessage: 'BootNotification' }), { status: 'Accepted' });
  await eventually(() => count((c) => c.action === 'BootNotification') > boots, 'the station\'s boot, sent again as 2.0.1');
  await cp2.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(30) });
  const evse2 = (c: { action: string; params: any }) => c.action === 'StatusNotification' && c.params.evseId === 2;
  const statuses = count(evse2);
  t.same(await cloud.command(SITE, 'TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 2, connectorId: 1 } }), { status: 'Accepted' });
  await eventually(() => count(evse2) > statuses, 'EVSE 2\'s status, sent again');
  const variables = await cloud.command(SITE, 'GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
  t.match(variables.getVariableResult, [{ attributeStatus: 'Accepted', attributeValue: '300' }], 'the station\'s own variables: chargegate\'s keys');
  t.same(await cloud.command(SITE, 'GetBaseReport', { requestId: 1, reportBase: 'FullInventory' }), { status: 'Accepted' }, 'the site\'s own device model (upstream-201-site-model.test.ts)');
  t.same([...started.keys()], ['CP2'], 'only CP2 was asked to start');
  t.match(await started.get('CP2'), { transactionId: Number, idTagInfo: { status: 'Accepted' } }, 'CP2\'s StartTransaction answered');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});
