/**
 * mqtt.homeAssistant.format, as Home Assistant sees it on the site's own broker (an aedes the
 * test runs, which keeps its retained messages while chargegate restarts, as a site's Mosquitto
 * with persistence does): a site that ran with per-entity configs moves to device configs once,
 * in Home Assistant's migration order (each old topic flagged, the device config, each old topic
 * emptied) with every entity keeping its unique id; a restart in the same format moves nothing;
 * and the way back works the same. Not set, the format is the one the install published before
 * (an upgrade changes nothing), and a new install's is one config per device; on the site's
 * broker a new install first sweeps what an earlier install on a wiped disk may have left.
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import t, { type Test } from 'tap';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { connectClient, type Received } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';
import { deviceComponents, discoveryProblems, haConfig } from '../helpers/ha-discovery.js';

const DEVICE_TOPIC = 'homeassistant/device/chargegate_CP1/config';
const MIGRATE = (p: string) => p !== '' && JSON.parse(p).migr_discvry === true;
const isCp1Entity = (topic: string) => /^homeassistant\/(?!device\/)[a-z_]+\/chargegate_CP1\/[^/]+\/config$/.test(topic);

async function siteBroker(t: Test) {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => broker.close(() => server.close(() => resolve()))));
  /** What the broker holds retained under homeassistant/ now (what a Home Assistant that starts later reads). */
  const retained = async () => {
    const out = new Map<string, string>();
    // aedes' persistence (aedes-persistence createRetainedStream), which its types do not show.
    const { persistence } = broker as unknown as { persistence: { createRetainedStream(pattern: string): AsyncIterable<{ topic: string; payload: Buffer }> } };
    for await (const packet of persistence.createRetainedStream('homeassistant/#')) out.set(packet.topic, packet.payload.toString());
    return out;
  };
  return { url: `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`, retained };
}

