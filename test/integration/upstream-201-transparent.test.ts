/**
 * A 2.0.1 CSMS above 1.6 chargers (#17, upstream.ocpp: 2.0.1, transparent mode): each charger
 * is a 2.0.1 charging station at the CSMS, its messages translated (TransactionEvents with
 * chargegate's transactionId and seqNo from 0), the CSMS's commands carried out on it. The CSMS
 * is ocpp-rpc in strict mode with its own copy of the 2.0.1 schemas: every frame is checked.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startCloud201, type TestCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { boot201, bootPayload, callSoon, rpcCharger, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';
import { issue, makeCa } from '../helpers/certs.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const upstream201 = (url: string) => ({ mode: 'transparent', ocpp: '2.0.1', url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } });

async function site(t: Test, cloud: TestCloud201) {
  const gw = await startGateway(t, { bootedBefore: ['CP1'], patch: (c) => (c.upstream = upstream201(cloud.url)) });
  // The first connection of a run also compiles ocpp-rpc's 2.0.1 schemas: allow for it.
  await eventually(() => gw.app.upstream!.online(), 'CP1 online at the CSMS');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', bootPayload);
  return { gw, cp1 };
}

/** One whole 1.6 session: plugged in, started, charging, a meter reading, stopped. Returns chargegate's transactionId. */
async function session(cp1: RpcClient, meterStart = 10): Promise<number> {
  const status = (status: string, minute: number) => cp1.call('StatusNotification', { connectorId: 1, status, errorCode: 'NoError', timestamp: at(minute) });
  await status('Preparing', 0);
  const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart, timestamp: at(1) });
  await status('Charging', 2);
  await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(3), sampledValue: [{ value: String(meterStart + 20), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
  await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: meterStart + 40, timestamp: at(4), reason: 'EVDisconnected' });
  await status('Available', 5);
  return start.transactionId;
}

