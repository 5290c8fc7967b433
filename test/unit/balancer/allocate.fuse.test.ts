/**
 * The fuse rule against an oracle that does not trust allocate() (test/helpers/fuse-oracle.ts):
 * the site phases each connector loads come from the charger's wiring, its rotation and the
 * measured currents, never from the `phases` allocate() returns.
 *
 * The random sites are tight on purpose: a house taking most of the supply, few amps per car,
 * rotated chargers, 1-phase cars on 3-phase chargers, 1-phase chargers on L2 and L3. The test
 * counts how many runs actually bind a limit and fails if too few do, so that it cannot fall
 * back to proving nothing. Replay a run with FC_SEED=<seed> (fast-check prints seed and path).
 */
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { allocate } from '../../../src/balancer/allocate.js';
import type { Allocation, AllocationInput, Phase, PhaseCurrents, SiteModel } from '../../../src/balancer/model.js';
import { session, site } from '../../helpers/balancer-site.js';
import { assertFusesHold, limitsLoaded, siteLoads, sitePhases } from '../../helpers/fuse-oracle.js';
import { NOW, THRESHOLD, binding, tightArb, type Rotation } from '../../helpers/tight-sites.js';

const SEED = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS = 600;

/** A 1-phase car charging on a rotated 3-phase charger: a phase where rotation[i] ≠ i. */
function rotatedOnePhaseCar(input: AllocationInput, result: Allocation): boolean {
  return input.connectors.some((c) => {
    const charger = input.site.chargers.get(c.chargerId)!;
    if (input.site.supply.phases === 1 || charger.phases === 1 || c.fixed || !c.session) return false;
    const phases = sitePhases(charger, c, 3, THRESHOLD);
    const i = c.measured?.currents.findIndex((a) => a > THRESHOLD) ?? -1;
    const amps = result.connectors.find((r) => r.chargerId === c.chargerId && r.connectorId === c.connectorId)!.amps;
    return phases.length === 1 && i >= 0 && charger.rotation[i] !== i && amps > 0;
  });
}

t.test('tight sites: no phase of the supply, no circuit, no charger above its limit (by the wiring, not by allocate()’s phases)', async (t) => {
  t.comment(`fast-check seed ${SEED} (FC_SEED=${SEED} replays it)`);
  const tally = { runs: 0, bound: 0, paused: 0, supply: 0, circuit: 0, charger: 0, rotatedCar: 0 };
  fc.assert(
    fc.property(tightArb, (input) => {
      const result = allocate(input);
      assertFusesHold(input, result);
      tally.runs++;
      const b = binding(input, result);
      if (b) {
        tally.bound++;
        if (b.paused > 0) tally.paused++;
        for (const kind of ['supply', 'circuit', 'charger'] as const) if (b.full.includes(kind)) tally[kind]++;
      }
      if (rotatedOnePhaseCar(input, result)) tally.rotatedCar++;
    }),
    { numRuns: RUNS, seed: SEED },
  );
  const pct = (n: number) => `${Math.round((100 * n) / tally.runs)} %`;
  t.comment(
    `${tally.runs} runs: ${pct(tally.bound)} bind a limit (someone paused ${pct(tally.paused)}, supply phase full ${pct(tally.supply)}, ` +
      `circuit full ${pct(tally.circuit)}, charger full ${pct(tally.charger)}); a 1-phase car charging on a rotated charger in ${pct(tally.rotatedCar)}`,
  );
  t.equal(tally.runs, RUNS, 'every run counted once');
  t.ok(tally.bound >= 0.6 * tally.runs, `at least 60 % of the runs bind a limit: ${pct(tally.bound)} (seed ${SEED})`);
  t.ok(tally.rotatedCar >= 0.2 * tally.runs, `at least 20 % have a 1-phase car charging on a rotated charger: ${pct(tally.rotatedCar)} (seed ${SEED})`);
});

t.test('tight sites: the phases and the load allocate() reports are those of the wiring', async (t) => {
  fc.assert(
    fc.property(tightArb, (input) => {
      const result = allocate(input);
      for (const c of input.connectors) {
        const reported = result.connectors.find((r) => r.chargerId === c.chargerId && r.connectorId === c.connectorId)!.phases;
        const wired = sitePhases(input.site.chargers.get(c.chargerId)!, c, input.site.supply.phases, THRESHOLD);
        if ([...reported].sort().join() !== [...wired].sort().join()) throw new Error(`${c.chargerId}/${c.connectorId}: reported on ${reported}, wired ${wired}`);
      }
      const loads = siteLoads(input, result);
      for (const p of [0, 1, 2]) if (Math.abs(result.load[p]! - loads[p]!) > 0.05 + 1e-9) throw new Error(`load L${p + 1}: reported ${result.load[p]} A, wired ${loads[p]} A`);
    }),
    { numRuns: 300, seed: SEED },
  );
  t.pass('300 tight sites');
});

