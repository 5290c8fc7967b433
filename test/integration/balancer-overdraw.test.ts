/**
 * A charger that accepts its limit and draws more (found by the chaos soak, `npm run soak --
 * --margin 0`): it is counted at what it draws from its first reading after `responseTime`,
 * so the others make room at once, long before `overdrawSamples` readings flag it. Before, the
 * plan counted it at its limit until flagged, and the site stayed over its fuse for 10-30 s.
 * No site meter here: only the chargers' own readings can tell.
 */
import t from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { physicalCharger } from '../helpers/physical-charger.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const FUSE = 32;
const ROGUE_AMPS = 32;

t.test('a charger drawing above the limit it accepted: the others make room from its first reading, before it is flagged', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list.push({ id: 'CP3', password: 'cp3-secret-key-03', maxCurrent: 32, phases: 3 });
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3 },
        // Flagging would take 100 readings (20 s): the test is over long before.
        failsafe: { overdrawTolerance: 1, overdrawSamples: 100 },
        balancing: { responseTime: 0.5, settleTime: 1, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2 },
      };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));
  const cp1 = await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 32, meterIntervalMs: 200 });

  const rogue = await rpcCharger(t, gw.url, 'CP3', 'cp3-secret-key-03');
  const limits: number[] = [];
  rogue.handle('SetChargingProfile', ({ params }) => {
    limits.push(params.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit);
    return { status: 'Accepted' };
  });
  await rogue.call('BootNotification', bootPayload);
  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  await eventually(() => cp1.currentA(1) > 0, 'CP1 charges');
  const start = await rogue.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => limits.length > 0 && limits.at(-1)! < ROGUE_AMPS, 'the rogue accepted a share below what it will draw');
  await eventually(() => cp1.currentA(1) + ROGUE_AMPS > FUSE, 'CP1 holds its share: with the rogue at 32 A the site would be over');
  const before = cp1.currentA(1);

  // From now on it draws 32 A whatever it accepted, and says so every 200 ms.
  const rogueMeter = setInterval(() => {
    const sampledValue = ['L1', 'L2', 'L3'].map((phase) => ({ value: String(ROGUE_AMPS), measurand: 'Current.Import', phase, unit: 'A' }));
    void rogue.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue }] }).catch(() => undefined);
  }, 200);
  t.teardown(() => clearInterval(rogueMeter));

  await eventually(() => cp1.currentA(1) + ROGUE_AMPS <= FUSE, 'CP1 makes room for what the rogue draws', 8000);
  t.ok(before > cp1.currentA(1), `CP1 reduced from ${before} A to ${cp1.currentA(1)} A`);
  const rogueLine = allocations.at(-1)?.connectors.find((c) => c.chargerId === 'CP3');
  t.equal(rogueLine?.reason, 'fixed', 'the rogue is planned at what it draws');
});
