/**
 * The sampled values a meter reading carries (OCPP 1.6 §7.43 SampledValue): the measurands
 * configured in MeterValuesSampledData, per phase where that means something (Current.Import
 * L1..L3, only L1 for a one-phase car; Voltage L1-N..L3-N).
 */
import type { MeterValuesRequest } from '../ocpp/v16/types.js';
import type { ConnectorView } from './model.js';

export type MeterValue = MeterValuesRequest['meterValue'][number];
export type SampledValue = MeterValue['sampledValue'][number];
type Context = NonNullable<SampledValue['context']>;

const PHASES = ['L1', 'L2', 'L3'] as const;
const PHASE_VOLTAGES = ['L1-N', 'L2-N', 'L3-N'] as const;

export function sampleMeter(c: ConnectorView, voltageV: number, measurands: string[], context: Context, now: number): MeterValue {
  const sampledValue: SampledValue[] = [];
  const phases = c.phases;
  for (const measurand of measurands) {
    switch (measurand) {
      case 'Energy.Active.Import.Register':
        sampledValue.push({ value: String(Math.floor(c.energyWh)), context, measurand, location: 'Outlet', unit: 'Wh' });
        break;
      case 'Power.Active.Import':
        sampledValue.push({ value: fixed(c.currentA * voltageV * phases, 0), context, measurand, location: 'Outlet', unit: 'W' });
        break;
      case 'Current.Import':
        for (const phase of PHASES.slice(0, phases)) sampledValue.push({ value: fixed(c.currentA, 1), context, measurand, phase, location: 'Outlet', unit: 'A' });
        break;
      case 'Current.Offered':
        sampledValue.push({ value: fixed(c.limitA, 1), context, measurand, location: 'Outlet', unit: 'A' });
        break;
      case 'Voltage':
        for (const phase of PHASE_VOLTAGES.slice(0, phases)) sampledValue.push({ value: fixed(voltageV, 1), context, measurand, phase, location: 'Outlet', unit: 'V' });
        break;
    }
  }
  return { timestamp: new Date(now).toISOString(), sampledValue };
}

export function measurandList(setting: string | undefined): string[] {
  return (setting ?? '').split(',').map((m) => m.trim()).filter((m) => m.length > 0);
}

function fixed(x: number, digits: number): string {
  return x.toFixed(digits);
}