// ---- rotated 1-phase cars on a tight fuse, by hand ----------------------------------------

// Supply 3 × 32 A, margin 1 A, the house takes 10, 14 and 18 A: room for the chargers
// L1 21 A, L2 17 A, L3 13 A. Every phase is full at 31 A with the house.
const HOUSE: PhaseCurrents = [10, 14, 18];
const LIMIT = 32 - 1;

/** A 16 A draw on one charger phase (0-based): a 1-phase car. */
const carOn = (i: number): PhaseCurrents => [i === 0 ? 16 : 0, i === 1 ? 16 : 0, i === 2 ? 16 : 0];

interface Row {
  rotation: Rotation;
  /** The charger phase the car draws on (0 = the charger's L1). */
  car: number;
  /** The site phase that carries it, by hand. */
  site: 'L1' | 'L2' | 'L3';
  amps: number;
  /** Chargers' load per site phase, by hand. */
  load: PhaseCurrents;
}

// The car alone on charger R: it gets the whole room of the site phase it is on.
const ALONE: Row[] = [
  { rotation: [0, 1, 2], car: 0, site: 'L1', amps: 21, load: [21, 0, 0] },
  { rotation: [0, 1, 2], car: 1, site: 'L2', amps: 17, load: [0, 17, 0] },
  { rotation: [0, 1, 2], car: 2, site: 'L3', amps: 13, load: [0, 0, 13] },
  { rotation: [0, 2, 1], car: 0, site: 'L1', amps: 21, load: [21, 0, 0] },
  { rotation: [0, 2, 1], car: 1, site: 'L3', amps: 13, load: [0, 0, 13] },
  { rotation: [0, 2, 1], car: 2, site: 'L2', amps: 17, load: [0, 17, 0] },
  { rotation: [1, 0, 2], car: 0, site: 'L2', amps: 17, load: [0, 17, 0] },
  { rotation: [1, 0, 2], car: 1, site: 'L1', amps: 21, load: [21, 0, 0] },
  { rotation: [1, 0, 2], car: 2, site: 'L3', amps: 13, load: [0, 0, 13] },
  { rotation: [1, 2, 0], car: 0, site: 'L2', amps: 17, load: [0, 17, 0] },
  { rotation: [1, 2, 0], car: 1, site: 'L3', amps: 13, load: [0, 0, 13] },
  { rotation: [1, 2, 0], car: 2, site: 'L1', amps: 21, load: [21, 0, 0] },
  { rotation: [2, 0, 1], car: 0, site: 'L3', amps: 13, load: [0, 0, 13] },
  { rotation: [2, 0, 1], car: 1, site: 'L1', amps: 21, load: [21, 0, 0] },
  { rotation: [2, 0, 1], car: 2, site: 'L2', amps: 17, load: [0, 17, 0] },
  { rotation: [2, 1, 0], car: 0, site: 'L3', amps: 13, load: [0, 0, 13] },
  { rotation: [2, 1, 0], car: 1, site: 'L2', amps: 17, load: [0, 17, 0] },
  { rotation: [2, 1, 0], car: 2, site: 'L1', amps: 21, load: [21, 0, 0] },
];

// With B beside it: a 3-phase car on a plain charger of 8 A at most, no measurement yet (all
// three phases). On L1 and L2, B takes its 8 A and R the rest of that phase; on L3 (13 A) they
// rise together and the phase is full at 6.5 A each.
const WITH_B: (Row & { b: number })[] = [
  { rotation: [0, 1, 2], car: 0, site: 'L1', amps: 13, b: 8, load: [21, 8, 8] },
  { rotation: [0, 1, 2], car: 1, site: 'L2', amps: 9, b: 8, load: [8, 17, 8] },
  { rotation: [0, 1, 2], car: 2, site: 'L3', amps: 6.5, b: 6.5, load: [6.5, 6.5, 13] },
  { rotation: [0, 2, 1], car: 0, site: 'L1', amps: 13, b: 8, load: [21, 8, 8] },
  { rotation: [0, 2, 1], car: 1, site: 'L3', amps: 6.5, b: 6.5, load: [6.5, 6.5, 13] },
  { rotation: [0, 2, 1], car: 2, site: 'L2', amps: 9, b: 8, load: [8, 17, 8] },
  { rotation: [1, 0, 2], car: 0, site: 'L2', amps: 9, b: 8, load: [8, 17, 8] },
  { rotation: [1, 0, 2], car: 1, site: 'L1', amps: 13, b: 8, load: [21, 8, 8] },
  { rotation: [1, 0, 2], car: 2, site: 'L3', amps: 6.5, b: 6.5, load: [6.5, 6.5, 13] },
  { rotation: [1, 2, 0], car: 0, site: 'L2', amps: 9, b: 8, load: [8, 17, 8] },
  { rotation: [1, 2, 0], car: 1, site: 'L3', amps: 6.5, b: 6.5, load: [6.5, 6.5, 13] },
  { rotation: [1, 2, 0], car: 2, site: 'L1', amps: 13, b: 8, load: [21, 8, 8] },
  { rotation: [2, 0, 1], car: 0, site: 'L3', amps: 6.5, b: 6.5, load: [6.5, 6.5, 13] },
  { rotation: [2, 0, 1], car: 1, site: 'L1', amps: 13, b: 8, load: [21, 8, 8] },
  { rotation: [2, 0, 1], car: 2, site: 'L2', amps: 9, b: 8, load: [8, 17, 8] },
  { rotation: [2, 1, 0], car: 0, site: 'L3', amps: 6.5, b: 6.5, load: [6.5, 6.5, 13] },
  { rotation: [2, 1, 0], car: 1, site: 'L2', amps: 9, b: 8, load: [8, 17, 8] },
  { rotation: [2, 1, 0], car: 2, site: 'L1', amps: 13, b: 8, load: [21, 8, 8] },
];

