import t from 'tap';
import { clip, createLogBudget } from '../../../src/ocpp/log-budget.js';

t.test('each source gets a few lines per window; the rest are counted and reported once', async (t) => {
  const budget = createLogBudget(3, 60_000);
  const first = Array.from({ length: 10 }, (_, i) => budget.take('10.0.0.9', 1000 + i).log);
  t.same(first, [true, true, true, false, false, false, false, false, false, false]);
  t.same(budget.take('10.0.0.8', 1100), { log: true, suppressed: 0 }, 'another source has its own budget');
  t.same(budget.take('10.0.0.9', 61_000), { log: true, suppressed: 7 }, 'the next window reports the 7 dropped');
  t.same(budget.take('10.0.0.9', 61_001), { log: true, suppressed: 0 });
});

t.test('the map of sources stays bounded', async (t) => {
  const budget = createLogBudget(1, 60_000);
  for (let i = 0; i < 5000; i++) budget.take(`src${i}`, 0);
  // The oldest were forgotten: src0 gets a fresh window (and nothing to report).
  t.same(budget.take('src0', 1), { log: true, suppressed: 0 });
  t.same(budget.take('src4999', 1), { log: false, suppressed: 0 }, 'a recent one is still remembered');
});

t.test('clip cuts long text and says how long it was', async (t) => {
  t.equal(clip('short'), 'short');
  t.equal(clip(undefined), undefined);
  t.equal(clip('x'.repeat(16_000), 10), `${'x'.repeat(10)}… (16000 characters)`);
});
