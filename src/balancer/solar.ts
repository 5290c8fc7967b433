/**
 * Charge modes per connector and the solar surplus they follow. Pure: readings and the clock
 * are passed in; the memory between two decisions is returned, never kept here.
 *
 * A mode turns into a cap on its connector (or none), which the balancer takes like any
 * other cap (loop.ts setCap): a cap only ever lowers, so the fuse rules always win.
 * - off: 0 A (the balancer pauses it: a 0 A profile, or ChangeAvailability for noZeroAmps).
 * - now: no cap; the fuse alone limits it.
 * - minsolar: its minimum at least (from the grid if need be), plus the surplus above it.
 * - solar: the surplus only; paused while the surplus does not reach its minimum.
 *
 * The surplus is what the site exports plus what the solar-mode cars draw now (they are part
 * of the meter's reading): a car already charging from the sun does not eat its own surplus.
 * A passing cloud must not flap a car on and off (each start and stop is wear on the car's
 * contactor and a profile written to the charger's flash), so a solar car starts only after
 * the surplus covered its minimum for startDelay, and stops only after it stayed below for
 * stopDelay, held at its minimum meanwhile.
 *
 * Phase switching (chargers.list[].phaseSwitching): a 3-phase car needs 3 × 6 A ≈ 4.1 kW, a
 * 1-phase one 6 A ≈ 1.4 kW. A charger that can switch charges on one phase while the surplus
 * does not cover its 3-phase minimum, on three when it does. Each switch interrupts the charge
 * and many cars dislike it, so the wish to switch must hold for phaseSwitchDelay first: a
 * surplus swinging around the threshold faster than that never switches, and two switches are
 * always at least phaseSwitchDelay apart. The switch itself is the profile's numberPhases
 * (OCPP 1.6 §7.13, 2.0.1 K01), sent by the balancer, which counts the phases in use (the fuse wins).
 */
import type { Phase, PhaseCurrents } from './model.js';

export const CHARGE_MODES = ['off', 'now', 'minsolar', 'solar'] as const;
export type ChargeMode = (typeof CHARGE_MODES)[number];

export const isChargeMode = (x: unknown): x is ChargeMode => typeof x === 'string' && (CHARGE_MODES as readonly string[]).includes(x);

export interface SolarSettings {
  /** Phase-to-neutral voltage, V (site.supply.voltage). */
  voltage: number;
  /** ms the surplus must cover a solar car's minimum before it starts. */
  startDelayMs: number;
  /** ms the surplus must stay below a charging solar car's minimum before it stops. */
  stopDelayMs: number;
  /**
   * sum: the phases are netted (most home meters bill the sum): a 1-phase car may use the
   * export of all three. phase: each phase on its own: a car gets what its phases export.
   */
  metering: 'sum' | 'phase';
  /** The home battery charges first: its charging power is not surplus for the cars. */
  batteryFirst: boolean;
  /** ms the surplus must ask for the other phase count before a switching charger switches (default 300 s). */
  phaseSwitchDelayMs?: number;
}

/** site.solar.phaseSwitchDelay's default, ms. */
export const DEFAULT_PHASE_SWITCH_DELAY_MS = 300_000;

export interface SolarReadings {
  /** The grid meter, A per site phase, import positive, export negative. */
  grid: PhaseCurrents;
  /** The PV inverter's output, W (≥ 0): the surplus can never be more. */
  pvW?: number;
  /** The home battery, W: charging positive, discharging negative. */
  batteryW?: number;
}

export interface ModeConnector {
  chargerId: string;
  connectorId: number;
  mode: ChargeMode;
  /** Site phases its car loads (as the balancer assumes them). */
  phases: readonly Phase[];
  /** What it draws now, A per phase (highest phase of its latest reading); 0 when idle. */
  drawA: number;
  minCurrent: number;
  maxCurrent: number;
  /** A car is plugged in with a session; without one its memory starts afresh. */
  session: boolean;
  /**
   * The charger switches between 1 and 3 phases (numberPhases in its profile): its site
   * phases L1, L2, L3 as wired; on one phase its car uses the first.
   */
  switchable?: { wired: readonly [Phase, Phase, Phase] };
}

/** Per connector: whether a solar car is running, and since when the condition to switch holds. */
export interface SolarMemoryEntry {
  charging: boolean;
  /** Since when (ms) the surplus says the opposite of `charging`; undefined: it agrees. */
  pendingSince?: number;
  /** A switching charger: the phases it is told to use, and since when the surplus asks for the other count. */
  phases?: 1 | 3;
  phasesPendingSince?: number;
}
export type SolarMemory = Readonly<Record<string, SolarMemoryEntry>>;

