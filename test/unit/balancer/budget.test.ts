/**
 * The budget invariant's parts (budget.ts): what a connector may draw in the worst case, and
 * which orders may go out. Expected figures are worked out by hand in the messages.
 */
import t from 'tap';
import { admitIncreases, exposureOf, overloads, releaseOrders, type Loaded, type Order } from '../../../src/balancer/budget.js';
import { site } from '../../helpers/balancer-site.js';

const RESPONSE = 5000;

t.test('exposure: the highest of accepted, in flight, unanswered and measured', async (t) => {
  const base = { max: 32, now: 10_000 };
  t.equal(exposureOf({ ...base, accepted: 10 }, RESPONSE), 10, 'accepted alone');
  t.equal(exposureOf({ ...base, accepted: 10, inFlight: 16 }, RESPONSE), 16, 'an increase in flight counts at once');
  t.equal(exposureOf({ ...base, accepted: 16, inFlight: 10 }, RESPONSE), 16, 'a decrease in flight counts at its old value');
  t.equal(exposureOf({ ...base, accepted: 10, doubt: 20 }, RESPONSE), 20, 'a timed-out 20 A may have been applied');
  t.equal(exposureOf({ ...base, accepted: 10, acceptedAt: 0, measured: { amps: 14, at: 6000 } }, RESPONSE), 14, 'drawing above its limit after the response time');
  t.equal(exposureOf({ ...base, accepted: 10, acceptedAt: 0, measured: { amps: 14, at: 3000 } }, RESPONSE), 14, 'read after it accepted a cut, still above it: it draws that now (its car is still following, or never will)');
  t.equal(exposureOf({ ...base, accepted: 10, acceptedAt: 0, measured: { amps: 9, at: 3000 } }, RESPONSE), 10, 'read after the cut, at or below it: the cut is followed, its limit counts');
  t.equal(exposureOf({ ...base, now: 4000, accepted: 0, acceptedAt: 2000, measured: { amps: 16, at: 1500 } }, RESPONSE), 16, 'a cut to 0 accepted 2 s ago, last read at 16 A before it: 16 A until its car had the response time');
  t.equal(exposureOf({ ...base, now: 8000, accepted: 0, acceptedAt: 2000, measured: { amps: 16, at: 1500 } }, RESPONSE), 0, 'the response time passed with no reading since: its limit is trusted');
  t.equal(exposureOf({ ...base }, RESPONSE), 32, 'nothing accepted: its maximum, idle or not (a car may arrive and draw it before chargegate hears of it)');
  t.equal(exposureOf({ ...base, inFlight: 12 }, RESPONSE), 32, 'its first limit in flight: still its maximum until it is accepted');
  t.equal(exposureOf({ ...base, measured: { amps: 3, at: 10 } }, RESPONSE), 32, 'drawing, nothing accepted: its maximum');
  t.equal(exposureOf({ ...base, accepted: 12 }, RESPONSE), 12, 'an idle connector counts at its standing limit: a car may arrive');
});

// 32 A × 3; A and B 3-phase, C 1-phase on L2.
const s = site({ supply: 32, chargers: [{ id: 'A' }, { id: 'B' }, { id: 'C', phases: 1, rotation: [1, 2, 0] }] });
const three = [0, 1, 2] as const;
const room = [32, 32, 32];

t.test('a decrease always goes out, even with the site over its limit', async (t) => {
  const loads: Loaded[] = [
    { chargerId: 'A', phases: three, amps: 32 },
    { chargerId: 'B', phases: three, amps: 16 },
  ];
  t.same(overloads(s, room, loads).slice(0, 3), [16, 16, 16], 'A 32 + B 16 = 48 A on each phase: 16 A over');
  const orders: Order[] = [{ key: 'A/1', chargerId: 'A', phases: three, from: 32, amps: 16 }];
  t.same([...releaseOrders(s, room, loads, orders)], ['A/1']);
});

