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
import { capturingLogger, eventually, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { physicalCharger, type PhysicalCharger } from '../helpers/physical-charger.js';

const FUSE = 32;

async function site(t: Test, validation: 'lenient' | 'strict') {
  const log = capturingLogger('info');
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => {
      c.ocpp.callTimeout = 600;
      c.chargers.list = c.chargers.list.map((x: (typeof c.chargers.list)[number]) => ({ ...x, maxCurrent: 32, phases: 3, phaseRotation: 'L1L2L3', ...(x.id === 'CP1' ? { validation } : {}) }));
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: 230 },
        balancing: { responseTime: 0.2, rampInterval: 0, rampStep: 32, hysteresis: 0, recheckInterval: 0.2, retryInterval: 1, retryMaxInterval: 1 },
      };
    },
  });
  const leniencies: { kind: string; action?: string; detail: string }[] = [];
  gw.app.events.on('ocpp.leniency', (e) => e.chargerId === 'CP1' && leniencies.push(e));
  const results: string[] = [];
  gw.app.events.on('balancer.profile', (e) => e.chargerId === 'CP1' && results.push(e.result));
  const opts = { url: gw.url, phases: 3 as const, maxCurrentA: 32, meterIntervalMs: 1000 };
  const cp1 = await physicalCharger(t, { ...opts, identity: 'CP1', password: PASSWORDS.CP1 });
  const cp2 = await physicalCharger(t, { ...opts, identity: 'CP2', password: PASSWORDS.CP2 });
  return { log, gw, cp1, cp2, leniencies, results };
}

/** The worst sum of both chargers' currents, sampled every 10 ms until stop(). */
function watchSum(t: Test, cp1: PhysicalCharger, cp2: PhysicalCharger): { worst: () => number; stop: () => void } {
  let worst = 0;
  const watch = setInterval(() => (worst = Math.max(worst, cp1.currentA(1) + cp2.currentA(1))), 10);
  t.teardown(() => clearInterval(watch));
  return { worst: () => worst, stop: () => clearInterval(watch) };
}

function controlOf(gw: RunningGateway, chargerId: string) {
  return gw.app.balancer!.control().find((c) => c.chargerId === chargerId);
}

async function bothCharging(cp1: PhysicalCharger, cp2: PhysicalCharger): Promise<void> {
  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  cp2.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp2.startTransaction(1, 'TAG2');
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
  let readings = 0;
  gw.app.events.on('meter.values', () => readings++);
  await eventually(() => readings >= 6, 'six readings', 30_000);
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
  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  await eventually(() => garbled, 'CP1 garbled the answer to its TxProfile', 30_000);
  await eventually(() => cp1.currentA(1) === FUSE, 'CP1 alone at the whole fuse', 30_000);
  cp2.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp2.startTransaction(1, 'TAG2');
  let readings = 0;
  gw.app.events.on('meter.values', () => readings++);
  await eventually(() => readings >= 6, 'six readings', 30_000);
  sum.stop();
  t.ok(sum.worst() <= FUSE + 1e-9, `within the ${FUSE} A fuse: worst ${sum.worst()} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
  t.ok(results.includes('unreadable'), 'the garbled answer was read as unreadable');
  await eventually(() => cp1.currentA(1) === 16 && cp2.currentA(1) === 16, 'CP1 controlled again: 16 A each', 30_000);
});
