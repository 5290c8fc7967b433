/**
 * The balancer's loop on a large site (300 chargers) under a stream of readings: its runs are
 * paced by their cost (src/balancer/pacing.ts), so it runs far fewer times than readings
 * arrive, yet it sees every reading, keeps the limits the chargers took within the supply, and
 * an overdraw still lowers the others' limits within the pacing bound. A change of who may
 * draw what (a car that pauses) is paced at the shorter change pace, and brings forward the
 * run a reading waits for.
 *
 * The loop gets the real registry and event bus, a gateway whose chargers take every profile
 * (answered in the next turn, like a socket), and a process clock the test sets: a run "costs"
 * what the test says, so the pacing is the test's fact, not the box's load.
 */
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { createBalancer } from '../../../src/balancer/loop.js';
import { siteModel } from '../../../src/balancer/site.js';
import { parseConfig } from '../../../src/config/load.js';
import { EventBus, type AllocationChanged } from '../../../src/events.js';
import type { Gateway } from '../../../src/gateway/gateway.js';
import { Registry } from '../../../src/gateway/registry.js';
import { silentLogger } from '../../../src/log.js';
import type { SetChargingProfileRequest } from '../../../src/ocpp/v16/types.js';
import type { MeterSample, SessionRecord, Store } from '../../../src/store/ports.js';
import { baseConfig, eventually } from '../../helpers/gateway.js';

const CHARGERS = 300;
const SUPPLY = 2400;
/** site.balancing.responseTime 1 s: the pacing bound is a tenth of it. */
const BOUND_MS = 100;
const ids = Array.from({ length: CHARGERS }, (_, i) => `C${String(i + 1).padStart(3, '0')}`);

