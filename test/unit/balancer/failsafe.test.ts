import t from 'tap';
import { EMPTY_PEAKS, judgeMeter, judgeOverdraw, otherLoadOf, rememberPeak } from '../../../src/balancer/failsafe.js';

const base = { chargerDraw: [10, 10, 0] as const, now: 100_000, timeoutMs: 10_000, windowMs: 900_000, failsafeCurrent: undefined, supplyLimit: 63 };

t.test('a fresh meter: other load = meter − the chargers, never negative', async (t) => {
  t.same(otherLoadOf([25, 8, 3], [10, 10, 0]), [15, 0, 3]);
  const j = judgeMeter({ ...base, reading: { currents: [25, 8, 3], at: 95_000 }, peaks: EMPTY_PEAKS });
  t.same(j, { currents: [15, 0, 3] });
});

t.test('a stale meter: the recent peak other load is assumed', async (t) => {
  let peaks = rememberPeak(EMPTY_PEAKS, [5, 2, 1], 10_000, 900_000);
  peaks = rememberPeak(peaks, [20, 1, 1], 15_000, 900_000);
  peaks = rememberPeak(peaks, [3, 4, 1], 40_000, 900_000);
  const j = judgeMeter({ ...base, reading: { currents: [0, 0, 0], at: 80_000 }, peaks });
  t.same(j.currents, [20, 4, 1]);
  t.match(j.failsafe, /meter silent 20 s: assuming the recent peak/);
});

t.test('a stale meter with a configured failsafe current', async (t) => {
  const j = judgeMeter({ ...base, reading: undefined, peaks: EMPTY_PEAKS, failsafeCurrent: 16 });
  t.same(j.currents, [0, 0, 0]);
  t.equal(j.budget, 16);
  t.match(j.failsafe, /failsafe 16 A/);
});

t.test('a stale meter and no history: nothing is shared', async (t) => {
  const j = judgeMeter({ ...base, reading: undefined, peaks: EMPTY_PEAKS });
  t.same(j.currents, [63, 63, 63]);
});

t.test('old peaks leave the window', async (t) => {
  const peaks = rememberPeak(rememberPeak(EMPTY_PEAKS, [30, 0, 0], 0, 60_000), [1, 1, 1], 100_000, 60_000);
  t.equal(peaks.buckets.length, 1);
});

t.test('overdraw: flagged after N samples in a row above limit + tolerance', async (t) => {
  const check = { key: 'CP1/1', limit: 10, tolerance: 2, samples: 3 };
  let m = {};
  let flagged = false;
  for (const draw of [13, 13, 11, 13, 13]) ({ memory: m, flagged } = judgeOverdraw(m, { ...check, draw }));
  t.notOk(flagged, 'a sample within tolerance resets the count');
  ({ memory: m, flagged } = judgeOverdraw(m, { ...check, draw: 16 }));
  t.ok(flagged);
});
