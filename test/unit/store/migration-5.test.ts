/**
 * Migration 5 (was 3 on its branch) on a database written before it: duplicate meter samples (MeterValues resent
 * after a crash) are dropped, the first copy kept; from then on a resend is stored once.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';

t.test('a version-2 database with a sample stored twice keeps one copy; a resend after that is ignored', async (t) => {
  const dir = t.testdir();
  const db = new Database(join(dir, DEFAULT_DB_FILE));
  for (const m of MIGRATIONS.filter((m) => m.version <= 2)) db.exec(m.sql);
  db.pragma('user_version = 2');
  const insert = db.prepare('INSERT INTO meter_samples (charger_id, connector_id, transaction_id, timestamp, value, measurand, phase, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  insert.run('CP1', 1, 7, '2025-06-01T10:00:00Z', '1500', 'Energy.Active.Import.Register', null, 'Sample.Periodic');
  insert.run('CP1', 1, 7, '2025-06-01T10:00:00Z', '1500', 'Energy.Active.Import.Register', null, 'Sample.Periodic'); // the resend
  insert.run('CP1', 1, 7, '2025-06-01T10:00:00Z', '12', 'Current.Import', 'L1', 'Sample.Periodic');
  insert.run('CP1', 1, 7, '2025-06-01T10:00:00Z', '11', 'Current.Import', 'L2', 'Sample.Periodic');
  insert.run('CP1', 1, null, '2025-06-01T10:00:00Z', '1500', 'Energy.Active.Import.Register', null, null);
  insert.run('CP1', 1, null, '2025-06-01T10:00:00Z', '1500', 'Energy.Active.Import.Register', null, null); // the resend, no transaction
  db.close();

  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.same(store.meters.forTransaction(7).map((s) => [s.measurand, s.phase, s.value]), [
    ['Energy.Active.Import.Register', undefined, '1500'],
    ['Current.Import', 'L1', '12'],
    ['Current.Import', 'L2', '11'],
  ], 'the first copy kept, the phases apart');
  t.equal(store.meters.recent('CP1').filter((s) => s.transactionId === undefined).length, 1, 'without a transaction too');
  const sample = { chargerId: 'CP1', connectorId: 1, transactionId: 7, timestamp: '2025-06-01T10:00:00Z', value: '1500', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' };
  t.same(store.meters.append([sample, { ...sample, timestamp: '2025-06-01T10:01:00Z' }, { ...sample, value: '1501' }]), [false, true, true], 'a resend is not new; another time or value is');
  t.match(store.sessions.list(), [], 'the sessions table took its new columns');
});
