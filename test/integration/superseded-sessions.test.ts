/**
 * Two StartTransactions on one connector and one StopTransaction (issue 14): the first session
 * waits for its own Stop (ocpp.orphanGrace). Within the grace the real Stop closes it; after
 * it, chargegate closes it by estimate, and a late real Stop corrects that. What MQTT, the HTTP
 * API and the cloud (aggregate mode, test cloud on ocpp-rpc) see, over real sockets.
 */
import t, { type Test } from 'tap';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';
import type { SessionRecord } from '../../src/store/ports.js';

const SITE = 'SITE-GW-1';
const TOKEN = 'full-token-0123456789abcdef';
const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const CP1 = 'chargegate/chargers/CP1';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const energy = (wh: number, minute: number) => [{ timestamp: at(minute), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }];

interface Site {
  gw: RunningGateway;
  cloud: TestCloud;
  cp: RpcClient;
  mqtt: TestClient;
  ended: SessionRecord[];
}

async function site(t: Test, orphanGrace: number): Promise<Site> {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    patch: (c) => {
      c.ocpp.orphanGrace = orphanGrace;
      c.chargers.list[0].connectors = 1;
      c.http = { port: 0, host: '127.0.0.1', token: TOKEN };
      c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }] };
      c.upstream = { url: cloud.url, identity: SITE, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to the cloud');
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await mqtt.subscribe('chargegate/#');
  const ended: SessionRecord[] = [];
  gw.app.events.on('session.ended', (s) => ended.push(s));
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  return { gw, cloud, cp, mqtt, ended };
}

