/** Charge modes and the solar surplus (solar.ts), over a simulated day of changing sunshine. */
import t from 'tap';
import { decideModes, surplusPerPhase, type ModeConnector, type SolarMemory, type SolarSettings } from '../../../src/balancer/solar.js';
import type { PhaseCurrents } from '../../../src/balancer/model.js';

const S: SolarSettings = { voltage: 230, startDelayMs: 60_000, stopDelayMs: 300_000, metering: 'sum', batteryFirst: false };
const car = (over: Partial<ModeConnector> = {}): ModeConnector => ({ chargerId: 'CP1', connectorId: 1, mode: 'solar', phases: [0, 1, 2], drawA: 0, minCurrent: 6, maxCurrent: 16, session: true, ...over });

/** Export of `watts` spread over three phases, plus a house load, as the grid meter reads it with the car drawing `carA` on 3 phases. */
function grid(pvW: number, houseW: number, carA: number, phases = 3): PhaseCurrents {
  const perPhase = (houseW - pvW) / 230 / 3;
  return [perPhase + carA, perPhase + (phases === 3 ? carA : 0), perPhase + (phases === 3 ? carA : 0)];
}

/** Runs a 3-phase solar car through a PV curve (W per 10 s step); the car draws what its cap allows. */
function simulate(pv: readonly number[], mode: 'solar' | 'minsolar' = 'solar', settings = S) {
  let memory: SolarMemory = {};
  let draw = 0;
  const caps: number[] = [];
  const events: { at: number; what: 'start' | 'stop' }[] = [];
  pv.forEach((w, i) => {
    const now = i * 10_000;
    const out = decideModes([car({ mode, drawA: draw })], { grid: grid(w, 500, draw) }, memory, now, settings);
    memory = out.memory;
    const cap = out.decisions[0]!.cap!;
    if (cap > 0 && draw === 0) events.push({ at: now, what: 'start' });
    if (cap === 0 && draw > 0) events.push({ at: now, what: 'stop' });
    caps.push(cap);
    draw = cap; // the car follows its limit before the next reading
  });
  return { caps, events };
}

const steps = (n: number, w: number) => new Array<number>(n).fill(w);

t.test('solar: starts after the surplus covered its minimum for startDelay, follows it, stops after stopDelay', async (t) => {
  // 6 A × 3 × 230 V = 4140 W is the minimum; the house takes 500 W.
  const pv = [...steps(6, 1000), ...steps(12, 7000), ...steps(12, 9000), ...steps(40, 1500)];
  const { caps, events } = simulate(pv);
  t.same(events, [{ at: 120_000, what: 'start' }, { at: 300_000 + 300_000, what: 'stop' }], 'one start (60 s after the surplus came), one stop (300 s after it went)');
  t.equal(caps[14], 9, '7000 W − 500 W house = 6500 W = 9.4 A on 3 phases: 9 A (whole amps)');
  t.equal(caps[25], 12, '9000 − 500 = 8500 W: 12 A');
  t.equal(caps[35], 6, 'below its minimum: held at 6 A until stopDelay');
  t.equal(caps.at(-1), 0);
});

t.test('solar: a passing cloud shorter than stopDelay does not stop it; a short sunny spell does not start it', async (t) => {
  const pv = [...steps(12, 8000), ...steps(6, 500), ...steps(12, 8000), ...steps(12, 500), ...steps(3, 8000), ...steps(40, 500)];
  const { events } = simulate(pv);
  t.equal(events.filter((e) => e.what === 'start').length, 1, 'one start only');
  t.equal(events.filter((e) => e.what === 'stop').length, 1, 'one stop only, at the end');
  t.ok(events.at(-1)!.at >= 42 * 10_000 + 300_000, 'the stop comes stopDelay after the long dip began');
});

