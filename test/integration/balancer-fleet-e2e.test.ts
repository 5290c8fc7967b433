/**
 * The fuse holds with real chargers as they are (issue 12): one site, a mixed fleet — two
 * chargers that follow their limits (the independent "physical" chargers of
 * test/helpers/physical-charger.ts: ocpp-rpc, their own reading of profiles, nothing shared
 * with the gateway) and simulated ones (src/sim, for its misbehaviours): one silent, one
 * answering CALLERROR, one answering Rejected, one that accepts and ignores, one that answers
 * late, one that drops the connection mid-call, one that boots late — and the physical
 * current of every charger sampled every 100 ms, mapped to the site's phases from each
 * charger's wiring (not from the gateway's own view). What the user would see: the site stays
 * within its supply except for a short reaction after an event; the compliant chargers get
 * their first limit within seconds of a start, whatever the others do; capacity returns to
 * them when the misbehaving ones stop.
 */
import t from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import type { Misbehaviour } from '../../src/sim/misbehaviour.js';
import { eventually, startGateway } from '../helpers/gateway.js';
import { physicalCharger, type PhysicalCharger } from '../helpers/physical-charger.js';

const FUSE = 80;
/** Above the fuse for at most this long: profile round trip plus a car's response, with slack for a busy CI box. */
const REACTION_MS = 2500;
/** A compliant charger's first limit after its start, at most (the issue: "within a second or two"). */
const FIRST_LIMIT_MS = 2000;
const CALL_TIMEOUT_S = 3;

interface Spec {
  id: string;
  maxCurrent: number;
  phases: 1 | 3;
  /** The gateway config's phaseRotation: the site phase of the charger's L1 (L2, L3 follow). */
  rotation: 'L1' | 'L2' | 'L3';
  misbehave?: Misbehaviour;
}

const FLEET: Spec[] = [
  { id: 'OK1', maxCurrent: 16, phases: 3, rotation: 'L1' },
  { id: 'OK2', maxCurrent: 16, phases: 1, rotation: 'L2' },
  { id: 'SILENT', maxCurrent: 8, phases: 3, rotation: 'L2', misbehave: { kind: 'silent' } },
  { id: 'CALLERR', maxCurrent: 8, phases: 3, rotation: 'L3', misbehave: { kind: 'callerror' } },
  { id: 'REJECT', maxCurrent: 8, phases: 3, rotation: 'L1', misbehave: { kind: 'reject' } },
  { id: 'IGNORE', maxCurrent: 16, phases: 3, rotation: 'L1', misbehave: { kind: 'ignore' } },
  { id: 'LATE', maxCurrent: 8, phases: 3, rotation: 'L2', misbehave: { kind: 'late', delaySeconds: CALL_TIMEOUT_S * 0.8 } },
  { id: 'DROPS', maxCurrent: 8, phases: 3, rotation: 'L3', misbehave: { kind: 'disconnect' } },
  { id: 'LATEBOOT', maxCurrent: 8, phases: 3, rotation: 'L1', misbehave: { kind: 'noboot', bootDelaySeconds: 1.5 } },
];
const PHASE_INDEX = { L1: 0, L2: 1, L3: 2 } as const;
const password = (id: string) => `${id.toLowerCase()}-secret-key-0001`;

