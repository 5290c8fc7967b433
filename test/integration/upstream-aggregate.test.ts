/**
 * The cloud upstream in aggregate mode, over real sockets: a test cloud on ocpp-rpc (strict)
 * and chargers on ocpp-rpc (strict). The cloud sees one charge point, SITE-GW-1.
 */
import t, { type Test } from 'tap';
import type { GatewayEvents } from '../../src/events.js';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const energy = (wh: number) => [{ timestamp: at(5), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }];

async function setup(t: Test, upstream: Record<string, unknown> = {}) {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.authorization.list.push({ idTag: 'LISTED1' });
      c.upstream = {
        url: cloud.url,
        identity: SITE,
        password: 'site-secret-01',
        answerTimeout: 2,
        callTimeout: 2,
        transactionMessageRetryInterval: 0,
        reconnect: { initialDelay: 0.05, maxDelay: 0.2 },
        ...upstream,
      };
    },
  });
  await cloud.waitFor((c) => c.action === 'BootNotification', 'the gateway\'s boot');
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  return { cloud, gw };
}

const ofSite = (cloud: TestCloud, action?: string) => cloud.calls.filter((c) => c.identity === SITE && (!action || c.action === action));

t.test('online: the cloud sees one charge point, its connectors, and every transaction message with its own id', async (t) => {
  const { cloud, gw } = await setup(t);
  t.match(ofSite(cloud, 'BootNotification')[0]!.params, { chargePointVendor: 'chargegate', chargePointModel: 'site gateway', chargePointSerialNumber: SITE });
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  await cp2.call('BootNotification', bootPayload);
  await cp2.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: at(0) });
  const start = await cp2.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 1000, timestamp: at(1) });
  const cloudStart = await cloud.waitFor((c) => c.action === 'StartTransaction', 'StartTransaction');
  t.same(cloudStart.params, { connectorId: 2, idTag: 'TAG2', meterStart: 1000, timestamp: at(1) }, 'CP2 connector 1 is the site\'s connector 2 (config order)');
  const cloudId = [...cloud.sessions.keys()][0]!;
  t.not(start.transactionId, cloudId, 'the charger has chargegate\'s id, the cloud its own');
  await cp2.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: energy(1500) });
  await cp2.call('StopTransaction', { transactionId: start.transactionId, meterStop: 2000, timestamp: at(9), idTag: 'TAG2', reason: 'Local' });
  await eventually(() => cloud.sessions.get(cloudId)?.meterStop !== undefined, 'the Stop at the cloud');
  t.match(cloud.sessions.get(cloudId), { identity: SITE, connectorId: 2, meterStart: 1000, meterStop: 2000, meterValues: 1 });
  t.same(ofSite(cloud, 'MeterValues')[0]!.params.transactionId, cloudId, 'MeterValues carry the cloud\'s id');
  t.match(ofSite(cloud, 'StatusNotification').find((c) => c.params.connectorId === 2 && c.params.status === 'Preparing'), { params: { errorCode: 'NoError' } });
  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});

t.test('the cloud\'s idTagInfo wins when it answers in time; Authorize asks the cloud', async (t) => {
  const { cloud, gw } = await setup(t);
  cloud.idTagStatus.set('TAG1', 'Blocked');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  t.same(await cp1.call('Authorize', { idTag: 'TAG1' }), { idTagInfo: { status: 'Blocked' } }, 'the local list says Accepted; the cloud decides');
  const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: at(1) });
  t.same(start.idTagInfo, { status: 'Blocked' });
  t.equal(gw.app.store.sessions.get(start.transactionId)?.authStatus, 'Blocked', 'the session records what the charger was told');
  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});

