/**
 * What a MeterValues sample becomes on MQTT (pure): one value per topic, in base units (W, Wh,
 * A, V, %), whatever unit the charger used (kW and kWh are converted). Measurands chargegate
 * does not map (Power.Offered, Temperature, …) stay in the database and the HTTP API only.
 * A message that reports current on some phases says 0 A for the others.
 *
 * It runs for every MeterValues a site stores, so it keeps no Map, builds no string and
 * returns no array: the readings go to a callback, from a fixed slot per topic (issue #19:
 * it was a sixth of what a stored MeterValues allocated, docs/performance.md).
 */
import type { MeterSample } from '../store/ports.js';
import type { ConnectorLeaf } from './topics.js';

/** The topics a reading can set, one slot each; the order they are visited in. */
const SLOTS = ['energy', 'power', 'current/L1', 'current/L2', 'current/L3', 'voltage/L1', 'voltage/L2', 'voltage/L3', 'soc'] as const satisfies readonly ConnectorLeaf[];
const ENERGY = 0;
const POWER = 1;
const CURRENT = 2; // + the phase's index
const VOLTAGE = 5; // + the phase's index
const SOC = 8;
/** No phase named. */
const NO_PHASE = -1;
/** Line-to-line (L1-L2), N and unknown phases: not published as a phase. */
const OTHER_PHASE = -2;

/**
 * Calls `visit` once per topic the MeterValues' samples set, with its value; the last sample of
 * a measurand and phase wins.
 */
export function eachReading(samples: readonly MeterSample[], visit: (leaf: ConnectorLeaf, value: number) => void): void {
  // A plain array, not a Float64Array: nine doubles are past V8's size for a typed array kept
  // on the heap, and one off it is a backing store to malloc and for the collector to track.
  const values = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  let set = 0; // a bit per slot
  let phasePower = 0;
  let phasePowerSeen = false;
  for (const s of samples) {
    const value = Number(s.value);
    if (!Number.isFinite(value)) continue;
    const phase = phaseIndex(s.phase);
    if (phase === OTHER_PHASE && s.measurand !== 'Power.Active.Import') continue;
    let slot: number;
    let v: number;
    switch (s.measurand) {
      case 'Energy.Active.Import.Register':
        slot = ENERGY;
        v = Math.round(s.unit === 'kWh' ? value * 1000 : value);
        break;
      case 'Power.Active.Import': {
        const watts = s.unit === 'kW' ? value * 1000 : value;
        if (s.phase !== undefined) {
          phasePower += watts;
          phasePowerSeen = true;
          continue;
        }
        slot = POWER;
        v = Math.round(watts);
        break;
      }
      case 'Current.Import':
        // A phase-less current is what a one-phase charger reports: it flows on L1.
        slot = CURRENT + Math.max(phase, 0);
        v = round1(value);
        break;
      case 'Voltage':
        slot = VOLTAGE + Math.max(phase, 0);
        v = round1(value);
        break;
      case 'SoC':
        slot = SOC;
        v = Math.round(value);
        break;
      default:
        continue;
    }
    values[slot] = v;
    set |= 1 << slot;
  }
  // Chargers that report power only per phase: the connector's power is their sum.
  if (!(set & (1 << POWER)) && phasePowerSeen) {
    values[POWER] = Math.round(phasePower);
    set |= 1 << POWER;
  }
  // A reading names the phases the car draws on: the others carry 0 A now, not what an
  // earlier session left there (gateway/live-flows.ts has the same rule for the API).
  const currents = 0b111 << CURRENT;
  if (set & currents) set |= currents; // the unset ones hold 0 already
  for (let slot = 0; slot < SLOTS.length; slot++) if (set & (1 << slot)) visit(SLOTS[slot]!, values[slot]!);
}

/** L1 and L1-N → 0, L2 → 1, L3 → 2; none named → NO_PHASE; line-to-line (L1-L2), N and unknown phases → OTHER_PHASE. */
function phaseIndex(phase: string | undefined): number {
  switch (phase) {
    case undefined:
      return NO_PHASE;
    case 'L1':
    case 'L1-N':
      return 0;
    case 'L2':
    case 'L2-N':
      return 1;
    case 'L3':
    case 'L3-N':
      return 2;
    default:
      return OTHER_PHASE;
  }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
