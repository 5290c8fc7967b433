/**
 * Load-balancing figures for `npm run bench` (printed, never asserted):
 * 1. allocate() for 1,000 connectors on 100 circuits (target ≤ 1 ms);
 * 2. with 100 chargers connected, the time from a CALL to the last SetChargingProfile it
 *    causes (target p99 ≤ 20 ms): a StartTransaction of the 61st car (60 running), and a
 *    StatusNotification Charging of a car that had paused (SuspendedEV; 40 running). Each with the default
 *    step of 1 A (the few sessions that must change do) and with 0.1 A (every running session's
 *    limit changes). Timed on both sides: at the gateway (received → sent, from its event bus:
 *    where the target is set) and at the chargers (sent → received). The gateway runs in this
 *    process; the chargers, raw `ws` sockets that accept every profile, in a child process
 *    (balancer-fleet.ts).
 * 3. the same StartTransaction trials at step 1 A with one silent charger among the 100: it
 *    boots, starts a session and reports its maximum current, but never answers a CALL from
 *    the gateway. Trials begun while the gateway waits on it (its first CALL in flight, then its
 *    first SetChargingProfile, until that times out and the charger is flagged uncontrolled:
 *    the worst moment), and trials begun after; only profiles to the compliant chargers count.
 *    ocpp.callTimeout is the default (30 s) unless BENCH_BALANCER_SILENT_CALL_TIMEOUT says
 *    otherwise (printed either way).
 * 4. the baseline, measured in the same run on the same disk: an fdatasync of a small write
 *    after 100 ms idle (the StartTransaction's answer waits for one, and the new car's TxProfile
 *    for that answer).
 */
import { spawn } from 'node:child_process';
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { allocate } from '../balancer/allocate.js';
import { SUPPLY, type ChargerModel, type CircuitModel, type ConnectorInput, type ExternalLimit, type Phase, type SiteModel } from '../balancer/model.js';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { silentLogger } from '../log.js';
import type { FleetResult, SilentFleetResult, TrialTimes } from './balancer-fleet.js';
import { percentile } from './stats.js';
import { splitAt, type Timed } from './windows.js';

