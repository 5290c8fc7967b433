/**
 * Properties of allocate() over random sites (fast-check): the fuse and every circuit breaker
 * hold; 0 or [min, max]; order does not matter; lowering a limit raises nobody; nobody starves.
 * The limits are checked by test/helpers/fuse-oracle.ts, which finds each connector's site
 * phases from the wiring itself; allocate.fuse.test.ts does the same on sites built to be tight.
 */
import fc from 'fast-check';
import t from 'tap';
import { allocate, chargerOf } from '../../../src/balancer/allocate.js';
import { SUPPLY, type Allocation, type AllocationInput, type BalancerState, type ConnectorInput, type Phase, type SiteModel } from '../../../src/balancer/model.js';
import { site } from '../../helpers/balancer-site.js';
import { assertFusesHold, limitsLoaded, phaseChecks } from '../../helpers/fuse-oracle.js';

// fast-check prints seed and path on failure; FC_SEED=<seed> replays a whole file's random runs.
if (process.env.FC_SEED !== undefined) fc.configureGlobal({ seed: Number(process.env.FC_SEED) });

const NOW = 1_700_000_000_000;
const ROTATIONS: [Phase, Phase, Phase][] = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1]];

const siteArb = fc
  .record({
    supply: fc.integer({ min: 6, max: 100 }),
    phases: fc.constantFrom(1 as const, 3 as const, 3 as const),
    margin: fc.constantFrom(0, 0, 1, 2),
    circuits: fc.array(fc.record({ maxCurrent: fc.integer({ min: 6, max: 63 }), parentPick: fc.nat() }), { maxLength: 4 }),
    chargers: fc.array(
      fc.record({
        phases: fc.constantFrom(1 as const, 3 as const),
        rotation: fc.constantFrom(...ROTATIONS),
        min: fc.integer({ min: 6, max: 10 }),
        extra: fc.integer({ min: 0, max: 26 }),
        priority: fc.integer({ min: 0, max: 2 }),
        connectors: fc.constantFrom(1, 1, 2),
        circuitPick: fc.nat(),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .map((spec): SiteModel => {
    const circuits = spec.circuits.map((c, i) => ({ id: `c${i}`, maxCurrent: c.maxCurrent, parent: c.parentPick % (i + 1) === 0 ? SUPPLY : `c${c.parentPick % i}` }));
    const ids = [SUPPLY, ...circuits.map((c) => c.id)];
    return site({
      supply: spec.supply,
      phases: spec.phases,
      margin: spec.margin,
      circuits,
      chargers: spec.chargers.map((c, i) => ({
        id: `CP${i}`,
        phases: c.phases,
        rotation: c.rotation,
        minCurrent: c.min,
        maxCurrent: c.min + c.extra,
        priority: c.priority,
        connectors: c.connectors,
        circuit: ids[c.circuitPick % ids.length]!,
      })),
    });
  });

const connectorArb = fc.record({
  active: fc.boolean(),
  measured: fc.option(fc.tuple(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 })), { nil: undefined }),
  // A meter that reported fewer phases than the charger has (car-reading.ts).
  partial: fc.boolean(),
  cap: fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined }),
  offered: fc.option(fc.integer({ min: 6, max: 32 }), { nil: undefined }),
});

const scenarioArb = siteArb.chain((s) =>
  fc.record({
    site: fc.constant(s),
    connectors: fc.array(connectorArb, { minLength: 10, maxLength: 10 }),
    other: fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })),
    external: fc.array(fc.record({ source: fc.constantFrom('schedule', 'price', 'mqtt'), amps: fc.integer({ min: 0, max: 100 }) }), { maxLength: 2 }),
  }),
);

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function inputs(sc: Scenario): AllocationInput {
  const s: SiteModel = sc.site;
  const list: ConnectorInput[] = [];
  let n = 0;
  for (const c of s.chargers.values()) {
    for (let k = 1; k <= c.connectors; k++) {
      const g = sc.connectors[n++ % sc.connectors.length]!;
      list.push({
        chargerId: c.id,
        connectorId: k,
        ...(g.active ? { session: { transactionId: n, startedAt: NOW - 100_000 } } : {}),
        ...(g.measured ? { measured: g.partial ? { currents: g.measured, at: NOW, partial: true as const } : { currents: g.measured, at: NOW } } : {}),
        ...(g.cap !== undefined ? { cap: { amps: g.cap, source: 'test' } } : {}),
        ...(g.offered !== undefined ? { offered: { amps: g.offered, raisedAt: NOW - 60_000 } } : {}),
      });
    }
  }
  return { site: s, connectors: list, otherLoad: { currents: sc.other }, external: sc.external, state: {}, now: NOW };
}

