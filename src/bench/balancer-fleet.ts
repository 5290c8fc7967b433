/**
 * The chargers of the load-balancing bench, run as a child process (as on a real site, the
 * chargers are not in the gateway's process):
 * `node balancer-fleet.js <url> <trials> <running> [silent <callTimeoutMs> <silentId>]`.
 * 100 raw `ws` chargers boot (BootNotification) and accept every SetChargingProfile;
 * <running> start a session. Then, on this process's clock:
 * - start trials: one more car starts; the time from sending its StartTransaction to receiving
 *   the last SetChargingProfile it causes is taken; then it stops again;
 * - resume trials, with RESUMING sessions (10 A each on the bench's 400 A, so that a pause
 *   frees something at any step): a running car whose limit is above its minimum reports
 *   SuspendedEV (the gateway holds it at its minimum and gives the rest to others); then it
 *   reports Charging again, and the time from sending that StatusNotification to the last
 *   profile is taken.
 * With `silent`: 99 such chargers (<running> − 1 of them charging) and one, <silentId>, that
 * never answers a CALL from the gateway but sends its own (BootNotification,
 * StatusNotification, StartTransaction, then MeterValues at SILENT_DRAW_A every
 * SILENT_METER_MS), so that it charges and counts at its maximum. Only start trials: while
 * the gateway waits on it (from its first ignored CALL until callTimeoutMs − GUARD_MS after the
 * first SetChargingProfile it ignored), then, from SETTLE_MS after that SetChargingProfile
 * timed out (the gateway has flagged it uncontrolled), as many again. The two can differ: a
 * gateway sends one CALL at a time (OCPP-J §4.1.1), so a first CALL that is not a limit (a
 * GetConfiguration at boot) holds the first SetChargingProfile back by a whole time-out.
 * Profiles to the silent charger are not counted.
 * Prints one JSON line (FleetResult or SilentFleetResult).
 */
import { WebSocket } from 'ws';

const [url, trialsArg, runningArg, modeArg, timeoutArg, silentArg] = process.argv.slice(2);
const CHARGERS = 100;
const RUNNING = Number(runningArg ?? 60);
const TRIALS = Number(trialsArg ?? 100);
const RESUMING = 40;
/** The gateway's default minimum: a car above it gives something back when it pauses. */
const MIN_CURRENT = 6;
/**
 * No profile for this long: the balancer is done with the last change. Were it ever done too
 * early, a later profile would count for the next step: the profile counts are printed, and
 * equal counts in every trial show it never was.
 */
const QUIET_MS = 50;
/** The charger that never answers a CALL (silent mode; the bench names it). */
const SILENT_ID = silentArg ?? 'BAL-SILENT';
/** What it draws: the gateway's default maxCurrent for a charger it does not know, A per phase. */
const SILENT_DRAW_A = 32;
/** How often it sends MeterValues (under the default site.failsafe.meterTimeout of 10 s). */
const SILENT_METER_MS = 5000;
/** No trial starts later than this before the silent charger's first CALL times out. */
const GUARD_MS = 2000;
/** After that time-out, this long before the trials that follow it. */
const SETTLE_MS = 1000;

export interface TrialTimes {
  /** Per trial that caused a profile: the CALL sent → last SetChargingProfile received (ms). */
  times: number[];
  /** Fewest and most profiles the timed CALL caused, and the one that undid it. */
  profiles: [number, number];
  undo: [number, number];
}

export interface FleetResult {
  chargers: number;
  /** Sessions running during the start trials (the 61st is the trial) and the resume trials. */
  sessions: { start: number; resume: number };
  start: TrialTimes;
  resume: TrialTimes;
}

export interface SilentFleetResult {
  chargers: number;
  /** Sessions running during the trials, the silent charger's included (the trial's is the last). */
  sessions: number;
  silent: {
    id: string;
    /** The first CALL it got (and ignored), how many it got in all, and what it reported drawing (A). */
    firstCall: string;
    calls: number;
    drawA: number;
  };
  /** Start trials begun while the gateway waited on it (its first CALL, then its first SetChargingProfile, in flight). */
  before: TrialTimes;
  /** Start trials begun SETTLE_MS after its first SetChargingProfile timed out. */
  after: TrialTimes;
}

interface Charger {
  ws: WebSocket;
  /** The limit of its latest TxProfile, A. */
  limit: number;
  call(action: string, payload: unknown): Promise<Record<string, unknown>>;
}

