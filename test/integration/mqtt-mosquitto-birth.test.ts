/**
 * Issue 13 against a real Mosquitto: chargegate cannot see who published Home Assistant's
 * birth message on an external broker (the broker's ACLs must restrict homeassistant/status),
 * so whatever arrives is coalesced and rate-limited: 2,000 birth messages from an anonymous
 * client make one republish of the discovery configs, and the gateway keeps answering.
 */
import t from 'tap';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { PASSWORDS, eventually, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { mosquittoPath, startMosquitto } from '../helpers/mosquitto.js';
import { connectClient } from '../helpers/mqtt.js';

const binary = mosquittoPath();
const CONFIG_TOPIC = 'homeassistant/sensor/chargegate_CP1/c1_power/config';

t.test('2,000 birth messages through Mosquitto: one republish', { skip: binary ? false : 'mosquitto is not installed (apt-get install mosquitto; .ci/run does)' }, async (t) => {
  const broker = await startMosquitto(t, binary!);
  const gw = await startGateway(t, { patch: (c) => void (c.mqtt = { homeAssistant: { format: 'entity' }, url: broker.url, throttle: 0 }) });
  const watcher = await connectClient(t, broker.url);
  await watcher.subscribe(CONFIG_TOPIC);
  await watcher.waitFor(CONFIG_TOPIC, undefined, 10_000);
  const attacker = await connectClient(t, broker.url);
  for (let i = 0; i < 2_000; i++) attacker.client.publish('homeassistant/status', 'online', { qos: 0 });
  await attacker.publish('homeassistant/status', 'online', { qos: 1 });
  await eventually(() => watcher.received.filter((m) => m.topic === CONFIG_TOPIC).length >= 2, 'the configs published again', 5_000);
  // A marker after the flood, from the same client: chargegate answers it on its result topic,
  // and Mosquitto delivers one client's messages in order, so once the answer is here every
  // birth message has reached chargegate (event order, not a sleep).
  await watcher.subscribe('chargegate/chargers/CP1/marker/result');
  await attacker.publish('chargegate/chargers/CP1/marker/set', 'after the flood', { qos: 1 });
  await watcher.waitFor('chargegate/chargers/CP1/marker/result', undefined, 10_000);
  t.equal(watcher.received.filter((m) => m.topic === CONFIG_TOPIC).length, 2, 'the retained config plus one republish');
  t.equal(gw.app.mqtt!.discoveryRepublished, 1);

  t.equal((await api(gw.httpUrl, '/api/chargers')).status, 200, 'HTTP answers');
  const charger = new SimulatedCharger({ url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, connectors: 1, phases: 3, logger: silentLogger(), backoff: { initialMs: 50, maxMs: 200 } });
  t.teardown(() => charger.stop());
  charger.start();
  await new Promise((resolve) => charger.once('booted', resolve));
  t.pass('a charger boots over OCPP');
});