const PHASE: Record<Row['site'], Phase> = { L1: 0, L2: 1, L3: 2 };

function tightSite(rotation: Rotation, withB: boolean): SiteModel {
  return site({ supply: 32, margin: 1, chargers: [{ id: 'R', rotation }, ...(withB ? [{ id: 'B', maxCurrent: 8 }] : [])] });
}

function checkRow(t: Test, input: AllocationInput, row: Row): Allocation {
  const result = allocate(input);
  const r = result.connectors.find((c) => c.chargerId === 'R')!;
  const name = `rotation [${row.rotation}], car on the charger's L${row.car + 1}`;
  t.equal(r.amps, row.amps, `${name}: R gets ${row.amps} A (the room of the site's ${row.site})`);
  t.same(r.phases, [PHASE[row.site]], `${name}: R loads the site's ${row.site}`);
  t.same(siteLoads(input, result), row.load, `${name}: chargers' load by the wiring ${row.load.join(' / ')} A`);
  t.same(result.load, row.load, `${name}: allocate() reports the same load`);
  for (const p of [0, 1, 2]) t.ok(row.load[p]! + HOUSE[p]! <= LIMIT, `${name}: L${p + 1} with the house ${row.load[p]! + HOUSE[p]!} A ≤ ${LIMIT} A`);
  t.doesNotThrow(() => assertFusesHold(input, result), `${name}: the oracle finds no breach`);
  return result;
}

t.test('a 1-phase car on a rotated 3-phase charger, alone on a tight fuse: each rotation, each charger phase', async (t) => {
  for (const row of ALONE) {
    const input: AllocationInput = { site: tightSite(row.rotation, false), connectors: [session('R', { measured: { currents: carOn(row.car), at: NOW } })], otherLoad: { currents: HOUSE }, external: [], state: {}, now: NOW };
    checkRow(t, input, row);
  }
});

t.test('a 1-phase car on a rotated 3-phase charger beside a 3-phase car, on a tight fuse', async (t) => {
  for (const row of WITH_B) {
    const input: AllocationInput = {
      site: tightSite(row.rotation, true),
      connectors: [session('R', { measured: { currents: carOn(row.car), at: NOW } }), session('B')],
      otherLoad: { currents: HOUSE },
      external: [],
      state: {},
      now: NOW,
    };
    const result = checkRow(t, input, row);
    t.equal(result.connectors.find((c) => c.chargerId === 'B')!.amps, row.b, `rotation [${row.rotation}], car on L${row.car + 1}: B gets ${row.b} A`);
  }
});

