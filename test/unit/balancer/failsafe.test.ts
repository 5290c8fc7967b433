import t from 'tap';
import { EMPTY_PEAKS, estimateOtherLoad, judgeMeter, judgeOverdraw, otherLoadOf, rememberPeak } from '../../../src/balancer/failsafe.js';

const base = { now: 100_000, timeoutMs: 10_000, windowMs: 900_000, failsafeCurrent: undefined, supplyLimit: 63 };

t.test('a fresh meter: other load = meter − the chargers, never negative', async (t) => {
  t.same(otherLoadOf([25, 8, 3], [10, 10, 0]), [15, 0, 3]);
  const j = judgeMeter({ ...base, estimate: { other: estimateOtherLoad([25, 8, 3], [10, 10, 0], undefined, [false, false, false]), at: 95_000 }, peaks: EMPTY_PEAKS });
  t.same(j, { currents: [15, 0, 3] });
});

t.test('a car between two limits: the estimate on its phases may rise, not fall', async (t) => {
  // House 20 A on L1; the car (MeterValues: 0 A, paused) was just raised to 12 A.
  // A reading taken while the car still drew 0 A: 20 A, counted in full (a rise from 8).
  t.same(estimateOtherLoad([20, 0, 0], [0, 0, 0], [8, 0, 0], [true, false, false]), [20, 0, 0]);
  // The car's report (12 A) came in before a reading from when it still drew 0 A: 20 − 12
  // would make the house 8 A, room that is not there. Kept at 20 on L1; L2 and L3 follow.
  t.same(estimateOtherLoad([20, 5, 1], [12, 0, 0], [20, 7, 3], [true, false, false]), [20, 5, 1]);
  // Once the car has reported after the change, a fall counts.
  t.same(estimateOtherLoad([20, 5, 1], [12, 0, 0], [20, 7, 3], [false, false, false]), [8, 5, 1]);
});

t.test('nothing to hold (the first reading, or the first after a silent meter): the changing cars at the least they may draw', async (t) => {
  // House 10 A on L1; a car cut from 16 to 6 A while the meter was silent draws 6, counted at
  // the most (16) and at the least (6): paired with the most, the house would be 0.
  t.same(estimateOtherLoad([16, 0, 0], [16, 0, 0], undefined, [true, false, false], [6, 0, 0]), [10, 0, 0]);
  // With an earlier estimate the most is paired and the hold keeps the house from falling.
  t.same(estimateOtherLoad([16, 0, 0], [16, 0, 0], [10, 0, 0], [true, false, false], [6, 0, 0]), [10, 0, 0]);
  t.same(estimateOtherLoad([25, 8, 3], [10, 10, 0], undefined, [false, false, false]), [15, 0, 3], 'no least given: the draw');
});

t.test('a stale meter: the recent peak other load is assumed', async (t) => {
  let peaks = rememberPeak(EMPTY_PEAKS, [5, 2, 1], 10_000, 900_000);
  peaks = rememberPeak(peaks, [20, 1, 1], 15_000, 900_000);
  peaks = rememberPeak(peaks, [3, 4, 1], 40_000, 900_000);
  const j = judgeMeter({ ...base, estimate: { other: [0, 0, 0], at: 80_000 }, peaks });
  t.same(j.currents, [20, 4, 1]);
  t.match(j.failsafe, /meter silent 20 s: assuming the recent peak/);
});

t.test('a stale meter with a configured failsafe current', async (t) => {
  const j = judgeMeter({ ...base, estimate: undefined, peaks: EMPTY_PEAKS, failsafeCurrent: 16 });
  t.same(j.currents, [0, 0, 0]);
  t.equal(j.budget, 16);
  t.match(j.failsafe, /failsafe 16 A/);
});

t.test('a stale meter and no history: nothing is shared', async (t) => {
  const j = judgeMeter({ ...base, estimate: undefined, peaks: EMPTY_PEAKS });
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
