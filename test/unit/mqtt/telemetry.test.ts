import t from 'tap';
import { eachReading } from '../../../src/mqtt/telemetry.js';
import type { MeterSample } from '../../../src/store/ports.js';

/** What the readings set, in the order they are visited. */
function readingsFromSamples(samples: MeterSample[]): { leaf: string; value: number }[] {
  const out: { leaf: string; value: number }[] = [];
  eachReading(samples, (leaf, value) => out.push({ leaf, value }));
  return out;
}

const sample = (measurand: string, value: string, extra: Partial<MeterSample> = {}): MeterSample => ({ chargerId: 'CP1', connectorId: 1, timestamp: '2026-01-01T00:00:00Z', measurand, value, ...extra });

t.test('samples become one value per topic in W, Wh, A, V', async (t) => {
  const readings = readingsFromSamples([
    sample('Energy.Active.Import.Register', '12.3456', { unit: 'kWh' }),
    sample('Power.Active.Import', '7.4', { unit: 'kW' }),
    sample('Current.Import', '16.04', { phase: 'L1', unit: 'A' }),
    sample('Current.Import', '15.96', { phase: 'L2', unit: 'A' }),
    sample('Voltage', '231.27', { phase: 'L1-N', unit: 'V' }),
    sample('Voltage', '400', { phase: 'L1-L2', unit: 'V' }),
    sample('SoC', '55.4', { unit: 'Percent' }),
    sample('Temperature', '30'),
  ]);
  t.strictSame(Object.fromEntries(readings.map((r) => [r.leaf, r.value])), {
    energy: 12346,
    power: 7400,
    'current/L1': 16,
    'current/L2': 16,
    'current/L3': 0,
    'voltage/L1': 231.3,
    soc: 55,
  });
});

t.test('power reported only per phase is summed; a phase-less current is L1', async (t) => {
  const readings = readingsFromSamples([
    sample('Power.Active.Import', '1000', { phase: 'L1' }),
    sample('Power.Active.Import', '1100', { phase: 'L2' }),
    sample('Current.Import', '10'),
    sample('Energy.Active.Import.Register', 'not a number'),
  ]);
  t.strictSame(Object.fromEntries(readings.map((r) => [r.leaf, r.value])), { 'current/L1': 10, 'current/L2': 0, 'current/L3': 0, power: 2100 });
});

t.test('phases a reading does not name carry 0 A; a reading without current leaves the phases alone', async (t) => {
  const onlyL1 = readingsFromSamples([sample('Current.Import', '16', { phase: 'L1' })]);
  t.strictSame(Object.fromEntries(onlyL1.map((r) => [r.leaf, r.value])), { 'current/L1': 16, 'current/L2': 0, 'current/L3': 0 }, 'a 1-phase car: L2 and L3 at 0, not an earlier session\'s 16 A');
  const energyOnly = readingsFromSamples([sample('Energy.Active.Import.Register', '1000')]);
  t.strictSame(Object.fromEntries(energyOnly.map((r) => [r.leaf, r.value])), { energy: 1000 });
});

t.test('the last sample of a measurand and phase wins, and each topic is visited once', async (t) => {
  const readings = readingsFromSamples([
    sample('Energy.Active.Import.Register', '1000'),
    sample('Current.Import', '8', { phase: 'L2' }),
    sample('Energy.Active.Import.Register', '1010'),
    sample('Current.Import', '9', { phase: 'L2-N' }),
    sample('Power.Active.Import', '5', { unit: 'kW' }),
    sample('Power.Active.Import', '2000', { phase: 'L1' }),
  ]);
  t.strictSame(readings, [
    { leaf: 'energy', value: 1010 },
    { leaf: 'power', value: 5000 },
    { leaf: 'current/L1', value: 0 },
    { leaf: 'current/L2', value: 9 },
    { leaf: 'current/L3', value: 0 },
  ], 'a phase-less power wins over the phases\' sum; L2-N is L2');
});