export interface ModeDecision {
  chargerId: string;
  connectorId: number;
  mode: ChargeMode;
  /** The cap, A per phase: 0 pauses; null: no cap (mode now). */
  cap: number | null;
  /** In words, for the log, the API and MQTT. */
  why: string;
  /** A switching charger with a session: the phases it is to charge on (its profile's numberPhases). */
  phases?: 1 | 3;
}

export interface ModeOutcome {
  decisions: ModeDecision[];
  memory: SolarMemory;
  /** The surplus for the solar-mode cars, W (what they draw included); undefined without a reading. */
  surplusW?: number;
}

const SOLAR_MODES: readonly ChargeMode[] = ['minsolar', 'solar'];

/**
 * The surplus available to the solar-mode cars, A per site phase: the export, plus what they
 * draw themselves, plus (unless it charges first) what the home battery takes, minus what it
 * gives (a car in solar mode is not charged from the home battery).
 */
export function surplusPerPhase(readings: SolarReadings, solarDraw: PhaseCurrents, s: SolarSettings): [number, number, number] {
  const battery = readings.batteryW ?? 0;
  const fromBattery = battery < 0 ? battery : s.batteryFirst ? 0 : battery;
  const out = [0, 1, 2].map((p) => -readings.grid[p]! + solarDraw[p]! + fromBattery / s.voltage / 3) as [number, number, number];
  if (readings.pvW !== undefined) {
    // Never more than the panels give: a meter that lags the chargers would invent some.
    const total = out.reduce((a, b) => a + b, 0) * s.voltage;
    if (total > readings.pvW && total > 0) for (let p = 0; p < 3; p++) out[p] = (out[p]! * Math.max(0, readings.pvW)) / total;
  }
  return out;
}

/** The decisions for every connector with a mode, in connector order (the first takes the surplus first). */
export function decideModes(connectors: readonly ModeConnector[], readings: SolarReadings | undefined, memory: SolarMemory, now: number, s: SolarSettings): ModeOutcome {
  const solar = connectors.filter((c) => SOLAR_MODES.includes(c.mode)).sort((a, b) => a.chargerId.localeCompare(b.chargerId) || a.connectorId - b.connectorId);
  const draw: [number, number, number] = [0, 0, 0];
  for (const c of solar) for (const p of c.phases) draw[p] += c.drawA;
  const perPhase = readings ? surplusPerPhase(readings, draw, s) : undefined;
  const room = perPhase ? [...perPhase] : undefined;
  const next: Record<string, SolarMemoryEntry> = {};
  const decisions: ModeDecision[] = [];
  const byKey = new Map<string, ModeDecision>();

  for (const c of solar) {
    const key = `${c.chargerId}/${c.connectorId}`;
    const before: SolarMemoryEntry = c.session ? (memory[key] ?? { charging: false }) : { charging: false };
    // A switching car decides its phases first: the surplus it is offered depends on them.
    const sw = c.switchable && c.session ? switchPhases(before, room ? wantedPhases(room, c, c.switchable.wired, s) : undefined, now, s) : undefined;
    const on = sw ? { ...c, phases: sw.phases === 1 ? c.switchable!.wired.slice(0, 1) : c.switchable!.wired } : c;
    const offered = room ? share(room, on, s) : 0;
    const phaseWhy = sw ? phasesWhy(sw, s) : '';
    let decision: ModeDecision;
    if (c.mode === 'minsolar') {
      const amps = clamp(Math.max(c.minCurrent, offered), c.minCurrent, c.maxCurrent);
      decision = { chargerId: c.chargerId, connectorId: c.connectorId, mode: c.mode, cap: amps, why: (room ? `min+solar: ${fmt(amps)} A (surplus ${fmt(offered)} A)` : `min+solar: no grid reading, its minimum ${c.minCurrent} A`) + phaseWhy };
      next[key] = { charging: true };
    } else {
      const entry = hysteresis(before, offered >= c.minCurrent, now, s);
      next[key] = entry;
      const amps = entry.charging ? clamp(offered, c.minCurrent, c.maxCurrent) : 0;
      decision = { chargerId: c.chargerId, connectorId: c.connectorId, mode: c.mode, cap: amps, why: solarWhy(entry, before, offered, c, s, room !== undefined) + phaseWhy };
    }
    if (sw) {
      next[key] = { ...next[key]!, ...sw };
      decision.phases = sw.phases;
    }
    // What it takes beyond the surplus (its minimum) comes from the grid: the next cars get none of it.
    if (room) take(room, on, decision.cap ?? 0, s);
    byKey.set(key, decision);
  }
  for (const c of connectors) {
    const key = `${c.chargerId}/${c.connectorId}`;
    const d = byKey.get(key);
    if (d) decisions.push(d);
    else if (c.mode === 'off') decisions.push({ chargerId: c.chargerId, connectorId: c.connectorId, mode: 'off', cap: 0, why: 'mode off' });
    else decisions.push({ chargerId: c.chargerId, connectorId: c.connectorId, mode: c.mode, cap: null, why: 'mode now: as fast as the fuse allows' });
  }
  return { decisions, memory: next, ...(perPhase ? { surplusW: Math.round(perPhase.reduce((a, b) => a + b, 0) * s.voltage) } : {}) };
}

