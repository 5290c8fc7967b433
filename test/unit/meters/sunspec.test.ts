import t from 'tap';
import { atBlock, currentsFrom, loadRegisterMap, minBlockLength, parseRegisterMap, span } from '../../../src/meters/register-map.js';
import { REGISTER_MAP_DIR } from '../../../src/meters/index.js';
import { discoverSunSpec, MAX_MODELS, SunSpecError, type ReadRegisters } from '../../../src/meters/sunspec.js';
import { COMMON, meter203, sunspecImage } from '../../helpers/sunspec.js';

/** Reads from an image; addresses outside `present` answer like a device: a Modbus exception 2. */
function reader(image: Buffer, present: (address: number) => boolean = () => true): ReadRegisters & { reads: number } {
  const read = async (address: number, count: number) => {
    read.reads++;
    for (let a = address; a < address + count; a++) if (!present(a)) throw { err: 'ModbusException', message: 'illegal data address' };
    const words: number[] = [];
    for (let a = address; a < Math.min(address + count, 65536); a++) words.push(image.readUInt16BE(a * 2));
    return words;
  };
  read.reads = 0;
  return read;
}

t.test('the usual layout: SunS at 40000, common model, 203 right after it', async (t) => {
  const found = await discoverSunSpec(reader(sunspecImage(40000, [COMMON, meter203([1, 2, 3], 0)])), [203, 204]);
  t.same(found, { base: 40000, model: 203, address: 40069, length: 105, chain: ['1@40002', '203@40069'] }, 'ID at 40069, as the old fixed map assumed');
});

t.test('the other base addresses, 0 and 50000, where 40000 is not there', async (t) => {
  for (const base of [0, 50000]) {
    const image = sunspecImage(base, [COMMON, meter203([1, 2, 3], 0)]);
    const found = await discoverSunSpec(reader(image, (a) => a < 40000 || a >= 50000), [203]);
    t.match(found, { base, model: 203, address: base + 2 + 67 }, `base ${base}`);
  }
});

t.test('a chain with an inverter first (SolarEdge: the meter behind it at 40188)', async (t) => {
  const image = sunspecImage(40000, [COMMON, { id: 103, length: 50 }, COMMON, meter203([1, 2, 3], 0)]);
  const found = await discoverSunSpec(reader(image), [203, 204]);
  t.same(found.chain, ['1@40002', '103@40069', '1@40121', '203@40188']);
  t.equal(found.address, 40188);
});

t.test('the most wanted model wins; another listed one is taken when it is missing', async (t) => {
  const both = sunspecImage(40000, [COMMON, meter203([1, 2, 3], 0, 204), meter203([1, 2, 3], 0)]);
  t.match(await discoverSunSpec(reader(both), [203, 204]), { model: 203, address: 40069 + 107 });
  const delta = sunspecImage(40000, [COMMON, meter203([1, 2, 3], 0, 204)]);
  t.match(await discoverSunSpec(reader(delta), [203, 204]), { model: 204, address: 40069 });
});

t.test('the end marker may be the last register the device has', async (t) => {
  const image = sunspecImage(40000, [COMMON, { id: 103, length: 50 }]);
  // 40121 holds 0xFFFF; nothing after it.
  await t.rejects(discoverSunSpec(reader(image, (a) => a <= 40121), [203]), { name: 'SunSpecError', message: /no model 203 \(found 1@40002, 103@40069; the chain ends\)/ });
});

t.test('no "SunS" anywhere: says where it looked and what it saw', async (t) => {
  const image = Buffer.alloc(65536 * 2);
  image.writeUInt16BE(0x1234, 0);
  const err = await discoverSunSpec(reader(image, (a) => a < 50000), [203]).catch((e: unknown) => e);
  t.ok(err instanceof SunSpecError);
  t.match((err as Error).message, /^no SunSpec "SunS" marker \(0x5375 0x6E53\) at holding register 40000, 0, 50000/);
  t.match((err as Error).message, /40000: 0x0000 0x0000; 0: 0x1234 0x0000; 50000: illegal data address/);
  const short = await discoverSunSpec(async () => [], [203]).catch((e: unknown) => e);
  t.match((short as Error).message, /40000: no such registers/, 'a device that answers with nothing');
});

