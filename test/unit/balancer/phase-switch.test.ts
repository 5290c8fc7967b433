/**
 * 1-phase ↔ 3-phase switching in the solar modes (solar.ts decideModes, switchPhases): the
 * phases follow the surplus, but only after it asked for the other count for
 * phaseSwitchDelay, so a surplus swinging around the 3-phase minimum never flaps; and the
 * balancer counts the phases the charger was told to use (allocate.ts, to-profile.ts), so the
 * fuse wins whatever the mode asks.
 */
import t from 'tap';
import { allocate } from '../../../src/balancer/allocate.js';
import type { AllocationInput, Phase, PhaseCurrents } from '../../../src/balancer/model.js';
import { decideModes, type ModeConnector, type SolarMemory, type SolarSettings } from '../../../src/balancer/solar.js';
import { ordersFor } from '../../../src/balancer/to-profile.js';
import { profileTo201 } from '../../../src/ocpp/v201/translate/commands.js';
import { charger, session, site } from '../../helpers/balancer-site.js';
import { assertFusesHold, sitePhases } from '../../helpers/fuse-oracle.js';

const V = 230;
const DELAY = 300_000;
const S: SolarSettings = { voltage: V, startDelayMs: 60_000, stopDelayMs: 300_000, metering: 'sum', batteryFirst: false, phaseSwitchDelayMs: DELAY };
const WIRED: readonly [Phase, Phase, Phase] = [0, 1, 2];
const HOUSE_W = 500;

/** The grid meter with the house, the sun and the car on its phases (A per site phase, import positive). */
function grid(pvW: number, carA: number, carPhases: 1 | 3): PhaseCurrents {
  const house = (HOUSE_W - pvW) / V / 3;
  return [house + carA, house + (carPhases === 3 ? carA : 0), house + (carPhases === 3 ? carA : 0)];
}

/** A switching 3-phase charger's car through a PV curve (W per 10 s step); it draws its cap on the phases it was told. */
function simulate(pv: readonly number[], mode: 'solar' | 'minsolar' = 'solar', settings = S) {
  let memory: SolarMemory = {};
  let draw = 0;
  let phases: 1 | 3 = 3;
  const trace: { at: number; pvW: number; cap: number; phases: 1 | 3; why: string }[] = [];
  pv.forEach((w, i) => {
    const now = i * 10_000;
    const car: ModeConnector = { chargerId: 'CP1', connectorId: 1, mode, phases: phases === 3 ? WIRED : [0], drawA: draw, minCurrent: 6, maxCurrent: 16, session: true, switchable: { wired: WIRED } };
    const out = decideModes([car], { grid: grid(w, draw, phases) }, memory, now, settings);
    memory = out.memory;
    const d = out.decisions[0]!;
    phases = d.phases!;
    draw = d.cap!;
    trace.push({ at: now, pvW: w, cap: d.cap!, phases, why: d.why });
  });
  const switches = trace.filter((x, i) => i > 0 && x.phases !== trace[i - 1]!.phases).map((x) => x.at);
  return { trace, switches };
}

const steps = (n: number, w: number) => new Array<number>(n).fill(w);

t.test('a new session takes the phases its surplus asks for at once: 1 below the 3-phase minimum, 3 above', async (t) => {
  // 3 × 6 A × 230 V = 4140 W is the 3-phase minimum, 1380 W the 1-phase one; the house takes 500 W.
  const low = simulate([3000]).trace[0]!;
  t.equal(low.phases, 1, '2500 W of surplus: one phase');
  t.match(low.why, /on 1 phase/);
  const high = simulate([6000]).trace[0]!;
  t.equal(high.phases, 3, '5500 W: three phases');
  t.equal(high.why.includes('on 3 phases'), true, high.why);
});