t.test('a 1.6 charger seen by a 2.0.1 CSMS: boot, status, Authorize and a whole session as TransactionEvents', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { cp1 } = await site(t, cloud);
  const boot = await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the station\'s boot');
  t.match(boot.params, { reason: 'PowerUp', chargingStation: { vendorName: 'TestVendor', model: 'TestModel', serialNumber: 'SN-1', firmwareVersion: '1.2.3' } });

  t.match(await cp1.call('Authorize', { idTag: 'TAG1' }), { idTagInfo: { status: 'Accepted' } });
  await cloud.waitFor((c) => c.action === 'Authorize' && c.params.idToken.idToken === 'TAG1', 'the Authorize as 2.0.1');
  cloud.idTokenStatus.set('BLOCKED9', 'Blocked');
  t.match(await cp1.call('Authorize', { idTag: 'BLOCKED9' }), { idTagInfo: { status: 'Blocked' } }, 'the CSMS\'s idTokenInfo is the charger\'s idTagInfo');

  const local = await session(cp1);
  await eventually(() => [...cloud.transactions.values()].some((events) => events.some((e) => e.eventType === 'Ended')), 'the Ended event');
  t.equal(cloud.transactions.size, 1, 'one transaction');
  const [transactionId, events] = [...cloud.transactions.entries()][0]!;
  t.match(transactionId, new RegExp(`^${local}-20250601T1001`), 'the transactionId is chargegate\'s own, from the session');
  t.same(events.map((e) => [e.eventType, e.seqNo, e.triggerReason]), [
    ['Started', 0, 'Authorized'],
    ['Updated', 1, 'ChargingStateChanged'],
    ['Updated', 2, 'MeterValuePeriodic'],
    ['Ended', 3, 'EVCommunicationLost'],
  ]);
  t.match(events[0], { evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG1', type: 'ISO14443' }, transactionInfo: { chargingState: 'EVConnected' }, meterValue: [{ sampledValue: [{ value: 10, context: 'Transaction.Begin' }] }] });
  t.match(events[1], { transactionInfo: { chargingState: 'Charging' } });
  t.match(events[2], { meterValue: [{ sampledValue: [{ value: 30, measurand: 'Energy.Active.Import.Register' }] }] });
  t.match(events[3], { transactionInfo: { stoppedReason: 'EVDisconnected' }, meterValue: [{ sampledValue: [{ value: 50, context: 'Transaction.End' }] }] });
  t.notOk(events.some((e) => e.offline), 'sent while connected: not offline');

  await eventually(() => cloud.calls.some((c) => c.action === 'StatusNotification' && c.params.connectorStatus === 'Available' && c.params.timestamp === at(5)), 'the last status');
  const statuses = cloud.calls.filter((c) => c.action === 'StatusNotification' && c.params.timestamp.startsWith('2025-06-01T10:0')).map((c) => c.params.connectorStatus);
  t.same(statuses.filter((s, i) => s !== statuses[i - 1]), ['Occupied', 'Available'], 'Preparing and Charging are Occupied; the charging is in the TransactionEvents');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('a whole session while the 2.0.1 CSMS is down: delivered in order when it is back, seqNo 0..n, offline', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { gw, cp1 } = await site(t, cloud);
  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the CSMS gone');
  await session(cp1, 100);
  await session(cp1, 200);
  t.equal(cloud.transactions.size, 0, 'nothing could be sent');
  await cloud.up();
  await eventually(() => [...cloud.transactions.values()].filter((events) => events.some((e) => e.eventType === 'Ended')).length === 2, 'both transactions at the CSMS');
  const all = [...cloud.transactions.values()];
  for (const events of all) {
    t.same(events.map((e) => [e.eventType, e.seqNo]), [['Started', 0], ['Updated', 1], ['Updated', 2], ['Ended', 3]], 'each event once, in order');
    t.ok(events.every((e) => e.offline === true), 'queued while the CSMS was away: offline');
  }
  const order = cloud.calls.filter((c) => c.action === 'TransactionEvent').map((c) => c.params.meterValue?.[0]?.sampledValue?.[0]?.value ?? c.params.transactionInfo.chargingState);
  t.same(order, [100, 'Charging', 120, 140, 200, 'Charging', 220, 240], 'the first session before the second, as they happened');
  t.same(cloud.validationFailures, []);
});

t.test('the 2.0.1 CSMS commands the 1.6 charger: start and stop, reset, variables; what 1.6 cannot do is said so', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const { cp1 } = await site(t, cloud);
  const got: [string, unknown][] = [];
  let started: Promise<unknown> | undefined;
  cp1.handle('RemoteStartTransaction', ({ params }) => {
    got.push(['RemoteStartTransaction', params]);
    // The charger starts the session the CSMS asked for, as a real one does.
    started = callSoon(cp1, 'StartTransaction', { connectorId: 1, idTag: params.idTag, meterStart: 5, timestamp: at(20) });
    return { status: 'Accepted' };
  });
  cp1.handle('RemoteStopTransaction', ({ params }) => (got.push(['RemoteStopTransaction', params]), { status: 'Accepted' }));
  cp1.handle('Reset', ({ params }) => (got.push(['Reset', params]), { status: 'Accepted' }));
  cp1.handle('GetConfiguration', ({ params }) => (got.push(['GetConfiguration', params]), { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }], unknownKey: ['WebSocketPingInterval'] }));
  cp1.handle('ChangeConfiguration', ({ params }) => (got.push(['ChangeConfiguration', params]), { status: 'Accepted' }));
  cp1.handle('UnlockConnector', ({ params }) => (got.push(['UnlockConnector', params]), { status: 'Unlocked' }));
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the station booted');

  t.same(await cloud.command('CP1', 'RequestStartTransaction', { evseId: 1, remoteStartId: 77, idToken: { idToken: 'TAG1', type: 'ISO14443' } }), { status: 'Accepted' });
  await eventually(() => [...cloud.transactions.values()].length === 1, 'the Started at the CSMS');
  const [transactionId, events] = [...cloud.transactions.entries()][0]!;
  t.match(events[0], { eventType: 'Started', triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 77 } }, 'the Started names the CSMS\'s remoteStartId');

  t.same(await cloud.command('CP1', 'RequestStopTransaction', { transactionId }), { status: 'Accepted' });
  t.same(await cloud.command('CP1', 'RequestStopTransaction', { transactionId: 'not-ours' }), { status: 'Rejected' }, 'a transaction the station does not have');
  t.same(await cloud.command('CP1', 'Reset', { type: 'Immediate' }), { status: 'Accepted' });
  t.same(await cloud.command('CP1', 'Reset', { type: 'OnIdle', evseId: 1 }), { status: 'Rejected' }, '1.6 resets the whole charger, never one EVSE');
  t.same(await cloud.command('CP1', 'UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'Unlocked' });
  const variables = await cloud.command('CP1', 'GetVariables', {
    getVariableData: [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'WebSocketPingInterval' } },
      { component: { name: 'Nowhere' }, variable: { name: 'Nothing' } },
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } },
    ],
  });
  t.same(variables.getVariableResult.map((r: { attributeStatus: string; attributeValue?: string }) => [r.attributeStatus, r.attributeValue]), [
    ['Accepted', '300'],
    ['UnknownVariable', undefined],
    ['UnknownVariable', undefined],
    ['Rejected', undefined],
  ]);
  const set = await cloud.command('CP1', 'SetVariables', { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '30' }] });
  t.same(set.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus), ['Accepted']);
  const refused = await cloud.command('CP1', 'GetReport', { requestId: 1 }).catch((err: { rpcErrorCode?: string }) => err);
  t.equal(refused.rpcErrorCode, 'NotSupported', 'no 1.6 counterpart: CALLERROR NotSupported');

  const local = (got.find(([a]) => a === 'RemoteStopTransaction')![1] as { transactionId: number }).transactionId;
  t.same(got, [
    ['RemoteStartTransaction', { idTag: 'TAG1', connectorId: 1 }],
    ['RemoteStopTransaction', { transactionId: local }],
    ['Reset', { type: 'Hard' }],
    ['UnlockConnector', { connectorId: 1 }],
    ['GetConfiguration', { key: ['HeartbeatInterval', 'WebSocketPingInterval'] }],
    ['ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' }],
  ], 'the charger got the 1.6 commands, with chargegate\'s transactionId');
  t.match(transactionId, new RegExp(`^${local}-`));
  t.match(await started, { transactionId: local, idTagInfo: { status: 'Accepted' } }, 'the charger\'s StartTransaction answered with the id the stop named');
  t.same(cloud.validationFailures, []);
});

