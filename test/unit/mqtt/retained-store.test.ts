/**
 * The embedded broker's retained store (src/mqtt/retained-store.ts, issue #19): one compact
 * record per topic, payloads kept as given, an empty payload removes [MQTT-3.3.1-10/11], and the
 * stream a new subscriber reads is lazy over the live store. Tests over the broker and real
 * clients: test/integration/mqtt-retained-store.test.ts.
 */
import type { Readable } from 'node:stream';
import t from 'tap';
import { RetainedMessage, RetainedStorePersistence } from '../../../src/mqtt/retained-store.js';

type Stored = Parameters<RetainedStorePersistence['storeRetained']>[0];

/** A retained PUBLISH as aedes hands it to the store: its own packet, with every field. */
function publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2 = 0): Stored {
  return { cmd: 'publish', brokerId: 'b', brokerCounter: 7, topic, payload, qos, retain: true, dup: false, messageId: 3 } as unknown as Stored;
}

async function read(stream: Readable): Promise<{ topic: string; payload: string | Buffer; qos: number }[]> {
  const out = [];
  for await (const packet of stream) out.push(packet);
  return out;
}

async function storeWith(...packets: Stored[]): Promise<RetainedStorePersistence> {
  const store = new RetainedStorePersistence();
  for (const packet of packets) await store.storeRetained(packet);
  return store;
}

t.test('a retained message is kept as a small record: its payload (as given, not copied), QoS, and when it was stored', async (t) => {
  const buffer = Buffer.from('from a client');
  const store = await storeWith(publish('a/b', 'text', 1), publish('a/c', buffer, 2));
  const record = store.retainedMessage('a/b')!;
  t.ok(record instanceof RetainedMessage);
  t.strictSame(Object.keys(record), ['payload', 'qos', 'lookupsBefore'], 'nothing else of the packet (no broker id, counter, message id, flags)');
  t.equal(record.payload, 'text');
  t.equal(record.qos, 1);
  t.equal(store.retainedMessage('a/c')!.payload, buffer, 'the very Buffer, not a copy');
  t.equal(store.retainedCount, 2);
});

t.test('a new message replaces the topic\'s; an empty payload removes it and is not kept (MQTT-3.3.1-10/11)', async (t) => {
  const store = await storeWith(publish('a/b', 'old'), publish('a/c', 'kept'), publish('a/d', Buffer.from('x')));
  await store.storeRetained(publish('a/b', 'new', 2));
  t.strictSame(store.retainedMessage('a/b'), new RetainedMessage('new', 2, 0));
  await store.storeRetained(publish('a/c', ''));
  await store.storeRetained(publish('a/d', Buffer.alloc(0)));
  await store.storeRetained(publish('a/never', ''));
  t.equal(store.retainedMessage('a/c'), undefined, 'cleared by an empty string');
  t.equal(store.retainedMessage('a/d'), undefined, 'cleared by an empty Buffer');
  t.equal(store.retainedMessage('a/never'), undefined, 'an empty payload alone is not stored');
  t.equal(store.retainedCount, 1);
  t.strictSame(await read(store.createRetainedStream('#')), [{ cmd: 'publish', topic: 'a/b', payload: 'new', qos: 2, retain: true }]);
});

t.test('the stream yields, per filter in turn, what aedes needs to build its packet', async (t) => {
  const store = await storeWith(
    publish('hello/world', 'hw', 1),
    publish('hello/there/world/creatures', 'htwc'),
    publish('other/hello', 'oh'),
    publish('$SYS/x', 'sys'),
  );
  const topics = async (...filters: string[]) => (await read(store.createRetainedStreamCombi(filters))).map((p) => p.topic);
  t.strictSame(await topics('hello/world'), ['hello/world']);
  t.strictSame(await topics('#'), ['hello/world', 'hello/there/world/creatures', 'other/hello'], '# leaves out $ topics (MQTT-4.7.2-1)');
  t.strictSame(await topics('hello/+'), ['hello/world']);
  t.strictSame(await topics('+/world'), ['hello/world']);
  t.strictSame(await topics('hello/+/world/#'), ['hello/there/world/creatures']);
  t.strictSame(await topics('hello/+', 'other/hello'), ['hello/world', 'other/hello']);
  t.strictSame(await topics('other/#', 'hello/#'), ['other/hello', 'hello/world', 'hello/there/world/creatures'], 'one filter after the other');
  t.strictSame(await topics('hello/world', '+/world'), ['hello/world', 'hello/world'], 'a topic two filters match comes for each (MQTT-3.8.4-4)');
  t.strictSame(await topics('$SYS/#'), ['$SYS/x']);
  t.strictSame(await read(store.createRetainedStream('hello/world')), [{ cmd: 'publish', topic: 'hello/world', payload: 'hw', qos: 1, retain: true }]);
});

t.test('the stream reads the live store lazily, leaving out what was stored after it began; isCurrent tells a copy read ahead and replaced since', async (t) => {
  const store = await storeWith(publish('t/1', 'one'), publish('t/2', 'two'), publish('t/3', 'three'), publish('t/4', 'four'));
  const iterator = store.createRetainedStream('t/#')[Symbol.asyncIterator]();
  const first = (await iterator.next()).value as { topic: string; payload: string };
  t.equal(first.payload, 'one');
  // What the stream has read (ahead, too) it hands on as read: broker.ts asks isCurrent.
  await store.storeRetained(publish('t/1', 'one again'));
  t.notOk(store.isCurrent('t/1', first.payload), 'replaced after it was read: stale');
  const rest: { topic: string; payload: string }[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) rest.push(next.value);
  t.strictSame(rest.map((p) => p.topic), ['t/2', 't/3', 't/4']);
  await store.storeRetained(publish('t/2', 'two'));
  t.ok(store.isCurrent('t/2', 'two'), 'an equal string is the same message');

  // Changes after the lookup began, before the stream reads the topic: the subscriber gets
  // them live (aedes asks for the retained messages once the subscription is in place), so the
  // stream leaves out a new value and a new topic, and a removed topic is gone.
  const lazy = store.createRetainedStream('t/#');
  await store.storeRetained(publish('t/3', 'three, new'));
  await store.storeRetained(publish('t/4', ''));
  await store.storeRetained(publish('t/5', 'five'));
  t.strictSame((await read(lazy)).map((p) => `${p.topic}=${p.payload}`), ['t/1=one again', 't/2=two'], 'what was there when it began, as it still is');
  t.strictSame((await read(store.createRetainedStream('t/#'))).map((p) => `${p.topic}=${p.payload}`), ['t/1=one again', 't/2=two', 't/3=three, new', 't/5=five'], 'a later lookup has them');

  const buffer = Buffer.from('client');
  await store.storeRetained(publish('c/1', buffer));
  t.ok(store.isCurrent('c/1', buffer));
  t.notOk(store.isCurrent('c/1', Buffer.from('client')), 'a client\'s payload is the same message only as the same Buffer');
  t.notOk(store.isCurrent('t/4', 'four'), 'a removed topic has no current message');
});

t.test('it is an aedes persistence: setup is async (aedes checks), destroy empties the store', async (t) => {
  const store = await storeWith(publish('a', 'b'));
  t.equal(store.setup.constructor.name, 'AsyncFunction');
  await store.destroy();
  t.equal(store.retainedCount, 0);
});