/**
 * The phases the surplus asks for: three when it covers the car's minimum on three phases,
 * else one (below even the 1-phase minimum too: the car waits on one phase, ready to start at
 * the smaller minimum).
 */
function wantedPhases(room: readonly number[], c: ModeConnector, wired: readonly Phase[], s: SolarSettings): 1 | 3 {
  return share(room, { ...c, phases: wired }, s) >= c.minCurrent ? 3 : 1;
}

/**
 * Switches only after the surplus asked for the other phase count for phaseSwitchDelay without
 * a break; a session's first choice is taken at once (nothing to flap yet). Without a grid
 * reading it stays as it is.
 */
export function switchPhases(before: SolarMemoryEntry, want: 1 | 3 | undefined, now: number, s: SolarSettings): { phases: 1 | 3; phasesPendingSince?: number } {
  if (before.phases === undefined) return { phases: want ?? 3 };
  if (want === undefined || want === before.phases) return { phases: before.phases };
  const since = before.phasesPendingSince ?? now;
  if (now - since >= (s.phaseSwitchDelayMs ?? DEFAULT_PHASE_SWITCH_DELAY_MS)) return { phases: want };
  return { phases: before.phases, phasesPendingSince: since };
}

function phasesWhy(sw: { phases: 1 | 3; phasesPendingSince?: number }, s: SolarSettings): string {
  const on = `, on ${sw.phases === 1 ? '1 phase' : '3 phases'}`;
  if (sw.phasesPendingSince === undefined) return on;
  return `${on}; switches to ${sw.phases === 1 ? 3 : 1} after ${(s.phaseSwitchDelayMs ?? DEFAULT_PHASE_SWITCH_DELAY_MS) / 1000} s`;
}

function hysteresis(before: SolarMemoryEntry, enough: boolean, now: number, s: SolarSettings): SolarMemoryEntry {
  if (enough === before.charging) return { charging: before.charging };
  const since = before.pendingSince ?? now;
  const delay = before.charging ? s.stopDelayMs : s.startDelayMs;
  if (now - since >= delay) return { charging: enough };
  return { charging: before.charging, pendingSince: since };
}

function solarWhy(entry: SolarMemoryEntry, before: SolarMemoryEntry, offered: number, c: ModeConnector, s: SolarSettings, hasReading: boolean): string {
  if (!hasReading) return entry.charging ? `solar: no grid reading, held at its minimum ${c.minCurrent} A` : 'solar: no grid reading, paused';
  const surplus = `surplus ${fmt(offered)} A`;
  if (entry.charging && entry.pendingSince !== undefined) return `solar: ${surplus} below its minimum ${c.minCurrent} A, held there; stops after ${s.stopDelayMs / 1000} s`;
  if (entry.charging) return `solar: ${surplus}`;
  if (entry.pendingSince !== undefined) return `solar: ${surplus} covers its minimum ${c.minCurrent} A; starts after ${s.startDelayMs / 1000} s`;
  return before.charging ? `solar: ${surplus} below its minimum ${c.minCurrent} A: paused` : `solar: paused, ${surplus} below its minimum ${c.minCurrent} A`;
}

/** What the surplus left in `room` gives this car, A per phase on each of its phases. */
function share(room: readonly number[], c: ModeConnector, s: SolarSettings): number {
  const n = c.phases.length || 1;
  const amps = s.metering === 'sum' ? room.reduce((a, b) => a + b, 0) / n : Math.min(...c.phases.map((p) => room[p]!));
  // Whole amperes: every change is a profile in the charger's flash, and cars follow whole amps.
  return Math.max(0, Math.floor(amps + 1e-9));
}

function take(room: number[], c: ModeConnector, amps: number, s: SolarSettings): void {
  if (s.metering === 'phase') {
    for (const p of c.phases) room[p] = room[p]! - amps;
    return;
  }
  // Netted: taken from the phases in turn, as a sum.
  let left = amps * (c.phases.length || 1);
  for (let p = 0; p < 3 && left > 0; p++) {
    const t = Math.min(Math.max(0, room[p]!), left);
    room[p] = room[p]! - t;
    left -= t;
  }
  if (left > 0) room[0] = room[0]! - left;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const fmt = (x: number) => String(Math.round(x * 10) / 10);