t.test('a 2.0.1 charger behind the 2.0.1 CSMS: its own transactionId, chargegate\'s seqNo, the CSMS\'s stop reaches it', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, { bootedBefore: ['CP1'], patch: (c) => (c.upstream = upstream201(cloud.url)) });
  await eventually(() => gw.app.upstream!.online(), 'CP1 online at the CSMS');
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  const stops: unknown[] = [];
  cp.handle('RequestStopTransaction', ({ params }) => (stops.push(params), { status: 'Accepted' }));
  await cp.call('BootNotification', boot201);
  const energy = (value: number, context: string, timestamp: string) => [{ timestamp, sampledValue: [{ value, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
  const base = { evse: { id: 1, connectorId: 1 }, transactionInfo: { transactionId: 'ev-tx-0001', chargingState: 'Charging' } };
  await cp.call('TransactionEvent', { ...base, eventType: 'Started', seqNo: 0, timestamp: at(1), triggerReason: 'Authorized', idToken: { idToken: 'TAG1', type: 'ISO14443' }, meterValue: energy(4000, 'Transaction.Begin', at(1)) });
  await eventually(() => cloud.transactions.get('ev-tx-0001')?.[0]?.eventType === 'Started', 'the Started at the CSMS under the charger\'s own transactionId');
  t.same(await cloud.command('CP1', 'RequestStopTransaction', { transactionId: 'ev-tx-0001' }), { status: 'Accepted' });
  t.same(stops, [{ transactionId: 'ev-tx-0001' }], 'the charger is asked with its own transactionId');
  await cp.call('TransactionEvent', { ...base, eventType: 'Ended', seqNo: 1, timestamp: at(9), triggerReason: 'RemoteStop', transactionInfo: { transactionId: 'ev-tx-0001', stoppedReason: 'Remote' }, meterValue: energy(9000, 'Transaction.End', at(9)) });
  await eventually(() => cloud.transactions.get('ev-tx-0001')?.some((e) => e.eventType === 'Ended') === true, 'the Ended');
  const series = cloud.transactions.get('ev-tx-0001')!;
  t.same(series.map((e) => e.seqNo), series.map((_, i) => i), 'numbered by chargegate from 0, no gap');
  t.same([series[0]!.eventType, series.at(-1)!.eventType], ['Started', 'Ended']);
  t.match(cloud.transactions.get('ev-tx-0001')!.at(-1), { transactionInfo: { stoppedReason: 'Remote' }, meterValue: [{ sampledValue: [{ value: 9000, context: 'Transaction.End' }] }] });
  t.same(cloud.validationFailures, []);
});

t.test('security profile 3 to the 2.0.1 CSMS: wss://, its certificate verified, a client certificate and a password', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'gateway'));
  const cloudCa = makeCa(dir, 'cloud-ca');
  const siteCa = makeCa(dir, 'site-ca');
  const server = issue(dir, cloudCa, 'cloud', '127.0.0.1', { server: true });
  const client = issue(dir, siteCa, 'site', 'CP1');
  const cloud = await startCloud201(0, { key: server.key, cert: server.cert, clientCa: siteCa.cert });
  t.teardown(() => cloud.close());
  cloud.passwords.set('CP1', 'cloud-pw-cp1');
  const gw = await startGateway(t, {
    dir: join(dir, 'gateway'),
    bootedBefore: ['CP1'],
    patch: (c) => {
      c.chargers.list[0].upstream = { password: 'cloud-pw-cp1' };
      c.upstream = { ...upstream201(cloud.url), ca: `\${file:${cloudCa.certFile}}`, cert: `\${file:${client.certFile}}`, key: `\${file:${client.keyFile}}` };
    },
  });
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the boot over mutual TLS');
  await eventually(() => gw.app.upstream!.online(), 'the link up');
  t.match(cloud.url, /^wss:/);
  t.same(cloud.clientCertificates.slice(0, 1), ['CP1'], 'the CSMS saw the client certificate');
  t.same(cloud.validationFailures, []);
});

