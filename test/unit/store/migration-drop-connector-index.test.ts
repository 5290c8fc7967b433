/**
 * The migration of issue 19 that drops meter_samples' index by (charger, connector, id), half the
 * cost of storing a sample: every row is kept, a charger's and a connector's samples read the
 * same as before it, a session's samples still come by their own index, and a resend of a
 * sample stored before the upgrade is still kept once.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { databaseBefore } from '../../helpers/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';

const migration = MIGRATIONS.find((m) => /DROP INDEX meter_samples_connector/.test(m.sql))!;

const COLUMNS = 'charger_id, connector_id, transaction_id, timestamp, value, measurand, phase, unit, context, location, format';

t.test('samples stored before the upgrade are all kept and read the same after it', async (t) => {
  t.ok(migration, 'the migration exists');
  const dir = t.testdir();
  const db = databaseBefore(dir, migration.version);
  const insert = db.prepare(`INSERT OR IGNORE INTO meter_samples (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // Two chargers, two connectors, interleaved as chargers send.
  for (let i = 0; i < 40; i++) {
    const charger = i % 3 === 0 ? 'CP2' : 'CP1';
    const connector = 1 + (i % 2);
    const minute = String(i).padStart(2, '0');
    insert.run(charger, connector, connector === 1 ? 7 : null, `2025-06-01T10:${minute}:00Z`, String(1000 + i), 'Energy.Active.Import.Register', null, 'Wh', 'Sample.Periodic', null, null);
  }
  const raw = (sql: string, ...args: unknown[]) => db.prepare(sql).raw().all(...args);
  const before = {
    rows: raw(`SELECT id, ${COLUMNS} FROM meter_samples ORDER BY id`),
    cp1: raw('SELECT value FROM meter_samples WHERE charger_id = ? ORDER BY id DESC LIMIT 100', 'CP1').flat(),
    cp1c2: raw('SELECT value FROM meter_samples WHERE charger_id = ? AND connector_id = ? ORDER BY id DESC LIMIT 5', 'CP1', 2).flat(),
    tx: raw('SELECT value FROM meter_samples WHERE transaction_id = 7 ORDER BY id').flat(),
  };
  t.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'meter_samples_connector'").get(), 'the index is there before');
  db.close();

  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.same(store.meters.recent('CP1').map((s) => s.value), before.cp1, "a charger's samples, newest first, as before");
  t.same(store.meters.recent('CP1', 2, 5).map((s) => s.value), before.cp1c2, "a connector's, with a limit, as before");
  t.same(store.meters.recent('nobody'), [], 'a charger without samples has none');
  t.same(store.meters.forTransaction(7).map((s) => s.value), before.tx, "a session's samples, in arrival order, as before");
  const resend = { chargerId: 'CP1', connectorId: 1, transactionId: 7, timestamp: '2025-06-01T10:02:00Z', value: '1002', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' };
  t.same(store.meters.append([resend, { ...resend, value: '1099' }]), [false, true], 'a resend of a sample stored before the upgrade is kept once; another value is new');

  const check = new Database(join(dir, DEFAULT_DB_FILE), { readonly: true });
  t.teardown(() => check.close());
  t.same(check.prepare(`SELECT id, ${COLUMNS} FROM meter_samples WHERE id <= 40 ORDER BY id`).raw().all(), before.rows, 'every row is kept as it was');
  t.notOk(check.prepare("SELECT 1 FROM sqlite_master WHERE name = 'meter_samples_connector'").get(), 'the index by charger and connector is gone');
  t.match(
    (check.prepare('EXPLAIN QUERY PLAN SELECT * FROM meter_samples WHERE transaction_id = ? ORDER BY id').all(7) as { detail: string }[]).map((r) => r.detail).join(' '),
    /USING INDEX meter_samples_transaction/,
    "a session's samples are still read by their own index (cost, plan, chart, orphan estimate)",
  );
});