t.test('the cloud down for whole sessions, then back: every message arrives once, in order, with the cloud\'s ids', async (t) => {
  const { cloud, gw } = await setup(t);
  // The statuses announced at the first boot go out first: one still in flight when the cloud
  // drops would be resent unchanged (its answer was lost), which is right but not this test.
  await eventually(() => gw.app.upstream!.outboxDepth() === 0, 'the first announcements delivered');
  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the link to notice');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const local: number[] = [];
  for (let s = 0; s < 2; s++) {
    await cp1.call('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: at(10 * s) });
    const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100 * s, timestamp: at(10 * s + 1) });
    t.same(start.idTagInfo, { status: 'Accepted' }, 'answered at once from the local list');
    await cp1.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: at(10 * s + 1) });
    for (const wh of [10, 20]) await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: energy(100 * s + wh) });
    await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 100 * s + 50, timestamp: at(10 * s + 9), reason: 'EVDisconnected' });
    local.push(start.transactionId);
  }
  await cp1.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(30) });
  t.ok(gw.app.upstream!.outboxDepth() >= 8, 'queued durably while the cloud is away');
  const before = cloud.calls.length;

  await cloud.up();
  await eventually(() => [...cloud.sessions.values()].filter((s) => s.meterStop !== undefined).length === 2, 'both sessions at the cloud', 10_000);
  await eventually(() => gw.app.upstream!.outboxDepth() === 0, 'the outbox to drain');
  const replay = cloud.calls.slice(before).filter((c) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action));
  const ids = [...cloud.sessions.keys()];
  t.same(replay.map((c) => [c.action, c.params.transactionId ?? c.params.meterStart]), [
    ['StartTransaction', 0], ['MeterValues', ids[0]], ['MeterValues', ids[0]], ['StopTransaction', ids[0]],
    ['StartTransaction', 100], ['MeterValues', ids[1]], ['MeterValues', ids[1]], ['StopTransaction', ids[1]],
  ], 'once each, in order, with the cloud\'s transactionIds');
  t.same([...cloud.sessions.values()].map((s) => [s.meterStart, s.meterStop]), [[0, 50], [100, 150]]);
  const statuses = cloud.calls.slice(before).filter((c) => c.action === 'StatusNotification' && c.params.connectorId === 1);
  t.same(statuses.map((c) => c.params.status), ['Available'], 'only the latest status of the connector, not its stale history');
  t.equal(local.length, 2);
  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});

t.test('a CALLERROR from the cloud: retried, then dead-lettered, visible, and the queue goes on', async (t) => {
  const { cloud, gw } = await setup(t, { transactionMessageAttempts: 3 });
  const dead: GatewayEvents['upstream.deadLetter'][] = [];
  gw.app.events.on('upstream.deadLetter', (d) => dead.push(d));
  cloud.failNext('MeterValues', 3, 'PropertyConstraintViolation');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: at(1) });
  t.same(await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: energy(10) }), {}, 'the charger never sees the cloud\'s refusal');
  await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 30, timestamp: at(9) });
  await cloud.waitFor((c) => c.action === 'StopTransaction', 'the Stop after the dead letter');
  t.equal(ofSite(cloud, 'MeterValues').length, 3, 'sent three times (TransactionMessageAttempts)');
  t.equal(dead.length, 1);
  t.match(dead[0], { action: 'MeterValues', attempts: 3, localTransactionId: start.transactionId, error: /PropertyConstraintViolation/ });
  t.match(gw.app.upstream!.deadLetters(), [{ action: 'MeterValues', payload: { connectorId: 1 } }], 'kept in the dead-letter table');
  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});

t.test('offline authorization: the local list, then the cache of the cloud\'s answers, then unknownIdTag', async (t) => {
  const { cloud, gw } = await setup(t);
  cloud.idTagStatus.set('CARD-B', 'Blocked');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  t.same(await cp1.call('Authorize', { idTag: 'CARD-A' }), { idTagInfo: { status: 'Accepted' } }, 'online: the cloud knows CARD-A');
  t.same(await cp1.call('Authorize', { idTag: 'CARD-B' }), { idTagInfo: { status: 'Blocked' } });
  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the link to notice');
  t.same(await cp1.call('Authorize', { idTag: 'card-a' }), { idTagInfo: { status: 'Accepted' } }, 'from the cache (idTags compare without case)');
  t.same(await cp1.call('Authorize', { idTag: 'CARD-B' }), { idTagInfo: { status: 'Blocked' } }, 'a cached refusal stays a refusal');
  t.same(await cp1.call('Authorize', { idTag: 'LISTED1' }), { idTagInfo: { status: 'Accepted' } }, 'from the local list');
  t.same(await cp1.call('Authorize', { idTag: 'NOBODY' }), { idTagInfo: { status: 'Invalid' } }, 'unknown: offline.unknownIdTag reject');
  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});

