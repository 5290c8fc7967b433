import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, pendingMigrations } from '../../../src/store/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';
import { newSession, openFresh, storeContract } from './contract.js';

// Spawns a real process and kills it with -9: its start-up alone takes seconds on a busy machine.
t.setTimeout(240_000);

t.test('contract', async (t) => storeContract(t, (dir) => openSqliteStore(dir)));

/** A second, raw connection to the store's file: what an operator with sqlite3 could do. */
function raw(t: Test, dir: string): Database.Database {
  const db = new Database(join(dir, DEFAULT_DB_FILE));
  t.teardown(() => db.close());
  return db;
}

t.test('migrations', async (t) => {
  t.test('are numbered 1..N without gaps, the last being the latest', async (t) => {
    t.strictSame(MIGRATIONS.map((m) => m.version), MIGRATIONS.map((_, i) => i + 1));
    t.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.length);
  });

  t.test('pendingMigrations plans what is missing and refuses a newer schema', async (t) => {
    const three = [1, 2, 3].map((version) => ({ version, name: `m${version}`, sql: '' }));
    t.strictSame(pendingMigrations(0, three).map((m) => m.version), [1, 2, 3]);
    t.strictSame(pendingMigrations(2, three).map((m) => m.version), [3]);
    t.strictSame(pendingMigrations(3, three), []);
    t.throws(() => pendingMigrations(4, three), /schema version 4 is newer than this chargegate supports \(3\)/);
  });

  t.test('a fresh database gets the latest user_version and WAL', async (t) => {
    const dir = join(t.testdir(), 'not', 'yet', 'there');
    openSqliteStore(dir).close();
    const db = raw(t, dir);
    t.equal(db.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION);
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    openSqliteStore(dir).close(); // reopening an up-to-date database changes nothing
    t.equal(db.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION);
  });

  t.test('a database from a newer chargegate is refused, untouched', async (t) => {
    const dir = t.testdir();
    const store = openSqliteStore(dir);
    store.chargers.touch('CP-1', '2024-05-01T08:00:00.000Z');
    store.close();
    raw(t, dir).pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    t.throws(() => openSqliteStore(dir), {
      message: new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1} is newer than this chargegate supports`),
    });
    const db = raw(t, dir);
    t.equal(db.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION + 1, 'version left as found');
    t.strictSame(db.prepare('SELECT id FROM chargers').all(), [{ id: 'CP-1' }], 'data left as found');
  });

  t.test('fileName picks another file in the directory', async (t) => {
    const dir = t.testdir();
    openSqliteStore(dir, { fileName: 'other.db' }).close();
    const db = new Database(join(dir, 'other.db'));
    t.equal(db.pragma('user_version', { simple: true }), LATEST_SCHEMA_VERSION);
    db.close();
  });
});

t.test('transaction ids', async (t) => {
  t.test('are not reused after the newest session row is deleted', async (t) => {
    const s = openFresh(t, (dir) => openSqliteStore(dir));
    const { transactionId } = s.store.sessions.start(newSession({ meterStart: 1 }));
    s.store.close();
    raw(t, s.dir).prepare('DELETE FROM sessions WHERE transaction_id = ?').run(transactionId);
    s.reopen();
    t.equal(s.store.sessions.get(transactionId), undefined, 'the row is gone');
    t.ok(s.store.sessions.start(newSession({ meterStart: 2 })).transactionId > transactionId);
  });

  t.test('past int32 are refused, and nothing is written', async (t) => {
    const s = openFresh(t, (dir) => openSqliteStore(dir));
    s.store.sessions.start(newSession({ meterStart: 1 }));
    raw(t, s.dir).prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'sessions'").run(2 ** 31 - 1);
    t.throws(() => s.store.sessions.start(newSession({ meterStart: 2 })), /transaction ids exhausted/);
    t.equal(s.store.sessions.list().length, 1);
  });
});

t.test('a session acknowledged before kill -9 is there after the restart', async (t) => {
  const dir = t.testdir();
  const fixture = fileURLToPath(new URL('./fixtures/start-and-hang.ts', import.meta.url));
  // Run the TypeScript child with the same loader tap gives this process.
  const child = spawn(process.execPath, ['--import', import.meta.resolve('@tapjs/typescript/import'), fixture, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const started = JSON.parse(line.toString()) as { transactionId: number; replayed: boolean };
  child.kill('SIGKILL');
  const [, signal] = await once(child, 'exit');
  t.equal(signal, 'SIGKILL');

  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.match(store.sessions.get(started.transactionId), { chargerId: 'CP-KILL', state: 'active', meterStart: 42 });
});

t.test('the database and its WAL are readable by their owner alone (they hold idTags)', async (t) => {
  const { statSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = join(t.testdir(), 'fresh', 'data');
  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  await store.durably(() => store.meta.set('k', 'v'));
  t.equal(statSync(dir).mode & 0o777, 0o700, 'the data directory it made: 0700');
  for (const f of ['chargegate.db', 'chargegate.db-wal']) t.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f}: 0600`);
});
