/**
 * A subscriber never ends on a stale value: aedes hands a new subscriber the retained messages
 * from a lazy, read-ahead stream, and a value read into it, then replaced (the subscriber gets
 * the new one live), used to go out after the new one. Home Assistant then showed a session
 * that had already changed (superseded-sessions.test.ts failed so, now and then, on a busy box).
 *
 * Deterministic: the subscriber stops reading its socket after its first retained value, so the
 * broker's retained stream stalls after the first few large values, holding the rest read
 * ahead. The values are then replaced; a second client tells when the broker has passed them
 * on; the first one reads again.
 */
import t from 'tap';
import { connectClient, startEmbeddedBroker } from '../helpers/mqtt.js';

const USER = { username: 'viewer', password: 'viewer-secret-pw' };
const COUNT = 100;
/** 100 × 400 kB: far more than loopback's socket buffers hold, so the broker must wait for the reader. */
const BIG = 'x'.repeat(400_000);
/**
 * Replaced while the subscriber stalls: the stall comes within the first few values, with
 * more read ahead; fewer than the broker's 64 publishes in flight, so they all go out.
 */
const REPLACED = { from: 0, to: 60 };
const topic = (n: number) => `chargegate/test/t${n}`;
const SENTINEL = 'chargegate/test/z-sentinel';
/** Stored before the subscriber subscribes, after the values: the last its retained stream sends. */
const END = 'chargegate/test/zz-end';

t.test('a retained value replaced while a subscriber takes its retained messages never reaches it after the new one', async (t) => {
  t.setTimeout(120_000);
  const { broker, url } = await startEmbeddedBroker(t, [{ ...USER, mayCommand: false }]);
  for (let n = 0; n < COUNT; n++) broker.publish(topic(n), `old-${n}-${BIG}`, { qos: 1, retain: true });
  broker.publish(END, 'end', { qos: 1, retain: true });
  const observer = await connectClient(t, url, USER);
  await observer.subscribe(END);
  await observer.waitFor(END); // the old values are stored (publishes leave in order)

  const slow = await connectClient(t, url, { ...USER, keepalive: 0 });
  const first = new Promise<void>((resolve) => slow.client.once('message', () => resolve()));
  await slow.client.subscribeAsync('chargegate/test/#', { qos: 0 });
  await first; // its retained stream is running (and has read ahead)
  slow.client.stream.pause(); // reads nothing more: the broker's writes to it stall

  for (let n = REPLACED.from; n < REPLACED.to; n++) broker.publish(topic(n), `new-${n}`, { qos: 1, retain: true });
  broker.publish(SENTINEL, 'done', { qos: 1, retain: true });
  await observer.subscribe(SENTINEL);
  await observer.waitFor(SENTINEL); // published after the new values: they have gone out to every subscriber
  await new Promise((resolve) => setImmediate(resolve));
  slow.client.stream.resume();

  // END is the last topic stored before the subscriber subscribed: its retained copy ends the
  // subscriber's retained stream. (The sentinel, stored after, reaches it live only: the store
  // leaves out of a retained lookup what was stored after it began, src/mqtt/retained-store.ts.)
  await slow.waitFor(SENTINEL);
  await slow.waitFor(END);
  for (let n = 0; n < COUNT; n++) {
    const seen = slow.received.filter((m) => m.topic === topic(n)).map((m) => m.payload.split('-', 2).join('-'));
    const expected = n >= REPLACED.from && n < REPLACED.to ? `new-${n}` : `old-${n}`;
    t.equal(seen.at(-1), expected, `${topic(n)} ends on ${expected} (seen: ${seen.join(' ')})`);
  }
});
