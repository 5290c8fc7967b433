/**
 * Migration 21 (issue 16's speed goal): the TransactionEvents seen, a row per event until now,
 * become one row per transaction with its seqNos as ranges. Every seqNo handled before the
 * upgrade is still answered "already handled" (gaps stay unhandled), the offline flags are kept,
 * and the old table is gone.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';
import { databaseBefore, insertEventRow } from '../../helpers/migrations.js';

const migration = MIGRATIONS.find((m) => /CREATE TABLE transaction_seq_nos/.test(m.sql))!;

t.test('the seqNos and offline flags of before the upgrade are one row per transaction after it', async (t) => {
  t.ok(migration, 'the migration exists');
  const dir = t.testdir();
  const db = databaseBefore(dir, migration.version);
  const insert = insertEventRow(db);
  // tx-1: 0-3 and 6 (4 and 5 never came), 1 and 2 sent offline; tx-2 of another charger: 0.
  for (const [n, offline] of [[6, 0], [0, 0], [2, 1], [1, 1], [3, 0]] as const) insert.run('CP1', 'tx-1', n, n === 0 ? 'Started' : 'Updated', offline, '2026-01-01T10:00:00Z', '2026-01-01T10:00:01Z');
  insert.run('CP2', 'tx-2', 0, 'Started', 0, '2026-01-01T10:00:00Z', '2026-01-01T10:00:01Z');
  db.close();

  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.same([0, 1, 2, 3, 4, 5, 6, 7].map((n) => store.sessions.eventSeen('CP1', 'tx-1', n)), [true, true, true, true, false, false, true, false], 'each seqNo as before: 4 and 5 still unhandled');
  t.equal(store.sessions.eventSeen('CP2', 'tx-2', 0), true);
  t.equal(store.sessions.eventSeen('CP2', 'tx-1', 0), false, "another charger's transaction of the same name");
  t.equal(store.sessions.noteEvent({ chargerId: 'CP1', reference: 'tx-1', seqNo: 3, eventType: 'Updated', offline: false }), false, 'a replay of one handled before the upgrade');
  t.equal(await store.durably(() => store.sessions.noteEvent({ chargerId: 'CP1', reference: 'tx-1', seqNo: 4, eventType: 'Updated', offline: true })), true, 'one in the gap is handled');

  const check = new Database(join(dir, DEFAULT_DB_FILE), { readonly: true });
  t.teardown(() => check.close());
  t.same(check.prepare('SELECT charger_id, transaction_ref, handled, offline FROM transaction_seq_nos ORDER BY charger_id').all(), [
    { charger_id: 'CP1', transaction_ref: 'tx-1', handled: '0-4,6', offline: '1-2,4' },
    { charger_id: 'CP2', transaction_ref: 'tx-2', handled: '0', offline: '' },
  ], 'one row per transaction, rewritten as ranges by the next event');
  t.equal(check.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'transaction_events'").pluck().get(), 0, 'the row-per-event table is gone');
  t.match(check.prepare("SELECT sql FROM sqlite_master WHERE name = 'transaction_seq_nos'").pluck().get() as string, /WITHOUT ROWID/);
});
