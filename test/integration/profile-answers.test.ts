/**
 * How a charger answers a SetChargingProfile, as real ones do: in another spelling
 * (`"accepted"`), with a property 1.6 does not know, as broken JSON (Grizzl-E answers
 * GetConfiguration so), or cut short. The charger applied the limit in every case: what counts
 * is what chargegate believes of it.
 *
 * - Lenient (the default): an answer the safe repairs make valid is the answer, counted as a
 *   leniency; the charger is balanced like any other.
 * - An answer that cannot be read is no refusal: the limit may be in force. Read as a refusal
 *   (as a CALLERROR), a first TxProfile the charger took was forgotten, and a later cut through
 *   the TxDefaultProfile changed nothing at the car.
 * - An unreadable answer fails its call at once, not at the call timeout (10 minutes here).
 *
 * Real parts: the gateway, two independent ocpp-rpc chargers (test/helpers/physical-charger.ts)
 * that follow the profiles they installed and report every second; no grid meter. The fuse is
 * checked from the chargers' own clamp currents.
 */
import t, { type Test } from 'tap';
import { capturingLogger, eventually, type RunningGateway } from '../helpers/gateway.js';
import type { PhysicalCharger } from '../helpers/physical-charger.js';
import { FUSE, moreReadings, startCharging, twoChargerSite, watchSum } from '../helpers/two-chargers.js';

/** The two-charger site (test/helpers/two-chargers.ts), CP1 checked `validation`; a call timeout of 600 s. */
async function site(t: Test, validation: 'lenient' | 'strict') {
  const log = capturingLogger('info');
  const { gw, cp1, cp2 } = await twoChargerSite(t, { logger: log.logger, callTimeout: 600, cp1: { validation }, balancing: { retryInterval: 1, retryMaxInterval: 1 } });
  const leniencies: { kind: string; action?: string; detail: string }[] = [];
  gw.app.events.on('ocpp.leniency', (e) => e.chargerId === 'CP1' && leniencies.push(e));
  const results: string[] = [];
  gw.app.events.on('balancer.profile', (e) => e.chargerId === 'CP1' && results.push(e.result));
  return { log, gw, cp1, cp2, leniencies, results };
}

function controlOf(gw: RunningGateway, chargerId: string) {
  return gw.app.balancer!.control().find((c) => c.chargerId === chargerId);
}

async function bothCharging(cp1: PhysicalCharger, cp2: PhysicalCharger): Promise<void> {
  await startCharging(cp1, 'TAG1');
  await startCharging(cp2, 'TAG2');
}

const repairable: Record<string, { answer: (status: string, id: string) => string; kind: string }> = {
  'in another spelling ("accepted")': { answer: (status, id) => JSON.stringify([3, id, { status: status.toLowerCase() }]), kind: 'enum-mapped' },
  'with a property OCPP 1.6 does not know (a 2.0.1 statusInfo)': { answer: (status, id) => JSON.stringify([3, id, { status, statusInfo: { reasonCode: 'NoError' } }]), kind: 'unknown-property' },
};

for (const [how, { answer, kind }] of Object.entries(repairable)) {
  t.test(`a lenient charger that answers SetChargingProfile ${how} is balanced like any other`, async (t) => {
    const { gw, cp1, cp2, leniencies, results } = await site(t, 'lenient');
    cp1.answerProfileAs = answer;
    const sum = watchSum(t, cp1, cp2);
    await bothCharging(cp1, cp2);
    await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'the fuse shared: 16 A each', 30_000);
    sum.stop();
    t.ok(sum.worst() <= FUSE + 1e-9, `within the ${FUSE} A fuse: worst ${sum.worst()} A`);
    t.notOk(results.some((r) => r !== 'accepted'), `every limit CP1 was sent counts as accepted (${results.join(', ')})`);
    t.match(leniencies, [{ kind, action: 'SetChargingProfile.conf', detail: /^in its answer/ }], 'the deviation is counted as a leniency of its answer');
    t.equal(controlOf(gw, 'CP1')?.controlled, true, 'CP1 is controlled');
  });
}

t.test('a charger that answers every limit with broken JSON (and applies it) is not controlled, counted at its maximum, at once; the fuse holds', async (t) => {
  const { gw, cp1, cp2, results } = await site(t, 'lenient');
  cp1.answerProfileAs = (status, id) => `[3,"${id}",{"status":"${status}"`;
  const sum = watchSum(t, cp1, cp2);
  await bothCharging(cp1, cp2);
  // A call timeout of 600 s: an answer read only at its timeout would not come within this wait.
  await eventually(() => results.includes('unreadable'), 'the broken answer is read as unreadable, long before the call timeout', 30_000);
  await eventually(() => controlOf(gw, 'CP1')?.controlled === false, 'CP1 not controlled', 30_000);
  t.match(controlOf(gw, 'CP1')?.why, /cannot be read/, 'and why');
  await moreReadings(gw, 6);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `within the ${FUSE} A fuse: worst ${sum.worst()} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
  t.equal(cp2.currentA(1), 0, 'CP1 counted at its 32 A: CP2 waits');
});

t.test('a strict charger whose answer to its first TxProfile cannot be read (it took it): the TxProfile counts as possibly installed, and a later cut holds', async (t) => {
  // Strict: "accepted" is not repaired. Only the first TxProfile's answer is garbled.
  const { gw, cp1, cp2, results } = await site(t, 'strict');
  let garbled = false;
  cp1.answerProfileAs = (status, id) => {
    if (garbled || cp1.profiles().every((i) => i.profile.chargingProfilePurpose !== 'TxProfile')) return undefined;
    garbled = true;
    return JSON.stringify([3, id, { status: status.toLowerCase() }]);
  };
  const sum = watchSum(t, cp1, cp2);
  await startCharging(cp1, 'TAG1');
  await eventually(() => garbled, 'CP1 garbled the answer to its TxProfile', 30_000);
  await eventually(() => cp1.currentA(1) === FUSE, 'CP1 alone at the whole fuse', 30_000);
  await startCharging(cp2, 'TAG2');
  await moreReadings(gw, 6);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `within the ${FUSE} A fuse: worst ${sum.worst()} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
  t.ok(results.includes('unreadable'), 'the garbled answer was read as unreadable');
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'CP1 controlled again: 16 A each', 30_000);
});
