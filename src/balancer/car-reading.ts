/**
 * What a charger's MeterValues say of its car's current, per charger phase (pure).
 *
 * A 3-phase charger's reading tells which phases its car uses only when it names every phase:
 * a 3-phase meter reports 0 A on a phase the car leaves idle, and that is how a 1-phase car is
 * told apart (allocate.ts phasesOf). Some chargers report less than that: the Enercab Smart sends
 * Current.Import for L1 alone while its car charges on three (evcc PR #16523), others one
 * Current.Import without a phase, which OCPP 1.6 §7.31 (SampledValue.phase) reads as "an overall
 * value". Read as zeros, the phases left out looked idle, the other chargers were given them, and
 * two such cars on chargers with rotated phases drew 64 A on a 32 A fuse.
 *
 * Such a reading is `partial`: it says nothing of the phases the car uses, so the car is counted
 * on all its charger's phases, and on those left out at the highest current it reported (a car
 * draws about the same on each phase it uses), at most the charger's maximum. That is the safe
 * side also with a grid meter, which takes the rest for the house: a phase counted as drawing
 * that does not makes the house look smaller by no more than the car's own limit on that phase,
 * which is counted there too. Counted as 0 instead, a 3-phase car's own draw became house load
 * on two phases and held it at 6 A.
 *
 * Its total power may complete it (Power.Active.Import, which chargegate asks for by default):
 * P ≈ V × I × phases. Three phases' worth: the car draws on each. One phase's worth of a current
 * named for its phase: the car draws on that phase alone, and the others are free for the other
 * chargers. Anything else (two phases, or one phase's worth of a current without a phase, which
 * may be a sum of three) stays partial.
 */
import type { MeterSample } from '../store/ports.js';
import type { PhaseCurrents } from './model.js';

export interface CarReading {
  /** A per charger phase; a phase left out at the highest reported (see above), or 0 where the power says the car leaves it idle. */
  currents: PhaseCurrents;
  /** Leaves out phases of a 3-phase charger, and the power did not tell: says nothing of the phases the car uses. */
  partial: boolean;
}

/** Below this the power says nothing of the phases (a car that takes next to nothing). */
const MIN_CURRENT_A = 1;
/** How far P / (V × I) may be from a whole number of phases (cos φ, rounding, one sample late). */
const PHASE_SLACK = 0.35;

export function carReading(samples: readonly MeterSample[], charger: { phases: 1 | 3; maxCurrent: number }, voltage: number): CarReading | undefined {
  const { phases: chargerPhases, maxCurrent } = charger;
  const currents: [number, number, number] = [0, 0, 0];
  let named = 0; // bits of the charger phases named by their own sample
  let phaseless: number | undefined;
  let neutral: number | undefined;
  let powerW: number | undefined;
  const powerPerPhaseW: [number, number, number] = [0, 0, 0];
  let powerNamed = 0;
  // A MeterValues may carry several meterValue entries (a charger that batches its samples, an
  // offline backlog sent as one message): of each value (a phase's current, the power), the
  // newest counts. Taken in the order they came, a batch sent newest first read its oldest
  // current. Per value, not per entry: some chargers put each phase in an entry of its own, a
  // moment apart. Times that cannot be read keep the order they came in.
  const times: number[] = [];
  const first = samples[0]?.timestamp;
  const oneEntry = samples.every((s) => s.timestamp === first); // the usual case: nothing to compare
  const newest = (slot: number, timestamp: string): boolean => {
    if (oneEntry) return true;
    const ms = Date.parse(timestamp);
    const before = times[slot];
    if (before !== undefined && !Number.isNaN(ms) && !Number.isNaN(before) && ms < before) return false;
    times[slot] = ms;
    return true;
  };
  for (const s of samples) {
    if (s.measurand === 'Current.Import') {
      const value = Number(s.value);
      if (!Number.isFinite(value)) continue;
      if (!s.phase) {
        if (newest(3, s.timestamp)) phaseless = value;
        continue;
      }
      // A 1-phase charger's neutral carries its line's current (the Injet Sonic names it N:
      // Home Assistant OCPP #1311); a 3-phase one's says nothing of any phase.
      if (s.phase === 'N') {
        if (chargerPhases === 1 && newest(4, s.timestamp)) neutral = value;
        continue;
      }
      // L1, L1-N and L1-L2 name the charger's L1 (some send the line-to-neutral form).
      const i = ['L1', 'L2', 'L3'].indexOf(s.phase.slice(0, 2));
      if (i < 0 || !newest(i, s.timestamp)) continue;
      currents[i] = value;
      named |= 1 << i;
    } else if (s.measurand === 'Power.Active.Import') {
      const watts = toWatts(s);
      if (watts === undefined) continue;
      if (!s.phase) {
        if (newest(5, s.timestamp)) powerW = watts;
      } else {
        const i = ['L1', 'L2', 'L3'].indexOf(s.phase.slice(0, 2));
        if (i < 0 || !newest(6 + i, s.timestamp)) continue;
        powerPerPhaseW[i] = watts;
        powerNamed |= 1 << i;
      }
    }
  }
  // A current without a phase is the charger's L1 unless L1 has its own (a 1-phase charger's only one).
  if (phaseless === undefined) phaseless = neutral;
  if (phaseless !== undefined && !(named & 1)) currents[0] = phaseless;
  if (named === 0 && phaseless === undefined) return undefined;
  if (chargerPhases === 1 || named === 0b111) return { currents, partial: false };
  const amps = Math.max(currents[0], currents[1], currents[2]);
  // The phases not named: at the highest current it reported, at most the charger's maximum (a
  // current without a phase may be the sum of three).
  const fill = (i: number): number => (named & (1 << i) ? currents[i]! : Math.min(amps, maxCurrent));
  const filled: PhaseCurrents = [fill(0), fill(1), fill(2)];
  // Power per phase is a total only when every phase has its own: the meter that leaves out a
  // phase's current leaves out its power too.
  const total = powerW ?? (powerNamed === 0b111 ? powerPerPhaseW[0] + powerPerPhaseW[1] + powerPerPhaseW[2] : undefined);
  if (total === undefined || amps < MIN_CURRENT_A || !(voltage > 0)) return { currents: filled, partial: true };
  const phases = total / (voltage * amps);
  if (Math.abs(phases - 3) <= PHASE_SLACK) return { currents: filled, partial: false };
  const namedDrawing = [0, 1, 2].filter((i) => named & (1 << i) && currents[i]! >= MIN_CURRENT_A).length;
  if (phaseless === undefined && namedDrawing === 1 && Math.abs(phases - 1) <= PHASE_SLACK) return { currents, partial: false };
  return { currents: filled, partial: true };
}

function toWatts(s: MeterSample): number | undefined {
  const value = Number(s.value);
  if (!Number.isFinite(value)) return undefined;
  return s.unit === 'kW' ? value * 1000 : value;
}