function setup(t: Test, responseTime = 1, balancing: Record<string, number> = {}) {
  const dir = t.testdir();
  const raw = baseConfig(dir) as Record<string, any>;
  raw.chargers.list = ids.map((id) => ({ id, password: `${id.toLowerCase()}-secret-key-0001`, maxCurrent: 16, phases: 3 }));
  raw.site = {
    supply: { maxCurrent: SUPPLY, phases: 3 },
    balancing: { rampInterval: 0, rampStep: 32, hysteresis: 0.5, recheckInterval: 600, responseTime, standingInterval: 0, ...balancing },
  };
  const config = parseConfig(stringify(raw), { env: {}, baseDir: dir });
  const events = new EventBus();
  const registry = new Registry();
  let skew = 0;
  const at = () => new Date(Date.now() + skew).toISOString();
  for (const id of ids) {
    const live = registry.ensure(id);
    live.online = true;
    live.booted = true;
    live.connectors.set(1, { chargerId: id, connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: at() });
  }
  /** Per charger, the limits it took by purpose: what it holds its car to. */
  const took = new Map<string, { tx?: number; txDefault?: number }>();
  const sent: { chargerId: string; limit: number; at: number }[] = [];
  const commands = {
    SetChargingProfile(chargerId: string, req: SetChargingProfileRequest) {
      const p = req.csChargingProfiles;
      const limit = p.chargingSchedule.chargingSchedulePeriod[0]!.limit;
      sent.push({ chargerId, limit, at: performance.now() });
      return new Promise((resolve) =>
        setImmediate(() => {
          const held = took.get(chargerId) ?? {};
          if (p.chargingProfilePurpose === 'TxProfile') held.tx = limit;
          else held.txDefault = limit;
          took.set(chargerId, held);
          resolve({ status: 'Accepted' });
        }),
      );
    },
    ChangeAvailability: () => Promise.resolve({ status: 'Accepted' }),
  } as unknown as Gateway['commands'];
  const store = {
    meta: { get: () => undefined, set: () => undefined },
    sessions: { list: () => [] },
    durably: (f: () => unknown) => Promise.resolve(f()),
  } as unknown as Store;
  let costPerRun = 0;
  let processMs = 0;
  let clockReads = 0;
  const balancer = createBalancer({
    config,
    site: siteModel(config)!,
    events,
    gateway: { registry, limitCommands: commands },
    store,
    logger: silentLogger(),
    now: () => new Date(Date.now() + skew),
    // Read once as a run begins and once as it ends: the run costs costPerRun.
    processMs: () => {
      clockReads++;
      processMs += costPerRun / 2;
      return processMs;
    },
  });
  t.teardown(() => balancer.stop());
  const allocations: AllocationChanged[] = [];
  events.on('allocation.changed', (a) => allocations.push(a));
  const reading = (chargerId: string, amps: number | readonly [number, number, number]) => {
    const per = typeof amps === 'number' ? [amps, amps, amps] : amps;
    const samples: MeterSample[] = ['L1', 'L2', 'L3'].map((phase, i) => ({ chargerId, connectorId: 1, timestamp: at(), value: String(per[i]), measurand: 'Current.Import', phase, unit: 'A' }));
    events.emit('meter.values', { chargerId, connectorId: 1, samples });
  };
  /** The limit each charger holds its car to: its TxProfile's, else its TxDefaultProfile's. */
  const held = (id: string) => took.get(id)?.tx ?? took.get(id)?.txDefault ?? 0;
  const heldSum = () => ids.reduce((sum, id) => sum + held(id), 0);
  return {
    balancer, events, allocations, sent, took, reading, held, heldSum,
    status(chargerId: string, status: string) {
      const state = { chargerId, connectorId: 1, status, errorCode: 'NoError', timestamp: at() };
      registry.ensure(chargerId).connectors.set(1, state);
      events.emit('connector.status', state);
    },
    runs: () => clockReads / 2,
    setCost: (ms: number) => void (costPerRun = ms),
    skewBy: (ms: number) => void (skew += ms),
    startSessions() {
      ids.forEach((chargerId, i) => {
        const s: SessionRecord = { chargerId, connectorId: 1, idTag: 'TAG1', startedAt: at(), meterStart: 0, authStatus: 'Accepted', receivedAt: at(), transactionId: i + 1, state: 'active' };
        events.emit('session.starting', s);
        events.emit('session.started', s);
      });
    },
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

t.test('a large site under a stream of readings: fewer runs than readings, every reading seen, the fuse kept, an overdraw answered within the bound', async (t) => {
  const site = setup(t);
  site.balancer.start();
  site.startSessions();
  await eventually(() => site.took.size === CHARGERS && [...site.took.values()].every((h) => h.tx !== undefined), 'every session has its TxProfile');
  const share = site.held('C001');
  t.ok(share >= 6 && share <= 8, `each car gets its share of the supply (${share} A)`);
  t.ok(site.heldSum() <= SUPPLY, `the limits taken add up to ${site.heldSum()} A of the ${SUPPLY} A supply`);

  // A run on this site now costs 5 ms of the process's time (four runs in a row: typicalCost):
  // the next waits about 95 ms.
  site.setCost(5);
  for (let i = 0; i < 4; i++) await site.balancer.reconcile();
  const runsBefore = site.runs();
  const publishedBefore = site.allocations.length;
  const drawn = (i: number) => 5 + (i % 10) / 10;
  // One reading per turn of the event loop, as 300 chargers' MeterValues arrive.
  for (let i = 0; i < CHARGERS; i++) {
    site.reading(ids[i]!, drawn(i));
    await turn();
  }

  // The run after the last reading: every connector's reading is in what it published.
  await eventually(() => {
    const last = site.allocations.at(-1)!;
    return ids.every((id, i) => last.connectors.find((c) => c.chargerId === id)?.measured === drawn(i));
  }, 'every reading is in the allocation');
  const runs = site.runs() - runsBefore;
  // Each run publishes (every reading changes a connector's measured current): what listeners see.
  const published = site.allocations.length - publishedBefore;
  t.ok(runs >= 1 && runs < CHARGERS / 5, `${CHARGERS} readings, each in its own turn, gave ${runs} runs (one per reading without pacing)`);
  t.ok(published < CHARGERS / 5, `${published} allocations published for ${CHARGERS} readings`);
  t.pass('every one of the 300 readings reached the balancer');
  t.ok(site.heldSum() <= SUPPLY, `the limits taken still add up to ${site.heldSum()} A of the ${SUPPLY} A supply`);

  // A run that cost 10 s (a stalled box): unbounded, the next would wait 390 s.
  site.setCost(10_000);
  for (let i = 0; i < 4; i++) await site.balancer.reconcile();
  // The cars had their response time to follow their limits; then C001 draws its maximum.
  site.skewBy(2_000);
  const before = new Map(ids.map((id) => [id, site.held(id)]));
  const sentBefore = site.sent.length;
  const readAt = performance.now();
  site.reading('C001', 16);
  await eventually(() => site.sent.slice(sentBefore).some((s) => s.chargerId !== 'C001' && s.limit < before.get(s.chargerId)!), 'the others get lower limits');
  const first = site.sent.slice(sentBefore).find((s) => s.chargerId !== 'C001' && s.limit < before.get(s.chargerId)!)!;
  const waited = first.at - readAt;
  // The bound is 100 ms; a busy box's timers fire late, but nowhere near the 390 s of a pace without it.
  t.ok(waited < BOUND_MS + 900, `the first decrease went out ${Math.round(waited)} ms after the overdraw reading (bound ${BOUND_MS} ms)`);
  await eventually(() => 16 + ids.filter((id) => id !== 'C001').reduce((sum, id) => sum + site.held(id), 0) <= SUPPLY, 'room made for the overdraw');
  t.pass('C001 counted at the 16 A it draws: the others took limits that fit the supply with it');
});

t.test('a small site is not paced: each reading gets its run in the next turn, as before', async (t) => {
  const site = setup(t);
  site.balancer.start();
  site.startSessions();
  await eventually(() => site.took.size === CHARGERS, 'every charger has a limit');
  site.setCost(0.2);
  for (let i = 0; i < 4; i++) await site.balancer.reconcile();
  const runsBefore = site.runs();
  const publishedBefore = site.allocations.length;
  for (let i = 0; i < 20; i++) {
    site.reading(ids[i]!, 5);
    await turn();
  }
  t.equal(site.runs() - runsBefore, 20, 'a run per reading: cheap runs are never delayed');
  t.equal(site.allocations.length - publishedBefore, 20, 'and an allocation published for each');
});

/**
 * Which comes first after the event: the balancer's next published allocation, or a timer of
 * the test set in the same turn for `sentinelMs`. Node fires due timers in the order they fall
 * due, also on a box that woke late: the answer does not depend on the box's speed.
 */
async function firstAfter(site: ReturnType<typeof setup>, sentinelMs: number, emit: () => void): Promise<'run' | 'sentinel'> {
  let first: 'run' | 'sentinel' | undefined;
  // Heard as it is published (in the run), not when the test next looks.
  const off = site.events.on('allocation.changed', () => void (first ??= 'run'));
  emit();
  const sentinel = setTimeout(() => void (first ??= 'sentinel'), sentinelMs);
  try {
    await eventually(() => first !== undefined, 'a run or the sentinel');
  } finally {
    clearTimeout(sentinel);
    off();
  }
  return first!;
}

/**
 * Nothing scheduled, nothing in flight, then four runs of the cost set (typicalCost) that send
 * nothing: what follows is paced from the last of them alone.
 */
async function settled(site: ReturnType<typeof setup>): Promise<void> {
  await eventually(() => !site.balancer.busy(), 'the balancer is done with what came before');
  for (let i = 0; i < 4; i++) await site.balancer.reconcile();
  if (site.balancer.busy()) throw new Error('a run sent orders: the site was not settled');
}

t.test('a change is decided at the change pace: it brings forward the run a stream of readings waits for', async (t) => {
  // responseTime 10 s: the bound is 250 ms. Runs cost 10 ms: a reading waits min(250, 390) =
  // 250 ms, a change (25 % of a core) 30 ms. The sentinel falls between them, at 150 ms.
  const site = setup(t, 10);
  site.balancer.start();
  site.startSessions();
  await eventually(() => site.took.size === CHARGERS, 'every charger has a limit');
  site.setCost(10);
  await settled(site);

  t.equal(await firstAfter(site, 150, () => site.reading('C001', 5.5)), 'sentinel', 'a reading after an expensive run waits the reading pace');
  await eventually(() => site.allocations.at(-1)!.connectors.find((c) => c.chargerId === 'C001')?.measured === 5.5, 'the reading is in a later run');

  await settled(site);
  const order = await firstAfter(site, 150, () => {
    site.reading('C002', 5.5);
    // The car on C003 pauses: a change, in the same turn as the reading that waits.
    site.status('C003', 'SuspendedEV');
  });
  t.equal(order, 'run', 'a car that pauses is decided at the change pace, before the sentinel');
  const last = site.allocations.at(-1)!;
  t.equal(last.connectors.find((c) => c.chargerId === 'C002')?.measured, 5.5, "and that run also has the reading that was waiting: it took the reading's run's place");
});

/** Whether what `emit` does asks the balancer for a run: read in the same turn, before any run (so on any box). */
async function asksForRun(site: ReturnType<typeof setup>, emit: () => void): Promise<boolean> {
  await eventually(() => !site.balancer.busy(), 'the balancer is done with what came before');
  emit();
  return site.balancer.busy();
}

async function everyCarCharging(site: ReturnType<typeof setup>): Promise<number> {
  site.balancer.start();
  site.startSessions();
  await eventually(() => site.took.size === CHARGERS && [...site.took.values()].every((h) => h.tx !== undefined), 'every session has its TxProfile');
  return site.held('C001');
}

const published = (site: ReturnType<typeof setup>, id: string) => site.allocations.at(-1)!.connectors.find((c) => c.chargerId === id)!;

t.test('a reading within what the plan counts asks for no run, and the next run has it', async (t) => {
  const site = setup(t);
  const limit = await everyCarCharging(site);
  t.ok(limit >= 6, `each car holds ${limit} A`);
  // The first reading of each car: the plan has seen none, so each asks.
  let asked = 0;
  for (const id of ids) if (await asksForRun(site, () => site.reading(id, limit - 0.5))) asked++;
  t.equal(asked, CHARGERS, 'every first reading asked for a run');

  // Cars at their limit: a little below it, never the same twice (0–0.4 A from the first).
  const jitter = (i: number, p: number) => round1(limit - 0.5 + (((i + p) % 5) - 2) / 10 - 0.1 * (p === 2 ? 1 : 0));
  asked = 0;
  for (const [i, id] of ids.entries()) {
    if (await asksForRun(site, () => site.reading(id, [jitter(i, 0), jitter(i, 1), jitter(i, 2)]))) asked++;
  }
  t.equal(asked, 0, `${CHARGERS} readings within 1 A of the last that asked, below the limit, on the same phases: no run asked`);
  await site.balancer.reconcile();
  t.ok(
    ids.every((id, i) => published(site, id).measured === Math.max(jitter(i, 0), jitter(i, 1), jitter(i, 2))),
    'the next run (here the recheck) shows every one of those readings',
  );
});

t.test('a reading asks for a run when the plan would count it differently: above its limit, on other phases, past the deadband', async (t) => {
  const site = setup(t);
  const limit = await everyCarCharging(site);
  for (const id of ['C001', 'C002', 'C003']) await asksForRun(site, () => site.reading(id, limit - 0.5));

  t.ok(await asksForRun(site, () => site.reading('C001', limit + 0.3)), 'above its limit (within the overdraw tolerance): its exposure rises, a run');
  t.ok(await asksForRun(site, () => site.reading('C002', [limit - 0.5, 0, 0])), 'the car now charges on one phase: a run');
  await eventually(() => published(site, 'C002').phases.join() === 'L1', 'and the plan counts it on L1 alone');

  // A slow drift: compared with the reading that last asked, not with the one before.
  const asked: number[] = [];
  for (let k = 1; k <= 5; k++) if (await asksForRun(site, () => site.reading('C003', limit - 0.5 - 0.3 * k))) asked.push(k);
  t.strictSame(asked, [4], 'a car drifting down 0.3 A a reading asks once it is 1 A (the deadband) from the last that asked');
});

t.test('after a cut the charger accepted, the first reading under it asks even within the deadband (a raise elsewhere may wait on it)', async (t) => {
  const site = setup(t);
  const limit = await everyCarCharging(site);
  await asksForRun(site, () => site.reading('C005', limit - 0.5));
  t.ok(site.balancer.setCap('C005', 1, limit - 1, 'test').accepted, 'a cap 1 A below its limit');
  await eventually(() => site.held('C005') === limit - 1, 'the charger took the lower limit');
  t.ok(await asksForRun(site, () => site.reading('C005', limit - 1.2)), 'its car follows, 0.7 A below the reading that last asked: a run');
  t.notOk(await asksForRun(site, () => site.reading('C005', limit - 1.1)), 'the next reading under the same limit, within the deadband: none');
});

t.test('site.balancing.readingDeadband 0: every reading asks for a run, as before', async (t) => {
  const site = setup(t, 1, { readingDeadband: 0 });
  const limit = await everyCarCharging(site);
  await asksForRun(site, () => site.reading('C001', limit - 0.5));
  t.ok(await asksForRun(site, () => site.reading('C001', limit - 0.5)), 'the same reading again asks');
});

t.test('a charger that flaps its status asks for no runs; a car that pauses or resumes does', async (t) => {
  const site = setup(t);
  await everyCarCharging(site);
  let asked = 0;
  for (let i = 0; i < 100; i++) {
    for (const status of ['Preparing', 'Charging', 'Finishing', 'Charging']) if (await asksForRun(site, () => site.status('C004', status))) asked++;
  }
  t.equal(asked, 0, '400 StatusNotifications that change nothing the plan counts: no run');
  t.ok(await asksForRun(site, () => site.status('C004', 'SuspendedEV')), 'the car pauses: a run');
  t.notOk(await asksForRun(site, () => site.status('C004', 'SuspendedEV')), 'the same pause reported again: none');
  t.ok(await asksForRun(site, () => site.status('C004', 'Charging')), 'it resumes: a run');
});

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
