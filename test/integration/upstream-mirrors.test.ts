/**
 * More than one upstream: a primary cloud and a read-only mirror (upstream.mirrors), each a
 * strict ocpp-rpc CSMS. Each receives every transaction once, with its own transactionIds;
 * a mirror that was away catches up in order; only the primary commands (a mirror within its
 * allow-list); the API and MQTT show both side by side.
 */
import t, { type Test } from 'tap';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient } from '../helpers/mqtt.js';
import { rpcCharger } from '../helpers/rpc-charger.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const TX_ACTIONS = ['StartTransaction', 'MeterValues', 'StopTransaction'];
const LINK = { callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };

/** What a cloud received of the transactions: [action, its transactionId (the Start: meterStart)]. */
const received = (cloud: TestCloud) => cloud.calls.filter((c) => TX_ACTIONS.includes(c.action)).map((c) => [c.action, c.params.transactionId ?? c.params.meterStart]);

/** What a cloud should have received for sessions started at these meterStarts, in its own ids. */
function expected(cloud: TestCloud, meterStarts: number[]): (string | number)[][] {
  const idOf = (meterStart: number) => [...cloud.sessions.values()].find((s) => s.meterStart === meterStart)?.transactionId ?? -1;
  return meterStarts.flatMap((m) => [['StartTransaction', m], ['MeterValues', idOf(m)], ['StopTransaction', idOf(m)]]);
}

async function site(t: Test, options: { mqtt?: boolean } = {}) {
  const primary = await startCloud();
  const mirror = await startCloud(0, undefined, { firstTransactionId: 9001 });
  t.teardown(() => primary.close());
  t.teardown(() => mirror.close());
  mirror.passwords.set('SUPPLIER-SITE-7', 'mirror-secret-01');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      if (options.mqtt) c.mqtt = { port: 0, throttle: 0 };
      c.upstream = {
        url: primary.url,
        identity: 'SITE-GW-1',
        ...LINK,
        mirrors: [{ name: 'supplier', url: mirror.url.replace('ws://', 'ws://user:pw@'), identity: 'SUPPLIER-SITE-7', password: 'mirror-secret-01', ...LINK, commands: ['GetConfiguration'] }],
      };
    },
  });
  await eventually(() => primary.clients.has('SITE-GW-1') && mirror.clients.has('SUPPLIER-SITE-7'), 'both clouds connected');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'T1' });
  return { primary, mirror, gw, cp1 };
}

async function session(cp1: Awaited<ReturnType<typeof rpcCharger>>, n: number): Promise<void> {
  const start = await cp1.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 1000 * n, timestamp: at(n * 3) });
  await cp1.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: at(n * 3 + 1), sampledValue: [{ value: String(1000 * n + 400) }] }] });
  await cp1.call('StopTransaction', { transactionId: start.transactionId, meterStop: 1000 * n + 700, timestamp: at(n * 3 + 2) });
}

t.test('a primary and a mirror: each receives every transaction once, in its own ids; a mirror away catches up in order', async (t) => {
  const { primary, mirror, cp1 } = await site(t);
  // Authorization is the primary's: the mirror is never asked.
  t.same(await cp1.call('Authorize', { idTag: 'TAG1' }), { idTagInfo: { status: 'Accepted' } });
  await primary.waitFor((c) => c.action === 'Authorize', 'Authorize');

  for (const n of [0, 1]) await session(cp1, n);
  await eventually(() => received(primary).length === 6 && received(mirror).length === 6, 'both clouds have both sessions', 10_000);
  t.same(received(primary), expected(primary, [0, 1000]), 'the primary: every message once, its own transactionIds');
  t.same(received(mirror), expected(mirror, [0, 1000]), 'the mirror: every message once, its own transactionIds');
  t.same([...primary.sessions.keys()], [5001, 5002]);
  t.same([...mirror.sessions.keys()], [9001, 9002], 'the Stop to the mirror carries the mirror\'s id, not the primary\'s');

  // The mirror goes away; the site charges on; the primary is not held up.
  await mirror.down();
  for (const n of [2, 3]) await session(cp1, n);
  await eventually(() => received(primary).length === 12, 'the primary has the sessions at once', 10_000);
  t.equal(received(mirror).length, 6, 'the mirror got nothing while away');
  await mirror.up();
  await eventually(() => received(mirror).length === 12, 'the mirror caught up', 10_000);
  t.same(received(mirror), expected(mirror, [0, 1000, 2000, 3000]), 'the mirror: everything, in order, exactly once');
  t.same(received(primary), expected(primary, [0, 1000, 2000, 3000]), 'the primary: unaffected');
  t.same([...mirror.sessions.values()].map((s) => [s.meterStart, s.meterStop]), [[0, 700], [1000, 1700], [2000, 2700], [3000, 3700]]);

  t.notOk(mirror.calls.some((c) => c.action === 'Authorize'), 'the mirror was never asked to Authorize');
  t.ok(mirror.calls.some((c) => c.action === 'StatusNotification'), 'the mirror gets the status too');
  t.same(primary.validationFailures, [], 'every frame the primary got validates');
  t.same(mirror.validationFailures, [], 'every frame the mirror got validates');
});