t.test('per-entity configs move to one device config and back, the entities keep their ids', async (t) => {
  const { url, retained } = await siteBroker(t);
  const ha = await connectClient(t, url);
  await ha.subscribe(['homeassistant/#']);
  const dir = t.testdir();
  const run = (format?: 'entity' | 'device', logger?: ReturnType<typeof capturingLogger>['logger']) =>
    startGateway(t, { dir, ...(logger ? { logger } : {}), patch: (c) => void (c.mqtt = { url, throttle: 0, ...(format ? { homeAssistant: { format } } : {}) }) });
  const from = (index: number) => ha.received.slice(index);

  // 1. Per-entity configs, CP1 booted.
  let gw = await run('entity');
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await ha.waitFor('homeassistant/binary_sensor/chargegate_CP1/connected/config', (p) => haConfig(p).device?.manufacturer === bootPayload.chargePointVendor);
  const entityIds = new Map([...(await retained())].filter(([topic]) => isCp1Entity(topic)).map(([topic, payload]) => [topic, haConfig(payload).unique_id as string]));
  t.ok(entityIds.size > 20, `${entityIds.size} per-entity configs retained for CP1`);
  cp.close();
  await gw.stop();

  // 2. Device configs: each old topic flagged (not retained), the device config, each old topic emptied.
  let mark = ha.received.length;
  const moving = capturingLogger('info');
  gw = await run('device', moving.logger);
  await eventually(() => from(mark).some((m) => m.topic === DEVICE_TOPIC), 'the device config');
  await eventually(() => [...entityIds.keys()].every((topic) => from(mark).some((m) => m.topic === topic && m.payload === '')), 'every old config emptied');
  const seen = from(mark);
  const at = (match: (m: Received) => boolean) => seen.findIndex(match);
  const device = at((m) => m.topic === DEVICE_TOPIC);
  for (const topic of entityIds.keys()) {
    const flag = at((m) => m.topic === topic && MIGRATE(m.payload));
    const cleared = at((m) => m.topic === topic && m.payload === '');
    if (!(flag >= 0 && flag < device && cleared > device)) t.fail(`${topic}: flagged at ${flag}, device config at ${device}, emptied at ${cleared}`);
  }
  t.ok(seen.filter((m) => MIGRATE(m.payload)).every((m) => !m.retain), 'the flags are not retained');
  const split = deviceComponents(DEVICE_TOPIC, seen[device]!.payload);
  t.strictSame(split.problems, []);
  for (const c of split.components) t.strictSame(discoveryProblems(c.component, c.config), [], `${c.object} is valid`);
  t.strictSame(new Map(split.components.map((c) => [c.topic, c.config.unique_id])), entityIds, 'the same entities under the same discovery ids, with the same unique ids');
  t.equal(split.components.find((c) => c.object === 'connected')!.config.device.manufacturer, bootPayload.chargePointVendor, 'the device as booted');
  let kept = await retained();
  t.strictSame([...kept.keys()].filter(isCp1Entity), [], 'no per-entity config of CP1 is left on the broker');
  t.ok(kept.has(DEVICE_TOPIC), 'the device config is');
  await eventually(() => moving.entries().some((e) => /discovery moved/.test(e.msg)), 'the move logged');
  t.match(moving.entries().find((e) => /discovery moved/.test(e.msg)), { format: 'device', devices: 2 }, 'the log says so, with the devices moved (CP1 and the configured CP2)');
  await gw.stop();

  // 3. The same format again: nothing to move.
  mark = ha.received.length;
  gw = await run('device');
  await eventually(() => from(mark).some((m) => m.topic === DEVICE_TOPIC && m.payload !== '' && !MIGRATE(m.payload)), 'the device config again');
  t.equal(from(mark).filter((m) => MIGRATE(m.payload)).length, 0, 'a restart in the same format flags nothing');
  await gw.stop();

  // 4. Back to per-entity configs: the device topic flagged, the entities' configs, the device topic emptied.
  mark = ha.received.length;
  gw = await run('entity');
  await eventually(() => from(mark).some((m) => m.topic === DEVICE_TOPIC && m.payload === ''), 'the device config emptied');
  const back = from(mark);
  const flag = back.findIndex((m) => m.topic === DEVICE_TOPIC && MIGRATE(m.payload));
  const firstEntity = back.findIndex((m) => isCp1Entity(m.topic) && m.payload !== '');
  const emptied = back.findIndex((m) => m.topic === DEVICE_TOPIC && m.payload === '');
  t.ok(flag >= 0 && flag < firstEntity && firstEntity < emptied, `flag ${flag} < first entity config ${firstEntity} < device config emptied ${emptied}`);
  kept = await retained();
  t.notOk(kept.has(DEVICE_TOPIC), 'no device config left');
  t.strictSame(new Map([...kept].filter(([topic]) => isCp1Entity(topic)).map(([topic, payload]) => [topic, haConfig(payload).unique_id])), entityIds, 'the per-entity configs again, the same ids');
  await gw.stop();

  // 5. The setting removed: the install keeps the format it publishes, nothing moves.
  mark = ha.received.length;
  const unset = capturingLogger('info');
  gw = await run(undefined, unset.logger);
  await ha.waitFor('homeassistant/binary_sensor/chargegate_CP1/connected/config', () => from(mark).some((m) => m.topic === 'homeassistant/binary_sensor/chargegate_CP1/connected/config' && m.payload !== ''));
  t.equal(from(mark).filter((m) => MIGRATE(m.payload) || m.topic === DEVICE_TOPIC).length, 0, 'format not set after per-entity configs: per entity still, nothing flagged, no device config');
  await eventually(() => unset.entries().some((e) => /^Home Assistant discovery: one config per entity/.test(e.msg)), 'the format logged');
  t.match(unset.entries().find((e) => /^Home Assistant discovery: one config per entity/.test(e.msg)), { format: 'entity', source: 'kept' }, 'the log says why: kept from before');
  await gw.stop();
});

