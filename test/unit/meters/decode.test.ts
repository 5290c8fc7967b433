import t from 'tap';
import { decodeValue, encodeValue, wordsOf } from '../../../src/meters/decode.js';
import { atBlock, currentsFrom, parseRegisterMap, span } from '../../../src/meters/register-map.js';
import { REGISTER_MAP_DIR } from '../../../src/meters/index.js';
import { loadRegisterMap } from '../../../src/meters/register-map.js';
import { valuesFromJson } from '../../../src/meters/mqtt.js';

t.test('16- and 32-bit integers, float32, both word orders', async (t) => {
  t.equal(decodeValue([0xffff], 0, 'int16', 'big'), -1);
  t.equal(decodeValue([0xffff], 0, 'uint16', 'big'), 65535);
  t.equal(decodeValue([0x0001, 0x0002], 0, 'uint32', 'big'), 65538);
  t.equal(decodeValue([0x0002, 0x0001], 0, 'uint32', 'little'), 65538);
  t.equal(decodeValue([0xffff, 0xfffe], 0, 'int32', 'big'), -2);
  t.equal(decodeValue([0x4120, 0x0000], 0, 'float32', 'big'), 10);
  t.equal(decodeValue([0x0000, 0x4120], 0, 'float32', 'little'), 10);
  for (const type of ['int16', 'uint16', 'int32', 'uint32', 'float32'] as const) {
    for (const order of ['big', 'little'] as const) t.equal(decodeValue(encodeValue(123, type, order), 0, type, order), 123, `${type} ${order} round trip`);
  }
  t.same(wordsOf(Buffer.from([0x12, 0x34, 0xab, 0xcd])), [0x1234, 0xabcd]);
  t.throws(() => decodeValue([1], 0, 'int32', 'big'), RangeError);
});

t.test('every shipped register map parses and reads three currents', async (t) => {
  for (const model of ['generic', 'sdm630', 'sdm72', 'em24', 'sunspec-203']) {
    const loaded = loadRegisterMap(REGISTER_MAP_DIR, model);
    // A SunSpec map holds offsets until discovery locates its block (here: where model 203's ID sits on most devices).
    const map = loaded.sunspec ? atBlock(loaded, 40069) : loaded;
    t.equal(map.currents.length, 3, `${model}: three phases`);
    const { start, count } = span(map);
    t.ok(count <= 125, `${model}: one read of ${count} registers (Modbus allows 125)`);
    const words = new Array<number>(count).fill(0);
    t.same(currentsFrom(map, words, start), [0, 0, 0]);
  }
});

t.test('scale and a SunSpec scale-factor register', async (t) => {
  const em24 = loadRegisterMap(REGISTER_MAP_DIR, 'em24');
  const words = new Array<number>(6).fill(0);
  words.splice(0, 2, ...encodeValue(12_345, 'int32', 'little'));
  t.equal(currentsFrom(em24, words, 0x000c)[0], 12.345, 'EM24 mA → A');
  const sunspec = atBlock(loadRegisterMap(REGISTER_MAP_DIR, 'sunspec-203'), 40069);
  const s = span(sunspec);
  const w = new Array<number>(s.count).fill(0);
  w[40072 - s.start] = 163;
  w[40075 - s.start] = encodeValue(-1, 'int16', 'big')[0]!;
  t.equal(currentsFrom(sunspec, w, s.start)[0], 16.3, 'AphA 163 × 10^-1');
});

t.test('a broken register map says what is wrong', async (t) => {
  t.throws(() => parseRegisterMap('currents: [{ address: 1, type: int64 }]', 'x.yaml'), /currents\[0\].type/);
  t.throws(() => parseRegisterMap('wordOrder: middle\ncurrents: [{ address: 1 }]', 'x.yaml'), /wordOrder/);
});

t.test('MQTT meter payloads', async (t) => {
  t.same(valuesFromJson('{"L1": 10.5, "L2": "3", "L3": 0}', ['L1', 'L2', 'L3']), [10.5, 3, 0]);
  t.same(valuesFromJson('{"meter": {"a": 1, "b": 2, "c": 3}}', ['meter.a', 'meter.b', 'meter.c']), [1, 2, 3]);
  t.equal(valuesFromJson('{"L1": 1}', ['L1', 'L2']), undefined);
  t.equal(valuesFromJson('not json', ['L1']), undefined);
});
