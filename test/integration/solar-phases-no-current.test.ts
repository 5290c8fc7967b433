/**
 * 1-phase ↔ 3-phase switching with a charger that reports no current: its MeterValues carry the
 * energy register alone (OCPP 1.6's default MeterValuesSampledData, kept here with
 * `chargers.setup.mode: off`). Once its first reading was due, its car is counted at its limit
 * (src/balancer/draw.ts), on the one phase the charger was switched to. Counted as none, its own
 * draw would be taken for house load on the grid meter, and the car, in solar mode on the little
 * room the fuse leaves on L1, would be cut below it.
 *
 * The home of solar-phases.test.ts: a 3 × 16 A fuse, 13.5 A of house load on L1, a 3-phase PV
 * inverter, the grid meter in MQTT (signed W per phase, every 100 ms, from the house, the car and
 * the sun), and the product's simulated charger with `phaseSwitching: numberPhases`.
 *
 * Not shown here: that the car is counted on its one phase and not on all three (with this one
 * charger the other phases' room goes to nobody); test/integration/switched-phases-no-current.test.ts
 * shows it with a neighbour on L2, test/integration/no-current-phases.test.ts for a car that
 * declared one phase, and test/unit/balancer/draw.test.ts for the rule.
 */
import t from 'tap';
import { startBareAedes } from '../../src/mqtt/broker.js';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { publishGridMeter } from '../helpers/mqtt.js';

const FUSE = 16;
const VOLTAGE = 230;
const HOUSE: [number, number, number] = [13.5, 0, 0];
const TOPICS = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];

t.test('a charger switched to one phase that reports no current: its car keeps charging on L1 at what the fuse leaves', async (t) => {
  t.setTimeout(240_000);
  const meterBroker = await startBareAedes();
  t.teardown(() => meterBroker.close());
  const url = `mqtt://127.0.0.1:${meterBroker.port}`;
  const log = capturingLogger('info');
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => {
      c.chargers.list = c.chargers.list.map((x: (typeof c.chargers.list)[number]) => (x.id === 'CP1' ? { ...x, maxCurrent: 32, phaseSwitching: 'numberPhases' as const } : x));
      // No setup: the charger keeps sampling the energy alone. A sample interval of 2 s: a
      // reading (or the lack of one) counts 3 s.
      c.chargers.setup = { ...c.chargers.setup, mode: 'off', meterValueSampleInterval: 2 };
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: VOLTAGE },
        meter: { type: 'mqtt', url, topics: TOPICS, quantity: 'power' },
        failsafe: { meterTimeout: 2 },
        balancing: { settleTime: 60, responseTime: 2, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2, standingInterval: 0 },
        solar: { defaultMode: 'solar', startDelay: 0, stopDelay: 60, phaseSwitchDelay: 1 },
      };
    },
  });
  const cp1 = new SimulatedCharger({
    url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 32, logger: silentLogger(),
    autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2', MeterValuesSampledData: 'Energy.Active.Import.Register' }, tickMs: 50,
  });
  t.teardown(() => cp1.stop());
  cp1.start();
  await eventually(() => cp1.isBooted, 'CP1 booted');

  // 6.9 kW of sun (10 A per phase): 30 − 13.5 = 16.5 A of surplus, 5.5 A on each of three
  // phases, below the minimum of 6; on one phase 16 A, but L1 has 16 − 13.5 + 10 = 12.5 A left.
  const pvW = 6900;
  let published = 0;
  const worst = await publishGridMeter(t, url, TOPICS, VOLTAGE, () => {
    published++;
    const car = cp1.connectorCurrents(1);
    return [0, 1, 2].map((p) => HOUSE[p]! + car[p]! - pvW / VOLTAGE / 3) as [number, number, number];
  });
  const currents = () => cp1.connectorCurrents(1).join('/');

  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  await eventually(() => currents() === '12/0/0', 'the car on L1 alone at 12 A: what the fuse leaves', 30_000);
  // 100 meter readings (10 s or more): well past the 3 s after which the car is counted at its
  // limit for want of a current reading.
  const from = published;
  worst.fill(-Infinity);
  const seen = new Set<string>();
  await eventually(() => {
    seen.add(currents());
    return published >= from + 100;
  }, '100 meter readings', 60_000);
  t.same([...seen], ['12/0/0'], 'the solar car stayed on L1 at 12 A');
  t.ok(worst.every((a) => a <= FUSE + 1e-9), `the fuse was never exceeded on any phase: worst ${worst.map((a) => a.toFixed(1)).join(' / ')} A`);
  const told = (start: string) => log.entries().filter((e) => String(e.msg).startsWith(start)).length;
  t.equal(told('the charger reports no current'), 1, 'the log says once that it reports no current, and what to add');
  t.equal(told('the charger sends no MeterValues'), 0, 'not that it sends none: it sends its energy');
});
