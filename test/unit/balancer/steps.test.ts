/**
 * Whole steps (site.balancing.step, steps.ts): the shares as a charger that takes whole amperes
 * sees them, and how few limits a start or a stop changes.
 */
import t from 'tap';
import { allocate } from '../../../src/balancer/allocate.js';
import type { Allocation, AllocationInput, ConnectorInput, SiteModel } from '../../../src/balancer/model.js';
import { floorToStep } from '../../../src/balancer/steps.js';
import { idle, session, site } from '../../helpers/balancer-site.js';

const NOW = 1_000_000_000;

function stepped(s: SiteModel, step: number | undefined): SiteModel {
  return { ...s, balancing: { ...s.balancing, ...(step !== undefined ? { step } : {}) } };
}

function run(s: SiteModel, connectors: ConnectorInput[], extra: Partial<AllocationInput> = {}): Allocation {
  return allocate({ site: s, connectors, external: [], state: {}, now: NOW, ...extra });
}

function amps(result: Allocation): Record<string, number> {
  return Object.fromEntries(result.connectors.map((c) => [c.key, c.amps]));
}

/** The connectors with what was allocated last time in force (what the balancer passes in). */
function holding(connectors: ConnectorInput[], before: Allocation): ConnectorInput[] {
  const was = amps(before);
  return connectors.map((c) => {
    const held = was[`${c.chargerId}/${c.connectorId}`];
    return held ? { ...c, offered: { amps: held, raisedAt: NOW - 60_000 } } : c;
  });
}

const carPark = (step: number | undefined) =>
  stepped(site({ supply: 400, chargers: Array.from({ length: 100 }, (_, i) => ({ id: `CP${String(i).padStart(3, '0')}` })) }), step);
const sessions = (n: number) => Array.from({ length: 100 }, (_, i) => (i < n ? session(`CP${String(i).padStart(3, '0')}`) : idle(`CP${String(i).padStart(3, '0')}`)));

t.test('floorToStep rounds down in tenths, whatever the float', async (t) => {
  t.equal(floorToStep(6.557, 1), 6);
  t.equal(floorToStep(6.557, 0.1), 6.5);
  t.equal(floorToStep(0.3 * 3, 0.1), 0.9, '0.8999999… is 0.9 A, not 0.8');
  t.equal(floorToStep(7.99, 0.5), 7.5);
  t.equal(floorToStep(8, 2), 8);
});

t.test('400 A among 61 cars in whole amperes: 34 get 7 A, 27 get 6 A, nothing is lost', async (t) => {
  const result = run(carPark(1), sessions(61));
  const running = result.connectors.filter((c) => c.active).map((c) => c.amps);
  t.equal(running.filter((a) => a === 7).length, 34);
  t.equal(running.filter((a) => a === 6).length, 27);
  t.equal(result.load[0], 400, 'the whole supply is used');

  const tenths = run(carPark(undefined), sessions(61));
  t.ok(tenths.connectors.filter((c) => c.active).every((c) => c.amps === 6.5), 'without a step: 6.5 A each (0.1 A resolution)');
  t.equal(tenths.load[0], 396.5, 'and 3.5 A of the supply go unused');
});

t.test('a start changes only the limits that must come down; the stop gives them back', async (t) => {
  const s = carPark(1);
  const sixty = run(s, sessions(60));
  t.equal(sixty.connectors.filter((c) => c.amps === 7).length, 40, '60 cars: 40 at 7 A, 20 at 6 A');

  const started = run(s, holding(sessions(61), sixty));
  const before = amps(sixty);
  const after = amps(started);
  const changed = Object.keys(after).filter((k) => k !== 'CP060/1' && after[k] !== before[k]);
  t.equal(changed.length, 6, 'six running limits change (7 → 6 A), not 60');
  t.ok(changed.every((k) => before[k] === 7 && after[k] === 6));
  t.equal(after['CP060/1'], 6, 'the new car gets 6 A');
  t.ok(started.load[0] <= 400);

  const stopped = run(s, holding(sessions(60), started));
  const back = Object.keys(before).filter((k) => amps(stopped)[k] !== before[k]);
  t.same(back, [], 'after the stop every connector has what it had before the start');

  const fine = carPark(0.1);
  const fineSixty = run(fine, sessions(60));
  const fineStarted = run(fine, holding(sessions(61), fineSixty));
  const fineChanged = Object.keys(amps(fineStarted)).filter((k) => k !== 'CP060/1' && amps(fineStarted)[k] !== amps(fineSixty)[k]);
  t.equal(fineChanged.length, 60, 'at 0.1 A every running car is moved by the start');
});

t.test('a home, 1 × 32 A with a 1 A margin: 15 and 16 A, not 15.5 twice', async (t) => {
  const home = stepped(site({ supply: 32, phases: 1, margin: 1, chargers: [{ id: 'left', phases: 1 }, { id: 'right', phases: 1 }] }), 1);
  const both = amps(run(home, [session('left'), session('right')]));
  t.same(Object.values(both).sort(), [15, 16]);
  const sticky = amps(run(home, [session('left', { offered: { amps: 15, raisedAt: 0 } }), session('right', { offered: { amps: 16, raisedAt: 0 } })]));
  t.same(sticky, { 'left/1': 15, 'right/1': 16 }, 'the one that holds 16 A keeps it');
  const swapped = amps(run(home, [session('left', { offered: { amps: 16, raisedAt: 0 } }), session('right', { offered: { amps: 15, raisedAt: 0 } })]));
  t.same(swapped, { 'left/1': 16, 'right/1': 15 });
});