t.test('a falling surplus switches a charging car to 1 phase after phaseSwitchDelay, not before, and it never stops', async (t) => {
  const start = 30; // 5 minutes of 6 kW, then 3 kW for 15 minutes
  const { trace, switches } = simulate([...steps(start, 6000), ...steps(90, 3000)], 'solar', { ...S, startDelayMs: 0 });
  t.same(switches, [start * 10_000 + DELAY], 'one switch, phaseSwitchDelay after the surplus fell');
  const before = trace[start + DELAY / 10_000 - 1]!;
  t.equal(before.phases, 3, 'still on 3 phases just before');
  t.equal(before.cap, 6, 'held at its 3-phase minimum meanwhile');
  t.match(before.why, /switches to 1 after 300 s/);
  t.equal(trace.at(-1)!.phases, 1);
  t.equal(trace.at(-1)!.cap, 10, '2500 W on one phase: 10 A');
  t.ok(trace.slice(1).every((x) => x.cap > 0), 'the car charged throughout: the switch comes in time for the stop delay');
});

t.test('a rising surplus switches back to 3 phases after the delay', async (t) => {
  const { trace, switches } = simulate([...steps(30, 3000), ...steps(60, 7000)], 'solar', { ...S, startDelayMs: 0 });
  t.equal(trace[0]!.phases, 1);
  t.same(switches, [300_000 + DELAY], 'back to 3 phases phaseSwitchDelay after the sun came');
  t.equal(trace.at(-1)!.cap, 9, '6500 W on three phases: 9 A');
});

t.test('a surplus swinging around the 3-phase minimum faster than the delay never switches', async (t) => {
  // 3.5 kW and 4.8 kW in turn, each for 2 minutes, for 4 hours: the threshold crossed 120 times.
  const pv = Array.from({ length: 1440 }, (_, i) => (Math.floor(i / 12) % 2 === 0 ? 5300 : 4000));
  const { switches, trace } = simulate(pv, 'solar', { ...S, startDelayMs: 0 });
  t.same(switches, [], `no switch at all (stays on ${trace.at(-1)!.phases} phases)`);
  const minsolar = simulate(pv, 'minsolar');
  t.same(minsolar.switches, [], 'minsolar neither');
});

t.test('a slow swing switches, but never twice within the delay', async (t) => {
  // 7 minutes high, 7 minutes low, for 4 hours; and a random walk around the threshold.
  const slow = Array.from({ length: 1440 }, (_, i) => (Math.floor(i / 42) % 2 === 0 ? 6000 : 3000));
  let w = 4640;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const walk = Array.from({ length: 1440 }, () => (w = Math.min(8000, Math.max(1500, w + (rand() - 0.5) * 800))));
  for (const [name, pv] of [['slow swing', slow], ['random walk', walk]] as const) {
    const { switches } = simulate(pv, 'solar', { ...S, startDelayMs: 0 });
    t.ok(switches.length > 0, `${name}: it does switch (${switches.length} times)`);
    const gaps = switches.slice(1).map((at, i) => at - switches[i]!);
    t.ok(gaps.every((g) => g >= DELAY), `${name}: every two switches at least phaseSwitchDelay apart (shortest ${Math.min(...gaps) / 1000} s)`);
  }
});

t.test('only a switching charger with a session is told phases; without a grid reading it stays as it was', async (t) => {
  const car: ModeConnector = { chargerId: 'CP1', connectorId: 1, mode: 'solar', phases: WIRED, drawA: 0, minCurrent: 6, maxCurrent: 16, session: true };
  const plain = decideModes([car], { grid: grid(3000, 0, 3) }, {}, 0, S).decisions[0]!;
  t.equal(plain.phases, undefined, 'no phaseSwitching: no phases');
  const idle = decideModes([{ ...car, session: false, switchable: { wired: WIRED } }], { grid: grid(3000, 0, 3) }, {}, 0, S).decisions[0]!;
  t.equal(idle.phases, undefined, 'no session: as wired');
  const memory: SolarMemory = { 'CP1/1': { charging: true, phases: 1 } };
  const blind = decideModes([{ ...car, switchable: { wired: WIRED } }], undefined, memory, 0, S);
  t.equal(blind.decisions[0]!.phases, 1, 'no reading: it keeps its phases');
});

