/**
 * Meter values, both ways (OCPP 2.0.1 2.42 MeterValueType / 2.46 SampledValueType ↔ OCPP 1.6
 * §7.43 MeterValue / §7.45 SampledValue). Pure.
 *
 * 2.0.1 → core: the value (a number) × 10^unitOfMeasure.multiplier becomes the 1.6 text value;
 * the unit is kept when 1.6 knows it (no unitOfMeasure: none, so the core's default per measurand
 * applies, as for 1.6); measurand, phase, location and context have the same names. A sample
 * whose measurand or unit 1.6 does not know (Energy.*.Net, Energy.Apparent.*, a free unit) is
 * dropped with a note: a wrong unit would be wrong data. signedMeterValue is not kept.
 * core → 2.0.1: the text value is read as a number (a sample that is not one is dropped), the
 * unit goes to unitOfMeasure, format SignedData is dropped (2.0.1 carries signed values apart).
 */
import type { MeterValuesRequest as MeterValues16 } from '../../v16/types.js';
import type { MeterValueType, SampledValueType } from '../types.js';
import type { TranslationNote, Translated } from './notes.js';

export type MeterValue16 = MeterValues16['meterValue'][number];
type SampledValue16 = MeterValue16['sampledValue'][number];

const UNITS_16 = new Set(['Wh', 'kWh', 'varh', 'kvarh', 'W', 'kW', 'VA', 'kVA', 'var', 'kvar', 'A', 'V', 'K', 'Celcius', 'Celsius', 'Fahrenheit', 'Percent']);
const MEASURANDS_16 = new Set([
  'Energy.Active.Export.Register', 'Energy.Active.Import.Register', 'Energy.Reactive.Export.Register', 'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval', 'Energy.Active.Import.Interval', 'Energy.Reactive.Export.Interval', 'Energy.Reactive.Import.Interval',
  'Power.Active.Export', 'Power.Active.Import', 'Power.Offered', 'Power.Reactive.Export', 'Power.Reactive.Import', 'Power.Factor',
  'Current.Import', 'Current.Export', 'Current.Offered', 'Voltage', 'Frequency', 'Temperature', 'SoC', 'RPM',
]);

/** value × 10^multiplier without binary noise (1.1 × 10³ is 1100, not 1100.0000000000002). */
export function scaled(value: number, multiplier: number): number {
  return multiplier === 0 ? value : Number((value * 10 ** multiplier).toPrecision(15));
}

/** A sample's path in a note (built only for a note). */
function where(path: string, i: number, j: number): string {
  return `${path}.${i}.sampledValue.${j}`;
}

/**
 * 2.0.1 meter values → the core's (1.6 shaped), with what was dropped. Every TransactionEvent
 * and MeterValues goes through here, so it allocates only what it returns: the note's path is
 * built only for a note, and each sample gets its properties by assignment (no spread copies).
 */
export function meterValuesToCore(values: readonly MeterValueType[], path = 'meterValue'): Translated<MeterValue16[]> {
  const notes: TranslationNote[] = [];
  const out: MeterValue16[] = [];
  for (let i = 0; i < values.length; i++) {
    const mv = values[i]!;
    const sampledValue: SampledValue16[] = [];
    for (let j = 0; j < mv.sampledValue.length; j++) {
      const sv = mv.sampledValue[j]!;
      const measurand = sv.measurand;
      if (measurand !== undefined && !MEASURANDS_16.has(measurand)) {
        notes.push({ kind: 'lost', path: where(path, i, j), detail: `measurand ${measurand} has no OCPP 1.6 equal: sample not kept` });
        continue;
      }
      const unit = sv.unitOfMeasure?.unit;
      if (unit !== undefined && !UNITS_16.has(unit)) {
        notes.push({ kind: 'lost', path: where(path, i, j), detail: `unit ${unit} has no OCPP 1.6 equal: sample not kept` });
        continue;
      }
      if (sv.signedMeterValue) notes.push({ kind: 'lost', path: where(path, i, j), detail: 'signedMeterValue not kept' });
      const sample: SampledValue16 = { value: String(scaled(sv.value, sv.unitOfMeasure?.multiplier ?? 0)) };
      if (sv.context) sample.context = sv.context;
      if (measurand) sample.measurand = measurand as NonNullable<SampledValue16['measurand']>;
      if (sv.phase) sample.phase = sv.phase;
      if (sv.location) sample.location = sv.location;
      // 2.0.1's default unit is Wh; a sample with only a multiplier is in (a power of ten of) Wh.
      if (unit) sample.unit = unit as SampledValue16['unit'];
      else if (sv.unitOfMeasure) sample.unit = 'Wh';
      sampledValue.push(sample);
    }
    if (sampledValue.length > 0) out.push({ timestamp: mv.timestamp, sampledValue });
  }
  return { value: out, notes };
}

/** The core's (1.6 shaped) meter values → 2.0.1, with what was dropped. */
export function meterValuesFromCore(values: readonly MeterValue16[], path = 'meterValue'): Translated<MeterValueType[]> {
  const notes: TranslationNote[] = [];
  const out: MeterValueType[] = [];
  values.forEach((mv, i) => {
    const sampled: SampledValueType[] = [];
    mv.sampledValue.forEach((sv, j) => {
      const where = `${path}.${i}.sampledValue.${j}`;
      const value = Number(sv.value);
      if (sv.format === 'SignedData' || sv.value.trim() === '' || !Number.isFinite(value)) return void notes.push({ kind: 'lost', path: where, detail: 'not a plain number (SignedData or text): sample not kept' });
      const unit = sv.unit === 'Celcius' ? 'Celsius' : sv.unit;
      sampled.push({
        value,
        ...(sv.context ? { context: sv.context } : {}),
        ...(sv.measurand ? { measurand: sv.measurand as NonNullable<SampledValueType['measurand']> } : {}),
        ...(sv.phase ? { phase: sv.phase } : {}),
        ...(sv.location ? { location: sv.location } : {}),
        ...(unit ? { unitOfMeasure: { unit } } : {}),
      });
    });
    if (sampled.length > 0) out.push({ timestamp: mv.timestamp, sampledValue: sampled as MeterValueType['sampledValue'] });
  });
  return { value: out, notes };
}

/**
 * The last Energy.Active.Import.Register reading among the values, in Wh (1.6 core shape): of
 * the context `prefer` when there is one, else any (only: none but that context).
 */
export function lastEnergyWh(values: readonly MeterValue16[], prefer?: string, only = false): number | undefined {
  let found: number | undefined;
  let preferred: number | undefined;
  for (const mv of values) {
    for (const sv of mv.sampledValue) {
      if ((sv.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register') continue;
      if (sv.phase !== undefined) continue;
      const v = Number(sv.value) * (sv.unit === 'kWh' ? 1000 : 1);
      if (!Number.isFinite(v)) continue;
      found = v;
      if (prefer !== undefined && sv.context === prefer) preferred = v;
    }
  }
  return only ? preferred : (preferred ?? found);
}