t.test('a new install on the site\'s broker: one config per device, after a sweep of what a wiped earlier install left', async (t) => {
  const { url, retained } = await siteBroker(t);
  const ha = await connectClient(t, url);
  await ha.subscribe(['homeassistant/#']);
  // What an earlier install on this site, per entity, left retained before its disk was wiped.
  const left = 'homeassistant/binary_sensor/chargegate_CP1/connected/config';
  await ha.publish(left, JSON.stringify({ name: 'Connected', stat_t: 'chargegate/chargers/CP1/connected', uniq_id: 'chargegate_CP1_connected', dev: { ids: ['chargegate_CP1'] } }), { retain: true });
  await ha.waitFor(left);
  const mark = ha.received.length;
  const log = capturingLogger('info');
  const gw = await startGateway(t, { logger: log.logger, patch: (c) => void (c.mqtt = { url, throttle: 0 }) });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await ha.waitFor(DEVICE_TOPIC, (p) => p !== '' && deviceComponents(DEVICE_TOPIC, p).components.some((c) => c.config.device.manufacturer === bootPayload.chargePointVendor));
  const swept = () => {
    const since = ha.received.slice(mark);
    const flagged = since.filter((m) => MIGRATE(m.payload)).map((m) => m.topic);
    return since.some((m) => m.topic === 'homeassistant/device/chargegate_CP2/config') && flagged.length > 0 && flagged.every((topic) => since.some((m) => m.topic === topic && m.payload === ''));
  };
  await eventually(swept, 'every flagged topic emptied, both devices announced');
  const seen = ha.received.slice(mark);
  const order = seen.map((m) => (m.topic === left ? (MIGRATE(m.payload) ? 'flag' : m.payload === '' ? 'emptied' : 'config') : m.topic === DEVICE_TOPIC ? 'device' : undefined)).filter((x) => x !== undefined);
  t.strictSame(order.slice(0, 3), ['flag', 'device', 'emptied'], 'the left config: flagged (Home Assistant keeps the entity), the device config, emptied');
  t.equal(seen.filter((m) => isCp1Entity(m.topic) && m.payload !== '' && !MIGRATE(m.payload)).length, 0, 'no per-entity config published');
  t.ok(seen.filter((m) => MIGRATE(m.payload)).every((m) => !m.retain), 'the flags are not retained');
  const kept = await retained();
  t.strictSame([...kept.keys()].sort(), ['homeassistant/device/chargegate_CP1/config', 'homeassistant/device/chargegate_CP2/config'], 'one retained config per configured charger, nothing else');
  await eventually(() => log.entries().some((e) => /^Home Assistant discovery: one config per charger/.test(e.msg)), 'the format logged');
  t.match(log.entries().find((e) => /^Home Assistant discovery: one config per charger/.test(e.msg)), { format: 'device', source: 'new', msg: /for an older one set mqtt\.homeAssistant\.format: entity/ }, 'the log names the format, why, and the setting for an older Home Assistant');
  t.notOk(log.entries().some((e) => /discovery moved/.test(e.msg)), 'a sweep is not logged as a move');

  // Home Assistant's birth message: the configs again, one per device.
  const birth = ha.received.length;
  await ha.publish('homeassistant/status', 'online');
  await eventually(() => ['CP1', 'CP2'].every((id) => ha.received.slice(birth).some((m) => m.topic === `homeassistant/device/chargegate_${id}/config` && m.payload !== '')), 'both device configs published again');
  t.strictSame(
    ha.received.slice(birth).filter((m) => m.topic !== 'homeassistant/status').map((m) => m.topic).sort(),
    ['homeassistant/device/chargegate_CP1/config', 'homeassistant/device/chargegate_CP2/config'],
    'a birth message is answered with one message per device',
  );
  cp.close();
});