let lastProfileAt = 0;
let profiles = 0;
const open: WebSocket[] = [];
/**
 * The silent charger's ignored CALLs: when the first arrived (this clock) and which, when the
 * first SetChargingProfile arrived (its time-out is what flags the charger), and how many.
 */
const ignored = { first: undefined as { at: number; action: string } | undefined, firstProfileAt: undefined as number | undefined, count: 0 };

async function connect(id: string, silent = false): Promise<Charger> {
  const ws = new WebSocket(`${url}/${id}`, ['ocpp1.6'], { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  open.push(ws);
  const pending = new Map<string, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const charger: Charger = {
    ws,
    limit: 0,
    call(action, payload) {
      const id = `${++seq}`;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify([2, id, action, payload]));
      });
    },
  };
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as unknown[];
    if (msg[0] === 3) pending.get(msg[1] as string)?.resolve(msg[2] as Record<string, unknown>);
    // A CALLERROR to one of its own calls fails the bench instead of hanging it.
    if (msg[0] === 4) pending.get(msg[1] as string)?.reject(new Error(`${id}: CALLERROR ${String(msg[2])} ${String(msg[3])}`));
    if (msg[0] === 2) {
      if (silent) {
        ignored.first ??= { at: performance.now(), action: msg[2] as string };
        if (msg[2] === 'SetChargingProfile') ignored.firstProfileAt ??= performance.now();
        ignored.count++;
        return;
      }
      if (msg[2] === 'SetChargingProfile') {
        lastProfileAt = performance.now();
        profiles++;
        const profile = (msg[3] as { csChargingProfiles: { chargingProfilePurpose: string; chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } } }).csChargingProfiles;
        if (profile.chargingProfilePurpose === 'TxProfile') charger.limit = profile.chargingSchedule.chargingSchedulePeriod[0]!.limit;
      }
      const withStatus = ['SetChargingProfile', 'ChangeAvailability', 'ClearChargingProfile', 'TriggerMessage'].includes(msg[2] as string);
      ws.send(JSON.stringify([3, msg[1], withStatus ? { status: 'Accepted' } : {}]));
    }
  });
  return charger;
}

async function quiet(): Promise<void> {
  for (let seen = -1; seen !== profiles; ) {
    seen = profiles;
    await new Promise((r) => setTimeout(r, QUIET_MS));
  }
}

/**
 * Times `timed` (to its last profile), then runs `undo`; both wait until the profiles stop.
 * Up to `count` trials, fewer when `more` says no before one.
 */
async function trials(count: number, pick: (trial: number) => Charger, timed: (c: Charger) => Promise<unknown>, undo: (c: Charger, answer: unknown) => Promise<unknown>, more: () => boolean = () => true): Promise<TrialTimes> {
  const times: number[] = [];
  const caused: number[] = [];
  const undone: number[] = [];
  for (let trial = 0; trial < count && more(); trial++) {
    const c = pick(trial);
    const before = profiles;
    const t0 = performance.now();
    const answer = await timed(c);
    await quiet();
    // A trial that changed no limit has no last profile to time (counted in `profiles` as 0).
    if (profiles > before) times.push(lastProfileAt - t0);
    caused.push(profiles - before);
    const beforeUndo = profiles;
    await undo(c, answer);
    await quiet();
    undone.push(profiles - beforeUndo);
  }
  const range = (v: number[]): [number, number] => (v.length ? [Math.min(...v), Math.max(...v)] : [0, 0]);
  return { times, profiles: range(caused), undo: range(undone) };
}

const boot = (c: Charger) => c.call('BootNotification', { chargePointVendor: 'chargegate-bench', chargePointModel: 'balancer-fleet' });
const status = (c: Charger, s: string) => c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: s });
const start = (c: Charger) => c.call('StartTransaction', { connectorId: 1, idTag: 'BENCH', meterStart: 0, timestamp: new Date().toISOString() });
const stop = (c: Charger, transactionId: number) => c.call('StopTransaction', { transactionId, meterStop: 10, timestamp: new Date().toISOString() });
const txOf = (answer: unknown) => (answer as { transactionId: number }).transactionId;

/** `count` chargers, booted (the gateway sends nothing to one before its boot) and Available. */
async function fleet(count: number): Promise<Charger[]> {
  const chargers: Charger[] = [];
  for (let i = 0; i < count; i++) chargers.push(await connect(`BAL${String(i).padStart(3, '0')}`));
  for (const c of chargers) await boot(c);
  for (const c of chargers) await status(c, 'Available');
  return chargers;
}

