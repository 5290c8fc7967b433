/**
 * chargegate against a real Mosquitto, started by the test: the same topics, discovery and
 * commands as on the embedded broker, plus what only an external broker shows: a broker
 * restart (chargegate reconnects and says everything again), the last will, and a retained
 * command removed from the broker.
 */
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { mosquittoPath, startMosquitto } from '../helpers/mosquitto.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { haConfig } from '../helpers/ha-discovery.js';

const binary = mosquittoPath();
const CP1 = 'chargegate/chargers/CP1';

/**
 * Resolves once every message Mosquitto has queued for `client` so far has arrived, the retained
 * ones its subscriptions got included: a marker the client publishes now (QoS 1) is queued for it
 * behind them, and comes back last. "Not retained" is then a fact, not a guess about timing.
 */
async function drained(client: TestClient): Promise<void> {
  const marker = `chargegate-test/drained/${randomUUID()}`;
  await client.subscribe(marker);
  await client.publish(marker, 'marker', { qos: 1 });
  await client.waitFor(marker);
}

async function bootCharger(t: Test, url: string, identity: 'CP1' | 'CP2', calls: { action: string; payload: any }[] = []) {
  const charger = new SimulatedCharger({ url, identity, password: PASSWORDS[identity], connectors: 1, phases: 3, logger: silentLogger(), backoff: { initialMs: 50, maxMs: 200 } });
  charger.on('call', (action, payload) => calls.push({ action, payload }));
  charger.start();
  t.teardown(() => charger.stop());
  await new Promise((resolve) => charger.once('booted', resolve));
  return charger;
}