t.test('a new install on the embedded broker: one config per device, nothing flagged (that broker starts empty)', async (t) => {
  const gw = await startGateway(t, { patch: (c) => void (c.mqtt = { port: 0, throttle: 0 }) });
  const ha = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`);
  await ha.subscribe(['homeassistant/#']);
  await ha.waitFor(DEVICE_TOPIC);
  await ha.waitFor('homeassistant/device/chargegate_CP2/config');
  t.equal(ha.received.filter((m) => MIGRATE(m.payload)).length, 0, 'no flags');
  t.equal(ha.received.filter((m) => m.topic.startsWith('homeassistant/') && m.topic !== 'homeassistant/status' && !m.topic.startsWith('homeassistant/device/')).length, 0, 'no per-entity config, not even emptied');
});

t.test('a store from before the setting (a charger seen, no format kept) counts as per entity: its entities are moved', async (t) => {
  const { url, retained } = await siteBroker(t);
  const ha = await connectClient(t, url);
  await ha.subscribe(['homeassistant/#']);
  await startGateway(t, { bootedBefore: ['CP1'], patch: (c) => void (c.mqtt = { url, throttle: 0, homeAssistant: { format: 'device' } }) });
  await ha.waitFor(DEVICE_TOPIC);
  const connected = 'homeassistant/binary_sensor/chargegate_CP1/connected/config';
  await eventually(() => ha.received.some((m) => m.topic === connected && m.payload === ''), 'the old Connected config emptied');
  const order = ha.received.map((m) => (m.topic === connected ? (MIGRATE(m.payload) ? 'flag' : m.payload === '' ? 'emptied' : 'config') : m.topic === DEVICE_TOPIC ? 'device' : undefined)).filter((x) => x !== undefined);
  t.strictSame(order, ['flag', 'device', 'emptied'], 'the Connected entity: flagged, the device config, emptied');
  t.ok((await retained()).has(DEVICE_TOPIC));
});

t.test('an upgrade from before the setting, the format not set: per entity still, nothing moved', async (t) => {
  const { url } = await siteBroker(t);
  const ha = await connectClient(t, url);
  await ha.subscribe(['homeassistant/#']);
  await startGateway(t, { bootedBefore: ['CP1'], patch: (c) => void (c.mqtt = { url, throttle: 0 }) });
  await ha.waitFor('homeassistant/binary_sensor/chargegate_CP1/connected/config', (p) => p !== '');
  await ha.waitFor('homeassistant/binary_sensor/chargegate_CP2/connected/config', (p) => p !== '');
  t.equal(ha.received.filter((m) => MIGRATE(m.payload) || m.topic.startsWith('homeassistant/device/')).length, 0, 'no flag, no device topic touched');
});

t.test('a site of 100 chargers per entity is told at start about device configs; per device, or smaller, it is not', async (t) => {
  const { url } = await siteBroker(t);
  const ha = await connectClient(t, url);
  await ha.subscribe(['homeassistant/device/+/config', 'homeassistant/binary_sensor/+/connected/config']);
  const chargers = Array.from({ length: 100 }, (_, i) => ({ id: `CP${i + 1}`, password: PASSWORDS.CP1, maxCurrent: 16, phases: 3 }));
  const advice = (entries: Record<string, any>[]) => entries.filter((e) => /format: device publishes one discovery config per charger/.test(e.msg));

  const large = capturingLogger('info');
  await startGateway(t, { logger: large.logger, patch: (c) => void ((c.chargers as { list: unknown[] }).list = chargers, (c.mqtt = { url, throttle: 0, homeAssistant: { format: 'entity' } })) });
  await ha.waitFor('homeassistant/binary_sensor/chargegate_CP100/connected/config');
  await eventually(() => advice(large.entries()).length > 0, 'the hint logged');
  t.match(advice(large.entries()), [{ chargers: 100, format: 'entity' }], 'once, with the number of chargers');

  const asDevices = capturingLogger('info');
  await startGateway(t, { logger: asDevices.logger, patch: (c) => void ((c.chargers as { list: unknown[] }).list = chargers, (c.mqtt = { url, throttle: 0, homeAssistant: { format: 'device' } })) });
  await ha.waitFor('homeassistant/device/chargegate_CP100/config');
  t.strictSame(advice(asDevices.entries()), [], 'not when the site is per device');

  const small = capturingLogger('info');
  await startGateway(t, { logger: small.logger, patch: (c) => void ((c.chargers as { list: unknown[] }).list = chargers.slice(0, 99), (c.mqtt = { url, throttle: 0, prefix: 'small', homeAssistant: { format: 'entity' } })) });
  await ha.waitFor('homeassistant/binary_sensor/chargegate_CP99/connected/config', (p) => p.includes('small/chargers'));
  t.strictSame(advice(small.entries()), [], 'not below 100 chargers');
});