t.test('a late Invalid from the cloud stops the session the charger was told was fine', async (t) => {
  const { cloud, gw } = await setup(t, { offline: { unknownIdTag: 'accept' } });
  cloud.idTagStatus.set('STOLEN', 'Invalid');
  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the link to notice');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  // Booted, or chargegate would hold the RemoteStopTransaction (no call before a boot, 1.6 §4.2).
  await cp1.call('BootNotification', bootPayload);
  const remoteStops: any[] = [];
  cp1.handle('RemoteStopTransaction', ({ params }) => {
    remoteStops.push(params);
    return { status: 'Accepted' };
  });
  const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'STOLEN', meterStart: 0, timestamp: at(1) });
  t.same(start.idTagInfo, { status: 'Accepted' }, 'offline, unknown tags are accepted here');
  await cloud.up();
  await eventually(() => remoteStops.length === 1, 'RemoteStopTransaction at the charger');
  t.same(remoteStops, [{ transactionId: start.transactionId }], 'with chargegate\'s transactionId');
  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});

t.test('commands from the cloud reach the right charger, with its connector and transaction ids', async (t) => {
  const { cloud, gw } = await setup(t);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  // Booted, or chargegate would hold the cloud's commands (no call before a boot, 1.6 §4.2).
  for (const cp of [cp1, cp2]) await cp.call('BootNotification', bootPayload);
  const got: Record<string, any[]> = { CP1: [], CP2: [] };
  for (const [id, cp] of [['CP1', cp1], ['CP2', cp2]] as const) {
    cp.handle('RemoteStartTransaction', ({ params }) => (got[id]!.push(['start', params]), { status: 'Accepted' }));
    cp.handle('RemoteStopTransaction', ({ params }) => (got[id]!.push(['stop', params]), { status: 'Accepted' }));
    cp.handle('GetConfiguration', ({ params }) => ({ configurationKey: (params.key ?? ['MeterValueSampleInterval']).map((key: string) => ({ key, readonly: false, value: `${id}-${key}` })) }));
  }
  const site = cloud.clients.get(SITE)!;
  t.same(await site.call('RemoteStartTransaction', { connectorId: 2, idTag: 'TAG2' }), { status: 'Accepted' });
  t.same(got.CP2, [['start', { connectorId: 1, idTag: 'TAG2' }]], 'site connector 2 is CP2 connector 1');

  const start = await cp2.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: at(1) });
  await eventually(() => cloud.sessions.size === 1, 'the Start at the cloud');
  const cloudId = [...cloud.sessions.keys()][0]!;
  await eventually(() => gw.app.upstream!.outboxDepth() === 0, 'delivered');
  t.same(await site.call('RemoteStopTransaction', { transactionId: cloudId }), { status: 'Accepted' });
  t.same(got.CP2!.at(-1), ['stop', { transactionId: start.transactionId }], 'the cloud\'s id became chargegate\'s');
  t.same(await site.call('RemoteStopTransaction', { transactionId: 999999 }), { status: 'Rejected' }, 'an unknown transaction');
  t.same(got.CP1, [], 'CP1 was never bothered');

  const config = await site.call('GetConfiguration', { key: ['NumberOfConnectors', 'CP1/MeterValueSampleInterval', 'Nope'] });
  t.same(config, {
    configurationKey: [
      { key: 'NumberOfConnectors', readonly: true, value: '2' },
      { key: 'CP1/MeterValueSampleInterval', readonly: false, value: 'CP1-MeterValueSampleInterval' },
    ],
    unknownKey: ['Nope'],
  });
  const refused = await site.call('GetLog', { logType: 'DiagnosticsLog', requestId: 1, log: { remoteLocation: 'https://logs.example.com/up/' } }).catch((e: unknown) => e);
  t.match(refused, { rpcErrorCode: 'NotSupported', message: /site gateway/ }, 'what cannot be mapped: NotSupported with a description, not a timeout');
  t.same(await site.call('SendLocalList', { listVersion: 7, updateType: 'Full', localAuthorizationList: [{ idTag: 'FROMCLOUD', idTagInfo: { status: 'Accepted' } }] }), { status: 'Accepted' });
  t.same(await site.call('GetLocalListVersion', {}), { listVersion: 7 });
  t.equal(gw.app.store.auth.get(`cloud:${SITE}`, 'FROMCLOUD')?.status, 'Accepted', 'kept by chargegate for offline use');
  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});
