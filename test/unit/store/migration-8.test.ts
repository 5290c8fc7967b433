/**
 * Migration 8 on a database written before it: the one authorization list of before becomes the
 * cloud's (read by every channel until the cloud writes that channel's own), its version kept; a
 * list the cloud never set was the config's seed, which the config brings back at each start.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';

function oldDatabase(dir: string, version: string | undefined): void {
  const db = new Database(join(dir, DEFAULT_DB_FILE));
  for (const m of MIGRATIONS.filter((m) => m.version <= 5)) db.exec(m.sql);
  db.pragma('user_version = 5');
  const insert = db.prepare('INSERT INTO auth_list (id_tag, status, expiry_date, parent_id_tag) VALUES (?, ?, ?, ?)');
  insert.run('CLOUD1', 'Accepted', '2030-01-01T00:00:00Z', 'FLEET');
  insert.run('CLOUD2', 'Blocked', null, null);
  if (version !== undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('auth_list_version', ?)").run(version);
  db.close();
}

t.test('the cloud\'s list of before is every channel\'s until the cloud writes one', async (t) => {
  const dir = t.testdir();
  oldDatabase(dir, '12');
  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  for (const channel of ['cloud:SITE', 'cloud:CP1']) {
    t.equal(store.auth.version(channel as 'cloud:SITE'), 12, `${channel}: the version kept`);
    t.strictSame(store.auth.get(channel as 'cloud:SITE', 'cloud1'), { idTag: 'CLOUD1', status: 'Accepted', expiryDate: '2030-01-01T00:00:00Z', parentIdTag: 'FLEET' });
  }
  t.strictSame(store.auth.list('config'), [], 'none of it is taken for the config\'s');
  // A differential update of one channel starts from the old list; the other channel still reads it.
  store.auth.upsert('cloud:CP1', [{ idTag: 'NEW', status: 'Accepted' }], 13);
  t.strictSame(store.auth.list('cloud:CP1').map((e) => e.idTag), ['CLOUD1', 'CLOUD2', 'NEW']);
  t.equal(store.auth.version('cloud:CP2'), 12);
  t.equal(store.auth.get('cloud:CP2', 'NEW'), undefined);
  t.equal(store.meta.get('auth_list_version'), undefined, 'the old version key is gone');
});

t.test('a list the cloud never set (version 0) was the config\'s seed: not made the cloud\'s', async (t) => {
  const dir = t.testdir();
  oldDatabase(dir, '0');
  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.equal(store.auth.version('cloud:SITE'), 0);
  t.strictSame(store.auth.list('cloud:SITE'), []);
});

t.test('the cloud\'s reservations survive a reopen', async (t) => {
  const dir = t.testdir();
  let store = openSqliteStore(dir);
  store.upstream.reservations.put({ channel: 'SITE', reservationId: 77, chargerId: 'CP2', connectorId: 1 });
  store.close();
  store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.strictSame(store.upstream.reservations.get('SITE', 77), { channel: 'SITE', reservationId: 77, chargerId: 'CP2', connectorId: 1 });
  t.equal(store.upstream.reservations.get('CP1', 77), undefined, 'per channel');
  store.upstream.reservations.remove('SITE', 77);
  t.equal(store.upstream.reservations.get('SITE', 77), undefined);
});
