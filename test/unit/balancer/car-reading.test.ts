/**
 * carReading: what one MeterValues says of a car's current per charger phase, and whether it
 * says which phases the car uses (src/balancer/car-reading.ts).
 */
import t from 'tap';
import { carReading } from '../../../src/balancer/car-reading.js';
import type { MeterSample } from '../../../src/store/ports.js';

const V = 230;
const THREE = { phases: 3 as const, maxCurrent: 32 };
const ONE = { phases: 1 as const, maxCurrent: 32 };

function sample(measurand: string, value: number | string, phase?: string, unit?: string, timestamp = '2026-12-06T10:00:00Z'): MeterSample {
  return { chargerId: 'CP1', connectorId: 1, timestamp, measurand, value: String(value), ...(phase ? { phase } : {}), ...(unit ? { unit } : {}) };
}
/** One meterValue entry at `timestamp`: the given currents per phase and optionally the total power. */
const entry = (timestamp: string, amps: [number, number, number], watts?: number): MeterSample[] => [
  ...amps.map((a, i) => sample('Current.Import', a, `L${i + 1}`, 'A', timestamp)),
  ...(watts !== undefined ? [sample('Power.Active.Import', watts, undefined, 'W', timestamp)] : []),
];
const current = (a: number, phase?: string) => sample('Current.Import', a, phase, 'A');
const power = (w: number | string, phase?: string, unit = 'W') => sample('Power.Active.Import', w, phase, unit);

t.test('every phase named: the reading says which phases the car uses', async (t) => {
  t.same(carReading([current(16, 'L1'), current(0, 'L2'), current(0, 'L3')], THREE, V), { currents: [16, 0, 0], partial: false }, 'a 1-phase car on a 3-phase charger');
  t.same(carReading([current(10, 'L1-N'), current(11, 'L2-N'), current(12, 'L3-N')], THREE, V), { currents: [10, 11, 12], partial: false }, 'line-to-neutral names');
  t.same(carReading([sample('Energy.Active.Import.Register', 1000, undefined, 'Wh')], THREE, V), undefined, 'no current: no reading');
  t.same(carReading([current(Number.NaN, 'L1')], THREE, V), undefined, 'not a number: no reading');
});

t.test('a 1-phase charger: its one current is its reading, named or not', async (t) => {
  t.same(carReading([current(16)], ONE, V), { currents: [16, 0, 0], partial: false });
  t.same(carReading([current(16, 'L1')], ONE, V), { currents: [16, 0, 0], partial: false });
  t.same(carReading([current(15.6, 'N'), sample('Voltage', 231, 'L1-N', 'V')], ONE, V), { currents: [15.6, 0, 0], partial: false }, 'named N (Injet Sonic): its neutral carries its line current');
  t.same(carReading([current(3, 'N')], THREE, V), undefined, "a 3-phase charger's neutral says nothing of its phases");
});

t.test('phases left out, no power: partial, the car counted on every phase', async (t) => {
  t.same(carReading([current(16, 'L1')], THREE, V), { currents: [16, 16, 16], partial: true }, 'L1 alone (Enercab Smart): the others counted at its current');
  t.same(carReading([current(16)], THREE, V), { currents: [16, 16, 16], partial: true }, 'one current without a phase');
  t.same(carReading([current(48)], THREE, V), { currents: [32, 32, 32], partial: true }, 'one current without a phase above the charger\'s maximum (a sum of three): at most its maximum');
  t.same(carReading([current(16, 'L1'), current(12, 'L2')], THREE, V), { currents: [16, 12, 16], partial: true }, 'L3 left out: at the highest');
  t.same(carReading([current(16, 'L1'), current(16, 'L2'), current(16, 'L3'), current(7)], THREE, V), { currents: [16, 16, 16], partial: false }, 'a current without a phase beside all three named changes nothing');
});

