/**
 * A late MeterValues never hands out room that is not there. A charger's readings can arrive
 * well after they were taken (a slow link, a loaded box, an offline backlog sent in order after a
 * reconnect, OCPP 1.6 §3.7). The balancer pairs each grid meter reading with what the chargers'
 * cars draw, and takes the rest for the house: a car's reading that is higher than what it
 * really draws makes the house look smaller than it is.
 *
 * Seen on a loaded box (solar-phases): a car cut to 0 A, then a reading of its old 8 A arriving
 * after its response time, paired with the meter: the house looked 8 A smaller, and the car got
 * 16 A on a phase where 15.5 A were left. A charger that takes its limits is now counted at no
 * more than its limit when paired with the meter (src/balancer/draw.ts).
 *
 * Real parts: the gateway, an independent charger (ocpp-rpc, strict) whose MeterValues the test
 * sends when it wants, and the grid meter on a real MQTT broker (a bare aedes on 127.0.0.1).
 */
import t from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { startBareAedes } from '../../src/mqtt/broker.js';
import { eventually, startGateway } from '../helpers/gateway.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const FUSE = 16;
const RESPONSE_S = 0.1;
const HOUSE_L1 = 0.5;

t.test('a reading of the old current after a cut, arriving late: the house is not made smaller by it', async (t) => {
  const broker = await startBareAedes();
  t.teardown(() => broker.close());
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list = c.chargers.list.map((x: (typeof c.chargers.list)[number]) => (x.id === 'CP1' ? { ...x, maxCurrent: 32 } : x));
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: 230 },
        meter: { type: 'mqtt', url, topic: 'home/grid', fields: ['l1', 'l2', 'l3'] },
        failsafe: { meterTimeout: 60 },
        balancing: { settleTime: 60, responseTime: RESPONSE_S, rampInterval: 0, rampStep: 32, hysteresis: 0, recheckInterval: 0.2, standingInterval: 0 },
      };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));
  const cp1Allocation = () => allocations.at(-1)?.connectors.find((c) => c.chargerId === 'CP1');

  const meter = await connectClient(t, url);
  let readings = 0;
  gw.app.events.on('site.state', (e) => void (e.grid && readings++));
  /** One grid meter reading, waited for until the gateway has it. */
  const reading = async (l1: number, l2: number, l3: number) => {
    const before = readings;
    await meter.publish('home/grid', JSON.stringify({ l1, l2, l3 }));
    await eventually(() => readings > before, 'the gateway read the meter');
  };

  const cp = await rpcCharger(t, gw.url, 'CP1', 'cp1-secret-key-01');
  // The car's live limits: its TxProfiles (the TxDefaultProfile under them is the next car's).
  const limits: number[] = [];
  cp.handle('SetChargingProfile', ({ params }) => {
    const p = params.csChargingProfiles;
    if (p.chargingProfilePurpose === 'TxProfile') limits.push(p.chargingSchedule.chargingSchedulePeriod[0].limit);
    return { status: 'Accepted' };
  });
  cp.handle('ChangeAvailability', () => ({ status: 'Accepted' }));
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
  let meterValuesSeen = 0;
  gw.app.events.on('meter.values', (e) => void (e.chargerId === 'CP1' && meterValuesSeen++));
  /** The car's MeterValues: Current.Import on each phase, waited for until the balancer has it. */
  const carReports = async (amps: number) => {
    const before = meterValuesSeen;
    const sampledValue = ['L1', 'L2', 'L3'].map((phase) => ({ value: String(amps), measurand: 'Current.Import', phase, unit: 'A' }));
    await cp.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue }] });
    await eventually(() => meterValuesSeen > before, 'the gateway took the MeterValues');
  };

  // Charging at 8 A, the meter seeing the house and the car.
  await reading(HOUSE_L1, 0, 0);
  await eventually(() => cp1Allocation()?.active === true && cp1Allocation()!.accepted !== undefined, 'the car charging under a limit it accepted');
  await carReports(8);
  await reading(HOUSE_L1 + 8, 8, 8);

  // Paused by a cap of 0 A; the car stops at once.
  gw.app.balancer!.setCap('CP1', 1, 0, 'mqtt');
  await eventually(() => cp1Allocation()?.accepted === 0 && limits.at(-1) === 0, 'the pause accepted by the charger');
  await reading(HOUSE_L1, 0, 0);
  // A minimum, not a race: the late reading must come after the car's response time (0.1 s).
  await new Promise((r) => setTimeout(r, RESPONSE_S * 1000 + 100));

  // Its reading of the old 8 A arrives now, late; then a meter reading (the house alone), then
  // the car's true 0 A. The cap is lifted: the car may have what is left on L1.
  await carReports(8);
  await reading(HOUSE_L1, 0, 0);
  await carReports(0);
  const from = allocations.length;
  gw.app.balancer!.setCap('CP1', 1, null, 'mqtt');
  const offered = () => allocations.slice(from).map((a) => a.connectors.find((c) => c.chargerId === 'CP1')!.amps);
  await eventually(() => (cp1Allocation()?.amps ?? 0) >= FUSE - HOUSE_L1 - 1, 'the car given what is left on L1 (15 A in whole amps)');
  t.ok(Math.max(...offered()) <= FUSE - HOUSE_L1, `never more than the ${FUSE - HOUSE_L1} A left on L1: offered ${offered().join(' → ')} A (${cp1Allocation()!.reason})`);
  await eventually(() => limits.at(-1) === cp1Allocation()!.amps, 'the charger gets that limit');
});
