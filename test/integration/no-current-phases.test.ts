/**
 * Chargers that send no current at all, on a site with a grid meter: once a reading would have
 * been due, each car is counted at its limit (src/balancer/draw.ts), and on the phases the plan
 * counts it on. Counted on phases it does not use, its limit would come off the meter there as
 * if it drew it: the house would look smaller than it is, and a neighbour on that phase would be
 * given the difference, for good, as every meter reading would say the same.
 *
 * The site: a 24 A supply, 4 A of house load on each phase. CP1, a 3-phase 16 A charger speaking
 * OCPP 2.0.1, whose car says it charges on one phase, 10 A at most (NotifyEVChargingNeeds
 * AC_single_phase): the plan counts it on L1 alone, and its profile says so (numberPhases 1). CP2, a 1-phase 32 A charger speaking 1.6,
 * wired to the site's L2. Neither sends a MeterValues. Both are strict ocpp-rpc peers that hold
 * what they were sent last; the grid meter (MQTT, every 100 ms) reads the house plus what they hold.
 */
import t from 'tap';
import { startBareAedes } from '../../src/mqtt/broker.js';
import { capturingLogger, eventually, startGateway } from '../helpers/gateway.js';
import { publishGridMeter } from '../helpers/mqtt.js';
import { mixedPair } from '../helpers/mixed-pair.js';

const FUSE = 24;
const HOUSE = [4, 4, 4];
const TOPICS = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];
const now = () => new Date().toISOString();

t.test("a 1-phase car on a 3-phase charger that reports no current: its limit comes off the meter on its one phase, and the other phases' room is not given away", async (t) => {
  const broker = await startBareAedes();
  t.teardown(() => broker.close());
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const log = capturingLogger('info');
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => {
      c.chargers.list[1].phaseRotation = 'L2';
      // A sample interval of 2 s: a reading (or the lack of one) counts 5 s, the meter timeout.
      c.chargers.setup = { ...c.chargers.setup, meterValueSampleInterval: 2 };
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: 230 },
        meter: { type: 'mqtt', url, topics: TOPICS, quantity: 'power' },
        failsafe: { meterTimeout: 5 },
        balancing: { responseTime: 0.2, rampInterval: 0, rampStep: 32, hysteresis: 0, recheckInterval: 0.2 },
      };
    },
  });
  const { cp1, cp2, holds } = await mixedPair(t, gw.url);
  /** Per site phase: the house, CP1's 1-phase car on L1, CP2's car on L2, each at what its charger holds. */
  const site = (): number[] => {
    const load = [...HOUSE];
    load[0]! += holds('CP1')?.limit ?? 0;
    load[1]! += holds('CP2')?.limit ?? 0;
    return load;
  };
  let published = 0;
  const worst = await publishGridMeter(t, url, TOPICS, 230, () => {
    published++;
    return site();
  });

  await cp1.call('TransactionEvent', {
    eventType: 'Started', timestamp: now(), triggerReason: 'Authorized', seqNo: 0,
    transactionInfo: { transactionId: 'no-current-1', chargingState: 'Charging' },
    evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG1', type: 'ISO14443' },
  });
  await cp1.call('NotifyEVChargingNeeds', {
    evseId: 1,
    chargingNeeds: { requestedEnergyTransfer: 'AC_single_phase', acChargingParameters: { energyAmount: 20000, evMinCurrent: 6, evMaxCurrent: 10, evMaxVoltage: 230 } },
  });
  await cp2.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: now() });

  const settled = () => holds('CP1')?.limit === 10 && holds('CP1')?.phases === 1 && holds('CP2')?.limit === FUSE - HOUSE[1]!;
  await eventually(settled, `CP1 held to 10 A on one phase, CP2 to the ${FUSE - HOUSE[1]!} A the house leaves on L2`, 30_000);
  // 100 meter readings, 10 s or more: past the 5 s after which neither counts as changing and
  // each is counted at its limit for want of a reading.
  const from = published;
  worst.fill(-Infinity);
  let left = 0;
  await eventually(() => {
    if (!settled()) left++;
    return published >= from + 100;
  }, '100 meter readings', 60_000);
  t.ok(worst.every((a) => a <= FUSE + 1e-9), `no site phase above the ${FUSE} A fuse at any meter reading: worst ${worst.map((a) => a.toFixed(1)).join(' / ')} A`);
  t.equal(left, 0, 'and the limits stayed where they were: neither car was cut by its own draw, nor raised into room that is not there');
  t.same(site(), [14, 24, 4], 'L1: the house and CP1; L2: the house and CP2; L3: the house');
  // The installer is told, once per charger, that neither sends a MeterValues (100 readings: well past the 5 s).
  const told = log.entries().filter((e) => String(e.msg).startsWith('the charger sends no MeterValues during a session'));
  t.same(told.map((e) => e.chargerId).sort(), ['CP1', 'CP2'], 'the log names each charger once, and what to set');
});