t.test('an increase waits until the decreases it needs are confirmed', async (t) => {
  // A accepted 20, its decrease to 12 is in flight (still counted at 20); B at 12 wants 20.
  const loads: Loaded[] = [
    { chargerId: 'A', phases: three, amps: 20 },
    { chargerId: 'B', phases: three, amps: 12 },
  ];
  const raiseB: Order = { key: 'B/1', chargerId: 'B', phases: three, from: 12, amps: 20 };
  t.same([...releaseOrders(s, room, loads, [raiseB])], [], '20 + 20 = 40 A > 32 A: B waits');
  loads[0]!.amps = 12; // A's decrease was accepted
  t.same([...releaseOrders(s, room, loads, [raiseB])], ['B/1'], '12 + 20 = 32 A: B goes');
});

t.test('increases are admitted in the order given, each counted against the next', async (t) => {
  const loads: Loaded[] = [
    { chargerId: 'A', phases: three, amps: 10 },
    { chargerId: 'B', phases: three, amps: 10 },
  ];
  const orders: Order[] = [
    { key: 'A/1', chargerId: 'A', phases: three, from: 10, amps: 18 },
    { key: 'B/1', chargerId: 'B', phases: three, from: 10, amps: 18 },
  ];
  // 10 + 10 = 20; A +8 → 28; B +8 → 36 > 32.
  t.same([...admitIncreases(s, room, loads, orders)], ['A/1']);
  t.same([...admitIncreases(s, room, loads, [...orders].reverse())], ['B/1']);
});

t.test('a 1-phase charger loads only its own site phase (L2 here)', async (t) => {
  const loads: Loaded[] = [
    { chargerId: 'A', phases: three, amps: 20 },
    { chargerId: 'C', phases: [1], amps: 0 },
  ];
  // L2: 20 + 12 = 32: fits; L1 and L3 untouched.
  t.same([...admitIncreases(s, room, loads, [{ key: 'C/1', chargerId: 'C', phases: [1], from: 0, amps: 12 }])], ['C/1']);
  t.same([...admitIncreases(s, room, loads, [{ key: 'C/1', chargerId: 'C', phases: [1], from: 0, amps: 13 }])], [], '20 + 13 = 33 A on L2');
});

t.test('circuits and a multi-connector charger are constraints too', async (t) => {
  const g = site({ supply: 63, circuits: [{ id: 'garage', maxCurrent: 20 }], chargers: [{ id: 'G', circuit: 'garage', connectors: 2, maxCurrent: 16 }, { id: 'H' }] });
  const raise = (amps: number): Order[] => [{ key: 'G/2', chargerId: 'G', phases: three, from: 0, amps }];
  const withG1 = (amps: number): Loaded[] => [
    { chargerId: 'G', phases: three, amps },
    { chargerId: 'H', phases: three, amps: 30 },
  ];
  t.same([...admitIncreases(g, [63, 63, 63], withG1(12), raise(6))], [], "G/1 12 + G/2 6 = 18 A > charger G's own 16 A");
  t.same([...admitIncreases(g, [63, 63, 63], withG1(8), raise(6))], ['G/2'], '8 + 6 = 14 ≤ 16 and ≤ 20');
  const garage = site({ supply: 63, circuits: [{ id: 'garage', maxCurrent: 20 }], chargers: [{ id: 'G', circuit: 'garage', maxCurrent: 16 }, { id: 'K', circuit: 'garage', maxCurrent: 16 }] });
  const g14: Loaded[] = [{ chargerId: 'G', phases: three, amps: 14 }];
  t.same([...admitIncreases(garage, [63, 63, 63], g14, [{ key: 'K/1', chargerId: 'K', phases: three, from: 0, amps: 7 }])], [], '14 + 7 = 21 A > the garage circuit 20 A');
  t.same([...admitIncreases(garage, [63, 63, 63], g14, [{ key: 'K/1', chargerId: 'K', phases: three, from: 0, amps: 6 }])], ['K/1'], '14 + 6 = 20 A');
});
