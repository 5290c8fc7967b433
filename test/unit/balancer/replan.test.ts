/**
 * readingAsksForRun (src/balancer/replan.ts): which charger readings ask the balancer for a
 * new plan. A reading the plan would count the same (within the limit, on the same phases,
 * within the deadband of the reading that last asked) asks for none.
 */
import t from 'tap';
import { readingAsksForRun as asks, type HoldingLimit, type Reading } from '../../../src/balancer/replan.js';

const s = { deadband: 1, phaseThreshold: 1 };
type Currents = [number, number, number];
/** The basis read at 2,000 ms, the next reading at 3,000 ms, under a limit accepted at 1,000 ms. */
const readingAsksForRun = (basis: Currents | undefined, next: Currents, limit: number | undefined, settings = s) =>
  asks(basis && { currents: basis, at: 2000 }, { currents: next, at: 3000 }, limit === undefined ? undefined : { amps: limit, acceptedAt: 1000 }, settings);

t.test('within the limit, on the same phases, within the deadband: no run', async (t) => {
  t.notOk(readingAsksForRun([15.6, 15.8, 15.5], [15.9, 15.2, 15.7], 16, s), 'a car at its limit, 0.3–0.6 A from the basis');
  t.notOk(readingAsksForRun([0, 0, 0], [0, 0, 0], 16, s), 'an idle connector that stays idle');
  t.notOk(readingAsksForRun([7.5, 0, 0], [7.9, 0.4, 0], 8, s), 'a 1-phase car; the noise on L2 stays below the phase threshold');
  t.notOk(readingAsksForRun([16, 16, 16], [16, 16, 16], 16, s), 'exactly at the limit is not above it');
});

t.test('a reading the plan could count differently asks for a run', async (t) => {
  t.ok(readingAsksForRun(undefined, [10, 10, 10], 16, s), 'the first the plan would see');
  t.ok(readingAsksForRun([10, 10, 10], [10, 10, 10], undefined, s), 'no limit known to hold the charger (uncontrolled, unconfirmed)');
  t.ok(readingAsksForRun([15.8, 15.8, 15.8], [15.8, 16.1, 15.8], 16, s), 'one phase above the limit, by 0.1 A');
  t.ok(readingAsksForRun([7.5, 0, 0], [7.5, 7.5, 7.5], 16, s), 'a 1-phase car now on three phases');
  t.ok(readingAsksForRun([7.5, 7.5, 7.5], [7.5, 0.2, 0.2], 16, s), 'a 3-phase car now on one');
  t.ok(readingAsksForRun([10, 10, 10], [10, 10, 9], 16, s), 'a phase 1 A from the basis (the deadband itself)');
  t.ok(readingAsksForRun([10, 10, 10], [10, 11.5, 10], 16, s), 'a phase 1.5 A up, still under the limit');
  t.ok(readingAsksForRun([10, 10, 10], [Number.NaN, 10, 10], 16, s), 'a value that is no number is no reason to skip');
});

t.test('the first reading under a limit accepted since the basis asks (after a cut, it lets the exposure fall)', async (t) => {
  const basis: Reading = { currents: [6.4, 6.4, 6.4], at: 2000 };
  const next: Reading = { currents: [5.9, 5.9, 5.9], at: 4000 };
  const cut: HoldingLimit = { amps: 6, acceptedAt: 3000 };
  t.ok(asks(basis, next, cut, s), 'cut from 8 A to 6 A after the basis was read: the car followed, 0.5 A lower, and that asks');
  t.notOk(asks({ ...next, at: 4000 }, { currents: [6, 5.8, 5.9], at: 5000 }, cut, s), 'the next reading under the same limit, within the deadband, does not');
  t.notOk(asks(basis, next, { amps: 6, acceptedAt: -Infinity }, s), 'a limit kept from before a restart (when unknown) counts as older than any reading');
});

t.test('a deadband of 0 (or none) makes every reading ask', async (t) => {
  t.ok(readingAsksForRun([10, 10, 10], [10, 10, 10], 16, { ...s, deadband: 0 }));
  t.ok(readingAsksForRun([10, 10, 10], [10, 10, 10], 16, { ...s, deadband: Number.NaN }));
});
