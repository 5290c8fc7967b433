/**
 * Retained messages through the embedded broker's compact store (src/mqtt/retained-store.ts,
 * issue #19), with a real broker on a loopback port and real MQTT.js clients: a new subscriber
 * gets each topic's latest value, at its QoS, for several filters at once, and never a value
 * replaced or cleared before it subscribed. mqtt-retained-order.test.ts has the values replaced
 * while it takes them.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import t, { type Test } from 'tap';
import { RetainedStorePersistence } from '../../src/mqtt/retained-store.js';
import { connectClient, startEmbeddedBroker } from '../helpers/mqtt.js';
import { PATIENCE_MS } from '../helpers/patience.js';

const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const COMMANDER = { username: 'commander', password: 'commander-secret-pw' };
const SENTINEL = 'homeassistant/zz-sentinel';

interface Delivery {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

/** A client that records each message with its QoS and retain flag. */
async function recorder(t: Test, url: string, options: IClientOptions = {}): Promise<{ client: MqttClient; got: Delivery[]; until(topic: string): Promise<void> }> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  t.teardown(() => client.endAsync(true));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const got: Delivery[] = [];
  client.on('message', (topic, payload, packet) => void got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain }));
  const until = (topic: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing on ${topic} within ${PATIENCE_MS} ms`)), PATIENCE_MS);
      const check = () => {
        if (!got.some((m) => m.topic === topic)) return;
        clearTimeout(timer);
        client.off('message', check);
        resolve();
      };
      client.on('message', check);
      check();
    });
  return { client, got, until };
}

function embedded(t: Test) {
  return startEmbeddedBroker(t, [
    { ...VIEWER, mayCommand: false },
    { ...COMMANDER, mayCommand: true },
  ]);
}

t.test('a new subscriber gets the latest value of each topic, at its QoS, for several filters at once; never a replaced or cleared one', async (t) => {
  const { broker, url } = await embedded(t);
  const status = (cp: string, n: number) => `chargegate/chargers/${cp}/connectors/${n}/status`;
  broker.publish(status('CP1', 1), 'Available', { qos: 0, retain: true });
  broker.publish(status('CP1', 2), 'Faulted', { qos: 0, retain: true });
  broker.publish(status('CP2', 1), 'Preparing', { qos: 1, retain: true });
  broker.publish('chargegate/chargers/CP1/connectors/1/power', '7400', { qos: 0, retain: true }); // matched by no filter below
  broker.publish('homeassistant/sensor/CP1/power/config', '{"v":1}', { qos: 1, retain: true });
  broker.publish('homeassistant/sensor/CP2/power/config', '{"v":1}', { qos: 1, retain: true });
  broker.publish('chargegate/site/power', '11000', { qos: 1, retain: true });
  broker.publish(status('CP1', 1), 'Charging', { qos: 1, retain: true }); // replaced, with another QoS
  broker.publish('homeassistant/sensor/CP1/power/config', '{"v":2}', { qos: 1, retain: true });
  broker.publish(status('CP2', 1), '', { qos: 1, retain: true }); // cleared
  broker.publish('homeassistant/sensor/CP2/power/config', '', { qos: 0, retain: true }); // cleared
  broker.publish(SENTINEL, 'end', { qos: 1, retain: true }); // the store's last topic: the last a subscriber to homeassistant/# gets
  // Publishes leave in order: once an observer has the sentinel, every value above is stored.
  const observer = await connectClient(t, url, VIEWER);
  await observer.subscribe(SENTINEL);
  await observer.waitFor(SENTINEL);

  const fresh = await recorder(t, url, VIEWER);
  await fresh.client.subscribeAsync(['chargegate/chargers/+/connectors/+/status', 'homeassistant/#'], { qos: 1 }); // one SUBSCRIBE, two filters
  await fresh.until(SENTINEL);
  t.strictSame(
    fresh.got,
    [
      { topic: status('CP1', 1), payload: 'Charging', qos: 1, retain: true },
      { topic: status('CP1', 2), payload: 'Faulted', qos: 0, retain: true },
      { topic: 'homeassistant/sensor/CP1/power/config', payload: '{"v":2}', qos: 1, retain: true },
      { topic: SENTINEL, payload: 'end', qos: 1, retain: true },
    ],
    'the latest values, each at the QoS it was published with, each filter in turn; nothing replaced, cleared or unmatched',
  );

  // The whole tree with #, each value at the QoS it was published with.
  const everything = await recorder(t, url, VIEWER);
  await everything.client.subscribeAsync('#', { qos: 2 });
  await everything.until(SENTINEL);
  t.strictSame(
    everything.got.map((m) => `${m.topic}=${m.payload} q${m.qos}${m.retain ? ' r' : ''}`),
    [
      `${status('CP1', 1)}=Charging q1 r`,
      `${status('CP1', 2)}=Faulted q0 r`,
      'chargegate/chargers/CP1/connectors/1/power=7400 q0 r',
      'homeassistant/sensor/CP1/power/config={"v":2} q1 r',
      'chargegate/site/power=11000 q1 r',
      `${SENTINEL}=end q1 r`,
    ],
  );
  // A subscription at QoS 0 gets them at QoS 0, the lower of the two. (Only when the filter is
  // the topic itself: aedes looks the subscription up by the topic's name, so through a wildcard
  // filter a retained message goes out at its own QoS, whatever the store.)
  const atQos0 = await recorder(t, url, VIEWER);
  await atQos0.client.subscribeAsync([status('CP1', 1), SENTINEL], { qos: 0 });
  await atQos0.until(SENTINEL);
  t.strictSame(atQos0.got.map((m) => `${m.topic}=${m.payload} q${m.qos}`), [`${status('CP1', 1)}=Charging q0`, `${SENTINEL}=end q0`]);

  // Cleared and set again: back, as a new message.
  broker.publish(status('CP2', 1), 'Available', { qos: 0, retain: true });
  broker.publish(SENTINEL, 'end again', { qos: 1, retain: true });
  await observer.waitFor(SENTINEL, (p) => p === 'end again');
  const later = await recorder(t, url, VIEWER);
  await later.client.subscribeAsync(['chargegate/chargers/CP2/#', SENTINEL], { qos: 1 });
  await later.until(SENTINEL);
  t.strictSame(later.got.map((m) => `${m.topic}=${m.payload} q${m.qos}`), [`${status('CP2', 1)}=Available q0`, `${SENTINEL}=end again q1`]);
});

t.test("a value stored after a subscriber's SUBSCRIBE reaches it once, live, though it is still taking its retained messages", async (t) => {
  t.setTimeout(120_000);
  const { broker, url } = await embedded(t);
  // 150 × 300 kB: far more than loopback's socket buffers and the stream's read-ahead hold, so
  // when the subscriber stops reading, the broker's retained stream stops well before t100.
  const BIG = 'x'.repeat(300_000);
  const COUNT = 150;
  const REPLACED = 100; // t100… get new values while the subscriber stalls
  const topic = (n: number) => `chargegate/test/t${n}`;
  const END = 'chargegate/test/zz-end';
  for (let n = 0; n < COUNT; n++) broker.publish(topic(n), `old-${n}-${BIG}`, { qos: 1, retain: true });
  broker.publish(END, 'end', { qos: 1, retain: true }); // the store's last topic: the end of the subscriber's retained stream
  const observer = await connectClient(t, url, VIEWER);
  await observer.subscribe(END);
  await observer.waitFor(END);

  const slow = await recorder(t, url, { ...VIEWER, keepalive: 0 });
  const first = new Promise<void>((resolve) => slow.client.once('message', () => resolve()));
  await slow.client.subscribeAsync('chargegate/test/#', { qos: 0 });
  await first; // its retained stream is running
  slow.client.stream.pause(); // it reads nothing more: the stream stalls
  for (let n = REPLACED; n < COUNT; n++) broker.publish(topic(n), `new-${n}`, { qos: 1, retain: true });
  await observer.subscribe(topic(COUNT - 1));
  await observer.waitFor(topic(COUNT - 1), (p) => p === `new-${COUNT - 1}`); // every new value has gone out to every subscriber
  await new Promise((resolve) => setImmediate(resolve));
  slow.client.stream.resume();
  await slow.until(END);

  for (let n = 0; n < COUNT; n++) {
    const seen = slow.got.filter((m) => m.topic === topic(n)).map((m) => `${m.payload.split('-', 2).join('-')}${m.retain ? ' (retained)' : ''}`);
    const expected = n < REPLACED ? [`old-${n} (retained)`] : [`new-${n}`];
    t.strictSame(seen, expected, `${topic(n)}: ${expected.join(', ')}`);
  }
});

t.test("a client's allowed retained publish reaches subscribers but is not stored (chargegate's rule), and leaves the store as it was", async (t) => {
  const { broker, url } = await embedded(t);
  broker.publish('chargegate/status', 'online', { qos: 1, retain: true });
  const listening = await recorder(t, url, VIEWER);
  await listening.client.subscribeAsync(['homeassistant/status', 'chargegate/status'], { qos: 1 });
  await listening.until('chargegate/status');
  const ha = await connectClient(t, url, COMMANDER);
  await ha.publish('homeassistant/status', 'online', { retain: true, qos: 1 }); // Home Assistant's birth message
  await listening.until('homeassistant/status');
  t.strictSame(listening.got.find((m) => m.topic === 'homeassistant/status'), { topic: 'homeassistant/status', payload: 'online', qos: 1, retain: false });

  const fresh = await recorder(t, url, VIEWER);
  await fresh.client.subscribeAsync(['homeassistant/status', 'chargegate/status'], { qos: 1 });
  await fresh.until('chargegate/status');
  t.strictSame(fresh.got, [{ topic: 'chargegate/status', payload: 'online', qos: 1, retain: true }], 'only chargegate\'s retained value');
});

t.test('as an aedes persistence on its own: clients\' retained publishes (Buffers) are kept as given, replaced and cleared', async (t) => {
  const persistence = new RetainedStorePersistence();
  const aedes = await Aedes.createBroker({ persistence });
  const server = createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const writer = await recorder(t, url);
  await writer.client.publishAsync('site/meter/power', '1500', { qos: 1, retain: true });
  await writer.client.publishAsync('site/meter/energy', '42', { qos: 0, retain: true });
  await writer.client.publishAsync('site/meter/voltage', '230', { qos: 2, retain: true });
  await writer.client.publishAsync('site/meter/power', '1800', { qos: 1, retain: true });
  await writer.client.publishAsync('site/meter/voltage', '', { qos: 1, retain: true });
  await writer.client.publishAsync('site/zz', 'end', { qos: 1, retain: true });

  t.equal(persistence.retainedCount, 3, 'power, energy and the sentinel: nothing kept for the cleared topic');
  t.equal(persistence.retainedMessage('site/meter/voltage'), undefined);
  const power = persistence.retainedMessage('site/meter/power')!;
  t.ok(Buffer.isBuffer(power.payload), "a client's payload stays the Buffer it came in");
  t.equal(power.payload.toString(), '1800');
  t.equal(power.qos, 1);

  const reader = await recorder(t, url);
  await reader.client.subscribeAsync('site/#', { qos: 2 });
  await reader.until('site/zz');
  t.strictSame(
    reader.got,
    [
      { topic: 'site/meter/power', payload: '1800', qos: 1, retain: true },
      { topic: 'site/meter/energy', payload: '42', qos: 0, retain: true },
      { topic: 'site/zz', payload: 'end', qos: 1, retain: true },
    ],
  );
});
