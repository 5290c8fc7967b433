import t, { type Test } from 'tap';
import { EventBus } from '../../../src/events.js';
import { silentLogger } from '../../../src/log.js';
import { OcppCallError } from '../../../src/ocpp/errors.js';
import type { OutboxMessage, Store } from '../../../src/store/ports.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { Courier, type CourierDeps } from '../../../src/upstream/courier.js';
import { Outbox } from '../../../src/upstream/outbox.js';
import { installFakeTimers } from '../../helpers/fake-timers.js';

/**
 * The courier and the outbox over a real SQLite store; the link is a function that records
 * each CALL and answers it on a later turn, as a socket would.
 */
function harness(t: Test, dir = t.testdir()) {
  const store = openSqliteStore(dir);
  const outbox = new Outbox({ store, events: new EventBus(), logger: silentLogger(), now: () => new Date('2025-06-01T00:00:00Z'), maxMessages: 1_000_000 });
  t.teardown(() => {
    outbox.flush();
    store.close();
  });
  return { store, outbox, dir };
}

async function stageMeters(store: Store, outbox: Outbox, from: number, count: number): Promise<void> {
  await store.durably(() => {
    for (let i = from; i < from + count; i++) outbox.stage({ channel: 'A', action: 'MeterValues', kind: 'meter', payload: { connectorId: 1, n: i } });
  });
}

function courier(outbox: Outbox, call: CourierDeps['call'], extra: Partial<CourierDeps> = {}): Courier {
  return new Courier({
    channel: 'A',
    outbox,
    logger: silentLogger(),
    retry: { attempts: 3, retryIntervalS: 0 },
    ready: () => true,
    call,
    prepare: (m: OutboxMessage) => ({ payload: m.payload }),
    onAnswer: () => undefined,
    onGivenUp: () => undefined,
    sleep: () => Promise.resolve(),
    ...extra,
  });
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
};

t.test('a backlog longer than a page goes out in order, one CALL at a time, each once', async (t) => {
  const { store, outbox } = harness(t);
  await stageMeters(store, outbox, 0, 700);
  const sent: number[] = [];
  let outstanding = 0;
  let most = 0;
  courier(outbox, (_action, payload) => {
    outstanding++;
    most = Math.max(most, outstanding);
    sent.push((payload as { n: number }).n);
    return new Promise((resolve) =>
      setImmediate(() => {
        outstanding--;
        resolve({});
      }),
    );
  }).wake();
  await until(() => outbox.depth === 0);
  t.same(sent, Array.from({ length: 700 }, (_, i) => i), 'all of them, in order, none twice');
  t.equal(most, 1, 'never two CALLs outstanding (OCPP-J 1.6 §4.1.1)');
  outbox.flush();
  await store.durably(() => undefined);
  t.equal(store.upstream.outbox.count(), 0, 'every answered message is removed from disk');
});

t.test('a CALLERROR retries the same message before the next; a coalesced status makes the courier re-read', async (t) => {
  const { store, outbox } = harness(t);
  await stageMeters(store, outbox, 0, 3);
  await store.durably(() => outbox.stage({ channel: 'A', action: 'StatusNotification', kind: 'status', payload: { s: 'old' }, coalesceKey: 'status/1' }));
  const sent: unknown[] = [];
  let failOnce = true;
  courier(outbox, async (action, payload) => {
    sent.push(payload);
    if ((payload as { n?: number }).n === 1 && failOnce) {
      failOnce = false;
      // While the first page is held by the courier, the queued status is replaced.
      await store.durably(() => outbox.stage({ channel: 'A', action: 'StatusNotification', kind: 'status', payload: { s: 'new' }, coalesceKey: 'status/1' }));
      throw new OcppCallError('InternalError', 'try again');
    }
    return {};
  }).wake();
  await until(() => outbox.depth === 0);
  t.same(sent, [{ connectorId: 1, n: 0 }, { connectorId: 1, n: 1 }, { connectorId: 1, n: 1 }, { connectorId: 1, n: 2 }, { s: 'new' }]);
});

t.test('acknowledgements: written in batches, sooner when they carry effects; one lost to a crash is a resend', async (t) => {
  const dir = t.testdir();
  const { store, outbox } = harness(t, dir);
  await stageMeters(store, outbox, 0, 1100);
  const page = outbox.page('A', 0, 2000);
  for (const m of page.slice(0, 3)) outbox.acknowledge(m.seq);
  t.equal(store.upstream.outbox.count(), 1100, 'a plain acknowledgement waits for its batch');
  // Fake time for the write timers (SQLite's group commit runs on setImmediate, still real).
  const clock = installFakeTimers(t);
  let effectWritten = false;
  outbox.acknowledge(page[3]!.seq, () => (effectWritten = true));
  clock.tick(20);
  clock.uninstall();
  t.ok(effectWritten, 'one with effects (a Start’s transactionId) is written within 20 ms, not with the 100 ms batch, with those before it');
  await store.durably(() => undefined);
  t.equal(store.upstream.outbox.count(), 1096);

  for (const m of page.slice(4, 4 + 1023)) outbox.acknowledge(m.seq);
  t.equal(store.upstream.outbox.count(), 1096, '1,023 wait');
  outbox.acknowledge(page[1027]!.seq);
  t.equal(store.upstream.outbox.count(), 72, 'the 1,024th writes the batch at once');

  // Acknowledged in memory only, then the process dies: on disk the message is still queued,
  // so it is sent once more, unchanged: never lost.
  await store.durably(() => undefined);
  outbox.acknowledge(page[1028]!.seq);
  t.equal(outbox.depth, 71);
  const crashed = openSqliteStore(dir);
  t.teardown(() => crashed.close());
  t.equal(crashed.upstream.outbox.page('A', 0, 1e9, 1)[0]?.seq, page[1028]!.seq, 'the unwritten acknowledgement: still first in line after a restart');
});
