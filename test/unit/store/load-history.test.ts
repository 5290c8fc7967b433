import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { openFresh } from './contract.js';

const BUCKETS = [
  { resolutionS: 60, keepMs: 3600_000 },
  { resolutionS: 900, keepMs: 86_400_000 },
];
const at = (hhmmss: string) => `2026-12-03T${hhmmss}.000Z`;

t.test('a bucket is the mean of its samples; the grid of those that had it; the limit the last known', async (t) => {
  const { store } = openFresh(t, (dir) => openSqliteStore(dir));
  store.loadHistory.add({ at: at('10:00:05'), chargersA: [10, 0, 0], limitA: 32 }, BUCKETS);
  store.loadHistory.add({ at: at('10:00:20'), chargersA: [20, 0, 6], gridA: [30, 10, 10], limitA: null }, BUCKETS);
  store.loadHistory.add({ at: at('10:00:35'), chargersA: [0, 0, 0], gridA: [10, 20, 10], limitA: 25 }, BUCKETS);
  store.loadHistory.add({ at: at('10:01:00'), chargersA: [16, 16, 16], limitA: 25 }, BUCKETS);
  t.same(store.loadHistory.list(60, 0), [
    { at: at('10:00:00'), chargersA: [10, 0, 2], gridA: [20, 15, 10], limitA: 25 },
    { at: at('10:01:00'), chargersA: [16, 16, 16], limitA: 25 },
  ]);
  t.same(store.loadHistory.list(900, 0), [{ at: at('10:00:00'), chargersA: [11.5, 4, 5.5], gridA: [20, 15, 10], limitA: 25 }]);
  t.same(store.loadHistory.list(60, Date.parse(at('10:01:00'))).length, 1, 'from a time on');
});

t.test('buckets older than their resolution keeps are deleted as samples come', async (t) => {
  const { store } = openFresh(t, (dir) => openSqliteStore(dir));
  store.loadHistory.add({ at: at('08:00:00'), chargersA: [1, 1, 1], limitA: null }, BUCKETS);
  store.loadHistory.add({ at: at('10:00:00'), chargersA: [2, 2, 2], limitA: null }, BUCKETS);
  t.same(store.loadHistory.list(60, 0).map((s) => s.at), [at('10:00:00')], 'the minute two hours back is gone (kept one hour)');
  t.same(store.loadHistory.list(900, 0).map((s) => s.at), [at('08:00:00'), at('10:00:00')], 'the quarter hour stays (kept a day)');
});