t.test('a broken or endless chain, a block too short', async (t) => {
  const image = sunspecImage(40000, [COMMON, { id: 103, length: 50 }], { end: false });
  await t.rejects(discoverSunSpec(reader(image, (a) => a < 40121), [203]), { message: /SunSpec chain broken: reading the model ID at 40121 failed \(illegal data address\)/ });
  await t.rejects(discoverSunSpec(reader(image, (a) => a !== 40070), [203]), { message: /length of model 103 at 40070/ });
  // Zero-length blocks of model 7 over and over: bounded, not a hang.
  const endless = sunspecImage(40000, Array.from({ length: 200 }, () => ({ id: 7, length: 0 })));
  const read = reader(endless);
  await t.rejects(discoverSunSpec(read, [203]), { message: new RegExp(`stopped after ${MAX_MODELS} models`) });
  t.ok(read.reads <= 1 + 2 * MAX_MODELS, `${read.reads} reads: the marker, then ID and L per model`);
  const short = sunspecImage(40000, [COMMON, { id: 203, length: 4 }]);
  await t.rejects(discoverSunSpec(reader(short), [203], 5), { message: 'SunSpec model 203 at 40069 is 4 registers long, too short for the register map (needs 5)' });
});

t.test('the shipped SunSpec maps: offsets from the SunSpec model definitions', async (t) => {
  const map = loadRegisterMap(REGISTER_MAP_DIR, 'sunspec-203');
  t.same(map.sunspec, { models: [203, 204] });
  t.equal(map.function, 'holding');
  t.same(map.currents.map((r) => [r.address, r.scaleFactorAddress]), [[3, 6], [4, 6], [5, 6]], 'AphA/B/C at 3/4/5, A_SF at 6 from the ID register');
  t.equal(minBlockLength(map), 5, 'A_SF at offset 6 needs L ≥ 5');
  t.throws(() => span(map), /not located yet/, 'offsets are no addresses');
  const one = loadRegisterMap(REGISTER_MAP_DIR, 'sunspec-201');
  t.same(one.sunspec, { models: [201] });
  t.equal(one.currents.length, 1);
});

t.test('a located map reads scaled currents; 0x8000 is "not implemented"', async (t) => {
  const map = atBlock(loadRegisterMap(REGISTER_MAP_DIR, 'sunspec-203'), 50122);
  t.same(span(map), { start: 50125, count: 4 });
  const int16 = (v: number) => (v < 0 ? v + 0x10000 : v);
  t.same(currentsFrom(map, [163, 57, int16(-20), int16(-1)], 50125), [16.3, 5.7, -2], 'negative scale factor, an exporting phase');
  t.same(currentsFrom(map, [16, 5, 0, 1], 50125), [160, 50, 0], 'positive scale factor');
  t.throws(() => currentsFrom(map, [163, 0x8000, 0, int16(-1)], 50125), /L2 current is "not implemented" \(0x8000\)/);
  t.throws(() => currentsFrom(map, [163, 57, 0, 0x8000], 50125), /scale factor is "not implemented"/);
  t.throws(() => atBlock(map, 1), /already located/);
});

t.test('a broken SunSpec map says what is wrong', async (t) => {
  const ok = 'sunspec: { models: [203] }\ncurrents: [{ offset: 3, type: int16, scaleFactorOffset: 6 }]';
  t.match(parseRegisterMap(ok, 'x.yaml'), { function: 'holding', sunspec: { models: [203] }, currents: [{ address: 3, scaleFactorAddress: 6 }] });
  t.throws(() => parseRegisterMap('sunspec: { models: [203] }\ncurrents: [{ address: 40072, type: int16 }]', 'x.yaml'), /a sunspec map gives offsets within the model block/);
  t.throws(() => parseRegisterMap('currents: [{ offset: 3, type: int16 }]', 'x.yaml'), /offset and scaleFactorOffset belong to a sunspec map/);
  t.throws(() => parseRegisterMap('function: input\nsunspec: { models: [203] }\ncurrents: [{ offset: 3 }]', 'x.yaml'), /reads holding registers/);
  t.throws(() => parseRegisterMap('sunspec: { model: 203 }\ncurrents: [{ offset: 3 }]', 'x.yaml'), /sunspec.models must list/);
  t.throws(() => parseRegisterMap('sunspec: { models: [65535] }\ncurrents: [{ offset: 3 }]', 'x.yaml'), /sunspec.models must list/);
  t.throws(() => parseRegisterMap('sunspec: { models: [203], base: 40000 }\ncurrents: [{ offset: 3 }]', 'x.yaml'), /unknown key base/);
  t.throws(() => parseRegisterMap('sunspec: [203]\ncurrents: [{ offset: 3 }]', 'x.yaml'), /sunspec must be a mapping/);
  t.throws(() => parseRegisterMap('sunspec: { models: [203] }\ncurrents: [{ offset: 1 }]', 'x.yaml'), /offsets 0 and 1 are the model block's header/);
});