export interface BalancerBench {
  allocateMs: { p50: number; p99: number; connectors: number; circuits: number };
  /** The scale part's site (scaleSite): 1,000 unlisted chargers on the supply alone. */
  allocateScaleMs: { p50: number; p99: number; connectors: number; circuits: number };
  /** The same under an external limit (demand response): two passes, see allocate.ts. */
  allocateLimitedMs: { p50: number; p99: number };
  /** The default step (1 A). */
  toLastProfile: StepFigures;
  /** The same with balancing.step 0.1 A: every running session's limit changes. */
  toLastProfileFine: StepFigures;
  /** The start trials with one silent charger among the 100, before and after it is flagged. */
  silent: SilentFigures;
  /** Baseline: fdatasync of a 12 KiB write after 100 ms idle, on the bench's storage disk. */
  syncMs: { p50: number; p99: number; samples: number };
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

interface TrialFigures {
  /** Where the target is set: the gateway received the CALL → it sent the last SetChargingProfile. */
  gateway: Latency;
  /** As a charger sees it: CALL sent → last SetChargingProfile received (both loopback hops and the fleet's process). */
  charger: Latency;
  /** Fewest and most profiles the timed CALL caused, and the one that undid it. */
  profiles: [number, number];
  undo: [number, number];
  trials: number;
}

interface StepFigures {
  step: number;
  chargers: number;
  sessions: FleetResult['sessions'];
  /** A StartTransaction of the 61st session (undone by its StopTransaction). */
  start: TrialFigures;
  /** A StatusNotification Charging of a car that had paused (SuspendedEV) among 40 sessions. */
  resume: TrialFigures;
}

interface SilentFigures {
  step: number;
  chargers: number;
  /** Sessions running, the silent charger's included (the trial's is the last). */
  sessions: number;
  /** ocpp.callTimeout in this scenario, s (printed as the default when it is DEFAULT_CALL_TIMEOUT). */
  callTimeout: number;
  silent: SilentFleetResult['silent'];
  /** At the gateway: its first CALL to the silent charger sent → the balancer saw it time out (ms). */
  flaggedAfterMs: number;
  /** Trials begun while that CALL was in flight (not flagged yet), and after it was flagged. */
  before: TrialFigures & { straddling: number };
  after: TrialFigures;
}

const latency = (times: number[]): Latency => ({ p50: percentile(times, 50), p99: percentile(times, 99), max: Math.max(...times) });

/** A car park: 100 circuits of 10 chargers, a third of them 1-phase spread over the phases. */
export function bigSite(): { site: SiteModel; connectors: ConnectorInput[] } {
  const circuits = new Map<string, CircuitModel>([[SUPPLY, { id: SUPPLY, parent: undefined, maxCurrent: 2000 }]]);
  const chargers = new Map<string, ChargerModel>();
  const connectors: ConnectorInput[] = [];
  for (let c = 0; c < 100; c++) {
    circuits.set(`c${c}`, { id: `c${c}`, parent: c < 10 ? SUPPLY : `c${c % 10}`, maxCurrent: c < 10 ? 400 : 63 });
    for (let i = 0; i < 10; i++) {
      const id = `CP${c}-${i}`;
      const onePhase = i % 3 === 0;
      const first = (i % 3) as Phase;
      chargers.set(id, {
        id, connectors: 1, phases: onePhase ? 1 : 3, minCurrent: 6, maxCurrent: 16 + (i % 3) * 8,
        rotation: [first, ((first + 1) % 3) as Phase, ((first + 2) % 3) as Phase], circuit: `c${c}`, priority: i % 2,
        quirks: { stackLevelZeroOnly: false, wattsOnly: false, noTxProfile: false, noZeroAmps: false },
      });
      connectors.push({ chargerId: id, connectorId: 1, ...(i % 5 !== 4 ? { session: { transactionId: c * 10 + i, startedAt: 0 } } : {}) });
    }
  }
  const site: SiteModel = {
    supply: { maxCurrent: 2000, phases: 3, voltage: 230, margin: 0 },
    circuits,
    chargers,
    balancing: { settleMs: 30_000, releaseHeadroom: 2, turnMs: 900_000, maxWaitMs: 1_800_000, phaseThreshold: 1, step: 1 },
  };
  return { site, connectors };
}

/**
 * The site of the scale part (scale.ts): 1,000 chargers not in the config (chargers.allowUnknown:
 * each one's model is the default one), on the supply alone, 4,000 A for their 6,000 A of
 * minima, so a third of the sessions wait their turn; each car reports the 6 A it was offered
 * (its limit followed, nothing released), as the bench's chargers do.
 */
export function scaleSite(): { site: SiteModel; connectors: ConnectorInput[] } {
  const now = 1_000_000;
  const connectors: ConnectorInput[] = [];
  for (let i = 0; i < 1000; i++) {
    const id = `SCALE-${String(i).padStart(5, '0')}`;
    connectors.push({ chargerId: id, connectorId: 1, session: { transactionId: i + 1, startedAt: 0 }, measured: { currents: [6, 6, 6], at: now - 1000 }, offered: { amps: 6, raisedAt: 0 } });
  }
  const site: SiteModel = {
    supply: { maxCurrent: 4000, phases: 3, voltage: 230, margin: 0 },
    circuits: new Map([[SUPPLY, { id: SUPPLY, parent: undefined, maxCurrent: 4000 }]]),
    chargers: new Map(),
    balancing: { settleMs: 30_000, releaseHeadroom: 2, turnMs: 900_000, maxWaitMs: 1_800_000, phaseThreshold: 1 },
  };
  return { site, connectors };
}

function benchAllocate(external: ExternalLimit[] = [], build: () => { site: SiteModel; connectors: ConnectorInput[] } = bigSite): BalancerBench['allocateMs'] {
  const { site, connectors } = build();
  const times: number[] = [];
  let state = {};
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    state = allocate({ site, connectors, external, state, now: 1_000_000 + i * 1000 }).state;
    if (i >= 50) times.push(performance.now() - t0); // after the JIT warmed up
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), connectors: connectors.length, circuits: site.circuits.size - 1 };
}