t.test('a mixed fleet on one site: the fuse holds, the compliant chargers are served, capacity comes back', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.ocpp.callTimeout = CALL_TIMEOUT_S;
      c.ocpp.bootTimeout = 0.5;
      c.chargers.list = FLEET.map((s) => ({ id: s.id, password: password(s.id), maxCurrent: s.maxCurrent, phases: s.phases, phaseRotation: s.rotation }));
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3 },
        failsafe: { overdrawTolerance: 1, overdrawSamples: 2 },
        balancing: { settleTime: 60, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2, responseTime: 0.5, retryInterval: 1, retryMaxInterval: 4, standingInterval: 0 },
      };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));

  // The misbehaving chargers: the simulator.
  const fleet = new Map<string, SimulatedCharger>();
  for (const s of FLEET.filter((x) => x.misbehave)) {
    const c = new SimulatedCharger({
      url: gw.url, identity: s.id, password: password(s.id), phases: s.phases, maxCurrentA: s.maxCurrent, logger: silentLogger(),
      autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2' }, tickMs: 50,
      backoff: { initialMs: 200, maxMs: 1000 }, ...(s.misbehave ? { misbehave: s.misbehave } : {}),
    });
    t.teardown(() => c.stop());
    fleet.set(s.id, c);
  }
  const sim = (id: string) => fleet.get(id)!;
  // The compliant ones: independent physical chargers (connected and booted below).
  const compliant = new Map<string, PhysicalCharger>();
  const ok = (id: string) => compliant.get(id)!;

  // Physics: each charger's real current, on the site phases its wiring says.
  const samples: { at: number; site: number[] }[] = [];
  const physical = (): number[] => {
    const site = [0, 0, 0];
    for (const s of FLEET) {
      const first = PHASE_INDEX[s.rotation];
      // A physical charger not connected yet draws nothing.
      (compliant.get(s.id) ?? fleet.get(s.id))?.currents().forEach((a, i) => (site[(first + i) % 3]! += a));
    }
    return site;
  };
  const sampler = setInterval(() => samples.push({ at: Date.now(), site: physical() }), 100);
  t.teardown(() => clearInterval(sampler));

  for (const c of fleet.values()) c.start();
  await Promise.all(
    FLEET.filter((s) => !s.misbehave).map(async (s) => {
      compliant.set(s.id, await physicalCharger(t, { url: gw.url, identity: s.id, password: password(s.id), phases: s.phases, maxCurrentA: s.maxCurrent, meterIntervalMs: 200 }));
    }),
  );
  await eventually(() => [...fleet.values()].every((c) => c.isBooted || c.misbehave?.kind === 'noboot'), 'the fleet connected and booted', 10_000);

  // 1. The misbehaving chargers start charging first (the late-booting one before its boot).
  const misbehaving = FLEET.filter((s) => s.misbehave).map((s) => s.id);
  for (const id of misbehaving) sim(id).plugIn(1);
  await Promise.all(misbehaving.map((id) => sim(id).startTransaction(1, 'TAG1')));

  // 2. The compliant ones start right away, while the silent charger's first call is in flight.
  const firstLimit = (id: string) =>
    new Promise<number>((resolve) => {
      const startedAt = Date.now();
      ok(id).on('profile', (p) => {
        if (p.status === 'Accepted' && p.profile?.chargingProfilePurpose === 'TxProfile') resolve(Date.now() - startedAt);
      });
    });
  const waits = ['OK1', 'OK2'].map(firstLimit);
  ok('OK1').plugIn(1, { maxCurrentA: 32, phases: 3 });
  ok('OK2').plugIn(1, { maxCurrentA: 32, phases: 1 });
  await Promise.all([ok('OK1').startTransaction(1, 'TAG1'), ok('OK2').startTransaction(1, 'TAG2')]);
  const [ok1, ok2] = await Promise.all(waits);
  t.ok(ok1! <= FIRST_LIMIT_MS, `OK1 got its first limit ${ok1} ms after its start`);
  t.ok(ok2! <= FIRST_LIMIT_MS, `OK2 got its first limit ${ok2} ms after its start`);

  // 3. Every misbehaving charger is found out, with its reason, and counted at its maximum.
  const control = (id: string) => allocations.at(-1)?.chargers.find((c) => c.chargerId === id);
  const unruly = ['SILENT', 'CALLERR', 'REJECT', 'IGNORE', 'DROPS'];
  await eventually(() => unruly.every((id) => control(id)?.controlled === false), 'the silent, CALLERROR, rejecting, ignoring and dropping chargers uncontrolled', 15_000);
  t.match(control('SILENT')!.why, /no answer in 3 s/);
  t.match(control('CALLERR')!.why, /CALLERROR NotImplemented/);
  t.match(control('REJECT')!.why, /Rejected/);
  t.match(control('IGNORE')!.why, /draws 16 A with a limit of/);
  t.match(control('DROPS')!.why, /connection dropped|no answer/);
  const counted = (id: string) => allocations.at(-1)!.connectors.find((x) => x.chargerId === id)!.amps;
  for (const id of unruly) t.equal(counted(id), FLEET.find((s) => s.id === id)!.maxCurrent, `${id} counted at its maximum`);
  await eventually(() => control('LATEBOOT')?.controlled === true && sim('LATEBOOT').isBooted, 'the late booter booted and is controlled', 10_000);
  await eventually(() => sim('LATE').profiles().some((p) => p.profile.chargingProfilePurpose === 'TxProfile'), 'the late charger took its limit', 10_000);
  t.equal(control('LATE')?.controlled, true, 'a late answer within the call timeout is an answer');

  // 4. The compliant chargers keep charging within what is left.
  await eventually(() => ok('OK1').currentA(1) >= 6 && ok('OK2').currentA(1) >= 6, 'both compliant cars charging');

  // 5. The misbehaving ones stop: capacity returns to the compliant ones.
  for (const id of misbehaving) await sim(id).stopTransaction(1, 'Local');
  for (const id of misbehaving) await sim(id).unplug(1);
  await Promise.all(misbehaving.map((id) => sim(id).whenQueueEmpty()));
  await eventually(() => ok('OK1').currentA(1) >= 16 - 1e-9 && ok('OK2').currentA(1) >= 16 - 1e-9, 'the compliant cars at their 16 A maximum again', 15_000);
  // Idle, they draw nothing and are no longer counted as charging at their maximum.
  const reason = (id: string) => allocations.at(-1)!.connectors.find((x) => x.chargerId === id)!.reason;
  await eventually(() => unruly.every((id) => !(reason(id) === 'fixed' && counted(id) > 0)), 'the stopped chargers no longer counted as charging');
  for (const id of unruly) t.pass(`${id}: ${counted(id)} A ${reason(id)}`);
  t.equal(control('IGNORE')?.controlled, true, 'the overdraw flag ended with its session');

  // Over the whole run: above the supply only for the reaction time after an event.
  clearInterval(sampler);
  let overSince: number | undefined;
  let longest = 0;
  let peak = 0;
  for (const s of samples) {
    const worst = Math.max(...s.site);
    peak = Math.max(peak, worst);
    if (worst > FUSE + 1e-9) overSince ??= s.at;
    else overSince = undefined;
    if (overSince !== undefined) longest = Math.max(longest, s.at - overSince);
  }
  t.ok(samples.length > 20, `${samples.length} samples of the site's phases`);
  t.ok(longest <= REACTION_MS, `longest stretch above ${FUSE} A: ${longest} ms (≤ ${REACTION_MS} ms); peak ${peak.toFixed(1)} A`);
  t.same([...compliant.values()].flatMap((c) => c.validationFailures), [], 'every frame chargegate sent the compliant chargers passed ocpp-rpc\'s schema check');
});