t.test('only the primary commands; a mirror within its allow-list; the API and MQTT show both', async (t) => {
  const { primary, mirror, gw, cp1 } = await site(t, { mqtt: true });
  const toCharger: string[] = [];
  cp1.handle('RemoteStartTransaction', () => (toCharger.push('RemoteStartTransaction'), { status: 'Accepted' }));
  cp1.handle('Reset', () => (toCharger.push('Reset'), { status: 'Accepted' }));

  const fromMirror = mirror.clients.get('SUPPLIER-SITE-7')!;
  t.same(await fromMirror.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Rejected' }, 'a mirror\'s RemoteStart: refused');
  t.same(await fromMirror.call('Reset', { type: 'Hard' }), { status: 'Rejected' });
  const refused = await fromMirror.call('GetLocalListVersion', {}).then(() => undefined, (err: unknown) => err);
  t.match(refused, { rpcErrorCode: 'SecurityError', message: /supplier/ }, 'no status to refuse with: CALLERROR SecurityError');
  const config = await fromMirror.call('GetConfiguration', { key: ['NumberOfConnectors'] });
  t.same(config.configurationKey.map((k: { key: string }) => k.key), ['NumberOfConnectors'], 'the allow-listed GetConfiguration is answered');
  t.same(toCharger, [], 'nothing the mirror sent reached the charger');

  const fromPrimary = primary.clients.get('SITE-GW-1')!;
  t.same(await fromPrimary.call('RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1' }), { status: 'Accepted' }, 'the primary\'s RemoteStart goes through');
  t.same(toCharger, ['RemoteStartTransaction']);

  const listed = await api(gw.httpUrl, '/api/upstreams', { token: TOKENS.read });
  t.equal(listed.status, 200);
  t.match(listed.json.upstreams, [
    { name: 'primary', role: 'primary', mode: 'aggregate', url: primary.url, online: true, outboxDepth: Number, deadLetters: 0 },
    { name: 'supplier', role: 'mirror', mode: 'aggregate', url: mirror.url, online: true, outboxDepth: Number, deadLetters: 0, commands: ['GetConfiguration'] },
  ]);
  t.notMatch(JSON.stringify(listed.json), /user:pw|mirror-secret/, 'no credentials shown');
  const view = await api(gw.httpUrl, '/api/upstream', { token: TOKENS.read });
  t.same(view.json.upstreams.map((u: { name: string }) => u.name), ['primary', 'supplier'], 'the upstream view lists both');

  await mirror.down();
  await eventually(() => gw.app.upstreams!.summaries()[1]!.online === false, 'the mirror offline');
  const away = (await api(gw.httpUrl, '/api/upstreams', { token: TOKENS.read })).json.upstreams;
  t.match(away, [{ name: 'primary', online: true }, { name: 'supplier', online: false, lastError: { message: String, at: String } }], 'side by side: one up, one down');

  const client = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`);
  await client.subscribe(['chargegate/upstream/+/state', 'chargegate/gateway/upstream']);
  await client.waitFor('chargegate/upstream/supplier/state', (p) => JSON.parse(p).online === false);
  await client.waitFor('chargegate/upstream/primary/state', (p) => JSON.parse(p).online === true && JSON.parse(p).role === 'primary');
  await client.waitFor('chargegate/gateway/upstream', (p) => p === 'online');
  t.pass('MQTT shows each upstream; the primary keeps its gateway/upstream topic');

  const metrics = await api(gw.httpUrl, '/metrics', { token: TOKENS.read });
  t.match(metrics.text, /chargegate_upstreams_online\{upstream="supplier",role="mirror"\} 0/);
  t.match(metrics.text, /chargegate_upstreams_online\{upstream="primary",role="primary"\} 1/);
  t.same(mirror.validationFailures, []);
  t.same(primary.validationFailures, []);
});

t.test('a transparent mirror beside an aggregate primary: each charger is itself at the mirror, with the mirror\'s password', async (t) => {
  const primary = await startCloud();
  const mirror = await startCloud(0, undefined, { firstTransactionId: 9001 });
  t.teardown(() => primary.close());
  t.teardown(() => mirror.close());
  for (const id of ['CP1', 'CP2']) mirror.passwords.set(id, 'registry-secret-1');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.upstream = { url: primary.url, identity: 'SITE-GW-1', ...LINK, mirrors: [{ name: 'registry', mode: 'transparent', url: mirror.url, password: 'registry-secret-1', ...LINK }] };
    },
  });
  await eventually(() => primary.clients.has('SITE-GW-1') && mirror.clients.has('CP1') && mirror.clients.has('CP2'), 'the primary once, the mirror per charger');
  const cp2 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  await cp2.call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'T1' });
  const start = await cp2.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 50, timestamp: at(1) });
  await cp2.call('StopTransaction', { transactionId: start.transactionId, meterStop: 900, timestamp: at(2) });
  await eventually(() => [primary, mirror].every((c) => c.calls.some((x) => x.action === 'StopTransaction')), 'the Stop at both');
  t.match([...primary.sessions.values()], [{ identity: 'SITE-GW-1', transactionId: 5001, connectorId: 2, meterStop: 900 }], 'the primary: the site, its virtual connector');
  t.match([...mirror.sessions.values()], [{ identity: 'CP2', transactionId: 9001, connectorId: 1, meterStop: 900 }], 'the mirror: the charger itself, its own id');
  t.same(mirror.validationFailures, []);
  t.same(primary.validationFailures, []);
});
