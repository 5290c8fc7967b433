/**
 * The migration of issue 19 that rebuilds meter_samples' resend index with the timestamp first
 * (half the CPU of a stored MeterValues): on a database that holds samples it keeps every row,
 * and a resend of a sample stored before the upgrade is still kept once.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { databaseBefore } from '../../helpers/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';

const migration = MIGRATIONS.find((m) => /meter_samples_resend_by_time/.test(m.sql))!;

const COLUMNS = 'charger_id, connector_id, transaction_id, timestamp, value, measurand, phase, unit, context, location, format';

t.test('samples stored before the upgrade are all kept, and their resend is still refused after it', async (t) => {
  t.ok(migration, 'the migration exists');
  const dir = t.testdir();
  const db = databaseBefore(dir, migration.version);
  const insert = db.prepare(`INSERT OR IGNORE INTO meter_samples (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const before = [
    ['CP1', 1, 7, '2025-06-01T10:00:00Z', '1500', 'Energy.Active.Import.Register', null, 'Wh', 'Sample.Periodic', null, null],
    ['CP1', 1, 7, '2025-06-01T10:00:00Z', '12', 'Current.Import', 'L1', 'A', 'Sample.Periodic', 'Outlet', null],
    ['CP1', 1, 7, '2025-06-01T10:00:00Z', '11', 'Current.Import', 'L2', 'A', 'Sample.Periodic', 'Outlet', null],
    // Two readings that differ at one instant are both kept (migration 5's rule).
    ['CP1', 1, 7, '2025-06-01T10:00:00Z', '1501', 'Energy.Active.Import.Register', null, 'Wh', 'Sample.Periodic', null, null],
    ['CP1', 2, null, '2025-06-01T10:00:00Z', '800', 'Energy.Active.Import.Register', null, 'Wh', 'Sample.Clock', null, 'Raw'],
    ['CP2', 1, null, '2025-06-01T09:59:00Z', '40', 'SoC', 'L1', 'Percent', null, 'EV', null],
  ] as const;
  for (const row of before) insert.run(...row);
  insert.run(...before[0]); // a resend before the upgrade: the old index refuses it too
  db.close();

  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  const resentSample = { chargerId: 'CP1', connectorId: 1, transactionId: 7, timestamp: '2025-06-01T10:00:00Z', value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' };
  t.same(
    store.meters.append([resentSample, { ...resentSample, value: '1502' }, { ...resentSample, connectorId: 2, transactionId: undefined, value: '800', context: 'Sample.Clock' }]),
    [false, true, false],
    'a resend of a sample stored before the upgrade is not new, nor one without its format (not part of the key, as before); another value is new',
  );
  t.same(
    store.meters.append([{ chargerId: 'CP2', connectorId: 1, timestamp: '2025-06-01T09:59:00Z', value: '40', measurand: 'SoC', phase: 'L1', unit: 'Percent', location: 'EV' }]),
    [false],
    'a sample without transaction or context is matched too (NULLs compared as values)',
  );

  const check = new Database(join(dir, DEFAULT_DB_FILE), { readonly: true });
  t.teardown(() => check.close());
  t.same(
    check.prepare(`SELECT ${COLUMNS} FROM meter_samples WHERE id <= ${before.length} ORDER BY id`).raw().all(),
    before.map((row) => [...row]),
    'every row stored before the upgrade is kept as it was, in its order',
  );
  t.equal(check.prepare('SELECT count(*) FROM meter_samples').pluck().get(), before.length + 1, 'and the new one beside them');
  const indexes = check.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'meter_samples'").all() as { name: string; sql: string | null }[];
  t.notOk(indexes.some((i) => i.name === 'meter_samples_resend'), 'the index led by the charger is gone');
  t.match(indexes.find((i) => i.name === 'meter_samples_resend_by_time')?.sql, /UNIQUE INDEX meter_samples_resend_by_time ON meter_samples \(\s*timestamp, charger_id/, 'the unique index leads with the timestamp');
});