async function api(gw: RunningGateway, path: string): Promise<any> {
  const res = await fetch(`${gw.httpUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return res.json();
}

/** Session A (meter 1000 → 1500 seen), then B starts on the same connector at 2000: A's Stop was not sent. */
async function twoStarts(s: Site): Promise<{ a: number; b: number }> {
  const a = (await s.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: at(0) })).transactionId as number;
  await s.cp.call('MeterValues', { connectorId: 1, transactionId: a, meterValue: energy(1500, 10) });
  const b = (await s.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 2000, timestamp: at(30) })).transactionId as number;
  return { a, b };
}

const cloudIdOf = (cloud: TestCloud, meterStart: number) => [...cloud.sessions.values()].find((x) => x.meterStart === meterStart)?.transactionId;

t.test('the real Stop within the grace closes the first session with its own values', async (t) => {
  const s = await site(t, 300);
  const { a, b } = await twoStarts(s);

  t.match(s.gw.app.store.sessions.get(a), { state: 'active', supersededBy: b }, 'A waits for its Stop, not closed by guessing');
  t.same(s.gw.app.store.sessions.list({ state: 'active' }).map((x) => x.transactionId), [b], 'one running session on the connector');
  await s.mqtt.waitFor(`${CP1}/connectors/1/session`, (p) => JSON.parse(p).transactionId === b);
  const chargers = await api(s.gw, '/api/chargers');
  t.match(chargers.chargers.find((c: any) => c.id === 'CP1').connectors[0].session, { transactionId: b }, 'the API shows B on the connector');
  await eventually(() => s.cloud.sessions.size === 2, 'both Starts at the cloud');
  t.same(s.cloud.calls.filter((c) => c.action === 'StopTransaction'), [], 'no Stop guessed for A');

  await s.cp.call('StopTransaction', { transactionId: a, meterStop: 1900, timestamp: at(25), reason: 'EVDisconnected' });
  t.match(s.gw.app.store.sessions.get(a), { state: 'completed', meterStop: 1900, energyWh: 900, stoppedAt: at(25), stopReason: 'EVDisconnected', closedBy: 'charger' }, 'closed with the real meterStop, time and reason');
  t.equal(s.gw.app.store.sessions.get(b)?.state, 'active', 'B runs on');
  const event = JSON.parse((await s.mqtt.waitFor(`${CP1}/event/session-ended`)).payload);
  t.match(event, { transactionId: a, energyWh: 900, stopReason: 'EVDisconnected' });
  t.notOk('estimated' in event, 'not an estimate');
  t.equal(JSON.parse(s.mqtt.latest(`${CP1}/connectors/1/session`)!).transactionId, b, "the connector's session topic stays B's");
  const listed = await api(s.gw, '/api/sessions');
  t.match(listed.sessions.find((x: any) => x.transactionId === a), { meterStop: 1900, stopReason: 'EVDisconnected', closedBy: 'charger' });

  const cloudA = cloudIdOf(s.cloud, 1000);
  await eventually(() => s.cloud.sessions.get(cloudA!)?.meterStop !== undefined, "A's Stop at the cloud");
  const stops = s.cloud.calls.filter((c) => c.action === 'StopTransaction');
  t.same(stops.map((c) => [c.params.transactionId, c.params.meterStop, c.params.reason]), [[cloudA, 1900, 'EVDisconnected']], 'the cloud gets the real Stop, once');
  t.same(s.cloud.validationFailures, []);
});

t.test('the grace over: closed by estimate from the last reading; a late real Stop corrects it everywhere', async (t) => {
  const s = await site(t, 0.2);
  const { a, b } = await twoStarts(s);
  await eventually(() => s.ended.some((x) => x.transactionId === a), 'A closed by estimate after the grace');
  t.match(s.gw.app.store.sessions.get(a), { state: 'completed', meterStop: 1500, energyWh: 500, stoppedAt: at(10), stopReason: 'Other', closedBy: 'gateway' }, 'its last known reading, not 0');
  t.equal(s.gw.app.store.sessions.get(b)?.state, 'active');
  const estimated = JSON.parse((await s.mqtt.waitFor(`${CP1}/event/session-ended`)).payload);
  t.match(estimated, { transactionId: a, energyWh: 500, closedBy: 'gateway', estimated: true });
  const cloudA = cloudIdOf(s.cloud, 1000);
  await eventually(() => s.cloud.sessions.get(cloudA!)?.meterStop === 1500, 'the estimated Stop delivered to the cloud');
  await eventually(() => s.gw.app.upstream!.outboxDepth() === 0, 'the outbox drained');

  // The charger comes back with A's queued Stop.
  t.same(await s.cp.call('StopTransaction', { transactionId: a, meterStop: 1900, timestamp: at(25), reason: 'EVDisconnected', idTag: 'TAG1' }), { idTagInfo: { status: 'Accepted' } });
  t.match(s.gw.app.store.sessions.get(a), { state: 'completed', meterStop: 1900, energyWh: 900, stoppedAt: at(25), stopReason: 'EVDisconnected', closedBy: 'charger', correctedAt: String }, 'corrected');
  const corrected = JSON.parse((await s.mqtt.waitFor(`${CP1}/event/session-corrected`)).payload);
  t.match(corrected, { transactionId: a, energyWh: 900, stopReason: 'EVDisconnected', correctedAt: String });
  t.notOk('estimated' in corrected);
  t.equal(JSON.parse(s.mqtt.latest(`${CP1}/connectors/1/session`)!).transactionId, b, "the connector's session topic stays B's");
  const listed = await api(s.gw, '/api/sessions');
  t.match(listed.sessions.find((x: any) => x.transactionId === a), { meterStop: 1900, energyWh: 900, closedBy: 'charger', correctedAt: String });

  // The cloud holds the estimated Stop already: told by DataTransfer, with its own transactionId.
  const dt = await s.cloud.waitFor((c) => c.action === 'DataTransfer' && c.params.messageId === 'StopTransactionCorrected', 'the correction at the cloud');
  t.equal(dt.params.vendorId, 'chargegate');
  t.match(JSON.parse(dt.params.data), { transactionId: cloudA, meterStop: 1900, timestamp: at(25), reason: 'EVDisconnected' });
  t.equal(s.cloud.calls.filter((c) => c.action === 'StopTransaction').length, 1, 'no second StopTransaction for A');

  // A resend of the real Stop changes nothing more.
  await s.cp.call('StopTransaction', { transactionId: a, meterStop: 1900, timestamp: at(25), reason: 'EVDisconnected', idTag: 'TAG1' });
  t.equal(s.cloud.calls.filter((c) => c.action === 'DataTransfer').length, 1);
  t.same(s.cloud.validationFailures, []);
});

t.test('the estimated Stop still queued when the real one comes: replaced, the cloud sees only the real one', async (t) => {
  const s = await site(t, 0.2);
  await eventually(() => s.gw.app.upstream!.outboxDepth() === 0, 'the first announcements delivered');
  await s.cloud.down();
  await eventually(() => !s.gw.app.upstream!.online(), 'the link to notice');
  const { a } = await twoStarts(s);
  await eventually(() => s.ended.some((x) => x.transactionId === a), 'A closed by estimate after the grace');
  await s.cp.call('StopTransaction', { transactionId: a, meterStop: 1900, timestamp: at(25), reason: 'EVDisconnected' });
  await s.mqtt.waitFor(`${CP1}/event/session-corrected`);

  await s.cloud.up();
  const cloudA = () => cloudIdOf(s.cloud, 1000);
  await eventually(() => cloudA() !== undefined && s.cloud.sessions.get(cloudA()!)?.meterStop !== undefined, "A's Stop at the cloud", 10_000);
  await eventually(() => s.gw.app.upstream!.outboxDepth() === 0, 'the outbox drained');
  const stops = s.cloud.calls.filter((c) => c.action === 'StopTransaction');
  t.same(stops.map((c) => [c.params.transactionId, c.params.meterStop, c.params.reason]), [[cloudA(), 1900, 'EVDisconnected']], 'one Stop, the real one');
  t.same(s.cloud.calls.filter((c) => c.action === 'DataTransfer'), [], 'nothing to correct at the cloud');
  t.same(s.cloud.validationFailures, []);
});

t.test('the grace survives a restart; after it only the newer session runs on the connector', async (t) => {
  const dir = t.testdir();
  const first = await startGateway(t, { dir, patch: (c) => (c.ocpp.orphanGrace = 3600) });
  const cp = await rpcCharger(t, first.url, 'CP1', PASSWORDS.CP1);
  // The charger's clock was reset by the power cut: the new session "started" before the old one.
  const a = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: at(30) })).transactionId as number;
  await cp.call('MeterValues', { connectorId: 1, transactionId: a, meterValue: energy(1400, 40) });
  const b = (await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 2000, timestamp: '2000-01-01T00:00:00.000Z' })).transactionId as number;
  await cp.close({ force: true });
  await first.stop();

  const second = await startGateway(t, { dir, patch: (c) => (c.ocpp.orphanGrace = 3600) });
  t.same(second.app.store.sessions.list({ state: 'active' }).map((s) => s.transactionId), [b], 'what the balancer, the mirror and the API read at start: B alone');
  t.match(second.app.store.sessions.get(a), { state: 'active', supersededBy: b }, 'A still waits');
  await second.stop();

  // Restarted with a short grace: A is overdue and closed by estimate at start.
  const third = await startGateway(t, { dir, patch: (c) => (c.ocpp.orphanGrace = 0) });
  await eventually(() => third.app.store.sessions.get(a)?.state === 'completed', 'A closed by estimate at start');
  t.match(third.app.store.sessions.get(a), { meterStop: 1400, closedBy: 'gateway', stopReason: 'Other' });
  t.equal(third.app.store.sessions.get(b)?.state, 'active');
});