t.test('what rounding freed goes to the higher priority first, also against a holder', async (t) => {
  // b (priority 1) fills to its max 15.5 A, a gets the other 15.5 A; rounded: 15 + 15, 1 A free.
  const home = stepped(site({ supply: 31, phases: 1, chargers: [{ id: 'a', phases: 1 }, { id: 'b', phases: 1, priority: 1, maxCurrent: 15.5 }] }), 1);
  const result = amps(run(home, [session('a', { offered: { amps: 16, raisedAt: 0 } }), session('b')]));
  t.same(result, { 'a/1': 15, 'b/1': 15.5 }, 'b back to its max first; the 0.5 A left is not a step for a');
});

t.test('under an external limit the shares are rounded down and nothing is handed back', async (t) => {
  const home = stepped(site({ supply: 32, phases: 1, chargers: [{ id: 'left', phases: 1 }, { id: 'right', phases: 1 }] }), 1);
  const limited = run(home, [session('left'), session('right')], { external: [{ source: 'demand-response', amps: 31 }] });
  t.same(amps(limited), { 'left/1': 15, 'right/1': 15 }, 'handing back could raise someone when the limit is lowered');
  t.equal(limited.connectors[0]!.reason, 'external');
});

t.test('a minimum or a maximum off the step is kept as it is', async (t) => {
  const s = stepped(site({ supply: 32, phases: 1, chargers: [{ id: 'a', phases: 1, minCurrent: 6.5, maxCurrent: 9.5 }, { id: 'b', phases: 1, minCurrent: 6.5 }] }), 2);
  t.same(amps(run(s, [session('a'), session('b')])), { 'a/1': 9.5, 'b/1': 22 }, 'a at its max 9.5 A; b takes the rest in steps of 2 A');
  const tight = stepped(site({ supply: 13.4, phases: 1, chargers: [{ id: 'a', phases: 1, minCurrent: 6.5 }, { id: 'b', phases: 1, minCurrent: 6.5 }] }), 2);
  t.same(amps(run(tight, [session('a'), session('b')])), { 'a/1': 6.5, 'b/1': 6.5 }, 'at their minimum, not rounded below it');
});

t.test('idle connectors get standing limits in whole steps too', async (t) => {
  const s = stepped(site({ supply: 20, phases: 1, chargers: [{ id: 'a', phases: 1 }, { id: 'b', phases: 1 }, { id: 'c', phases: 1 }] }), 1);
  const result = amps(run(s, [session('a', { cap: { amps: 7.5, source: 'test' } }), idle('b'), idle('c')]));
  t.equal(result['a/1'], 7.5, 'a capped session keeps its cap');
  t.same([result['b/1'], result['c/1']], [6, 6], '12.5 A left: 6 A each, not 6.2');
});

t.test('the hand-back goes round until nobody can rise: a session gets the part of a step up to its maximum', async (t) => {
  // 23 A for A (min 10) and B (min 6, max 11), step 2: filled 13.5 + 9.5, rounded 12 + 8;
  // the 3 A freed give B a step to 10 (it holds 10), and the 1 A left takes it to its max 11.
  const s = stepped(site({ supply: 23, phases: 1, chargers: [{ id: 'A', phases: 1, minCurrent: 10, maxCurrent: 22 }, { id: 'B', phases: 1, minCurrent: 6, maxCurrent: 11 }] }), 2);
  const result = run(s, [session('A'), session('B', { offered: { amps: 10, raisedAt: NOW - 60_000 } })]);
  t.same(amps(result), { 'A/1': 12, 'B/1': 11 }, 'all 23 A used');
  t.equal(result.connectors.find((c) => c.key === 'B/1')!.reason, 'max', 'B is at its maximum, and says so');
});

t.test('a session the hand-back raises to what its car takes says so (released), not fair share', async (t) => {
  // 17.5 A: A (min 10) and B (min 6) fill to 10.75 + 6.75; B's car draws 5 A, so it takes 7 at
  // most (draw + 2 A headroom). Step 2: 10 + 6, and the 1.5 A freed lift B to its 7 A.
  const s = stepped(site({ supply: 17.5, phases: 1, chargers: [{ id: 'A', phases: 1, minCurrent: 10, maxCurrent: 22 }, { id: 'B', phases: 1, maxCurrent: 20 }] }), 2);
  const drawing = { measured: { currents: [5, 0, 0] as const, at: NOW }, offered: { amps: 10, raisedAt: NOW - 60_000 } };
  const result = run(s, [session('A'), session('B', drawing)]);
  t.same(amps(result), { 'A/1': 10, 'B/1': 7 });
  t.equal(result.connectors.find((c) => c.key === 'B/1')!.reason, 'released');
});