/** BENCH_BALANCER_TRIALS trials of each kind at the default step (default 300: p99 is then the 4th worst); a third of that at 0.1 A. */
const TRIALS = Number(process.env.BENCH_BALANCER_TRIALS ?? 300);
/**
 * Start trials at most per moment with a silent charger (default 100: p99 is then the 2nd
 * worst). Those before it is flagged are also bounded by the time the gateway waits on it.
 */
const SILENT_TRIALS = Number(process.env.BENCH_BALANCER_SILENT_TRIALS ?? 100);
/** ocpp.callTimeout in the silent scenario, s: the product's default unless set (printed either way). */
const DEFAULT_CALL_TIMEOUT = 30;
const SILENT_CALL_TIMEOUT = Number(process.env.BENCH_BALANCER_SILENT_CALL_TIMEOUT ?? DEFAULT_CALL_TIMEOUT);
/** The fleet's silent charger. */
const SILENT_ID = 'BAL-SILENT';
/** Sessions running before the trials: each trial is the 61st. */
const RUNNING = 60;

interface GatewayWindows {
  start: Timed[];
  resume: Timed[];
  /** The silent charger (if any): its first CALL sent, and its first SetChargingProfile that timed out. */
  silentFirstCall?: number;
  flaggedAt?: number;
  off: () => void;
}

/**
 * The gateway's side of each trial, from its own event bus: from the CALL it received (a
 * StartTransaction after the fleet's `warmup` starts, or a StatusNotification that turns out to
 * say Charging) to the last SetChargingProfile CALL it sent before the next CALL came in (the
 * one that undoes the trial). The `silent` charger's CALLs, both ways, neither open nor close a
 * window nor count as its profiles (its MeterValues come in at any time); the moments it got
 * its first CALL and was seen to time out are kept.
 */
function gatewayWindows(app: ReturnType<typeof createApp>, warmup: number, silent?: string): GatewayWindows {
  const out: GatewayWindows = { start: [], resume: [], off: () => undefined };
  let starts = 0;
  let statusIn = 0;
  let window: { kind: 'start' | 'resume'; t0: number; last?: number } | undefined;
  const close = () => {
    if (window?.last !== undefined) out[window.kind].push({ t0: window.t0, ms: window.last - window.t0 });
    window = undefined;
  };
  const offCalls = app.events.on('ocpp.call', (c) => {
    if (c.chargerId === silent) {
      if (c.direction === 'out') out.silentFirstCall ??= performance.now();
      return;
    }
    if (c.direction === 'in') {
      close();
      if (c.action === 'StatusNotification') statusIn = performance.now();
      if (c.action === 'StartTransaction' && ++starts > warmup) window = { kind: 'start', t0: performance.now() };
    } else if (c.action === 'SetChargingProfile' && window) window.last = performance.now();
  });
  // Emitted once the status is on disk, within the same CALL: its clock started when it came in.
  const offStatus = app.events.on('connector.status', (s) => {
    if (s.status === 'Charging' && s.chargerId !== silent) window = { kind: 'resume', t0: statusIn };
  });
  // The balancer makes a charger uncontrolled in the same turn as it emits this (loop.ts).
  const offProfile = app.events.on('balancer.profile', (p) => {
    if (p.chargerId === silent && p.result === 'timeout') out.flaggedAt ??= performance.now();
  });
  out.off = () => (offCalls(), offStatus(), offProfile());
  return out;
}

