/** Power register maps (a PV inverter, a home battery: site.solar.pv and battery over Modbus TCP). */
import t from 'tap';
import { stringify } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/log.js';
import { encodeValue } from '../../../src/meters/decode.js';
import { createGridMeter, createSolarMeters, REGISTER_MAP_DIR } from '../../../src/meters/index.js';
import { atBlock, currentsFrom, loadRegisterMap, parseRegisterMap, span } from '../../../src/meters/register-map.js';

t.test('the shipped power maps: one read, W with its scale', async (t) => {
  const inverter = atBlock(loadRegisterMap(REGISTER_MAP_DIR, 'sunspec-inverter'), 40069);
  t.equal(inverter.quantity, 'power');
  t.same(inverter.sunspec!.models, [103, 102, 101]);
  const s = span(inverter);
  t.same(s, { start: 40069 + 14, count: 2 }, 'W and W_SF');
  t.equal(currentsFrom(inverter, [523, 1], s.start)[0], 5230, 'W 523 × 10^1');
  t.throws(() => currentsFrom(inverter, [0x8000, 0], s.start), /power is "not implemented"/);

  const battery = loadRegisterMap(REGISTER_MAP_DIR, 'generic-battery');
  t.equal(battery.quantity, 'power');
  t.same(currentsFrom(battery, encodeValue(-2500, 'int32', 'big'), 0), [-2500, 0, 0], 'discharging: negative W');
  t.equal(loadRegisterMap(REGISTER_MAP_DIR, 'sdm630').quantity, 'current', 'a grid meter map reads currents');
});

t.test('a power map is one register, not with currents', async (t) => {
  t.throws(() => parseRegisterMap('power: { address: 0 }\ncurrents: [{ address: 2 }]', 'x.yaml'), /currents \(a grid meter\) or power \(a PV inverter, a battery\), not both/);
  t.throws(() => parseRegisterMap('power: [{ address: 0 }]', 'x.yaml'), /power must be one register/);
  t.throws(() => parseRegisterMap('power: { address: 0, type: int64 }', 'x.yaml'), /power\.type must be one of/);
  t.throws(() => parseRegisterMap('sunspec: { models: [103] }\npower: { offset: 1 }', 'x.yaml'), /power: offsets 0 and 1 are the model block's header/);
});

t.test('a map of the wrong kind stops the start with the key and what it needs', async (t) => {
  const config = (site: unknown) => parseConfig(stringify({ chargers: { list: [] }, site }), { env: {}, baseDir: '/tmp' });
  const log = silentLogger();
  const now = () => new Date();
  t.throws(() => createGridMeter(config({ supply: { maxCurrent: 25 }, meter: { type: 'modbus-tcp', host: 'h', model: 'sunspec-inverter' } }), log, now), /site\.meter\.model: "sunspec-inverter" reads a power; site\.meter needs a map of phase currents/);
  t.throws(() => createSolarMeters(config({ supply: { maxCurrent: 25 }, solar: { pv: { type: 'modbus-tcp', host: 'h', model: 'sdm630' } } }), log, now), /site\.solar\.pv\.model: "sdm630" reads phase currents; site\.solar\.pv needs a map of power/);
  t.throws(() => createSolarMeters(config({ supply: { maxCurrent: 25 }, solar: { battery: { type: 'modbus-tcp', host: 'h', model: 'nope' } } }), log, now), /site\.solar\.battery\.model: no register map "nope"/);
  const { pv, battery } = createSolarMeters(config({ supply: { maxCurrent: 25 }, solar: { pv: { type: 'modbus-tcp', host: 'h' }, battery: { type: 'modbus-tcp', host: 'h', port: 1502, model: 'generic-battery' } } }), log, now);
  t.match(pv?.name, /^SunSpec inverter .* at h:502 unit 1$/);
  t.match(battery?.name, /^Generic battery .* at h:1502 unit 1$/);
});