t.test('never above any phase, circuit or charger limit (standing limits included)', async (t) => {
  fc.assert(
    fc.property(scenarioArb, (sc) => {
      const input = inputs(sc);
      assertFusesHold(input, allocate(input));
    }),
    { numRuns: 400 },
  );
  t.pass('400 random sites');
});

t.test('every connector gets 0 or within [min, max], a multiple of 0.1 A', async (t) => {
  fc.assert(
    fc.property(scenarioArb, (sc) => {
      const input = inputs(sc);
      for (const c of allocate(input).connectors) {
        const charger = chargerOf(input.site, c.chargerId);
        const cap = input.connectors.find((x) => x.chargerId === c.chargerId && x.connectorId === c.connectorId)!.cap?.amps ?? Infinity;
        const max = Math.min(charger.maxCurrent, cap);
        if (c.amps !== 0 && (c.amps < charger.minCurrent - 1e-9 || c.amps > max + 1e-9)) throw new Error(`${c.key}: ${c.amps} A outside [${charger.minCurrent}, ${max}]`);
        if (Math.abs(c.amps * 10 - Math.round(c.amps * 10)) > 1e-6) throw new Error(`${c.key}: ${c.amps} is not a multiple of 0.1`);
      }
    }),
    { numRuns: 400 },
  );
  t.pass();
});

t.test('independent of input order', async (t) => {
  fc.assert(
    fc.property(scenarioArb, fc.integer(), (sc, seed) => {
      const input = inputs(sc);
      const shuffled = [...input.connectors].sort((a, b) => hash(`${seed}${a.chargerId}${a.connectorId}`) - hash(`${seed}${b.chargerId}${b.connectorId}`));
      const a = Object.fromEntries(allocate(input).connectors.map((c) => [c.key, c.amps]));
      const b = Object.fromEntries(allocate({ ...input, connectors: shuffled }).connectors.map((c) => [c.key, c.amps]));
      t.same(b, a);
      return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
    }),
    { numRuns: 200 },
  );
});

/** Active sessions that rose from `before` to `after` (none may, unless someone's pause state changed). */
function raised(before: Allocation, after: Allocation): string | undefined {
  const was = new Map(before.connectors.map((c) => [c.key, c]));
  const pausesChanged = after.connectors.some((c) => c.active && (c.amps === 0) !== (was.get(c.key)!.amps === 0));
  if (pausesChanged) return undefined;
  const up = after.connectors.find((c) => c.active && c.amps > was.get(c.key)!.amps + 1e-9);
  return up && `${up.key} rose from ${was.get(up.key)!.amps} to ${up.amps} A`;
}

const loweringNeverRaises = fc.property(scenarioArb, fc.integer({ min: 1, max: 40 }), (sc, cut) => {
  const input = inputs({ ...sc, external: [] });
  const before = allocate(input);
  const after = allocate({ ...input, external: [{ source: 'test', amps: Math.max(0, before.siteLimit.amps - cut) }] });
  const up = raised(before, after);
  if (up) throw new Error(up);
  return true;
});

t.test('lowering the site limit never raises a running session (while nobody changes pause state)', async (t) => {
  fc.assert(loweringNeverRaises, { numRuns: 1000 });
  t.pass('1,000 random sites, cut from the fuse');
});

t.test('lowering an external limit further never raises a running session either', async (t) => {
  fc.assert(
    fc.property(scenarioArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (sc, first, second) => {
      const input = inputs({ ...sc, external: [] });
      const fuse = input.site.supply.maxCurrent;
      const higher = allocate({ ...input, external: [{ source: 'schedule', amps: Math.max(0, fuse - first) }] });
      const lower = allocate({ ...input, external: [{ source: 'price', amps: Math.max(0, fuse - first - second) }] });
      const up = raised(higher, lower);
      if (up) throw new Error(up);
      return true;
    }),
    { numRuns: 1000 },
  );
  t.pass('1,000 random sites, two limits below the fuse');
});

t.test('the counterexample fast-check once found (coupled 3-phase circuits) holds now', async (t) => {
  // Found on 2026-11-25 against plain max-min filling (seed -1212096840); replayed exactly by its path.
  const replay = () => fc.assert(loweringNeverRaises, { seed: -1212096840, path: '350:420:0:0:0:2:1:2:1:3:1:1:3:1:1:1:1:0:0:0:1:1:1:1:0:0:0:0:1:1:1:1:1:0:0:0:0:0:5:5:5', endOnFailure: true });
  t.doesNotThrow(replay, 'lowering the site limit raised no running session');
});

