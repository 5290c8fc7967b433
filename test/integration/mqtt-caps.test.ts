/**
 * Current caps as a home user sets them (issue #18): from Home Assistant's "Current limit"
 * number over MQTT, without a site: section (each charger's own profile) and with one (the
 * balancer's cap), kept across a restart; and every Home Assistant entity chargegate announces
 * checked against Home Assistant's rules with the values its topics carried.
 */
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { PASSWORDS, eventually, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { deviceProblems, discoveryProblems, haConfig, stateProblem } from '../helpers/ha-discovery.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { mosquittoPath, startMosquitto } from '../helpers/mosquitto.js';
import { bootPayload, boot201, rpcCharger, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const USER = { username: 'homeassistant', password: 'ha-secret-pw1' };
const CP1 = 'chargegate/chargers/CP1';

function embedded(c: Record<string, any>): void {
  c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0, users: [{ ...USER, access: 'command' }] };
}

async function user(t: Test, gw: RunningGateway): Promise<TestClient> {
  const c = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, USER);
  await c.subscribe(['chargegate/#', 'homeassistant/#']);
  return c;
}

/** A strict 1.6 charger that takes every profile and records what it got. */
async function charger(t: Test, gw: RunningGateway, id: 'CP1' | 'CP2' = 'CP1') {
  const profiles: any[] = [];
  const clears: any[] = [];
  const c = await rpcCharger(t, gw.url, id, PASSWORDS[id]);
  c.handle('SetChargingProfile', ({ params }) => (profiles.push(params), { status: 'Accepted' }));
  c.handle('ClearChargingProfile', ({ params }) => (clears.push(params), { status: 'Accepted' }));
  await c.call('BootNotification', bootPayload);
  await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  return { c, profiles, clears };
}

async function result(u: TestClient, topic: string, after: number): Promise<any> {
  await eventually(() => u.received.filter((m) => m.topic === topic).length > after, `a result on ${topic}`);
  return JSON.parse(u.received.filter((m) => m.topic === topic)[after]!.payload);
}

/** Every retained discovery config, checked; then every value seen on its state topic. */
function checkDiscovery(t: Test, u: TestClient): number {
  const configs = new Map<string, { component: string; config: Record<string, any> }>();
  for (const m of u.received) {
    if (!m.topic.startsWith('homeassistant/') || m.payload === '') continue;
    configs.set(m.topic, { component: m.topic.split('/')[1]!, config: haConfig(m.payload) });
  }
  // Each device in full on one config, linked by ids and name from the others (issue #19; in the
  // order the broker handed the retained ones out, which need not be the order published).
  t.strictSame(deviceProblems([...configs].filter(([topic]) => topic.endsWith('/config')).map(([topic, { config }]) => ({ topic, payload: config })), { ordered: false }), [], 'one full device per device');
  let values = 0;
  for (const [topic, { component, config }] of configs) {
    t.strictSame(discoveryProblems(component, config), [], topic);
    for (const m of u.received.filter((r) => r.topic === config.state_topic)) {
      values++;
      t.equal(stateProblem(component, config, m.payload), undefined, `${topic} takes ${m.topic} = ${m.payload.slice(0, 60)}`);
    }
  }
  return configs.size;
}

