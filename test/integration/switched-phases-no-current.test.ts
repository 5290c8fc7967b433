/**
 * A 3-phase charger switched to one phase (its profiles' numberPhases, `phaseSwitching:
 * numberPhases`) that reports no current, beside a neighbour on another phase. Once its first
 * reading was due, its car is counted at its limit (src/balancer/draw.ts) on the phases the
 * plan counts it on: after the switch, one. Counted on all three, its limit would come off the
 * grid meter on L2 and L3 as if it drew there: the house would look smaller than it is, and
 * the neighbour on L2 would be given the difference, for good, as every meter reading would
 * say the same. solar-phases-no-current.test.ts switches a charger alone on its site, where
 * that room goes to nobody; no-current-phases.test.ts shows the rule for a car that declared
 * one phase. Here the switch is the one the charge modes make (the balancer's setPhases, as
 * the solar controller calls it), and a neighbour is there to take the room.
 *
 * The site: a 16 A supply, 4 A of house load on each phase, the grid meter in MQTT (W per
 * phase, every 100 ms: the house plus what both cars draw). CP1: the product's simulated
 * 3-phase 16 A charger that samples its energy register alone (1.6's default
 * MeterValuesSampledData). CP2: a simulated 1-phase 32 A charger wired to the site's L2.
 */
import t from 'tap';
import { startBareAedes } from '../../src/mqtt/broker.js';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { publishGridMeter } from '../helpers/mqtt.js';

const FUSE = 16;
const VOLTAGE = 230;
const HOUSE: [number, number, number] = [4, 4, 4];
const TOPICS = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];

t.test("a charger switched to one phase that reports no current: counted on that phase only, so its neighbour on L2 gets no room that is not there", async (t) => {
  t.setTimeout(240_000);
  const meterBroker = await startBareAedes();
  t.teardown(() => meterBroker.close());
  const url = `mqtt://127.0.0.1:${meterBroker.port}`;
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list = c.chargers.list.map((x: (typeof c.chargers.list)[number]) =>
        x.id === 'CP1' ? { ...x, maxCurrent: 16, phases: 3, phaseRotation: 'L1L2L3', phaseSwitching: 'numberPhases' as const } : { ...x, maxCurrent: 32, phases: 1, phaseRotation: 'L2' },
      );
      // No setup: CP1 keeps sampling the energy alone. A sample interval of 2 s: a reading (or
      // the lack of one) counts 3 s.
      c.chargers.setup = { ...c.chargers.setup, mode: 'off', meterValueSampleInterval: 2 };
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: VOLTAGE },
        meter: { type: 'mqtt', url, topics: TOPICS, quantity: 'power' },
        failsafe: { meterTimeout: 2 },
        balancing: { responseTime: 0.5, rampInterval: 0, rampStep: 32, hysteresis: 0, recheckInterval: 0.2, standingInterval: 0 },
      };
    },
  });
  const cp1 = new SimulatedCharger({
    url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16, logger: silentLogger(),
    autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2', MeterValuesSampledData: 'Energy.Active.Import.Register' }, tickMs: 50,
  });
  const cp2 = new SimulatedCharger({
    url: gw.url, identity: 'CP2', password: PASSWORDS.CP2, phases: 1, maxCurrentA: 32, logger: silentLogger(),
    autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2' }, tickMs: 50,
  });
  t.teardown(() => Promise.all([cp1.stop(), cp2.stop()]));
  cp1.start();
  cp2.start();
  await eventually(() => cp1.isBooted && cp2.isBooted, 'both booted');

  let published = 0;
  const worst = await publishGridMeter(t, url, TOPICS, VOLTAGE, () => {
    published++;
    const a = cp1.connectorCurrents(1);
    const b = cp2.connectorCurrents(1);
    return [HOUSE[0] + a[0], HOUSE[1] + a[1] + b[0], HOUSE[2] + a[2]];
  });
  const currents = () => `${cp1.connectorCurrents(1).join('/')} ${cp2.connectorCurrents(1)[0]}`;

  cp1.plugIn(1, { maxCurrentA: 16, phases: 3 });
  cp2.plugIn(1, { maxCurrentA: 32, phases: 1 });
  await cp1.startTransaction(1, 'TAG1');
  await cp2.startTransaction(1, 'TAG2');
  await eventually(() => currents() === '6/6/6 6', 'L2 shared: CP1 at 6 A on three phases, CP2 at 6 A', 30_000);

  // The switch the charge modes make for a 1-phase solar car.
  gw.app.balancer!.setPhases('CP1', 1, 1);
  await eventually(() => currents() === '12/0/0 12', 'CP1 on L1 alone at 12 A, CP2 alone on L2 at 12 A: what the fuse leaves each', 30_000);
  // 100 meter readings (10 s or more): well past the 3 s after which CP1 is counted at its
  // limit for want of a current reading.
  const from = published;
  worst.fill(-Infinity);
  const seen = new Set<string>();
  await eventually(() => {
    seen.add(currents());
    return published >= from + 100;
  }, '100 meter readings', 60_000);
  t.ok(worst.every((a) => a <= FUSE + 1e-9), `the fuse was never exceeded on any phase: worst ${worst.map((a) => a.toFixed(1)).join(' / ')} A`);
  t.same([...seen], ['12/0/0 12'], 'both cars stayed where the fuse puts them: CP2 was not given the room CP1 does not take on L2');
});