t.test('the total power completes it', async (t) => {
  t.same(carReading([current(16, 'L1'), power(3 * V * 16)], THREE, V), { currents: [16, 16, 16], partial: false }, 'L1 alone, three phases of power: 16 A on each');
  t.same(carReading([current(16), power(11.04, undefined, 'kW')], THREE, V), { currents: [16, 16, 16], partial: false }, 'no phase named, three phases of power in kW');
  t.same(carReading([current(16, 'L1'), power(0.97 * V * 16)], THREE, V), { currents: [16, 0, 0], partial: false }, 'L1 alone, one phase of power (cos φ 0.97): the car is on L1 alone');
  t.same(carReading([current(16, 'L1'), current(15, 'L2'), power(V * (16 + 15 + 16))], THREE, V), { currents: [16, 15, 16], partial: false }, 'named phases keep their values; the one left out gets the highest');
  t.same(carReading([current(16, 'L1'), power(V * 16, 'L1'), power(V * 16, 'L2'), power(V * 16, 'L3')], THREE, V), { currents: [16, 16, 16], partial: false }, 'power named per phase, all three: their sum');
});

t.test('power that cannot tell: partial stays', async (t) => {
  t.same(carReading([current(16), power(V * 16)], THREE, V), { currents: [16, 16, 16], partial: true }, 'no phase named and one phase of power: it may be a sum of three');
  t.same(carReading([current(16, 'L1'), power(2 * V * 16)], THREE, V), { currents: [16, 16, 16], partial: true }, 'two phases of power: which two is unknown');
  t.same(carReading([current(16, 'L1'), power(V * 16, 'L1')], THREE, V), { currents: [16, 16, 16], partial: true }, 'power of L1 alone is no total');
  t.same(carReading([current(0.5, 'L1'), power(3 * V * 0.5)], THREE, V), { currents: [0.5, 0.5, 0.5], partial: true }, 'next to no current: the ratio says nothing');
  t.same(carReading([current(16, 'L1'), power('unavailable')], THREE, V), { currents: [16, 16, 16], partial: true }, 'a power that is not a number');
  t.same(carReading([current(16, 'L1'), power(3 * V * 16)], THREE, 0), { currents: [16, 16, 16], partial: true }, 'no voltage to divide by');
});

t.test('several meterValue entries in one MeterValues: each value from the newest entry that has it', async (t) => {
  const older = entry('2026-12-06T10:00:00Z', [32, 32, 32]);
  const newer = entry('2026-12-06T10:01:00Z', [10, 10, 10]);
  t.same(carReading([...older, ...newer], THREE, V), { currents: [10, 10, 10], partial: false }, 'oldest first (the usual order)');
  t.same(carReading([...newer, ...older], THREE, V), { currents: [10, 10, 10], partial: false }, 'newest first: still the newest');
  const energyOnly = [sample('Energy.Active.Import.Register', 5000, undefined, 'Wh', '2026-12-06T10:02:00Z')];
  t.same(carReading([...newer, ...energyOnly], THREE, V), { currents: [10, 10, 10], partial: false }, 'a newer entry without a current does not hide it');
  // L1 alone in both; only the newer entry's power (one phase's worth) goes with its current.
  const a = [sample('Current.Import', 16, 'L1', 'A', '2026-12-06T10:00:00Z'), sample('Power.Active.Import', 3 * V * 16, undefined, 'W', '2026-12-06T10:00:00Z')];
  const b = [sample('Current.Import', 16, 'L1', 'A', '2026-12-06T10:01:00Z'), sample('Power.Active.Import', V * 16, undefined, 'W', '2026-12-06T10:01:00Z')];
  t.same(carReading([...b, ...a], THREE, V), { currents: [16, 0, 0], partial: false }, 'the power of the same moment, not the other entry\'s');
  const apart = [sample('Current.Import', 12, 'L1', 'A', '2026-12-06T10:00:00.998Z'), sample('Current.Import', 12, 'L2', 'A', '2026-12-06T10:00:00.999Z'), sample('Current.Import', 12, 'L3', 'A', '2026-12-06T10:00:01.000Z')];
  t.same(carReading(apart, THREE, V), { currents: [12, 12, 12], partial: false }, 'each phase in an entry of its own, a moment apart: all three read');
  const unreadable = [...entry('soon', [32, 32, 32]), ...entry('later', [10, 10, 10])];
  t.same(carReading(unreadable, THREE, V), { currents: [10, 10, 10], partial: false }, 'times that cannot be read: in the order they came');
});
