import t from 'tap';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { createRawFrameStore } from '../../../src/store/sqlite/raw-frames.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { openFresh } from './contract.js';

t.test('raw frames: kept as received, most recent first, per charger, across a reopen', async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  const frame = (chargerId: string, messageId: string) => ({
    chargerId,
    action: 'StopTransaction',
    messageId,
    frame: JSON.stringify([2, messageId, 'StopTransaction', { transactionId: 'abc' }]),
    problem: 'StopTransaction: transactionId must be integer',
    outcome: 'unsalvageable' as const,
    receivedAt: '2025-06-01T10:00:00.000Z',
  });
  s.store.rawFrames.add(frame('CP1', 'a'));
  s.store.rawFrames.add(frame('CP2', 'b'));
  s.store.rawFrames.add(frame('CP1', 'c'));
  const again = s.reopen();
  t.same(again.rawFrames.list().map((f) => f.messageId), ['c', 'b', 'a']);
  t.same(again.rawFrames.list({ chargerId: 'CP1', limit: 1 }).map((f) => f.messageId), ['c']);
  t.match(again.rawFrames.list({ chargerId: 'CP2' }), [{ id: Number, ...frame('CP2', 'b') }]);
});

t.test('raw frames: only the newest are kept', async (t) => {
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  for (const m of MIGRATIONS) db.exec(m.sql);
  const frames = createRawFrameStore(db, 3);
  for (const id of ['a', 'b', 'c', 'd', 'e']) frames.add({ chargerId: 'CP1', action: 'MeterValues', messageId: id, frame: '[]', problem: 'p', outcome: 'repaired', receivedAt: 'x' });
  t.same(frames.list().map((f) => f.messageId), ['e', 'd', 'c']);
});
