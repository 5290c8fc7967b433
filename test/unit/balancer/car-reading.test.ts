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

function sample(measurand: string, value: number | string, phase?: string, unit?: string): MeterSample {
  return { chargerId: 'CP1', connectorId: 1, timestamp: '2026-12-06T10:00:00Z', measurand, value: String(value), ...(phase ? { phase } : {}), ...(unit ? { unit } : {}) };
}
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
