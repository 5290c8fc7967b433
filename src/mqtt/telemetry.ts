/**
 * What a MeterValues sample becomes on MQTT (pure): one value per topic, in base units (W, Wh,
 * A, V, %), whatever unit the charger used (kW and kWh are converted). Measurands chargegate
 * does not map (Power.Offered, Temperature, …) stay in the database and the HTTP API only.
 * A message that reports current on some phases says 0 A for the others.
 */
import type { MeterSample } from '../store/ports.js';
import { PHASES, type ConnectorLeaf, type Phase } from './topics.js';

export interface Reading {
  leaf: ConnectorLeaf;
  value: number;
}

/** The MQTT readings of one MeterValues message; the last sample of a measurand and phase wins. */
export function readingsFromSamples(samples: readonly MeterSample[]): Reading[] {
  const out = new Map<ConnectorLeaf, number>();
  const phasePower: number[] = [];
  for (const s of samples) {
    const value = Number(s.value);
    if (!Number.isFinite(value)) continue;
    const phase = phaseOf(s.phase);
    if (s.phase !== undefined && phase === undefined && s.measurand !== 'Power.Active.Import') continue;
    switch (s.measurand) {
      case 'Energy.Active.Import.Register':
        out.set('energy', Math.round(s.unit === 'kWh' ? value * 1000 : value));
        break;
      case 'Power.Active.Import': {
        const watts = s.unit === 'kW' ? value * 1000 : value;
        if (s.phase === undefined) out.set('power', Math.round(watts));
        else phasePower.push(watts);
        break;
      }
      case 'Current.Import':
        // A phase-less current is what a one-phase charger reports: it flows on L1.
        out.set(`current/${phase ?? 'L1'}`, round1(value));
        break;
      case 'Voltage':
        out.set(`voltage/${phase ?? 'L1'}`, round1(value));
        break;
      case 'SoC':
        out.set('soc', Math.round(value));
        break;
      default:
        break;
    }
  }
  // Chargers that report power only per phase: the connector's power is their sum.
  if (!out.has('power') && phasePower.length > 0) out.set('power', Math.round(phasePower.reduce((a, b) => a + b, 0)));
  // A reading names the phases the car draws on: the others carry 0 A now, not what an
  // earlier session left there (gateway/live-flows.ts has the same rule for the API).
  if (PHASES.some((p) => out.has(`current/${p}`))) for (const p of PHASES) if (!out.has(`current/${p}`)) out.set(`current/${p}`, 0);
  return [...out].map(([leaf, value]) => ({ leaf, value }));
}

/** L1 and L1-N → L1; line-to-line (L1-L2), N and unknown phases → undefined (not published). */
function phaseOf(phase: string | undefined): Phase | undefined {
  return PHASES.find((p) => phase === p || phase === `${p}-N`);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
