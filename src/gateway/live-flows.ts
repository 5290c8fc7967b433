/**
 * What a connector draws now, from its latest readings (pure): the one rule behind the API's
 * powerW and currentA, the dashboard, the load chart and the MQTT snapshot.
 *
 * - Offline, or no session running: 0 W, 0 A. A reading outside a session (a late one of an
 *   ended session, a connector-level one while idle) is not kept as a flow at all (inSession).
 *   Power and current are flows; the energy register is a total and is not touched here.
 * - A phase the latest current reading does not name is 0 A: a 1-phase session after a
 *   3-phase one does not keep the old session's 16 A on L2 and L3. A phase-less
 *   Current.Import is a 1-phase charger's L1.
 * - null: a session runs and the charger has not reported it yet (unknown, not 0).
 *
 * The registry forgets a connector's flows when its session ends and all of a charger's when
 * it goes offline (Registry.forgetFlows), so a new session never starts from the last one's.
 */
import type { MeterSample } from '../store/ports.js';

export type PhaseAmps = [number, number, number];

export interface Flows {
  powerW: number | null;
  currentA: PhaseAmps | null;
}

/** The latest sample of a measurand (and phase, as the charger spelt it) on the connector. */
export type ReadingLookup = (measurand: string, phase?: string) => MeterSample | undefined;

/**
 * The measurands that describe a running session: forgotten at its end and when the charger
 * goes offline, and not taken from a reading outside any session (inSession below). Voltage is
 * one: a charger measures it at its outlet while it charges; after that it is unknown (null, MQTT
 * `none`), not the last session's value. The energy register is a total and always taken.
 */
export const FLOW_MEASURANDS: readonly string[] = ['Power.Active.Import', 'Current.Import', 'Voltage'];

/**
 * Whether a MeterValues message speaks of a running session (issue #18): a session runs on its
 * connector and the message names no transaction or that one. A late MeterValues for a session
 * that ended, or a connector-level one while idle, is not: it may set the meter register
 * (energy) but shows no power, current or voltage (OCPP 1.6 §4.7 lets a charger send readings
 * outside a transaction; they are kept in the database as they came).
 */
export function inSession(running: { transactionId: number } | undefined, named: number | undefined): boolean {
  return running !== undefined && (named === undefined || named === running.transactionId);
}

const PHASES = ['L1', 'L2', 'L3'] as const;

export function connectorFlows(read: ReadingLookup, state: { online: boolean; running: boolean }): Flows {
  if (!state.online) return { powerW: 0, currentA: [0, 0, 0] };
  const unknown = state.running ? null : 0;
  const currents = phaseAmps(read);
  return {
    powerW: power(read) ?? unknown,
    currentA: currents ?? (state.running ? null : [0, 0, 0]),
  };
}

/** W, whatever unit the charger used (1.6 allows kW); a charger that reports power per phase only: their sum at its newest reading. */
function power(read: ReadingLookup): number | null {
  const total = numberOf(read('Power.Active.Import'), 'kW');
  if (total !== null) return total;
  const perPhase = PHASES.map((p) => read('Power.Active.Import', p) ?? read('Power.Active.Import', `${p}-N`));
  const newest = newestAt(perPhase);
  if (newest === undefined) return null;
  return perPhase.reduce((sum, s) => sum + (s && at(s) === newest ? (numberOf(s, 'kW') ?? 0) : 0), 0);
}

/** A per phase at the newest current reading; phases it does not name are 0; null: none reported. */
function phaseAmps(read: ReadingLookup): PhaseAmps | null {
  const perPhase = PHASES.map((p) => read('Current.Import', p) ?? read('Current.Import', `${p}-N`));
  const phaseless = read('Current.Import');
  const newest = newestAt([...perPhase, phaseless]);
  if (newest === undefined) return null;
  const amps = perPhase.map((s) => (s && at(s) === newest ? (numberOf(s) ?? 0) : 0)) as PhaseAmps;
  if (phaseless && at(phaseless) === newest && perPhase.every((s) => !s || at(s) !== newest)) amps[0] = numberOf(phaseless) ?? 0;
  return amps;
}

function newestAt(samples: readonly (MeterSample | undefined)[]): number | undefined {
  let newest: number | undefined;
  for (const s of samples) if (s && (newest === undefined || at(s) > newest)) newest = at(s);
  return newest;
}

function at(s: MeterSample): number {
  const ms = Date.parse(s.timestamp);
  return Number.isNaN(ms) ? 0 : ms;
}

function numberOf(s: MeterSample | undefined, kiloUnit?: string): number | null {
  if (!s) return null;
  const value = Number(s.value);
  if (!Number.isFinite(value)) return null;
  return kiloUnit !== undefined && s.unit === kiloUnit ? value * 1000 : value;
}