t.test('the fuse wins: the balancer counts the phases the charger was told to use', async (t) => {
  // A 3 × 16 A supply; the house takes 12 A on L2. R was on one phase (its car measured on L1
  // at 16 A) and is switched back to three: counted on all three at once, so L2's 4 A of room
  // holds it, whatever the mode asks.
  const s = site({ supply: 16, chargers: [{ id: 'R', maxCurrent: 16 }] });
  const otherLoad = { currents: [0, 12, 0] as PhaseCurrents };
  const onL1 = { currents: [16, 0, 0] as PhaseCurrents, at: 0 };
  const run = (extra: Parameters<typeof session>[1]) => {
    const input: AllocationInput = { site: s, connectors: [session('R', { measured: onL1, cap: { amps: 16, source: 'charge mode' }, ...extra })], otherLoad, external: [], state: {}, now: 1000 };
    const result = allocate(input);
    assertFusesHold(input, result);
    return { input, a: result.connectors[0]! };
  };
  t.equal(run({}).a.amps, 16, 'not switched: a 1-phase car on L1 gets 16 A');
  const up = run({ switchedPhases: 3 });
  t.same(up.a.phases, [0, 1, 2], 'switched to 3: all three phases counted, though its currents showed one');
  t.equal(up.a.amps, 0, 'L2 has 4 A, below its minimum: it pauses rather than breach the fuse');
  t.equal(up.a.phasesSwitched, 3);
  t.same(sitePhases(s.chargers.get('R')!, up.input.connectors[0]!, 3, 1), [0, 1, 2], 'the oracle counts three too');

  // Switched down while its car still draws on three phases: counted on three until it shows one.
  const during = run({ switchedPhases: 1, measured: { currents: [6, 6, 6], at: 0 } });
  t.same(during.a.phases, [0, 1, 2], 'still drawing on three: counted on three');
  const down = run({ switchedPhases: 1, measured: undefined });
  t.same(down.a.phases, [0], 'switched to 1, nothing measured yet: its first phase');
  t.equal(down.a.amps, 16, 'L1 is free: 16 A there');
});

t.test('the profile names the phases both ways; W limits count them', async (t) => {
  const r = charger({ id: 'R', maxCurrent: 16 });
  const base = { key: 'R/1', chargerId: 'R', connectorId: 1, amps: 10, phasesMeasured: false, active: true, reason: 'cap' as const, detail: '' };
  const period = (o: ReturnType<typeof ordersFor>) => o.profiles[0]!.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0]!;
  t.same(period(ordersFor({ ...base, phases: [0], phasesSwitched: 1 }, r, { voltage: V, stackLevel: 1, transactionId: 5 })), { startPeriod: 0, limit: 10, numberPhases: 1 }, '1 phase: numberPhases 1 (OCPP 1.6 §7.13)');
  t.same(period(ordersFor({ ...base, phases: [0, 1, 2], phasesSwitched: 3 }, r, { voltage: V, stackLevel: 1, transactionId: 5 })), { startPeriod: 0, limit: 10, numberPhases: 3 }, 'back to 3: named, so the charger switches up');
  const watts = charger({ id: 'R', quirks: { stackLevelZeroOnly: false, wattsOnly: true, noTxProfile: false, noZeroAmps: false } });
  t.same(period(ordersFor({ ...base, phases: [0, 1, 2], phasesSwitched: 1 }, watts, { voltage: V, stackLevel: 1 })), { startPeriod: 0, limit: 2300, numberPhases: 1 }, 'W for the one phase it is told, though it still draws on three');
});

t.test('a 2.0.1 charger gets the same numberPhases (K01), no phaseToUse', async (t) => {
  const r = charger({ id: 'R', maxCurrent: 16 });
  const a = { key: 'R/1', chargerId: 'R', connectorId: 1, amps: 10, phases: [0] as Phase[], phasesMeasured: false, phasesSwitched: 1 as const, active: true, reason: 'cap' as const, detail: '' };
  const profile = profileTo201(ordersFor(a, r, { voltage: V, stackLevel: 1 }).profiles[0]!.csChargingProfiles);
  t.same(profile.chargingSchedule[0]!.chargingSchedulePeriod, [{ startPeriod: 0, limit: 10, numberPhases: 1 }]);
});
