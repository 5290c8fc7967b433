/**
 * Load-balancing figures for `npm run bench` (printed, never asserted):
 * 1. allocate() for 1,000 connectors on 100 circuits (target ≤ 1 ms);
 * 2. with 100 chargers connected and 60 sessions running, the time from a StartTransaction
 *    to the last SetChargingProfile it causes, p50/p99 (target p99 ≤ 20 ms): with the default
 *    step of 1 A (the few sessions that must come down are reduced), and with 0.1 A (every
 *    running session is reduced, 61 profiles). The gateway runs in this process; the chargers,
 *    raw `ws` sockets that accept every profile, in a child process (balancer-fleet.ts), which
 *    takes the times.
 * 3. the baseline, measured in the same run on the same disk: an fdatasync of a small write
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

export interface BalancerBench {
  allocateMs: { p50: number; p99: number; connectors: number; circuits: number };
  /** The same under an external limit (demand response): two passes, see allocate.ts. */
  allocateLimitedMs: { p50: number; p99: number };
  startToLastProfileMs: StartFigures;
  /** The same with balancing.step 0.1 A: every running session is reduced. */
  startToLastProfileFineMs: StartFigures;
  /** Baseline: fdatasync of a 12 KiB write after 100 ms idle, on the bench's storage disk. */
  syncMs: { p50: number; p99: number; samples: number };
}

interface StartFigures {
  p50: number;
  p99: number;
  chargers: number;
  sessions: number;
  profilesPerStart: number;
  trials: number;
  step: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

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

function benchAllocate(external: ExternalLimit[] = []): BalancerBench['allocateMs'] {
  const { site, connectors } = bigSite();
  const times: number[] = [];
  let state = {};
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    state = allocate({ site, connectors, external, state, now: 1_000_000 + i * 1000 }).state;
    if (i >= 50) times.push(performance.now() - t0); // after the JIT warmed up
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99), connectors: connectors.length, circuits: 100 };
}

/** BENCH_BALANCER_TRIALS starts are timed (default 100: p99 is then the second worst). */
const TRIALS = Number(process.env.BENCH_BALANCER_TRIALS ?? 100);

async function benchStartToProfiles(step: number): Promise<StartFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-balancer-'));
  const config = parseConfig(
    stringify({
      ocpp: { host: '127.0.0.1', port: 0, pingInterval: 0 },
      chargers: { allowUnknown: true },
      authorization: { mode: 'accept-all' },
      storage: { dir },
      log: { level: 'silent' },
      site: { supply: { maxCurrent: 400 }, balancing: { step, rampInterval: 0, rampStep: 80, hysteresis: 0, recheckInterval: 600 } },
    }),
    { env: {}, baseDir: dir },
  );
  const app = createApp(config, { logger: silentLogger() });
  const { ocppPort } = await app.start();
  try {
    // The chargers run in their own process, as on a site: what is timed is the gateway.
    const child = spawn(process.execPath, [new URL('balancer-fleet.js', import.meta.url).pathname, `ws://127.0.0.1:${ocppPort}/ocpp`, String(TRIALS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the bench's charger fleet exited with ${code}`);
    return { ...(JSON.parse(out) as Omit<StartFigures, 'step'>), step };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runBalancerBench(progress: (line: string) => void): Promise<BalancerBench> {
  progress('load balancing: allocate() for 1,000 connectors on 100 circuits…');
  const allocateMs = benchAllocate();
  const allocateLimitedMs = benchAllocate([{ source: 'demand-response', amps: 1500 }]);
  progress('load balancing: StartTransaction → last SetChargingProfile with 100 chargers (step 1 A)…');
  const startToLastProfileMs = await benchStartToProfiles(1);
  progress('load balancing: the same with step 0.1 A (every running session reduced)…');
  const startToLastProfileFineMs = await benchStartToProfiles(0.1);
  progress('load balancing: baseline, fdatasync after idle on this disk…');
  const syncMs = await benchSync();
  return { allocateMs, allocateLimitedMs, startToLastProfileMs, startToLastProfileFineMs, syncMs };
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
  const s = b.startToLastProfileMs;
  write('\nLoad balancing\n\n');
  write(`allocate(): ${a.connectors} connectors on ${a.circuits} circuits: p50 ${a.p50.toFixed(3)} ms, p99 ${a.p99.toFixed(3)} ms (target ≤ 1 ms)\n`);
  write(`allocate() under an external site limit (two passes): p50 ${b.allocateLimitedMs.p50.toFixed(3)} ms, p99 ${b.allocateLimitedMs.p99.toFixed(3)} ms\n`);
  const line = (f: StartFigures, note: string) =>
    `StartTransaction → last SetChargingProfile, step ${f.step} A${note}: ${f.chargers} chargers, ${f.sessions} sessions, ${f.profilesPerStart} profiles per start, ${f.trials} starts: ` +
    `p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms`;
  write(`${line(s, ' (the default)')} (target p99 ≤ 20 ms)\n`);
  write(`${line(b.startToLastProfileFineMs, ', every running session reduced')}\n`);
  write(`baseline, fdatasync after 100 ms idle on this disk (${b.syncMs.samples} samples): p50 ${b.syncMs.p50.toFixed(2)} ms, p99 ${b.syncMs.p99.toFixed(2)} ms; `);
  write(`start p50 = ${(s.p50 / b.syncMs.p50).toFixed(1)} × the sync p50\n`);
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