t.test('against Mosquitto', { skip: binary ? false : 'mosquitto is not installed (apt-get install mosquitto; .ci/run does)' }, async (t) => {
  t.test('topics, discovery and commands; a broker restart is survived', async (t) => {
    const broker = await startMosquitto(t, binary!);
    const gw = await startGateway(t, { patch: (c) => void (c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0, startIdTag: 'TAG1' }) });
    const calls: { action: string; payload: any }[] = [];
    const charger = await bootCharger(t, gw.url, 'CP1', calls);
    const user = await connectClient(t, broker.url);
    await user.subscribe(['chargegate/#', 'homeassistant/#']);

    t.equal((await user.waitFor('chargegate/status')).payload, 'online');
    await user.waitFor(`${CP1}/connected`, (p) => p === 'online');
    t.match(haConfig((await user.waitFor('homeassistant/sensor/chargegate_CP1/c1_energy/config')).payload), { device_class: 'energy', state_class: 'total_increasing', device: { identifiers: ['chargegate_CP1'], name: 'CP1' } });
    t.match(haConfig((await user.waitFor('homeassistant/binary_sensor/chargegate_CP1/connected/config', (p) => JSON.parse(p).dev?.mf === 'chargegate')).payload), { device: { manufacturer: 'chargegate' } }, 'the full device on the connectivity sensor');

    charger.plugIn(1);
    await user.publish(`${CP1}/connectors/1/start/set`, '{}');
    t.match(JSON.parse((await user.waitFor(`${CP1}/connectors/1/start/result`)).payload), { command: 'start', result: 'accepted' });
    t.match(calls.find((c) => c.action === 'RemoteStartTransaction')?.payload, { connectorId: 1, idTag: 'TAG1' });
    await user.waitFor(`${CP1}/event/session-started`);
    await charger.sendMeterValues(1);
    await user.waitFor(`${CP1}/connectors/1/power`);

    await user.publish(`${CP1}/connectors/1/maxcurrent/set`, 'lots');
    t.match(JSON.parse((await user.waitFor(`${CP1}/connectors/1/maxcurrent/result`)).payload), { result: 'rejected', reason: /^malformed payload/ });

    await broker.restart();
    const fresh = await connectClient(t, broker.url);
    await fresh.subscribe(['chargegate/#', 'homeassistant/#']);
    t.equal((await fresh.waitFor('chargegate/status', undefined, 10_000)).payload, 'online', 'chargegate reconnected and said it is online');
    t.equal((await fresh.waitFor(`${CP1}/connected`)).payload, 'online');
    t.ok(Number((await fresh.waitFor(`${CP1}/connectors/1/power`)).payload) > 0, 'telemetry republished');
    t.match(JSON.parse((await fresh.waitFor(`${CP1}/connectors/1/session`)).payload), { state: 'active' });
    await fresh.waitFor('homeassistant/sensor/chargegate_CP1/c1_power/config');

    await fresh.publish(`${CP1}/connectors/1/stop/set`, '{}');
    t.match(JSON.parse((await fresh.waitFor(`${CP1}/connectors/1/stop/result`)).payload), { result: 'accepted' }, 'commands work after the restart');

    await gw.stop();
    t.equal((await fresh.waitFor('chargegate/status', (p) => p === 'offline')).payload, 'offline', 'a stopping chargegate says offline');
  });

  t.test('a retained command is ignored and removed from the broker', async (t) => {
    const broker = await startMosquitto(t, binary!);
    const writer = await connectClient(t, broker.url);
    // Published before chargegate connects: it is delivered from the retained store.
    await writer.publish(`${CP1}/reset/set`, 'hard', { retain: true });
    await writer.subscribe(`${CP1}/reset/result`);
    const gw = await startGateway(t, { patch: (c) => void (c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0 }) });
    const calls: { action: string; payload: any }[] = [];
    await bootCharger(t, gw.url, 'CP1', calls);
    t.match(JSON.parse((await writer.waitFor(`${CP1}/reset/result`)).payload), { result: 'rejected', reason: /retained command ignored/ });
    t.notOk(calls.some((c) => c.action === 'Reset'), 'the charger was not reset');
    const later = await connectClient(t, broker.url);
    await later.subscribe([`${CP1}/reset/set`, 'chargegate/status']);
    await later.waitFor('chargegate/status');
    await drained(later);
    t.equal(later.latest(`${CP1}/reset/set`), undefined, 'the retained command is gone from the broker');
  });

  t.test('a command published retained while chargegate is connected is not carried out either', async (t) => {
    // Mosquitto clears the retain flag on messages it forwards to existing subscriptions
    // [MQTT-3.3.1-9]: only MQTT 5's Retain As Published lets chargegate see it.
    const broker = await startMosquitto(t, binary!);
    const gw = await startGateway(t, { patch: (c) => void (c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0 }) });
    const calls: { action: string; payload: any }[] = [];
    await bootCharger(t, gw.url, 'CP1', calls);
    const writer = await connectClient(t, broker.url);
    await writer.subscribe([`${CP1}/reset/result`, 'chargegate/status']);
    await writer.waitFor('chargegate/status', (p) => p === 'online');
    await writer.publish(`${CP1}/reset/set`, '{"type":"hard","id":7}', { retain: true });
    t.match(JSON.parse((await writer.waitFor(`${CP1}/reset/result`)).payload), { result: 'rejected', reason: /retained command ignored/, id: 7 });
    await writer.publish(`${CP1}/reset/set`, '{"type":"soft","id":8}');
    t.match(JSON.parse((await writer.waitFor(`${CP1}/reset/result`, (p) => p.includes('"id":8'))).payload), { result: 'accepted' }, 'the same command without the retain flag is carried out');
    t.strictSame(calls.filter((c) => c.action === 'Reset').map((c) => c.payload), [{ type: 'Soft' }], 'only the command sent without the retain flag reached the charger');
    const later = await connectClient(t, broker.url);
    await later.subscribe([`${CP1}/reset/set`, 'chargegate/status']);
    await later.waitFor('chargegate/status');
    await drained(later);
    t.equal(later.latest(`${CP1}/reset/set`), undefined, 'the retained command is gone from the broker');
  });

  t.test('a charger removed from the config loses its Home Assistant entities and topics', async (t) => {
    const broker = await startMosquitto(t, binary!);
    const dir = t.testdir();
    const first = await startGateway(t, { dir, patch: (c) => void (c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0 }) });
    await bootCharger(t, first.url, 'CP2');
    const watcher = await connectClient(t, broker.url);
    await watcher.subscribe(['homeassistant/+/chargegate_CP2/#', 'chargegate/chargers/CP2/#']);
    await watcher.waitFor('homeassistant/sensor/chargegate_CP2/c1_power/config');
    await first.stop();

    await startGateway(t, { dir, patch: (c) => void ((c.chargers.list = c.chargers.list.filter((x: { id: string }) => x.id !== 'CP2')), (c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0 })) });
    await watcher.waitFor('homeassistant/sensor/chargegate_CP2/c1_power/config', (p) => p === '');
    await watcher.waitFor('chargegate/chargers/CP2/connected', (p) => p === '');
    const late = await connectClient(t, broker.url);
    await late.subscribe(['homeassistant/#', 'chargegate/chargers/CP2/#', 'chargegate/status']);
    await late.waitFor('chargegate/status');
    await drained(late);
    t.strictSame(late.received.filter((m) => m.topic.includes('CP2')), [], 'nothing of CP2 is retained any more');
    t.ok(late.received.some((m) => m.topic.includes('chargegate_CP1')), 'CP1 is still there');
  });
});
