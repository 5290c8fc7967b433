/**
 * A home without MQTT: the grid meter and the PV inverter both read over real Modbus TCP
 * (jsmodbus servers on 127.0.0.1, port 0). The grid meter uses adapters/meters/generic.yaml
 * (float32 currents at 0, 2, 4, written by the test every 100 ms from the house, the car and
 * the sun); the inverter is a SunSpec device with model 103 that chargegate finds by itself
 * (adapters/meters/sunspec-inverter.yaml: W × 10^W_SF). A strict independent charger
 * (test/helpers/physical-charger.ts) charges a car in solar mode.
 *
 * What the user sees: the car follows the surplus; the surplus is never more than the inverter
 * says it gives; when the inverter goes silent the surplus counts as none (the safe side: the
 * car is held at its minimum, then stops) and the reason says why; when it answers again the car
 * charges from the sun again.
 */
import t from 'tap';
import { encodeValue } from '../../src/meters/decode.js';
import { eventually, startGateway } from '../helpers/gateway.js';
import { PASSWORDS } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { physicalCharger } from '../helpers/physical-charger.js';
import { COMMON, startModbusDevice, sunspecImage } from '../helpers/sunspec.js';

const VOLTAGE = 230;
const HOUSE = 2;
/** Model 103's block ID register: SunS at 40000, the common model (ID at 40002, L = 65), then 103. */
const INVERTER_BLOCK = 40002 + 2 + 65;

t.test('a SunSpec PV inverter over Modbus TCP: its power bounds the surplus; silent, no surplus', async (t) => {
  t.setTimeout(240_000);
  const grid = await startModbusDevice(t, Buffer.alloc(64 * 2));
  // 9.2 kW as 920 × 10^1 W: the scale factor is applied.
  const inverter = await startModbusDevice(t, sunspecImage(40000, [COMMON, { id: 103, length: 50, words: { 14: 920, 15: 1 } }]));
  const setInverterW = (raw: number) => inverter.holding.writeUInt16BE(raw, (INVERTER_BLOCK + 14) * 2);

  const gw = await startGateway(t, {
    patch: (c) => {
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      c.site = {
        supply: { maxCurrent: 32, phases: 3, voltage: VOLTAGE },
        meter: { type: 'modbus-tcp', model: 'generic', host: '127.0.0.1', port: grid.port, interval: 0.2 },
        failsafe: { meterTimeout: 1 },
        balancing: { settleTime: 60, responseTime: 0.2, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2, standingInterval: 0 },
        solar: { defaultMode: 'solar', startDelay: 0, stopDelay: 2, pv: { type: 'modbus-tcp', host: '127.0.0.1', port: inverter.port, interval: 0.2 } },
      };
    },
  });
  const cp1 = await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16, meterIntervalMs: 200 });

  // The grid meter: the house and the car, minus what the panels really give (9.2 kW), A per phase.
  const sunW = 9200;
  const timer = setInterval(() => {
    const car = cp1.currents();
    for (let p = 0; p < 3; p++) {
      const words = encodeValue(HOUSE + car[p]! - sunW / VOLTAGE / 3, 'float32', 'big');
      grid.holding.writeUInt16BE(words[0]!, p * 4);
      grid.holding.writeUInt16BE(words[1]!, p * 4 + 2);
    }
  }, 100);
  t.teardown(() => clearInterval(timer));
  const mode = async () => (await api(gw.httpUrl, '/api/site/modes', { token: TOKENS.read })).json.connectors.find((c: any) => c.chargerId === 'CP1' && c.connectorId === 1);

  cp1.plugIn(1, { maxCurrentA: 16, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  // 9200 W = 40 A over three phases, less the house's 6 A: 34 A, 11 A per phase.
  await eventually(() => cp1.currentA(1) === 11, 'the car charges from the sun: 11 A', 20_000);

  // The inverter says 2.3 kW (10 A) though the meter still sees the export (a meter lagging the
  // chargers would show it so): the surplus is never more than the panels give.
  setInverterW(230);
  await eventually(async () => (await mode()).cap === 6, 'held at its minimum: 10 A over three phases is below 6 A', 20_000);
  await eventually(() => cp1.currentA(1) === 0, 'then paused after stopDelay', 20_000);

  setInverterW(920);
  await eventually(() => cp1.currentA(1) === 11, 'the inverter says 9.2 kW again: 11 A', 20_000);

  // The inverter goes silent: no surplus is assumed, the reason says why.
  inverter.silent();
  await eventually(async () => /PV inverter meter silent: no surplus counted/.test((await mode()).why), 'the reason names the silent inverter', 20_000);
  await eventually(() => cp1.currentA(1) === 0, 'the car stops: no surplus while the inverter is silent', 20_000);

  await inverter.back();
  await eventually(() => cp1.currentA(1) === 11, 'the inverter answers again: 11 A', 20_000);
  t.same(cp1.validationFailures, [], 'every frame valid for the strict charger');
});
