/**
 * 2.0.1 chargers behind a 1.6 cloud (#17): the strict ocpp-rpc 1.6 cloud sees them as 1.6
 * charge points (transparent mode) or as connectors of the site (aggregate mode): their
 * TransactionEvents become StartTransaction / MeterValues / StopTransaction with the cloud's own
 * transactionIds, online and replayed in order after an outage, and the cloud's 1.6 commands reach
 * the strict 2.0.1 charger as 2.0.1 calls. Both peers validate every frame they get.
 */
import t, { type Test } from 'tap';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { boot201, callSoon, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const link = { answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
const energy = (value: number, context: string, minute: number) => [{ timestamp: at(minute), sampledValue: [{ value, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];

async function site(t: Test, mode: 'transparent' | 'aggregate') {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: mode === 'transparent' ? ['CP1'] : [],
    patch: (c) => {
      // One charger: an aggregate Reset is Accepted only when every charger of the site accepts.
      c.chargers.list = [c.chargers.list[0]];
      c.upstream = mode === 'transparent' ? { mode, url: cloud.url, ...link } : { url: cloud.url, identity: SITE, ...link };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link up', 20_000);
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  await cp.call('StatusNotification', { timestamp: at(0), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  return { cloud, gw, cp, identity: mode === 'transparent' ? 'CP1' : SITE };
}

/** One whole 2.0.1 session (Started, a periodic reading, Ended) under the charger's transactionId `id`. */
async function session(cp: RpcClient, id: string, meterStart: number, offline = false) {
  const o = offline ? { offline: true } : {};
  const base = { ...o, evse: { id: 1, connectorId: 1 } };
  await cp.call('TransactionEvent', { ...base, eventType: 'Started', seqNo: 0, timestamp: at(1), triggerReason: 'Authorized', idToken: { idToken: 'TAG1', type: 'ISO14443' }, transactionInfo: { transactionId: id, chargingState: 'Charging' }, meterValue: energy(meterStart, 'Transaction.Begin', 1) });
  await cp.call('TransactionEvent', { ...o, eventType: 'Updated', seqNo: 1, timestamp: at(3), triggerReason: 'MeterValuePeriodic', transactionInfo: { transactionId: id }, meterValue: energy(meterStart + 20, 'Sample.Periodic', 3) });
  await cp.call('TransactionEvent', { ...o, eventType: 'Ended', seqNo: 2, timestamp: at(4), triggerReason: 'EVCommunicationLost', transactionInfo: { transactionId: id, stoppedReason: 'EVDisconnected' }, meterValue: energy(meterStart + 40, 'Transaction.End', 4) });
}

const calls = (cloud: TestCloud, identity: string, actions: string[]) => cloud.calls.filter((c) => c.identity === identity && actions.includes(c.action));

for (const mode of ['transparent', 'aggregate'] as const) {
  t.test(`${mode}: a 2.0.1 charger's session reaches the 1.6 cloud as Start, MeterValues, Stop with the cloud's transactionId`, async (t) => {
    const { cloud, cp, identity } = await site(t, mode);
    await session(cp, 'ev-tx-1', 4000);
    await eventually(() => [...cloud.sessions.values()].some((s) => s.meterStop !== undefined), 'the Stop at the cloud');
    t.equal(cloud.sessions.size, 1);
    const [cloudId, s] = [...cloud.sessions.entries()][0]!;
    t.match(s, { identity, connectorId: 1, idTag: 'TAG1', meterStart: 4000, startedAt: at(1), meterStop: 4040, stoppedAt: at(4) });
    const tx = calls(cloud, identity, ['StartTransaction', 'MeterValues', 'StopTransaction']);
    // The Started's own readings (Transaction.Begin) follow the Start as a MeterValues: nothing of them lost.
    t.same(tx.map((c) => [c.action, c.params.meterValue?.[0]?.sampledValue?.[0]?.context]), [['StartTransaction', undefined], ['MeterValues', 'Transaction.Begin'], ['MeterValues', 'Sample.Periodic'], ['StopTransaction', undefined]]);
    t.same(tx.slice(1).map((c) => c.params.transactionId), [cloudId, cloudId, cloudId], 'MeterValues and the Stop carry the cloud\'s transactionId');
    t.match(tx[3]!.params, { reason: 'EVDisconnected', transactionData: [{ sampledValue: [{ value: '4040', context: 'Transaction.End' }] }] });
    t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 1.6 schema check');
  });

  t.test(`${mode}: whole 2.0.1 sessions while the 1.6 cloud is down are delivered in order once it is back`, async (t) => {
    const { cloud, gw, cp, identity } = await site(t, mode);
    await cloud.down();
    await eventually(() => !gw.app.upstream!.online(), 'the cloud gone');
    await session(cp, 'ev-tx-1', 100, true);
    await session(cp, 'ev-tx-2', 200, true);
    t.equal(cloud.sessions.size, 0, 'nothing could be sent');
    await cloud.up();
    await eventually(() => [...cloud.sessions.values()].filter((s) => s.meterStop !== undefined).length === 2, 'both sessions at the cloud', 10_000);
    const tx = calls(cloud, identity, ['StartTransaction', 'MeterValues', 'StopTransaction']);
    t.same(tx.map((c) => [c.action, c.params.meterStart ?? c.params.meterStop ?? Number(c.params.meterValue[0].sampledValue[0].value)]), [
      ['StartTransaction', 100], ['MeterValues', 100], ['MeterValues', 120], ['StopTransaction', 140],
      ['StartTransaction', 200], ['MeterValues', 200], ['MeterValues', 220], ['StopTransaction', 240],
    ], 'each message once, the first session before the second');
    const ids = [...cloud.sessions.keys()];
    t.same(tx.filter((c) => c.action !== 'StartTransaction').map((c) => c.params.transactionId), [ids[0], ids[0], ids[0], ids[1], ids[1], ids[1]], 'each with the id the cloud gave its Start');
    t.same(cloud.validationFailures, []);
  });

  t.test(`${mode}: the 1.6 cloud's RemoteStart/Stop, ChangeConfiguration and Reset reach the 2.0.1 charger as 2.0.1 calls`, async (t) => {
    const { cloud, cp, identity } = await site(t, mode);
    const got: [string, unknown][] = [];
    let started: Promise<unknown> | undefined;
    cp.handle('RequestStartTransaction', ({ params }) => {
      got.push(['RequestStartTransaction', params]);
      // The charger starts the session it was asked for, as a real one does.
      started = callSoon(cp, 'TransactionEvent', { eventType: 'Started', seqNo: 0, timestamp: at(20), triggerReason: 'RemoteStart', evse: { id: 1, connectorId: 1 }, idToken: params.idToken, transactionInfo: { transactionId: 'ev-remote-1', remoteStartId: params.remoteStartId }, meterValue: energy(5, 'Transaction.Begin', 20) });
      return { status: 'Accepted' };
    });
    cp.handle('RequestStopTransaction', ({ params }) => (got.push(['RequestStopTransaction', params]), { status: 'Accepted' }));
    cp.handle('SetVariables', ({ params }) => (got.push(['SetVariables', params]), { setVariableResult: params.setVariableData.map((d: { component: unknown; variable: unknown }) => ({ attributeStatus: 'Accepted', component: d.component, variable: d.variable })) }));
    cp.handle('Reset', ({ params }) => (got.push(['Reset', params]), { status: 'Accepted' }));
    const station = cloud.clients.get(identity)!;

    t.same(await station.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Accepted' });
    await eventually(() => cloud.sessions.size === 1, 'the Start at the cloud');
    const cloudId = [...cloud.sessions.keys()][0]!;
    t.same(await station.call('RemoteStopTransaction', { transactionId: cloudId }), { status: 'Accepted' });
    // Aggregate: the site is the charge point; a charger's own key is <chargerId>/<key>.
    t.same(await station.call('ChangeConfiguration', { key: mode === 'transparent' ? 'MeterValueSampleInterval' : 'CP1/MeterValueSampleInterval', value: '30' }), { status: 'Accepted' });
    t.same(await station.call('Reset', { type: 'Hard' }), { status: 'Accepted' });

    t.match(got, [
      ['RequestStartTransaction', { evseId: 1, idToken: { idToken: 'TAG1' }, remoteStartId: Number }],
      ['RequestStopTransaction', { transactionId: 'ev-remote-1' }],
      ['SetVariables', { setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '30' }] }],
      ['Reset', { type: 'Immediate' }],
    ], 'the charger got 2.0.1 calls, with its own transactionId');
    t.equal(got.length, 4);
    t.match(await started, { idTokenInfo: { status: 'Accepted' } }, 'the charger\'s Started answered, the cloud\'s tag accepted');
    t.same(cloud.validationFailures, []);
  });
}