async function main(): Promise<FleetResult> {
  const chargers = await fleet(CHARGERS);
  const running: number[] = [];
  for (let i = 0; i < RUNNING; i++) running.push(txOf(await start(chargers[i]!)));
  await quiet();

  const startTimes = await trials(
    TRIALS,
    (trial) => chargers[RUNNING + (trial % (CHARGERS - RUNNING))]!,
    (c) => start(c),
    (c, answer) => stop(c, txOf(answer)),
  );

  for (let i = RESUMING; i < RUNNING; i++) await stop(chargers[i]!, running[i]!);
  await quiet();
  // A car at its minimum would give nothing back: take the running ones above it in turn.
  let next = 0;
  const above = (): Charger => {
    for (let i = 0; i < RESUMING; i++) {
      const c = chargers[next++ % RESUMING]!;
      if (c.limit > MIN_CURRENT) return c;
    }
    throw new Error('no running car above its minimum');
  };
  let paused = above();
  const pause = () => {
    paused = above();
    return status(paused, 'SuspendedEV');
  };
  await status(paused, 'SuspendedEV');
  await quiet();
  // Each trial: the paused car charges again (timed), then the next one pauses.
  const resumeTimes = await trials(TRIALS, () => paused, (c) => status(c, 'Charging'), pause);
  return { chargers: CHARGERS, sessions: { start: RUNNING + 1, resume: RESUMING }, start: startTimes, resume: resumeTimes };
}

/**
 * One silent charger among 100. The 99 others boot and RUNNING − 1 of them start; then the
 * silent one joins, boots and starts charging: the gateway's first CALL to it (its standing
 * limit) goes unanswered from then on, and the trials run while it is in flight, then after.
 */
async function mainSilent(callTimeoutMs: number): Promise<SilentFleetResult> {
  const chargers = await fleet(CHARGERS - 1);
  for (let i = 0; i < RUNNING - 1; i++) await start(chargers[i]!);
  await quiet();

  const silent = await connect(SILENT_ID, true);
  await boot(silent);
  await status(silent, 'Available');
  const transactionId = txOf(await start(silent));
  const meter = () =>
    silent.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: ['L1', 'L2', 'L3'].map((phase) => ({ value: SILENT_DRAW_A.toFixed(1), measurand: 'Current.Import', phase, unit: 'A' })) }],
    });
  await meter();
  const meterTimer = setInterval(() => void meter().catch(() => undefined), SILENT_METER_MS);
  try {
    for (let waited = 0; !ignored.first; waited += 10) {
      if (waited > 10_000) throw new Error('the gateway sent the silent charger no CALL within 10 s: it would hold nothing up');
      await new Promise((r) => setTimeout(r, 10));
    }
    await quiet();
    const pick = (trial: number) => chargers[RUNNING - 1 + (trial % (CHARGERS - RUNNING))]!;
    // Until its first SetChargingProfile came, the gateway is still waiting on an earlier CALL.
    const waiting = () => ignored.firstProfileAt === undefined || performance.now() < ignored.firstProfileAt + callTimeoutMs - GUARD_MS;
    const before = await trials(TRIALS, pick, start, (c, answer) => stop(c, txOf(answer)), waiting);
    // Each CALL before the first SetChargingProfile waits out a time-out: a few at most.
    const giveUp = ignored.first.at + 4 * callTimeoutMs;
    while (ignored.firstProfileAt === undefined) {
      if (performance.now() > giveUp) throw new Error('the gateway sent the silent charger no SetChargingProfile: it would never be flagged');
      await new Promise((r) => setTimeout(r, 10));
    }
    const resumeAt = ignored.firstProfileAt + callTimeoutMs + SETTLE_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, resumeAt - performance.now())));
    await quiet();
    const after = await trials(TRIALS, pick, start, (c, answer) => stop(c, txOf(answer)));
    return {
      chargers: CHARGERS,
      sessions: RUNNING + 1,
      silent: { id: SILENT_ID, firstCall: ignored.first.action, calls: ignored.count, drawA: SILENT_DRAW_A },
      before,
      after,
    };
  } finally {
    clearInterval(meterTimer);
  }
}

(modeArg === 'silent' ? mainSilent(Number(timeoutArg ?? 30_000)) : main())
  .then((result) => {
    for (const ws of open) ws.terminate();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    // Its sockets would keep it (and the bench waiting for it) alive.
    for (const ws of open) ws.terminate();
    process.exit(1);
  });
