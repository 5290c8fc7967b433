/**
 * The migration for OCPP 2.0.1 transactions (issue 16; assigned 12, numbered 8 after main's 7): a database
 * written before it keeps its sessions as they were (no reference), and from then on a session
 * may carry the charger's own transactionId, unique per charger, and TransactionEvents are
 * recorded by transaction and seqNo.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';

const before = MIGRATIONS.find((m) => m.sql.includes('transaction_ref'))!.version - 1;

t.test('an older database keeps its sessions; new ones carry their reference, found again after a reopen', async (t) => {
  const dir = t.testdir();
  const db = new Database(join(dir, DEFAULT_DB_FILE));
  for (const m of MIGRATIONS.filter((m) => m.version <= before)) db.exec(m.sql);
  db.pragma(`user_version = ${before}`);
  db.prepare("INSERT INTO chargers (id) VALUES ('CP1')").run();
  db.prepare("INSERT INTO sessions (charger_id, connector_id, id_tag, started_at, meter_start, auth_status, received_at) VALUES ('CP1', 1, 'TAG1', '2025-06-01T10:00:00Z', 100, 'Accepted', '2025-06-01T10:00:01Z')").run();
  db.close();

  let store = openSqliteStore(dir);
  const old = store.sessions.list()[0]!;
  t.match(old, { transactionId: 1, idTag: 'TAG1', meterStart: 100 });
  t.equal(old.reference, undefined, 'an existing session has no reference');
  const input = { chargerId: 'CP1', connectorId: 1, idTag: 'TAG2', startedAt: '2025-06-01T11:00:00Z', meterStart: 200, authStatus: 'Accepted', receivedAt: '2025-06-01T11:00:01Z', reference: 'tx-abc' };
  const first = store.sessions.start(input);
  t.same(store.sessions.start({ ...input, meterStart: 999 }), { transactionId: first.transactionId, replayed: true }, 'the same reference again is the same transaction, whatever else differs');
  t.not(store.sessions.start({ ...input, chargerId: 'CP2' }).transactionId, first.transactionId, 'another charger may use the same name');
  const seen = { chargerId: 'CP1', reference: 'tx-abc', seqNo: 0, eventType: 'Started', offline: true, timestamp: '2025-06-01T11:00:00Z', receivedAt: '2025-06-01T11:00:01Z' };
  t.equal(store.sessions.noteEvent(seen), true);
  t.equal(store.sessions.noteEvent(seen), false, 'the same seqNo again is a replay');
  store.close();

  store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.match(store.sessions.byReference('CP1', 'tx-abc'), { transactionId: first.transactionId, idTag: 'TAG2', reference: 'tx-abc' }, 'the map survives a restart');
  t.equal(store.sessions.byReference('CP1', 'tx-other'), undefined);
  t.equal(store.sessions.eventSeen('CP1', 'tx-abc', 0), true);
  t.equal(store.sessions.eventSeen('CP1', 'tx-abc', 1), false);
});