t.test('without a site: section, a cap from Home Assistant becomes the charger\'s own profile, shown as set, kept across a restart', async (t) => {
  const dir = t.testdir();
  let gw = await startGateway(t, { dir, patch: embedded });
  let u = await user(t, gw);
  const first = await charger(t, gw);

  await u.publish(`${CP1}/connectors/1/maxcurrent/set`, '10');
  t.match(await result(u, `${CP1}/connectors/1/maxcurrent/result`, 0), { result: 'accepted', reason: /capped at 10 A/ });
  await eventually(() => first.profiles.length > 0, 'the profile at the charger');
  t.match(first.profiles.at(-1), { connectorId: 1, csChargingProfiles: { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 1, chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } } });
  t.equal((await u.waitFor(`${CP1}/connectors/1/cap`, (p) => p === '10')).payload, '10', 'the number shows the cap');
  await u.waitFor(`${CP1}/connectors/1/limit`, (p) => p === '10');
  await u.waitFor(`${CP1}/connectors/1/limitAccepted`, (p) => p === '10');
  t.match((await u.waitFor(`${CP1}/connectors/1/limitReason`, (p) => p.startsWith('cap'))).payload, /^cap: capped at 10 A; no site/);

  // The whole charger, from the HTTP API (the dashboard's path): a ChargePointMaxProfile.
  const res = await fetch(`${gw.httpUrl}/api/chargers/CP1/max-current`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amps: 8 }) });
  t.equal(res.status, 200);
  const chargerWide = () => first.profiles.find((p) => p.connectorId === 0);
  await eventually(() => chargerWide() !== undefined, 'the charger-wide profile');
  t.equal(first.profiles.filter((p) => p.connectorId === 1).length, 1, 'one write per cap: the charger\'s flash is spared');
  t.match(chargerWide(), { connectorId: 0, csChargingProfiles: { chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { chargingSchedulePeriod: [{ limit: 8 }] } } });
  await u.waitFor(`${CP1}/cap`, (p) => p === '8');
  await u.waitFor(`${CP1}/connectors/1/limit`, (p) => p === '8');

  t.ok(checkDiscovery(t, u) > 20, 'the discovery payloads were checked');

  await gw.stop();
  gw = await startGateway(t, { dir, patch: embedded });
  u = await user(t, gw);
  const again = await charger(t, gw);
  await eventually(() => again.profiles.length >= 2, 'both caps sent again after the restart');
  t.same(again.profiles.map((p) => [p.connectorId, p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit]).sort(), [[0, 8], [1, 10]]);
  t.equal((await u.waitFor(`${CP1}/connectors/1/cap`)).payload, '10', 'the number still shows the cap');

  // Removing the cap clears exactly our profile.
  await u.publish(`${CP1}/connectors/1/maxcurrent/set`, 'null');
  t.match(await result(u, `${CP1}/connectors/1/maxcurrent/result`, 0), { result: 'accepted', reason: /cap removed/ });
  await eventually(() => again.clears.length > 0, 'the ClearChargingProfile');
  t.same(again.clears[0], { id: 7101 });
  await u.waitFor(`${CP1}/connectors/1/cap`, (p) => p === 'none');
});

t.test('a 2.0.1 charger gets the cap translated at the edge', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      embedded(c);
      c.chargers.list[0].ocpp = '2.0.1';
    },
  });
  const u = await user(t, gw);
  const profiles: any[] = [];
  const c: RpcClient = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  c.handle('SetChargingProfile', ({ params }) => (profiles.push(params), { status: 'Accepted' }));
  c.handle('GetBaseReport', () => ({ status: 'NotSupported' }));
  await c.call('BootNotification', boot201);
  await u.publish(`${CP1}/connectors/1/maxcurrent/set`, '{"amps": 12}');
  t.match(await result(u, `${CP1}/connectors/1/maxcurrent/result`, 0), { result: 'accepted' });
  await eventually(() => profiles.length > 0, 'the 2.0.1 profile');
  t.match(profiles[0], { evseId: 1, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: [{ chargingRateUnit: 'A', chargingSchedulePeriod: [{ limit: 12 }] }] } });
});

t.test('with a site, the number shows the cap while the allocation under it moves; caps and the site limit survive a restart', async (t) => {
  const dir = t.testdir();
  const withSite = (c: Record<string, any>) => {
    embedded(c);
    c.site = { supply: { maxCurrent: 20, phases: 3 }, balancing: { recheckInterval: 0.2 } };
  };
  let gw = await startGateway(t, { dir, patch: withSite });
  let u = await user(t, gw);
  const cp1 = await charger(t, gw);
  await u.publish(`${CP1}/connectors/1/maxcurrent/set`, '14');
  t.match(await result(u, `${CP1}/connectors/1/maxcurrent/result`, 0), { result: 'accepted' });
  await u.waitFor(`${CP1}/connectors/1/cap`, (p) => p === '14');
  await u.waitFor(`${CP1}/connectors/1/limit`, (p) => p === '14');
  // A site limit below the cap: the allocation drops, the number keeps the cap.
  await u.publish('chargegate/site/limit/set', '{"amps": 9, "duration": 3600}');
  t.match(await result(u, 'chargegate/site/limit/result', 0), { result: 'accepted' });
  await u.waitFor(`${CP1}/connectors/1/limit`, (p) => Number(p) <= 9);
  t.equal(u.latest(`${CP1}/connectors/1/cap`), '14', 'the number still shows the cap');
  await eventually(() => cp1.profiles.at(-1)?.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit <= 9, 'the charger held to the site limit');
  // The dashboard's (HTTP) word replaces Home Assistant's: one cap, the latest.
  const res = await fetch(`${gw.httpUrl}/api/chargers/CP1/connectors/1/max-current`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amps: 12 }) });
  t.equal(res.status, 200);
  await u.waitFor(`${CP1}/connectors/1/cap`, (p) => p === '12');
  t.same(gw.app.balancer!.caps('CP1'), [{ connectorId: 1, source: 'http', amps: 12 }], 'the latest word replaced the one before');
  // Announced at start, before u subscribed: it comes in u's retained stream, which the live
  // messages waited for above may overtake. Waited for, so the check below includes the site device.
  t.ok(await u.waitFor('homeassistant/number/chargegate_site/site_limit/config'), 'the site limit number');
  t.ok(checkDiscovery(t, u) > 20, 'the discovery payloads (site device included) were checked');

  await gw.stop();
  gw = await startGateway(t, { dir, patch: withSite });
  u = await user(t, gw);
  t.same(gw.app.balancer!.caps('CP1'), [{ connectorId: 1, source: 'http', amps: 12 }], 'the cap is back');
  await eventually(() => gw.app.balancer!.allocation()?.siteLimit.amps === 9, 'the site limit is back');
  t.equal((await u.waitFor(`${CP1}/connectors/1/cap`)).payload, '12');
});

