import t from 'tap';
import { percentile } from '../../../src/bench/stats.js';

t.test('percentiles by nearest rank: p99 of 100 samples is the 99th, not the worst', async (t) => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  t.equal(percentile(hundred, 99), 99);
  t.equal(percentile(hundred, 50), 50);
  t.equal(percentile(hundred, 100), 100);
  t.equal(percentile(Array.from({ length: 300 }, (_, i) => i + 1), 99), 297, 'of 300: the 4th worst');
  t.equal(percentile([7], 99), 7);
  t.ok(Number.isNaN(percentile([], 50)));
  t.same(hundred.slice(0, 2), [100, 99], 'the input is not sorted in place');
});
