/**
 * The replay check of 2.0.1 TransactionEvents answered from memory (issue 16's speed goal,
 * src/store/sqlite/handled-events.ts): it must answer as the transaction_seq_nos table does (migration 21: one row per
 * transaction, its seqNos as ranges), an
 * undone write included (a retry of an event whose write failed is handled, not answered
 * "already handled" with its samples lost), and across a restart.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';
import { createHandledEvents } from '../../../src/store/sqlite/handled-events.js';

const event = (seqNo: number, eventType = 'Updated', reference = 'tx-1') => ({ chargerId: 'CP1', reference, seqNo, eventType, offline: false, timestamp: '2026-01-01T10:00:00Z', receivedAt: '2026-01-01T10:00:01Z' });

t.test('a seqNo is seen once its row is written, in the open write and after a restart', async (t) => {
  const dir = t.testdir();
  const store = openSqliteStore(dir);
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 0), false, 'nothing handled yet (the set is read now)');
  await store.durably(() => store.sessions.noteEvent(event(0, 'Started')));
  const write = store.durably(() => store.sessions.noteEvent(event(1)));
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 1), true, 'seen while its group commit is still open, as the table showed it');
  await write;
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 2), false);
  t.equal(store.sessions.eventSeen('CP1', 'tx-2', 1), false, 'another transaction');
  t.equal(store.sessions.eventSeen('CP2', 'tx-1', 1), false, "another charger's transaction of the same name");
  store.close();

  const again = openSqliteStore(dir);
  t.teardown(() => again.close());
  t.equal(again.sessions.eventSeen('CP1', 'tx-1', 0), true, 'after a restart: from the table');
  t.equal(again.sessions.eventSeen('CP1', 'tx-1', 1), true);
  t.equal(again.sessions.eventSeen('CP1', 'tx-1', 2), false);
});

t.test('an event whose durable write failed is not taken for handled', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 1), false);
  await t.rejects(
    store.durably(() => {
      store.sessions.noteEvent(event(1));
      throw new Error('the samples could not be written');
    }),
  );
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 1), false, 'its retry is handled again');
  await store.durably(() => store.sessions.noteEvent(event(1)));
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 1), true, 'the retry is recorded');
});

t.test('after its Ended a transaction is still answered from the table', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 5), false);
  await store.durably(() => store.sessions.noteEvent(event(5, 'Ended')));
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 5), true, 'a replay of the Ended');
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 6), false);
});

t.test('beyond its size the longest-held set is dropped and read again when asked', async (t) => {
  const handled = createHandledEvents(2);
  const loads: string[] = [];
  const load = (name: string, handledText: string) => () => (loads.push(name), { handled: handledText, offline: '' });
  t.equal(handled.seen('CP1', 'a', 1, load('a', '1')), true);
  t.equal(handled.seen('CP1', 'b', 1, load('b', '')), false);
  t.same(handled.add('CP1', 'b', 1, false, false, load('b', '')), { handled: '1', offline: '', onlyHandled: true }, 'the row to write (read from the table: only handled changes)');
  t.equal(handled.seen('CP1', 'b', 1, load('b', '')), true, 'a write is added to a set held');
  t.equal(handled.seen('CP1', 'c', 1, load('c', '')), false);
  t.equal(handled.seen('CP1', 'a', 1, load('a', '1')), true, 'a dropped set is read again');
  t.same(loads, ['a', 'b', 'c', 'a']);
  handled.forget();
  handled.seen('CP1', 'c', 1, load('c', ''));
  t.same(loads, ['a', 'b', 'c', 'a', 'c'], 'forget drops every set');
});

t.test("an Ended transaction's set frees its place", async (t) => {
  const handled = createHandledEvents(2);
  const loads: string[] = [];
  const load = (name: string) => () => (loads.push(name), undefined);
  handled.seen('CP1', 'a', 1, load('a'));
  handled.seen('CP1', 'b', 1, load('b'));
  handled.add('CP1', 'b', 2, false, true, load('b'));
  handled.seen('CP1', 'c', 1, load('c'));
  handled.seen('CP1', 'a', 1, load('a'));
  t.same(loads, ['a', 'b', 'c'], 'a is still held: b ended, c took its place');
});

t.test('the row written: the seqNos as ranges, the offline ones apart; a replay writes nothing', async (t) => {
  const handled = createHandledEvents();
  const none = () => undefined;
  t.same(handled.add('CP1', 'x', 0, true, false, none), { handled: '0', offline: '0', onlyHandled: false }, 'a Started sent offline (no row yet: the upsert)');
  t.same(handled.add('CP1', 'x', 1, true, false, none), { handled: '0-1', offline: '0-1', onlyHandled: false }, 'offline: both columns');
  t.same(handled.add('CP1', 'x', 2, false, false, none), { handled: '0-2', offline: '0-1', onlyHandled: true }, 'online again: the row exists, only handled changes');
  t.equal(handled.add('CP1', 'x', 1, true, false, none), undefined, 'seqNo 1 again: a replay');
  t.same(handled.add('CP1', 'x', 5, false, false, none), { handled: '0-2,5', offline: '0-1', onlyHandled: true }, 'a gap (events the charger dropped)');
  t.equal(handled.seen('CP1', 'x', 4, none), false, 'a seqNo in the gap is not taken for handled');
});

t.test('a store keeps gaps, offline seqNos and replays across a restart', async (t) => {
  const dir = t.testdir();
  const store = openSqliteStore(dir);
  for (const n of [0, 1, 2, 5]) await store.durably(() => store.sessions.noteEvent({ ...event(n, n === 0 ? 'Started' : 'Updated'), offline: n < 2 }));
  store.close();
  const again = openSqliteStore(dir);
  t.teardown(() => again.close());
  t.same([0, 1, 2, 3, 4, 5, 6].map((n) => again.sessions.eventSeen('CP1', 'tx-1', n)), [true, true, true, false, false, true, false], 'the gap 3-4 stays unhandled');
  t.equal(again.sessions.noteEvent(event(2)), false, 'a replay of 2 after the restart');
  t.equal(await again.durably(() => again.sessions.noteEvent(event(3))), true, '3 fills the gap');
  const check = new Database(join(dir, DEFAULT_DB_FILE), { readonly: true });
  t.teardown(() => check.close());
  t.same(check.prepare('SELECT charger_id, transaction_ref, handled, offline FROM transaction_seq_nos').all(), [{ charger_id: 'CP1', transaction_ref: 'tx-1', handled: '0-3,5', offline: '0-1' }], 'one row for the transaction');
});

t.test('the transaction asked about last is answered from memory, and a replay is still caught after it switched', async (t) => {
  const handled = createHandledEvents();
  const loads: string[] = [];
  const load = (chargerId: string, reference: string) => (loads.push(`${chargerId}/${reference}`), undefined);
  for (let seqNo = 0; seqNo < 5; seqNo++) {
    t.equal(handled.seen('CP1', 'a', seqNo, load), false);
    t.ok(handled.add('CP1', 'a', seqNo, false, false, load));
  }
  t.same(loads, ['CP1/a'], 'the table read once for the transaction');
  t.equal(handled.seen('CP1', 'a', 3, load), true, 'a replay of the same transaction');
  // Another transaction, another charger's transaction of the same name: the last one switches.
  t.ok(handled.add('CP1', 'b', 3, false, false, load));
  t.equal(handled.seen('CP1', 'a', 3, load), true, 'a replay after the last transaction switched (a → b → a)');
  t.ok(handled.add('CP2', 'a', 0, false, false, load));
  t.equal(handled.seen('CP2', 'a', 3, load), false, "CP2's transaction a is not CP1's");
  t.equal(handled.seen('CP1', 'a', 3, load), true, "CP1's after CP2's of the same name");
  t.equal(handled.seen('CP1', 'b', 3, load), true);
  t.equal(handled.seen('CP1', 'b', 4, load), false);
  t.equal(handled.add('CP1', 'b', 3, false, false, load), undefined, 'a replayed seqNo is not recorded again');
  t.same(loads, ['CP1/a', 'CP1/b', 'CP2/a'], 'each set read once');

  // Ended: the set (and the last transaction) let go, the next look-up reads the table.
  t.ok(handled.add('CP1', 'b', 5, false, true, load));
  t.equal(handled.seen('CP1', 'b', 5, load), false, 'read again from the (here empty) table');
  t.same(loads.at(-1), 'CP1/b');
  // forget(): after an undone write nothing held is trusted, the last one included.
  handled.seen('CP1', 'a', 1, load);
  handled.forget();
  t.equal(handled.seen('CP1', 'a', 1, load), false, 'read again after forget()');
  t.same(loads.at(-1), 'CP1/a');
});

t.test('a store: replays caught by transactionId + seqNo while the last transaction switches between chargers', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const of = (chargerId: string, reference: string, seqNo: number) => ({ ...event(seqNo, seqNo === 0 ? 'Started' : 'Updated', reference), chargerId });
  // Two chargers' transactions interleaved, as the gateway sees them.
  for (let seqNo = 0; seqNo < 4; seqNo++) {
    for (const [chargerId, reference] of [['CP1', 'tx-1'], ['CP2', 'tx-1'], ['CP1', 'tx-2']] as const) {
      t.equal(store.sessions.eventSeen(chargerId, reference, seqNo), false);
      t.equal(await store.durably(() => store.sessions.noteEvent(of(chargerId, reference, seqNo))), true);
    }
  }
  for (const [chargerId, reference] of [['CP1', 'tx-1'], ['CP2', 'tx-1'], ['CP1', 'tx-2'], ['CP1', 'tx-1']] as const) {
    t.equal(store.sessions.eventSeen(chargerId, reference, 2), true, `${chargerId} ${reference}: seqNo 2 is a replay`);
    t.equal(store.sessions.noteEvent(of(chargerId, reference, 2)), false, 'and is not recorded again');
    t.equal(store.sessions.eventSeen(chargerId, reference, 4), false, 'seqNo 4 is new');
  }
  t.equal(store.sessions.eventSeen('CP2', 'tx-2', 1), false, 'CP2 has no transaction tx-2');
});

t.test('the row is updated in place only when it is in the table: after an undone write, and across a restart, the same rows as the upsert', async (t) => {
  const dir = t.testdir();
  const store = openSqliteStore(dir);
  // The write that would have made the row is undone: the next event's write must make it.
  await t.rejects(
    store.durably(() => {
      store.sessions.noteEvent(event(0, 'Started'));
      throw new Error('the disk said no');
    }),
  );
  t.equal(await store.durably(() => store.sessions.noteEvent(event(0, 'Started'))), true, 'the retry of the Started');
  for (let n = 1; n <= 3; n++) t.equal(await store.durably(() => store.sessions.noteEvent(event(n))), true);
  // An undone write after the row exists: the row stays as it was before it.
  await t.rejects(
    store.durably(() => {
      store.sessions.noteEvent(event(4));
      throw new Error('the disk said no');
    }),
  );
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 4), false, 'the undone one is not handled');
  t.equal(await store.durably(() => store.sessions.noteEvent({ ...event(6), offline: true })), true, 'an offline one: both columns');
  t.equal(await store.durably(() => store.sessions.noteEvent(event(4))), true, 'the retry, online');
  // Another transaction whose first write is an Updated (its Started never came).
  t.equal(await store.durably(() => store.sessions.noteEvent(event(7, 'Updated', 'tx-2'))), true);
  t.equal(await store.durably(() => store.sessions.noteEvent(event(8, 'Updated', 'tx-2'))), true);
  store.close();

  const check = new Database(join(dir, DEFAULT_DB_FILE), { readonly: true });
  t.same(check.prepare('SELECT charger_id, transaction_ref, handled, offline FROM transaction_seq_nos ORDER BY transaction_ref').all(), [
    { charger_id: 'CP1', transaction_ref: 'tx-1', handled: '0-4,6', offline: '6' },
    { charger_id: 'CP1', transaction_ref: 'tx-2', handled: '7-8', offline: '' },
  ]);
  check.close();
  const again = openSqliteStore(dir);
  t.teardown(() => again.close());
  t.same([0, 1, 2, 3, 4, 5, 6].map((n) => again.sessions.eventSeen('CP1', 'tx-1', n)), [true, true, true, true, true, false, true], 'after a restart');
  t.equal(await again.durably(() => again.sessions.noteEvent(event(5))), true, 'the gap filled after the restart (the row read: updated in place)');
  t.equal(again.sessions.eventSeen('CP1', 'tx-1', 5), true);
});

t.test('a row removed behind the store\'s back is written again by the next event, not lost to an update of nothing', async (t) => {
  const dir = t.testdir();
  const store = openSqliteStore(dir);
  for (let n = 0; n <= 2; n++) t.equal(await store.durably(() => store.sessions.noteEvent(event(n, n === 0 ? 'Started' : 'Updated'))), true);
  // Another connection (an operator's clean-up, a restore) removes the row the store believes is there.
  const other = new Database(join(dir, DEFAULT_DB_FILE));
  other.prepare('DELETE FROM transaction_seq_nos').run();
  other.close();
  t.equal(await store.durably(() => store.sessions.noteEvent(event(3))), true, 'the next event, online');
  store.close();

  const again = openSqliteStore(dir);
  t.teardown(() => again.close());
  t.same([0, 1, 2, 3, 4].map((n) => again.sessions.eventSeen('CP1', 'tx-1', n)), [true, true, true, true, false], 'after a restart: the row holds every seqNo handled');
});