t.test('flickering sunshine around the threshold never flaps', async (t) => {
  const pv = Array.from({ length: 400 }, (_, i) => (i % 4 < 2 ? 5500 : 3000));
  const { events } = simulate(pv);
  t.ok(events.length <= 1, `at most one switch in 4000 s of flicker, got ${JSON.stringify(events)}`);
});

t.test('min+solar: never below its minimum, the surplus on top, never paused', async (t) => {
  const pv = [...steps(6, 0), ...steps(6, 9000), ...steps(6, 0)];
  const { caps } = simulate(pv, 'minsolar');
  t.ok(caps.every((c) => c >= 6), 'at least 6 A throughout');
  t.equal(caps[0], 6);
  t.equal(caps[10], 12, 'the surplus on top');
  t.equal(Math.max(...caps), 12);
});

t.test('off pauses, now has no cap, whatever the sun', async (t) => {
  const out = decideModes([car({ mode: 'off' }), car({ connectorId: 2, mode: 'now' })], { grid: grid(10_000, 0, 0) }, {}, 0, S);
  t.same(
    out.decisions.map((d) => [d.connectorId, d.cap]),
    [
      [1, 0],
      [2, null],
    ],
  );
});

t.test('two solar cars share the surplus: the first takes what it can, the second waits for more', async (t) => {
  const cars = [car(), car({ connectorId: 2 })];
  let memory: SolarMemory = {};
  // 10 kW export: 14.4 A on 3 phases, enough for one car at 14 A, not for a second at 6 A.
  for (let now = 0; now <= 60_000; now += 10_000) memory = decideModes(cars, { grid: grid(10_000, 0, 0) }, memory, now, S).memory;
  const out = decideModes(cars, { grid: grid(10_000, 0, 0) }, memory, 70_000, S);
  t.same(out.decisions.map((d) => d.cap), [14, 0]);
});

t.test('a 1-phase car: netted metering gives it the export of all three phases; per-phase metering only its own', async (t) => {
  const one = car({ phases: [1], maxCurrent: 32 });
  const reading = { grid: [-5, -5, -5] as PhaseCurrents };
  const start = (s: SolarSettings) => {
    let m: SolarMemory = {};
    for (let now = 0; now <= 60_000; now += 10_000) m = decideModes([one], reading, m, now, s).memory;
    return decideModes([one], reading, m, 70_000, s).decisions[0]!.cap;
  };
  t.equal(start(S), 15, 'sum: 15 A on L2');
  t.equal(start({ ...S, metering: 'phase' }), 0, 'phase: 5 A on L2 is below its minimum: it does not start');
});

t.test('the home battery: its charging is surplus unless it charges first; its discharge never is; PV caps it', async (t) => {
  const zero = [0, 0, 0] as PhaseCurrents;
  const sum = (x: number[]) => Math.round(x.reduce((a, b) => a + b, 0) * 230);
  t.equal(sum(surplusPerPhase({ grid: zero, batteryW: 3000 }, zero, S)), 3000);
  t.equal(sum(surplusPerPhase({ grid: zero, batteryW: 3000 }, zero, { ...S, batteryFirst: true })), 0);
  t.equal(sum(surplusPerPhase({ grid: zero, batteryW: -2000 }, [6, 6, 6], S)), 6 * 3 * 230 - 2000, 'the car is not fed from the battery');
  t.equal(sum(surplusPerPhase({ grid: [-10, -10, -10], pvW: 4000 }, zero, S)), 4000, 'never more than the panels give');
});

t.test('without a session the memory starts afresh: the next car waits its startDelay', async (t) => {
  let m: SolarMemory = { 'CP1/1': { charging: true } };
  m = decideModes([car({ session: false })], { grid: grid(9000, 0, 0) }, m, 0, S).memory;
  const out = decideModes([car()], { grid: grid(9000, 0, 0) }, m, 10_000, S);
  t.equal(out.decisions[0]!.cap, 0, 'a new car does not start before the delay');
  t.match(out.decisions[0]!.why, /starts after 60 s/);
});
