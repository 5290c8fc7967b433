/**
 * Migration 15 (issue 16's speed goal): the TransactionEvents seen move to a WITHOUT ROWID table
 * keyed by (charger, transaction, seqNo). What a database held before is kept, so a replay of
 * an event handled before the upgrade is still answered "already handled"; the key still
 * refuses the same seqNo twice.
 */
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { databaseBefore, insertEventRow } from '../../helpers/migrations.js';

const migration = MIGRATIONS.find((m) => /WITHOUT ROWID/.test(m.sql) && /transaction_events/.test(m.sql))!;

t.test('events recorded before the upgrade are still seen after it (and after migration 21), in a table without rowid', async (t) => {
  t.ok(migration, 'the migration exists');
  const dir = t.testdir();
  const db = databaseBefore(dir, migration.version);
  const insert = insertEventRow(db);
  insert.run('CP1', 'tx-1', 0, 'Started', 1, '2026-01-01T10:00:00Z', '2026-01-01T10:00:01Z');
  insert.run('CP1', 'tx-1', 1, 'Updated', 0, '2026-01-01T10:01:00Z', '2026-01-01T10:01:01Z');
  // This migration's own result (migration 21 later folds the table into one row per transaction).
  db.exec(migration.sql);
  db.pragma(`user_version = ${migration.version}`);
  t.match(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'transaction_events'").pluck().get() as string, /WITHOUT ROWID/, 'one b-tree: no rowid table beside the key');
  t.same(db.prepare('SELECT seq_no, event_type, offline, timestamp, received_at FROM transaction_events ORDER BY seq_no').all(), [
    { seq_no: 0, event_type: 'Started', offline: 1, timestamp: '2026-01-01T10:00:00Z', received_at: '2026-01-01T10:00:01Z' },
    { seq_no: 1, event_type: 'Updated', offline: 0, timestamp: '2026-01-01T10:01:00Z', received_at: '2026-01-01T10:01:01Z' },
  ], 'every column copied as it was');
  db.close();

  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 0), true, 'the Started of before the upgrade');
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 1), true, 'the Updated of before the upgrade');
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 2), false);
  t.equal(store.sessions.eventSeen('CP2', 'tx-1', 0), false, 'another charger\'s transaction of the same name');
  const next = { chargerId: 'CP1', reference: 'tx-1', seqNo: 2, eventType: 'Updated', offline: false, timestamp: '2026-01-01T10:02:00Z', receivedAt: '2026-01-01T10:02:01Z' };
  t.equal(store.sessions.noteEvent(next), true, 'a new seqNo is recorded');
  t.equal(store.sessions.noteEvent(next), false, 'the same seqNo again is a replay');
  t.equal(store.sessions.noteEvent({ ...next, seqNo: 1 }), false, 'so is one recorded before the upgrade');
  t.equal(store.sessions.eventSeen('CP1', 'tx-1', 2), true);
});
