/**
 * The chargers of the load-balancing bench, run as a child process (as on a real site, the
 * chargers are not in the gateway's process): `node balancer-fleet.js <url> <trials> <running>`.
 * 100 raw `ws` chargers accept every SetChargingProfile; <running> start a session. Then, on
 * this process's clock:
 * - start trials: one more car starts; the time from sending its StartTransaction to receiving
 *   the last SetChargingProfile it causes is taken; then it stops again;
 * - resume trials, with RESUMING sessions (10 A each on the bench's 400 A, so that a pause
 *   frees something at any step): a running car whose limit is above its minimum reports
 *   SuspendedEV (the gateway holds it at its minimum and gives the rest to others); then it
 *   reports Charging again, and the time from sending that StatusNotification to the last
 *   profile is taken.
 * Prints one JSON line (FleetResult).
 */
import { WebSocket } from 'ws';

const [url, trialsArg, runningArg] = process.argv.slice(2);
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

interface Charger {
  ws: WebSocket;
  /** The limit of its latest TxProfile, A. */
  limit: number;
  call(action: string, payload: unknown): Promise<Record<string, unknown>>;
}

let lastProfileAt = 0;
let profiles = 0;

async function connect(id: string): Promise<Charger> {
  const ws = new WebSocket(`${url}/${id}`, ['ocpp1.6'], { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const pending = new Map<string, (v: Record<string, unknown>) => void>();
  let seq = 0;
  const charger: Charger = {
    ws,
    limit: 0,
    call(action, payload) {
      const id = `${++seq}`;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify([2, id, action, payload]));
      });
    },
  };
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as unknown[];
    if (msg[0] === 3) pending.get(msg[1] as string)?.(msg[2] as Record<string, unknown>);
    if (msg[0] === 2) {
      if (msg[2] === 'SetChargingProfile') {
        lastProfileAt = performance.now();
        profiles++;
        const profile = (msg[3] as { csChargingProfiles: { chargingProfilePurpose: string; chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } } }).csChargingProfiles;
        if (profile.chargingProfilePurpose === 'TxProfile') charger.limit = profile.chargingSchedule.chargingSchedulePeriod[0]!.limit;
      }
      ws.send(JSON.stringify([3, msg[1], msg[2] === 'SetChargingProfile' ? { status: 'Accepted' } : {}]));
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

/** Times `timed` (to its last profile), then runs `undo`; both wait until the profiles stop. */
async function trials(count: number, pick: (trial: number) => Charger, timed: (c: Charger) => Promise<unknown>, undo: (c: Charger, answer: unknown) => Promise<unknown>): Promise<TrialTimes> {
  const times: number[] = [];
  const caused: number[] = [];
  const undone: number[] = [];
  for (let trial = 0; trial < count; trial++) {
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
  const range = (v: number[]): [number, number] => [Math.min(...v), Math.max(...v)];
  return { times, profiles: range(caused), undo: range(undone) };
}

async function main(): Promise<void> {
  const chargers: Charger[] = [];
  for (let i = 0; i < CHARGERS; i++) chargers.push(await connect(`BAL${String(i).padStart(3, '0')}`));
  const status = (c: Charger, s: string) => c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: s });
  for (const c of chargers) await status(c, 'Available');
  const start = (c: Charger) => c.call('StartTransaction', { connectorId: 1, idTag: 'BENCH', meterStart: 0, timestamp: new Date().toISOString() });
  const stop = (c: Charger, transactionId: number) => c.call('StopTransaction', { transactionId, meterStop: 10, timestamp: new Date().toISOString() });
  const running: number[] = [];
  for (let i = 0; i < RUNNING; i++) running.push(((await start(chargers[i]!)) as { transactionId: number }).transactionId);
  await quiet();

  const startTimes = await trials(
    TRIALS,
    (trial) => chargers[RUNNING + (trial % (CHARGERS - RUNNING))]!,
    (c) => start(c),
    (c, answer) => stop(c, (answer as { transactionId: number }).transactionId),
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
  for (const c of chargers) c.ws.terminate();
  const result: FleetResult = { chargers: CHARGERS, sessions: { start: RUNNING + 1, resume: RESUMING }, start: startTimes, resume: resumeTimes };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
