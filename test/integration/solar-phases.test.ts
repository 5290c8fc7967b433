/**
 * 1-phase ↔ 3-phase switching end to end: a home with a 3 × 16 A fuse whose house takes 13.5 A
 * on L1, a 3-phase PV inverter, the grid meter in MQTT (signed W per phase, import positive,
 * published by the test every 100 ms from the house, the car and the sun), and the product's
 * simulated charger (src/sim), configured with `phaseSwitching: numberPhases`: it charges its
 * car on as many phases as its profile's numberPhases allows (OCPP 1.6 §7.13).
 *
 * What the user sees: with plenty of sun the car charges on three phases; when the surplus
 * falls below the 3-phase minimum (3 × 6 A) the charger gets a profile with numberPhases 1 after
 * phaseSwitchDelay and the car draws on L1 alone, held by the fuse below what the surplus would
 * give; with more sun it goes back to three. The API and MQTT say which. The net current on
 * every site phase, sampled at every meter reading, never exceeds the fuse.
 */
import t from 'tap';
import { startBareAedes } from '../../src/mqtt/broker.js';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient, publishGridMeter } from '../helpers/mqtt.js';
import { discoveryProblems, haConfig, stateProblem } from '../helpers/ha-discovery.js';

const FUSE = 16;
const VOLTAGE = 230;
const HOUSE: [number, number, number] = [13.5, 0, 0];
const SWITCH_DELAY_S = 1;
const TOPICS = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];
const CP1 = 'chargegate/chargers/CP1';

