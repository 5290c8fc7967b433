/**
 * The embedded broker keeps no cache of packet-id Buffers (issue #19, memory): mqtt-packet,
 * which writes aedes' packets, would otherwise build 65,536 two-byte Buffers on its first write
 * and hold them for the life of the process, about 7 MB of a 1,000-charger site's heap. QoS 1
 * deliveries, which carry packet ids, still arrive whole and acknowledged.
 */
import { createRequire } from 'node:module';
import t from 'tap';
import { connectClient, startEmbeddedBroker } from '../helpers/mqtt.js';

const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };
const USER = { username: 'viewer', password: 'viewer-secret-pw' };

t.test('QoS 1 deliveries through the embedded broker leave mqtt-packet without its packet-id cache', async (t) => {
  t.equal(Object.keys(numbers.cache).length, 0, 'nothing has been written yet');
  const { broker, url } = await startEmbeddedBroker(t, [{ ...USER, mayCommand: false }]);
  const subscriber = await connectClient(t, url, USER);
  await subscriber.client.subscribeAsync('chargegate/test/#', { qos: 1 });
  for (let n = 0; n < 50; n++) broker.publish(`chargegate/test/t${n}`, `value-${n}`, { qos: 1, retain: n % 2 === 0 });
  await subscriber.waitFor('chargegate/test/t49');
  const got = subscriber.received.filter((m) => m.topic.startsWith('chargegate/test/'));
  t.same(
    got.map((m) => m.payload),
    Array.from({ length: 50 }, (_, n) => `value-${n}`),
    'all 50 QoS 1 messages arrived, in order',
  );
  t.equal(Object.keys(numbers.cache).length, 0, 'mqtt-packet built no packet-id cache');
});
