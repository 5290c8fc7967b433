/**
 * The migration (one outbox, dead-letter list and transaction map per upstream) on a database
 * written before it: what was queued and mapped stays the primary's; a mirror's rows are its own.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../../../src/store/sqlite.js';

const AT = '2025-06-01T10:00:00.000Z';
// Found by its name: the number is given at the merge.
const MIGRATION_UPSTREAMS = MIGRATIONS.find((m) => m.name.startsWith('one outbox, dead-letter list'))!.version;

t.test('rows from before the mirrors stay the primary\'s; each mirror counts, delivers and maps its own', async (t) => {
  const dir = t.testdir();
  const db = new Database(join(dir, DEFAULT_DB_FILE));
  const before = MIGRATIONS.filter((m) => m.version < MIGRATION_UPSTREAMS);
  for (const m of before) db.exec(m.sql);
  db.pragma(`user_version = ${before.at(-1)!.version}`);
  db.prepare("INSERT INTO upstream_outbox (channel, action, kind, payload, local_tx, created_at) VALUES ('SITE-1', 'StopTransaction', 'stop', '{}', 7, ?)").run(AT);
  db.prepare("INSERT INTO upstream_transactions (local_tx, channel, cloud_tx, state) VALUES (7, 'SITE-1', 5001, 'mapped')").run();
  db.close();

  const store = openSqliteStore(dir);
  t.teardown(() => store.close());
  const mirror = store.upstreamOf('supplier');
  t.equal(store.upstream.outbox.count(), 1, 'the queued Stop is the primary\'s');
  t.same(store.upstream.transactions.get(7), { channel: 'SITE-1', state: 'mapped', cloudTransactionId: 5001 });
  t.equal(mirror.outbox.count(), 0, 'the mirror starts empty');
  t.equal(mirror.transactions.get(7), undefined);

  // The same local transaction, the same channel name, another cloud: its own id and rows.
  mirror.transactions.open(7, 'SITE-1');
  mirror.transactions.setCloud(7, 9001);
  const { seq } = mirror.outbox.add({ channel: 'SITE-1', action: 'StopTransaction', kind: 'stop', payload: {}, localTransactionId: 7 }, AT);
  t.same(mirror.transactions.get(7), { channel: 'SITE-1', state: 'mapped', cloudTransactionId: 9001 });
  t.equal(mirror.transactions.localFor('SITE-1', 9001), 7);
  t.equal(store.upstream.transactions.localFor('SITE-1', 9001), undefined, 'the primary knows only its own ids');
  t.same(store.upstream.outbox.page('SITE-1', 0, seq, 10).map((m) => m.seq), [1], 'each pages its own rows');
  t.same(mirror.outbox.page('SITE-1', 0, seq, 10).map((m) => m.seq), [seq]);
  mirror.outbox.deadLetter(seq, 'refused', AT);
  t.equal(mirror.outbox.deadLetterCount(), 1);
  t.equal(store.upstream.outbox.deadLetterCount(), 0, 'a mirror\'s dead letter is not the primary\'s');
  t.equal(store.upstream.outbox.count(), 1);
});