t.test('with a site balancer, the 2.0.1 CSMS\'s profiles are the balancer\'s caps (as a 1.6 cloud\'s), never the charger\'s', async (t) => {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1'],
    patch: (c) => {
      c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2, standingInterval: 0 } };
      c.upstream = upstream201(cloud.url);
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'CP1 online at the CSMS');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const got: { id: number; purpose: string; limit: number }[] = [];
  cp1.handle('SetChargingProfile', ({ params }) => {
    const p = params.csChargingProfiles;
    got.push({ id: p.chargingProfileId, purpose: p.chargingProfilePurpose, limit: p.chargingSchedule.chargingSchedulePeriod[0].limit });
    return { status: 'Accepted' };
  });
  await cp1.call('BootNotification', bootPayload);
  await cp1.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  const schedule = (limit: number) => [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] }];
  const max = { id: 801, stackLevel: 0, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Absolute', chargingSchedule: schedule(7) };
  t.same(await cloud.command('CP1', 'SetChargingProfile', { evseId: 0, chargingProfile: max }), { status: 'Accepted' });
  await eventually(() => got.some((g) => g.purpose === 'TxDefaultProfile' && g.limit === 7), 'the charger\'s standing limit capped at the CSMS\'s 7 A');
  t.notOk(got.some((g) => g.id === 801), 'the CSMS\'s profile itself never reaches the charger');

  const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => cloud.transactions.size === 1, 'the Started');
  const transactionId = [...cloud.transactions.keys()][0]!;
  const tx = { id: 802, stackLevel: 0, chargingProfilePurpose: 'TxProfile', chargingProfileKind: 'Absolute', transactionId, chargingSchedule: schedule(6) };
  t.same(await cloud.command('CP1', 'SetChargingProfile', { evseId: 1, chargingProfile: tx }), { status: 'Accepted' }, 'a TxProfile naming the transaction as the CSMS knows it');
  await eventually(() => got.some((g) => g.purpose === 'TxProfile' && g.limit === 6), 'the session at the CSMS\'s 6 A');
  const composite = await cloud.command('CP1', 'GetCompositeSchedule', { evseId: 1, duration: 300 });
  t.match(composite, { status: 'Accepted', schedule: { evseId: 1, duration: 300, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } });
  t.same(await cloud.command('CP1', 'ClearChargingProfile', { chargingProfileId: 802 }), { status: 'Accepted' });
  t.ok(start.transactionId > 0);
  t.same(cloud.validationFailures, []);
});