t.test('nobody starves: every session charges within maxWait plus one turn per session', async (t) => {
  fc.assert(
    fc.property(scenarioArb, (sc) => {
      const base = inputs(sc);
      const s = base.site;
      s.balancing.turnMs = 60_000;
      s.balancing.maxWaitMs = 180_000;
      const sessions = base.connectors.filter((c) => c.session).map((c) => ({ ...c, measured: undefined, offered: undefined, cap: undefined }));
      // Only sessions whose minimum fits on an empty site can be expected to charge.
      const alone = new Set(sessions.filter((c) => allocate({ ...base, connectors: [c] }).connectors[0]!.amps > 0).map((c) => `${c.chargerId}/${c.connectorId}`));
      const served = new Set<string>();
      let state: BalancerState = {};
      const step = 10_000;
      const horizon = s.balancing.maxWaitMs + (sessions.length + 1) * (s.balancing.turnMs + step);
      for (let now = NOW; now <= NOW + horizon; now += step) {
        const r = allocate({ ...base, connectors: sessions, state, now });
        state = r.state;
        for (const c of r.connectors) if (c.amps > 0) served.add(c.key);
      }
      for (const key of alone) if (!served.has(key)) throw new Error(`${key} never charged in ${horizon / 1000} s`);
      return true;
    }),
    { numRuns: 100 },
  );
  t.pass();
});

// ---- whole steps (site.balancing.step) ---------------------------------------------------
// Own arbitrary: scenarioArb stays as it was, so that the counterexample's path above replays.

const steppedArb = fc.tuple(scenarioArb, fc.constantFrom(0.1, 0.5, 1, 2));

function withStep(sc: Scenario, step: number, external = sc.external): AllocationInput {
  const input = inputs({ ...sc, external });
  return { ...input, site: { ...input.site, balancing: { ...input.site.balancing, step } } };
}

function limitOf(input: AllocationInput, key: string): { min: number; max: number } {
  const c = input.connectors.find((x) => `${x.chargerId}/${x.connectorId}` === key)!;
  const charger = chargerOf(input.site, c.chargerId);
  return { min: charger.minCurrent, max: Math.min(charger.maxCurrent, c.cap?.amps ?? Infinity) };
}

t.test('with whole steps: within every limit, and each running limit a step multiple, its min or its max', async (t) => {
  fc.assert(
    fc.property(steppedArb, ([sc, step]) => {
      const input = withStep(sc, step);
      const result = allocate(input);
      assertFusesHold(input, result);
      for (const c of result.connectors) {
        if (c.amps === 0 || c.reason === 'fixed' || c.reason === 'released') continue;
        const { min, max } = limitOf(input, c.key);
        const onStep = Math.abs(c.amps / step - Math.round(c.amps / step)) < 1e-6;
        if (!onStep && Math.abs(c.amps - min) > 1e-6 && Math.abs(c.amps - max) > 1e-6) throw new Error(`${c.key}: ${c.amps} A is not a multiple of ${step}, nor ${min} or ${max}`);
      }
    }),
    { numRuns: 400 },
  );
  t.pass('400 random sites, steps of 0.1, 0.5, 1 and 2 A');
});

t.test('with whole steps at the full fuse, rounding loses nothing a running session could use', async (t) => {
  fc.assert(
    fc.property(steppedArb, ([sc, step]) => {
      const input = withStep(sc, step, []);
      const result = allocate(input);
      // Room left on each limit, by the oracle's sums on the wired phases.
      const free = new Map(phaseChecks(input, result).map((c) => [c.name, Math.max(0, c.limit - c.fixed) - c.allocated]));
      const room = (name: string): number => free.get(name)!;
      for (const c of result.connectors) {
        if (!c.active || c.amps === 0 || c.reason === 'fixed' || c.reason === 'released') continue;
        const { max } = limitOf(input, c.key);
        const rise = Math.min(max, (Math.floor(c.amps / step + 1e-6) + 1) * step) - c.amps;
        if (rise <= 1e-6) continue;
        const keys = limitsLoaded(input, input.connectors.find((x) => x.chargerId === c.chargerId && x.connectorId === c.connectorId)!);
        if (keys.every((k) => room(k) >= rise - 1e-6)) throw new Error(`${c.key} at ${c.amps} A could take ${rise} A more within every limit`);
      }
    }),
    { numRuns: 400 },
  );
  t.pass('400 random sites: no session could have had one more step');
});

t.test('with whole steps, lowering the site limit never raises a running session', async (t) => {
  fc.assert(
    fc.property(steppedArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 40 }), ([sc, step], cut, further) => {
      const input = withStep(sc, step, []);
      const full = allocate(input);
      const lower = allocate({ ...input, external: [{ source: 'test', amps: Math.max(0, full.siteLimit.amps - cut) }] });
      const lowest = allocate({ ...input, external: [{ source: 'test', amps: Math.max(0, full.siteLimit.amps - cut - further) }] });
      const up = raised(full, lower) ?? raised(lower, lowest);
      if (up) throw new Error(up);
      return true;
    }),
    { numRuns: 1000 },
  );
  t.pass('1,000 random sites: cut from the fuse, then further');
});

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
