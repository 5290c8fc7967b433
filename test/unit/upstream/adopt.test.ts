/**
 * #17: the outbox is scanned for messages of the cloud's other OCPP version only when the
 * version it was written for (kept in the meta table) is not this cloud's: a start with the same
 * upstream.ocpp reads nothing. Over a real SQLite store; the wire counts the rows it is shown.
 */
import t from 'tap';
import { EventBus } from '../../../src/events.js';
import { silentLogger } from '../../../src/log.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { adoptQueued, outboxVersionKey } from '../../../src/upstream/adopt.js';
import { wire16, type Wire } from '../../../src/upstream/wire.js';

const counting = (wire: Wire) => {
  let shown = 0;
  const counted: Wire = { ...wire, adopt: (row, context) => (shown++, wire.adopt(row, context)) };
  return { wire: counted, shown: () => shown };
};

t.test('the same upstream.ocpp as the outbox was written for: the queue is not read; another: it is', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  await store.durably(() => {
    for (let i = 0; i < 3; i++) store.upstream.outbox.add({ channel: 'CP1', action: 'StatusNotification', kind: 'status', payload: { connectorId: 1, status: 'Available', errorCode: 'NoError' } }, '2025-06-01T00:00:00.000Z');
  });
  const deps = { store, upstream: 'cloud', channels: ['CP1'], events: new EventBus(), logger: silentLogger(), now: () => new Date('2025-06-01T00:01:00Z') };

  // A database from before the key existed: scanned once, then marked.
  const first = counting(wire16);
  t.equal(adoptQueued({ ...deps, wire: first.wire }), true, 'scanned');
  await store.durably(() => undefined);
  t.equal(first.shown(), 3, 'every queued row was looked at');
  t.equal(store.meta.get(outboxVersionKey('cloud')), 'ocpp1.6', 'the outbox is marked as written for 1.6');

  // The next start with the same version: nothing read.
  const second = counting(wire16);
  t.equal(adoptQueued({ ...deps, wire: second.wire }), false, 'not scanned');
  await store.durably(() => undefined);
  t.equal(second.shown(), 0, 'no row read');

  // upstream.ocpp changed: scanned again, and marked for the new version.
  const other = counting({ ...wire16, protocol: 'ocpp2.0.1', adopt: () => undefined });
  t.equal(adoptQueued({ ...deps, wire: other.wire }), true, 'scanned for the new version');
  await store.durably(() => undefined);
  t.equal(other.shown(), 3);
  t.equal(store.meta.get(outboxVersionKey('cloud')), 'ocpp2.0.1');
  t.equal(store.upstream.outbox.maxSeq() >= 3, true, 'the messages are still queued');
});
