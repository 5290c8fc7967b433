import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
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