/** The fleet's script and what node needs to run it: built, or from source under the tests (test/integration/bench-balancer.test.ts). */
function fleetScript(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = new URL(`balancer-fleet.${fromSource ? 'ts' : 'js'}`, import.meta.url).pathname;
  return fromSource ? ['--import', '@tapjs/typescript/import', file] : [file];
}

/**
 * A gateway in this process with the bench's site (400 A, `step`), the fleet in a child process
 * with `fleetArgs` after its URL; resolves with the fleet's JSON line and the gateway's windows.
 */
async function withFleet<T>(o: { step: number; callTimeout?: number; warmup: number; silent?: string; fleetArgs: string[] }): Promise<{ fleet: T; gateway: GatewayWindows }> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-balancer-'));
  const config = parseConfig(
    stringify({
      ocpp: { host: '127.0.0.1', port: 0, pingInterval: 0, ...(o.callTimeout !== undefined ? { callTimeout: o.callTimeout } : {}) },
      chargers: { allowUnknown: true },
      authorization: { mode: 'accept-all' },
      storage: { dir },
      log: { level: 'silent' },
      // The embedded broker and its mirror, and the HTTP API, run as by default, on free ports.
      mqtt: { port: 0 },
      http: { port: 0 },
      // settleTime 0: a car that reports SuspendedEV is held at its minimum at once.
      site: { supply: { maxCurrent: 400 }, balancing: { step: o.step, rampInterval: 0, rampStep: 80, hysteresis: 0, settleTime: 0, recheckInterval: 600 } },
    }),
    { env: {}, baseDir: dir },
  );
  const app = createApp(config, { logger: silentLogger() });
  try {
    // Inside the try: a part that failed to start is stopped, or the bench would hang.
    const { ocppPort } = await app.start();
    // The chargers run in their own process, as on a site: what is timed is the gateway.
    const gateway = gatewayWindows(app, o.warmup, o.silent);
    const child = spawn(process.execPath, [...fleetScript(), `ws://127.0.0.1:${ocppPort}/ocpp`, ...o.fleetArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    gateway.off();
    if (code !== 0) throw new Error(`the bench's charger fleet exited with ${code}`);
    return { fleet: JSON.parse(out) as T, gateway };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const trialFigures = (kind: string, seen: readonly number[], sent: TrialTimes): TrialFigures => {
  if (seen.length !== sent.times.length) throw new Error(`${kind}: the gateway saw ${seen.length} trials, the fleet ${sent.times.length}`);
  return { gateway: latency([...seen]), charger: latency(sent.times), profiles: sent.profiles, undo: sent.undo, trials: seen.length };
};

export async function benchToLastProfile(step: number, trials: number): Promise<StepFigures> {
  const { fleet, gateway } = await withFleet<FleetResult>({ step, warmup: RUNNING, fleetArgs: [String(trials), String(RUNNING)] });
  const figures = (kind: 'start' | 'resume') => trialFigures(kind, gateway[kind].map((w) => w.ms), fleet[kind]);
  return { step, chargers: fleet.chargers, sessions: fleet.sessions, start: figures('start'), resume: figures('resume') };
}

/**
 * One charger of the 100 never answers a CALL; it charges (counted at its maximum). Start
 * trials while the gateway waits on it, then after its first SetChargingProfile timed out.
 */
export async function benchSilent(trials: number, callTimeout: number): Promise<SilentFigures> {
  const step = 1;
  const { fleet, gateway } = await withFleet<SilentFleetResult>({
    step,
    callTimeout,
    // The 59 compliant chargers' starts before the silent one joins.
    warmup: RUNNING - 1,
    silent: SILENT_ID,
    fleetArgs: [String(trials), String(RUNNING), 'silent', String(callTimeout * 1000), SILENT_ID],
  });
  if (gateway.silentFirstCall === undefined || gateway.flaggedAt === undefined) throw new Error('silent charger: the gateway sent it no SetChargingProfile that timed out');
  const split = splitAt(gateway.start, gateway.flaggedAt);
  return {
    step,
    chargers: fleet.chargers,
    sessions: fleet.sessions,
    callTimeout,
    silent: fleet.silent,
    flaggedAfterMs: gateway.flaggedAt - gateway.silentFirstCall,
    before: { ...trialFigures('before the flag', split.before, fleet.before), straddling: split.straddling },
    after: trialFigures('after the flag', split.after, fleet.after),
  };
}

export async function runBalancerBench(progress: (line: string) => void): Promise<BalancerBench> {
  progress('load balancing: allocate() for 1,000 connectors on 100 circuits…');
  const allocateMs = benchAllocate();
  const allocateLimitedMs = benchAllocate([{ source: 'demand-response', amps: 1500 }]);
  const allocateScaleMs = benchAllocate([], scaleSite);
  progress(`load balancing: StartTransaction and StatusNotification → last SetChargingProfile with 100 chargers, step 1 A (${TRIALS} trials of each)…`);
  const toLastProfile = await benchToLastProfile(1, TRIALS);
  const fine = Math.max(1, Math.round(TRIALS / 3));
  progress(`load balancing: the same with step 0.1 A, every running session's limit changes (${fine} trials of each)…`);
  const toLastProfileFine = await benchToLastProfile(0.1, fine);
  const timeout = SILENT_CALL_TIMEOUT === DEFAULT_CALL_TIMEOUT ? `ocpp.callTimeout ${SILENT_CALL_TIMEOUT} s, the default` : `ocpp.callTimeout shortened to ${SILENT_CALL_TIMEOUT} s`;
  progress(`load balancing: StartTransaction → last SetChargingProfile with one silent charger among 100, step 1 A (${timeout}; up to ${SILENT_TRIALS} trials while the gateway waits on it, ${SILENT_TRIALS} after)…`);
  const silent = await benchSilent(SILENT_TRIALS, SILENT_CALL_TIMEOUT);
  progress('load balancing: baseline, fdatasync after idle on this disk…');
  const syncMs = await benchSync();
  return { allocateMs, allocateLimitedMs, allocateScaleMs, toLastProfile, toLastProfileFine, silent, syncMs };
}

/** What the disk gives: a 12 KiB write and its fdatasync, after 100 ms idle as between two starts. */
async function benchSync(samples = 60): Promise<BalancerBench['syncMs']> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-sync-'));
  const fd = openSync(join(dir, 'probe'), 'w');
  const block = Buffer.alloc(12 * 1024, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      await new Promise((r) => setTimeout(r, 100));
      writeSync(fd, block, 0, block.length, i * block.length);
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), samples };
}

export function printBalancerBench(b: BalancerBench, write: (s: string) => void): void {
  const a = b.allocateMs;
  const s = b.toLastProfile.start;
  write('\nLoad balancing\n\n');
  write(`allocate(): ${a.connectors} connectors on ${a.circuits} circuits: p50 ${a.p50.toFixed(3)} ms, p99 ${a.p99.toFixed(3)} ms (target ≤ 1 ms)\n`);
  write(`allocate() under an external site limit (two passes): p50 ${b.allocateLimitedMs.p50.toFixed(3)} ms, p99 ${b.allocateLimitedMs.p99.toFixed(3)} ms\n`);
  write(`allocate(): the scale part's site, ${b.allocateScaleMs.connectors} unlisted chargers on the supply alone, a third waiting their turn: p50 ${b.allocateScaleMs.p50.toFixed(3)} ms, p99 ${b.allocateScaleMs.p99.toFixed(3)} ms\n`);
  const range = ([lo, hi]: [number, number]) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  const ms = (l: Latency) => `p50 ${l.p50.toFixed(2)} ms, p99 ${l.p99.toFixed(2)} ms, max ${l.max.toFixed(2)} ms`;
  const trial = (f: TrialFigures, call: string, what: string, undo: string, target: string, to = '') =>
    `  ${call}, ${what}: ${f.trials} trials, ${range(f.profiles)} profiles each (${range(f.undo)} for ${undo})\n` +
    `    at the gateway, received → last SetChargingProfile sent${to}: ${ms(f.gateway)}${target}\n` +
    `    at the chargers, sent → last SetChargingProfile received: ${ms(f.charger)}\n`;
  const block = (f: StepFigures, title: string, target: string) =>
    `${title}, step ${f.step} A, ${f.chargers} chargers:\n` +
    trial(f.start, 'StartTransaction', `session ${f.sessions.start} starts`, 'its StopTransaction', target) +
    trial(f.resume, 'StatusNotification Charging', `a paused car (SuspendedEV) of ${f.sessions.resume} sessions resumes`, 'the next pause', target);
  write(block(b.toLastProfile, 'CALL → last SetChargingProfile it causes (the default step)', ' (target p99 ≤ 20 ms)'));
  write(block(b.toLastProfileFine, 'The same, every running session\'s limit changes', ''));
  write(silentBlock(b.silent, s, trial));
  write(`baseline, fdatasync after 100 ms idle on this disk (${b.syncMs.samples} samples): p50 ${b.syncMs.p50.toFixed(2)} ms, p99 ${b.syncMs.p99.toFixed(2)} ms; `);
  write(`gateway p50 = ${(s.gateway.p50 / b.syncMs.p50).toFixed(1)} × the sync p50\n`);
}

type TrialLine = (f: TrialFigures, call: string, what: string, undo: string, target: string, to?: string) => string;

function silentBlock(f: SilentFigures, without: TrialFigures, trial: TrialLine): string {
  const timeout = f.callTimeout === DEFAULT_CALL_TIMEOUT ? `ocpp.callTimeout ${f.callTimeout} s (the default)` : `ocpp.callTimeout shortened to ${f.callTimeout} s for the bench (default ${DEFAULT_CALL_TIMEOUT} s)`;
  const ratio = (g: TrialFigures) => `; p99 ${(g.gateway.p99 / without.gateway.p99).toFixed(1)} × without a silent charger`;
  const straddled = f.before.straddling > 0 ? ` (in ${f.before.straddling} of them the flag came before their last profile)` : '';
  const what = `session ${f.sessions} starts (the silent charger's among them)`;
  return (
    `One silent charger among ${f.chargers} (${f.silent.id}: never answers a CALL from the gateway; it boots, charges and reports ${f.silent.drawA} A), step ${f.step} A, ${timeout}:\n` +
    `  its first CALL (${f.silent.firstCall}) sent → flagged uncontrolled: ${(f.flaggedAfterMs / 1000).toFixed(2)} s at the gateway; ${f.silent.calls} CALL${f.silent.calls === 1 ? '' : 's'} to it in all, none answered\n` +
    `  without it (the default-step StartTransaction above, same run): at the gateway p50 ${without.gateway.p50.toFixed(2)} ms, p99 ${without.gateway.p99.toFixed(2)} ms, max ${without.gateway.max.toFixed(2)} ms\n` +
    trial(f.before, 'StartTransaction while the gateway waits on it (not flagged yet)', what + straddled, 'its StopTransaction', ` (target p99 ≤ 20 ms${ratio(f.before)})`, ' to a compliant charger') +
    trial(f.after, 'StartTransaction after it was flagged uncontrolled', what, 'its StopTransaction', ` (target p99 ≤ 20 ms${ratio(f.after)})`, ' to a compliant charger')
  );
}

/** `node dist/bench/balancer.js` runs this part alone. */
if (import.meta.url === `file://${process.argv[1]}`) {
  runBalancerBench((l) => process.stderr.write(`· ${l}\n`))
    .then((b) => printBalancerBench(b, (s) => process.stdout.write(s)))
    .catch((err: unknown) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exitCode = 1;
    });
}