const binary = mosquittoPath();
t.test('over Mosquitto, a cap without a site reaches the charger', { skip: binary ? false : 'mosquitto is not installed' }, async (t) => {
  const broker = await startMosquitto(t, binary!);
  const gw = await startGateway(t, { patch: (c) => void (c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0 }) });
  const u = await connectClient(t, broker.url);
  await u.subscribe(['chargegate/#']);
  const cp1 = await charger(t, gw);
  await u.waitFor(`${CP1}/connected`, (p) => p === 'online');
  await u.publish(`${CP1}/connectors/1/maxcurrent/set`, '7');
  t.match(await result(u, `${CP1}/connectors/1/maxcurrent/result`, 0), { result: 'accepted' });
  await eventually(() => cp1.profiles.length > 0, 'the profile at the charger');
  t.match(cp1.profiles[0], { connectorId: 1, csChargingProfiles: { chargingSchedule: { chargingSchedulePeriod: [{ limit: 7 }] } } });
  await u.waitFor(`${CP1}/connectors/1/cap`, (p) => p === '7');
});

t.test('a start with an idTag chargegate would refuse is rejected at once, not "accepted"', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      embedded(c);
      c.mqtt.startIdTag = 'HOME-ASSISTANT';
    },
  });
  const u = await user(t, gw);
  const cp1 = await charger(t, gw);
  const starts: unknown[] = [];
  cp1.c.handle('RemoteStartTransaction', ({ params }) => (starts.push(params), { status: 'Accepted' }));
  await u.publish(`${CP1}/connectors/1/start/set`, '{}');
  t.match(await result(u, `${CP1}/connectors/1/start/result`, 0), { result: 'rejected', reason: /idTag HOME-ASSISTANT is Invalid in chargegate's authorization \(add it to authorization.list\)/ });
  t.same(starts, [], 'nothing was sent to the charger');
  await u.publish(`${CP1}/connectors/1/start/set`, '{"idTag": "TAG1"}');
  t.match(await result(u, `${CP1}/connectors/1/start/result`, 1), { result: 'accepted' });
});

t.test('the example config accepts its own startIdTag', async (t) => {
  const example = parse(readFileSync(new URL('../../config/chargegate.example.yaml', import.meta.url), 'utf8')) as any;
  t.ok(example.authorization.list.some((e: { idTag: string; status?: string }) => e.idTag === example.mqtt.startIdTag && (e.status ?? 'Accepted') === 'Accepted'), example.mqtt.startIdTag);
});

t.test('a cap removed while the charger is away is cleared when it comes back', async (t) => {
  const gw = await startGateway(t, { patch: embedded });
  const u = await user(t, gw);
  const first = await charger(t, gw);
  await u.publish(`${CP1}/connectors/1/maxcurrent/set`, '10');
  await eventually(() => first.profiles.length > 0, 'the profile at the charger');
  await first.c.close();
  await u.waitFor(`${CP1}/connected`, (p) => p === 'offline');
  await u.publish(`${CP1}/connectors/1/maxcurrent/set`, 'null');
  t.match(await result(u, `${CP1}/connectors/1/maxcurrent/result`, 1), { result: 'accepted', reason: /cap removed \(the charger gets it when it connects\)/ });
  const back = await charger(t, gw);
  await eventually(() => back.clears.length > 0, 'the ClearChargingProfile on its return');
  t.same(back.clears, [{ id: 7101 }]);
  t.same(back.profiles, [], 'no cap sent again');
});
