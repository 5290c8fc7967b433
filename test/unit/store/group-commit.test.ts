import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { createGroupCommit } from '../../../src/store/sqlite/group-commit.js';

t.test('group commit: writes of one turn share a transaction; each caller resolves after it is on disk', async (t) => {
  const dir = t.testdir();
  const store = openSqliteStore(dir);
  const seqs = await Promise.all(
    Array.from({ length: 50 }, (_, i) => store.durably(() => store.upstream.outbox.add({ channel: 'A', action: 'MeterValues', kind: 'meter', payload: { i } }, '2025-01-01T00:00:00Z').seq)),
  );
  t.same(seqs, Array.from({ length: 50 }, (_, i) => i + 1), 'in order');
  const failing = store.durably(() => {
    store.upstream.outbox.add({ channel: 'A', action: 'X', kind: 'other', payload: {} }, '2025-01-01T00:00:00Z');
    throw new Error('boom');
  });
  const kept = store.durably(() => store.upstream.outbox.add({ channel: 'A', action: 'Y', kind: 'other', payload: {} }, '2025-01-01T00:00:00Z'));
  await t.rejects(failing, /boom/);
  await kept;
  store.close();
  const reopened = openSqliteStore(dir);
  t.teardown(() => reopened.close());
  const page = reopened.upstream.outbox.page('A', 0, 1e9, 100);
  t.equal(page.length, 51, 'a failing caller undoes only its own writes');
  t.same(page.at(-1)?.action, 'Y');
});

t.test('a caller hears "durable" only after the WAL fsync that covers it; commits during an fsync wait for the next', async (t) => {
  const db = new Database(join(t.testdir(), 'g.db'));
  t.teardown(() => db.close());
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (v INTEGER)');
  const syncs: ((error: Error | null) => void)[] = [];
  const group = createGroupCommit(db, { sync: (done) => syncs.push(done), syncNow: () => undefined, close: () => undefined });
  const settled: string[] = [];
  const first = group.durably(() => db.prepare('INSERT INTO t VALUES (1)').run()).then(() => settled.push('first'));
  await new Promise((r) => setImmediate(r));
  t.equal(syncs.length, 1, 'committed, and one fsync started');
  t.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 1, 'the row is committed (visible)');
  const second = group.durably(() => db.prepare('INSERT INTO t VALUES (2)').run()).then(() => settled.push('second'));
  await new Promise((r) => setImmediate(r));
  t.equal(syncs.length, 1, 'the second commit waits for the running fsync to end');
  t.same(settled, [], 'nobody told "durable" before an fsync ended');
  syncs[0]!(null);
  await first;
  t.same(settled, ['first']);
  t.equal(syncs.length, 2, 'then one fsync for what came meanwhile');
  syncs[1]!(new Error('EIO: disk gone'));
  await t.rejects(second, /EIO/, 'an fsync that failed: its callers hear so');
  const third = group.durably(() => 3);
  await new Promise((r) => setImmediate(r));
  group.flush();
  t.equal(await third, 3, 'flush() (before close) syncs at once and settles everyone');
});

t.test('outbox: coalescing, dead letters, transaction map, idTag cache', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const o = store.upstream.outbox;
  const at = '2025-01-01T00:00:00Z';
  const s1 = o.add({ channel: 'A', action: 'StatusNotification', kind: 'status', payload: { s: 1 }, coalesceKey: 'status/1' }, at);
  const s2 = o.add({ channel: 'A', action: 'StatusNotification', kind: 'status', payload: { s: 2 }, coalesceKey: 'status/1' }, at);
  t.same([s1.replaced, s2.replaced], [0, 1], 'the unsent older status is replaced');
  const s3 = o.add({ channel: 'A', action: 'StatusNotification', kind: 'status', payload: { s: 3 }, coalesceKey: 'status/1' }, at, s2.seq);
  t.equal(s3.replaced, 0, 'a sent one is not');
  const dead = o.deadLetter(s3.seq, 'GenericError: no', at);
  t.match(dead, { action: 'StatusNotification', payload: { s: 3 }, error: 'GenericError: no' });
  t.equal(o.count(), 1);
  t.equal(o.deadLetterCount(), 1);
  store.upstream.transactions.open(12, 'A');
  t.same(store.upstream.transactions.get(12), { channel: 'A', state: 'pending' });
  store.upstream.transactions.setCloud(12, 9001);
  t.equal(store.upstream.transactions.localFor('A', 9001), 12);
  store.upstream.idTagCache.put('Card1', { status: 'Blocked' }, at);
  t.same(store.upstream.idTagCache.get('CARD1'), { status: 'Blocked' }, 'idTags without case');
});

t.test('writes made while an fsync runs are committed together when it ends, then synced', async (t) => {
  const file = join(t.testdir(), 'g.db');
  const db = new Database(file);
  t.teardown(() => db.close());
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (v INTEGER)');
  // Another connection: what is committed (what a reader or a restart would find).
  const reader = new Database(file, { readonly: true });
  t.teardown(() => reader.close());
  const committed = () => reader.prepare('SELECT v FROM t ORDER BY v').pluck().all();
  const syncs: ((error: Error | null) => void)[] = [];
  const group = createGroupCommit(db, { sync: (done) => syncs.push(done), syncNow: () => undefined, close: () => undefined });
  const settled: number[] = [];
  const write = (v: number) => group.durably(() => db.prepare('INSERT INTO t VALUES (?)').run(v)).then(() => settled.push(v));
  const first = write(1);
  await new Promise((r) => setImmediate(r));
  t.same(committed(), [1], 'the first turn commits at once and its fsync starts');
  // Three more turns of writes while that fsync runs.
  const later: Promise<unknown>[] = [];
  for (const v of [2, 3, 4]) {
    later.push(write(v));
    await new Promise((r) => setImmediate(r));
  }
  t.same(committed(), [1], 'nothing more is committed while the fsync runs');
  t.equal(syncs.length, 1);
  syncs[0]!(null);
  await first;
  t.same(committed(), [1, 2, 3, 4], 'when it ends, the three turns are committed together');
  t.equal(syncs.length, 2, 'and one fsync covers them');
  t.same(settled, [1], 'none of them told "durable" before that fsync');
  syncs[1]!(null);
  await Promise.all(later);
  t.same(settled, [1, 2, 3, 4]);
});