t.test('the edges of a measurement, on the same tight fuse', async (t) => {
  const cases: { name: string; charger: { phases: 1 | 3; rotation: Rotation }; currents?: PhaseCurrents; amps: number; load: PhaseCurrents }[] = [
    { name: 'no measurement yet: all three phases, L3 (13 A) binds', charger: { phases: 3, rotation: [1, 2, 0] }, amps: 13, load: [13, 13, 13] },
    { name: 'every phase at the threshold (1 A) or below: not a used phase, all three assumed', charger: { phases: 3, rotation: [1, 2, 0] }, currents: [1, 1, 0.4], amps: 13, load: [13, 13, 13] },
    { name: "1 A and 0.4 A on the charger's L1, L2, 16 A on its L3: site L1 only", charger: { phases: 3, rotation: [1, 2, 0] }, currents: [1, 0.4, 16], amps: 21, load: [21, 0, 0] },
    { name: "a 2-phase car on the charger's L1 and L2, rotation [2, 0, 1]: site L3 and L1, L3 binds", charger: { phases: 3, rotation: [2, 0, 1] }, currents: [16, 16, 0], amps: 13, load: [13, 0, 13] },
    { name: 'a 1-phase charger on L2: L2 whatever its (single) measurement says', charger: { phases: 1, rotation: [1, 2, 0] }, currents: [16, 0, 0], amps: 17, load: [0, 17, 0] },
    { name: 'a 1-phase charger on L3, a stray reading on its other phases ignored', charger: { phases: 1, rotation: [2, 0, 1] }, currents: [16, 5, 5], amps: 13, load: [0, 0, 13] },
  ];
  for (const c of cases) {
    const s = site({ supply: 32, margin: 1, chargers: [{ id: 'R', ...c.charger }] });
    const input: AllocationInput = { site: s, connectors: [session('R', c.currents ? { measured: { currents: c.currents, at: NOW } } : {})], otherLoad: { currents: HOUSE }, external: [], state: {}, now: NOW };
    const result = allocate(input);
    t.equal(result.connectors[0]!.amps, c.amps, `${c.name}: ${c.amps} A`);
    t.same(siteLoads(input, result), c.load, `${c.name}: load ${c.load.join(' / ')} A`);
    t.same(result.load, c.load, `${c.name}: allocate() reports the same load`);
    t.doesNotThrow(() => assertFusesHold(input, result), `${c.name}: within the fuse`);
  }
});

t.test('the oracle itself: a rotated 1-phase car misread as on its charger phase is a breach', async (t) => {
  // What allocate() would give if it took the charger phase for the site phase: rotation
  // [1, 2, 0], car on the charger's L1 (site L2, 17 A of room) given L1's 21 A.
  const input: AllocationInput = { site: tightSite([1, 2, 0], false), connectors: [session('R', { measured: { currents: carOn(0), at: NOW } })], otherLoad: { currents: HOUSE }, external: [], state: {}, now: NOW };
  const wrong: Allocation = { connectors: [{ key: 'R/1', chargerId: 'R', connectorId: 1, amps: 21, phases: [0], phasesMeasured: true, active: true, reason: 'fair-share', detail: '' }], siteLimit: { amps: 32, source: 'supply' }, load: [21, 0, 0], state: {} };
  t.throws(() => assertFusesHold(input, wrong), /supply L2: 21 A allocated \+ 0 A fixed > limit 17 A/);
  t.same(limitsLoaded(input, input.connectors[0]!), ['supply L2', 'charger R L2']);
});

t.test('a car that said it charges on one phase (its charging needs) is reserved one phase: the other car gets the rest', async (t) => {
  // Supply 3 × 20 A. R: a 3-phase charger whose car said AC_single_phase and takes 16 A at most
  // (a cap); B: a 1-phase charger wired to L2. Counted on all three phases, R would share L2
  // with B (10 A each); on its L1 alone it leaves L2 to B.
  const s = site({ supply: 20, chargers: [{ id: 'R' }, { id: 'B', phases: 1, rotation: [1, 2, 0], maxCurrent: 16 }] });
  const cap = { amps: 16, source: "the car's maximum (its charging needs)" };
  const run = (evPhases?: 1) => {
    const input: AllocationInput = { site: s, connectors: [session('R', { cap, ...(evPhases ? { evPhases } : {}) }), session('B')], external: [], state: {}, now: NOW };
    return { input, result: allocate(input) };
  };
  const r = (a: Allocation) => a.connectors.find((c) => c.chargerId === 'R')!;
  const before = run();
  t.same(before.result.connectors.map((c) => c.amps), [10, 10], 'without the declaration: all three phases, L2 shared');
  const { input, result } = run(1);
  t.same(result.connectors.map((c) => c.amps), [16, 16], 'R on L1 at the car\'s 16 A, B alone on L2');
  t.same(r(result).phases, [0]);
  t.equal(r(result).phasesDeclared, true, 'the phases come from the car: its profile will name them');
  t.match(r(result).detail, /capped at 16 A by the car's maximum/);
  t.same(sitePhases(s.chargers.get('R')!, input.connectors[0]!, 3, THRESHOLD), [0], 'the oracle counts it on the charger\'s L1');
  t.doesNotThrow(() => assertFusesHold(input, result));
  // Its currents tell otherwise (three phases): the measurement wins.
  const measured: AllocationInput = { ...input, connectors: [session('R', { cap, evPhases: 1, measured: { currents: [16, 16, 16], at: NOW } }), session('B')] };
  const m = allocate(measured);
  t.same(r(m).phases, [0, 1, 2], 'measured on three phases: all three counted');
  t.doesNotThrow(() => assertFusesHold(measured, m));
});
