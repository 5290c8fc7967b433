import t from 'tap';
import { paceDelay, typicalCost, type PacingPolicy } from '../../../src/balancer/pacing.js';

const policy: PacingPolicy = { share: 0.05, changeShare: 0.25, cheapMs: 1, maxDelayMs: 250 };

t.test('the first run, and any after a cheap one, goes at once', async (t) => {
  t.equal(paceDelay(undefined, 1_000, policy, 'reading'), 0, 'nothing ran yet');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 0.3 }, 1_000, policy, 'reading'), 0, 'a small site: a fraction of a millisecond');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 0.99 }, 1_000, policy, 'reading'), 0, 'just under the threshold');
});

t.test('an expensive run delays the next so the runs keep to their share of a core', async (t) => {
  // 5 ms at 5 % of a core: the run and its wait last 100 ms, the wait 95 ms.
  t.equal(paceDelay({ endedAt: 1_000, costMs: 5 }, 1_000, policy, 'reading'), 95);
  t.equal(paceDelay({ endedAt: 1_000, costMs: 5 }, 1_040, policy, 'reading'), 55, 'time since the run counts');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 5 }, 1_095, policy, 'reading'), 0, 'the wait is over');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 2 }, 1_000, { ...policy, share: 0.1 }, 'reading'), 18, 'a larger share waits less');
});

t.test('the wait is bounded, whatever a run cost', async (t) => {
  t.equal(paceDelay({ endedAt: 1_000, costMs: 1_000 }, 1_000, policy, 'reading'), 250, 'a 1 s run (a stalled box) waits the bound, not 19 s');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 1_000 }, 1_200, policy, 'reading'), 50);
  t.equal(paceDelay({ endedAt: 1_000, costMs: 50 }, 1_000, { ...policy, maxDelayMs: 0 }, 'reading'), 0, 'no bound (responseTime 0): never paced');
  t.equal(paceDelay({ endedAt: 5_000, costMs: 1_000 }, 1_000, policy, 'reading'), 250, 'a clock that went back waits the bound at most');
});

t.test('a cost that cannot be measured does not pace', async (t) => {
  t.equal(paceDelay({ endedAt: 1_000, costMs: Number.NaN }, 1_000, policy, 'reading'), 0);
  t.equal(paceDelay({ endedAt: 1_000, costMs: -3 }, 1_000, policy, 'reading'), 0, 'a clock read backwards');
});

t.test('the cost paced by is the least of the last four runs: one slow run does not pace a small site', async (t) => {
  t.equal(typicalCost([]), 0, 'no run yet');
  t.equal(typicalCost([5, 5, 5]), 0, 'fewer than four runs: not judged yet');
  t.equal(typicalCost([0.1, 0.1, 12, 0.1]), 0.1, 'a garbage collection in one run');
  t.equal(typicalCost([0.1, 6, 5, 7, 5.5]), 5, 'a large site: every recent run is expensive');
  t.equal(paceDelay({ endedAt: 0, costMs: typicalCost([0.2, 0.2, 30, 0.2]) }, 0, policy, 'reading'), 0, 'so the next run goes at once');
});

t.test('a change waits at the change share: a reading stream is paced, a car that arrives is not kept waiting', async (t) => {
  // 5 ms at 25 % of a core: the run and its wait last 20 ms, the wait 15 ms (95 ms for a reading).
  t.equal(paceDelay({ endedAt: 1_000, costMs: 5 }, 1_000, policy, 'change'), 15);
  t.equal(paceDelay({ endedAt: 1_000, costMs: 5 }, 1_000, policy, 'reading'), 95, 'the same run before a reading');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 5 }, 1_010, policy, 'change'), 5, 'time since the run counts');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 0.5 }, 1_000, policy, 'change'), 0, 'a cheap run paces neither');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 1_000 }, 1_000, policy, 'change'), 250, 'the bound holds for changes too');
  t.equal(paceDelay({ endedAt: 1_000, costMs: 50 }, 1_000, { ...policy, maxDelayMs: 0 }, 'change'), 0, 'no bound: never paced');
});