t.test('a falling surplus switches the car to one phase, more sun back to three; the fuse wins', async (t) => {
  t.setTimeout(240_000);
  const meterBroker = await startBareAedes();
  t.teardown(() => meterBroker.close());
  const url = `mqtt://127.0.0.1:${meterBroker.port}`;
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list = c.chargers.list.map((x: (typeof c.chargers.list)[number]) => (x.id === 'CP1' ? { ...x, maxCurrent: 32, phaseSwitching: 'numberPhases' as const } : x));
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0 };
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: VOLTAGE },
        meter: { type: 'mqtt', url, topics: TOPICS, quantity: 'power' },
        failsafe: { meterTimeout: 2 },
        balancing: { settleTime: 60, responseTime: 2, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2, standingInterval: 0 },
        solar: { defaultMode: 'solar', startDelay: 0, stopDelay: 60, phaseSwitchDelay: SWITCH_DELAY_S },
      };
    },
  });
  const cp1 = new SimulatedCharger({
    url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 32, logger: silentLogger(),
    autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2' }, tickMs: 50,
  });
  t.teardown(() => cp1.stop());
  cp1.start();
  await eventually(() => cp1.isBooted, 'CP1 booted');

  // The meter: the house and the car, minus the sun spread over three phases; W per phase.
  let pvW = 0;
  const net = (): [number, number, number] => {
    const car = cp1.connectorCurrents(1);
    return [0, 1, 2].map((p) => HOUSE[p]! + car[p]! - pvW / VOLTAGE / 3) as [number, number, number];
  };
  const worst = await publishGridMeter(t, url, TOPICS, VOLTAGE, net);

  const ha = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`);
  await ha.subscribe(`${CP1}/connectors/1/phases`);
  await ha.subscribe('homeassistant/sensor/chargegate_CP1/c1_phases/config');
  const limit = async () => (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json.connectors.find((c: any) => c.connectorId === 1).limit;
  const mode = async () => (await api(gw.httpUrl, '/api/site/modes', { token: TOKENS.read })).json.connectors.find((c: any) => c.chargerId === 'CP1' && c.connectorId === 1);
  // The live limit: its TxProfile, or its TxDefaultProfile where the charger refused that (as
  // the sim may for a transaction it has not confirmed yet).
  const numberPhases = () => {
    const on1 = cp1.profiles().filter((p) => p.connectorId === 1);
    const live = on1.find((p) => p.profile.chargingProfilePurpose === 'TxProfile') ?? on1.find((p) => p.profile.chargingProfilePurpose === 'TxDefaultProfile');
    return live?.profile.chargingSchedule.chargingSchedulePeriod[0]?.numberPhases;
  };
  const currents = () => cp1.connectorCurrents(1).join('/');

  // 9 kW of sun (13 A per phase): the surplus is 39 − 13.5 = 25.5 A, 8 A on each of three phases.
  pvW = 9000;
  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  await eventually(() => currents() === '8/8/8', 'three phases at 8 A', 20_000);
  await eventually(async () => (await mode()).phases === 3, 'the mode says three phases');
  t.equal((await ha.waitFor(`${CP1}/connectors/1/phases`, (p) => p === '3')).payload, '3', 'MQTT says 3');
  // Home Assistant's "Phases in use" sensor (phaseSwitching) reads that topic.
  const phasesSensor = haConfig((await ha.waitFor('homeassistant/sensor/chargegate_CP1/c1_phases/config')).payload);
  t.strictSame(discoveryProblems('sensor', phasesSensor), [], 'the phases sensor is one Home Assistant accepts');
  t.equal(phasesSensor.state_topic, `${CP1}/connectors/1/phases`);
  t.equal(stateProblem('sensor', phasesSensor, '3'), undefined, 'it shows 3');

  // 6.9 kW (10 A per phase): 30 − 13.5 = 16.5 A, 5.5 A on three phases, below the minimum of 6.
  // On one phase it would be 16 A, but L1 has 16 − 13.5 + 10 = 12.5 A left: the fuse gives 12.
  pvW = 6900;
  const fellAt = Date.now();
  await eventually(() => numberPhases() === 1, 'the charger gets a profile with numberPhases 1', 20_000);
  const after = Date.now() - fellAt;
  // The gateway's hold starts at the balancer tick that first sees the lower surplus, on its own
  // clock: one recheck interval (0.2 s) is the slack between that and this test's clock. Without
  // the hold the switch would come within about that interval; the exact delay is unit-tested
  // with the clock passed in (test/unit/balancer/phase-switch.test.ts).
  t.ok(after >= SWITCH_DELAY_S * 1000 - 250, `switched ${after} ms after the surplus fell, not before phaseSwitchDelay (less a tick)`);
  await eventually(() => currents() === '12/0/0', 'the car draws on L1 alone, 12 A: what the fuse leaves', 20_000);
  await eventually(async () => (await mode()).cap === 16, 'the mode asks for the 16 A of surplus');
  // The API's plan is waited for, not read once: right after a raise the meter can read the car
  // at its new current before the car's own MeterValues say so, and the balancer then takes the
  // difference for other load and holds the car lower for a moment (estimateOtherLoad keeps the
  // higher estimate while a limit is in transition: the fuse's side). Seen on a loaded box: 10 A.
  let one: any;
  await eventually(async () => (one = await limit()).plannedA === 12, 'the API plans the 12 A the fuse leaves');
  t.match(one, { numberPhases: 1, phases: ['L1'], plannedA: 12 }, 'the API: one phase, L1, 12 A');
  await eventually(() => worst[0]! > 15.4, 'the meter read L1 at 13.5 + 12 − 10 = 15.5 A: close to the fuse, not above');
  t.match((await mode()).why, /on 1 phase/);
  await ha.waitFor(`${CP1}/connectors/1/phases`, (p) => p === '1');

  // 11.5 kW (16.7 A per phase): 50 − 13.5 = 36.5 A, 12 A on three phases: back to three.
  pvW = 11_500;
  await eventually(() => numberPhases() === 3, 'a profile with numberPhases 3', 20_000);
  await eventually(() => currents() === '12/12/12', 'three phases at 12 A', 20_000);
  t.match(await limit(), { numberPhases: 3, phases: ['L1', 'L2', 'L3'] });
  await ha.waitFor(`${CP1}/connectors/1/phases`, (p) => p === '3');

  t.ok(worst.every((a) => a <= FUSE + 1e-9), `the fuse was never exceeded on any phase: worst ${worst.map((a) => a.toFixed(1)).join(' / ')} A`);
});
