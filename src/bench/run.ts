/**
 * `npm run bench`: throughput and latency of the OCPP path, against a bare-ws baseline measured
 * in the same run on the same machine. A benchmark, not a test: it prints figures and ratios.
 *
 * Topology: the server under test (chargegate, or the bare-ws baseline) runs in its own
 * process, the load generator in this one, so each has a core of the 2-core box.
 */
import type { WebSocket } from 'ws';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printBalancerBench, runBalancerBench } from './balancer.js';
import { bootFrame as boot, callAll, closeAll, connectAll, meterValuesFrame as meterValues, runLoad, type LoadResult } from './load.js';
import { runUpstream201Bench, runUpstreamBench } from './upstream.js';
import { bootFrame201, meterValuesInTransactionFrame, ratioVerdict, startTransactionFrame16, transactionStartedFrame, transactionUpdatedFrame } from './frames201.js';
import { benchHttp } from './http.js';
import { benchMqtt } from './mqtt.js';
import { cpuMs, rssMiB, startGateway, startPeer } from './processes.js';
import { percentile } from './stats.js';
import { runScaleParts } from './scale-parts.js';
import { roundRatios, runAlternating, wholeLine, type Line } from './alternate.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const COUNTS = (process.env.BENCH_CHARGERS ?? '10,100,500').split(',').map(Number);
/**
 * Which parts run: BENCH_PARTS=ocpp,ocpp201,upstream,upstream201,balancer,mqtt,http (the default),
 * and scale, burst (#19: several minutes, not in the default; docs/performance.md).
 */
const PARTS = (process.env.BENCH_PARTS ?? 'ocpp,ocpp201,upstream,upstream201,balancer,mqtt,http').split(',');
/** Chargers of each line of the 2.0.1/1.6 pair (issue #16's goal is stated for 100). */
const PAIR_CHARGERS = Number(process.env.BENCH_201_CHARGERS ?? 100);
/** The ocpp201 part's untimed load before each line is timed, and where the timed load's seqNos start. */
const WARM_SECONDS = Number(process.env.BENCH_201_WARM_SECONDS ?? 1);
/** The ocpp201 part's timed rounds (each: both lines, back to back) and each line's seconds per round. */
const ROUNDS = Number(process.env.BENCH_201_ROUNDS ?? 7);
const ROUND_SECONDS = Number(process.env.BENCH_201_ROUND_SECONDS ?? 2);
const TIMED_SEQ_FROM = 1_000_000;
/** #19's verdict (verdict19): chargers per server (the goal is stated for 100), rounds, and each server's seconds per round. */
const VERDICT_CHARGERS = Number(process.env.BENCH_19_CHARGERS ?? 100);
const VERDICT_ROUNDS = Number(process.env.BENCH_19_ROUNDS ?? 7);
const VERDICT_ROUND_SECONDS = Number(process.env.BENCH_19_ROUND_SECONDS ?? 2);

const progress = (line: string) => process.stderr.write(`· ${line}\n`);

const heartbeat = (): [string, unknown] => ['Heartbeat', {}];

interface Row { scenario: string; result: LoadResult; baseline?: LoadResult }

/** A load result and the server's CPU time per message (µs, user + system), which a shared machine moves least. */
type Measured = LoadResult & { cpuUs: number };

async function measure(url: string, label: string, frame: (i: number, s: number) => [string, unknown], warmup: [string, unknown][], pid: number): Promise<Measured[]> {
  const results: Measured[] = [];
  for (const n of COUNTS) {
    progress(`${label}: ${n} chargers for ${SECONDS} s…`);
    const sockets = await connectAll(url, n, `BENCH${label.length}`);
    await runLoad(sockets, { seconds: 0, frame, warmup });
    const cpuBefore = cpuMs(pid);
    const r = await runLoad(sockets, { seconds: SECONDS, frame });
    const cpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / r.messages;
    closeAll(sockets);
    progress(`${label}: ${n} chargers → ${Math.round(r.perSecond)} msg/s, p99 ${r.p99ms.toFixed(2)} ms, ${Math.round(cpuUs)} µs CPU/msg`);
    results.push({ ...r, cpuUs });
    await new Promise((r) => setTimeout(r, 300));
  }
  return results;
}

async function main(): Promise<void> {
  if (PARTS.includes('ocpp')) await benchOcpp();
  if (PARTS.includes('ocpp201')) await benchOcpp201();
  if (PARTS.includes('upstream')) await runUpstreamBench(progress);
  if (PARTS.includes('upstream201')) await runUpstream201Bench(progress);
  if (PARTS.includes('balancer')) printBalancerBench(await runBalancerBench(progress), (line) => process.stdout.write(line));
  if (PARTS.includes('mqtt')) {
    const chargers = Number(process.env.BENCH_MQTT_CHARGERS ?? 1000);
    const seconds = Number(process.env.BENCH_MQTT_SECONDS ?? 30);
    process.stdout.write(await benchMqtt({ chargers, seconds, meterIntervalS: 10, messages: 50_000 }));
  }
  if (PARTS.includes('http')) {
    process.stdout.write(await benchHttp({ chargers: Number(process.env.BENCH_HTTP_CHARGERS ?? 100), seconds: SECONDS, rounds: 3, progress }));
  }
  await runScaleParts(PARTS, progress);
}

async function benchOcpp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-'));
  const rows: Row[] = [];
  try {
    const base = await startPeer('echo-server');
    const baseline = await measure(base.url, 'bare ws baseline', heartbeat, [], base.child.pid!);
    base.child.kill();
    // The ceilings of #19: the same MeterValues, stored durably by a bare ws server
    // (durable-ceiling.ts), and answered by ocpp-rpc storing nothing.
    const ceilingDir = join(dir, 'ceiling');
    mkdirSync(ceilingDir);
    const ceiling = await startPeer('durable-server', ceilingDir);
    const durable = await measure(ceiling.url, 'durable ceiling MeterValues', meterValues, [boot], ceiling.child.pid!);
    ceiling.child.kill();
    const peer = await startPeer('ocpp-rpc-server');
    const ocppRpc = await measure(peer.url, 'ocpp-rpc MeterValues (not stored)', meterValues, [boot], peer.child.pid!);
    peer.child.kill();

    const gw = await startGateway(dir);
    const hb = await measure(gw.url, 'chargegate Heartbeat', heartbeat, [boot], gw.child.pid!);
    const mv = await measure(gw.url, 'chargegate MeterValues (stored, group commit)', meterValues, [boot], gw.child.pid!);
    const verdict = await verdict19(gw.url, gw.child.pid!, dir);
    hb.forEach((r, i) => rows.push({ scenario: 'Heartbeat', result: r, baseline: baseline[i]! }));
    mv.forEach((r, i) => rows.push({ scenario: 'MeterValues', result: r, baseline: baseline[i]! }));
    baseline.forEach((r) => rows.push({ scenario: 'bare ws (baseline)', result: r }));

    const maxN = Math.max(...COUNTS);
    progress(`RSS: connecting ${maxN} chargers and booting them…`);
    const sockets = await connectAll(gw.url, maxN, 'RSS');
    await runLoad(sockets, { seconds: 0, frame: heartbeat, warmup: [boot] });
    const rss = rssMiB(gw.child.pid!);
    closeAll(sockets);
    gw.child.kill('SIGTERM');

    printTable(rows);
    printCeilings(COUNTS.map((_, i) => ({ chargegate: mv[i]!, durable: durable[i]!, ocppRpc: ocppRpc[i]!, bareWs: baseline[i]! })));
    process.stdout.write(`\nchargegate RSS with ${maxN} chargers connected: ${rss.toFixed(1)} MiB\n`);
    process.stdout.write(verdict);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 2.0.1 TransactionEvent `Updated` against 1.6 MeterValues: the same gateway process, the same
 * load generator, the same number of chargers, each with a running transaction (2.0.1: Started
 * in the warm-up) sending its next event as soon as the last is answered. Both are stored
 * durably before the answer, so the ratio is the cost of the 2.0.1 edge (validation against
 * the 2.0.1 schemas, translation, the seqNo replay check). Goal: at least 0.9.
 */
async function benchOcpp201(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench201-'));
  try {
    const gw = await startGateway(dir);
    type Frame = (i: number, s: number) => [string, unknown];
    type PairLine = { label: string; sockets: WebSocket[]; frame: Frame; runs: (LoadResult & { cpuUs: number })[] };
    /** Connects a line's chargers, runs its warm-up CALLs and an untimed WARM_SECONDS of its load. */
    const prepare = async (label: string, subprotocol: string, prefix: string, warmup: (sockets: WebSocket[]) => Promise<Frame>): Promise<PairLine> => {
      progress(`${label}: ${PAIR_CHARGERS} chargers, warming up…`);
      const sockets = await connectAll(gw.url, PAIR_CHARGERS, prefix, subprotocol);
      const frame = await warmup(sockets);
      // An untimed second of the same load first: the line run first would otherwise warm the
      // gateway (its JIT, its caches) for the other, which cost it some 20-30 µs per message
      // (docs/performance.md).
      await runLoad(sockets, { seconds: WARM_SECONDS, frame });
      return { label, sockets, frame, runs: [] };
    };
    /** One timed round of a line; the 2.0.1 seqNos of each round start above the last's (a seqNo used again is a replay, answered without the work). */
    const timed = async (line: PairLine, round: number) => {
      const cpuBefore = cpuMs(gw.child.pid!);
      const r = await runLoad(line.sockets, { seconds: ROUND_SECONDS, frame: (i, s) => line.frame(i, s + TIMED_SEQ_FROM * (round + 1)) });
      const cpuUs = ((cpuMs(gw.child.pid!) - cpuBefore) * 1000) / r.messages;
      line.runs.push({ ...r, cpuUs });
    };
    // A CALLERROR in the warm-up or the load fails the bench (roundTrip rejects): every 2.0.1
    // frame was accepted by the gateway's strict 2.0.1 schema check.
    // Both lines run a transaction per charger and name it in every message: the 1.6 MeterValues
    // carry the transactionId the gateway gave each charger's StartTransaction in the warm-up.
    const v16 = await prepare('1.6 MeterValues', 'ocpp1.6', 'PAIR16', async (sockets) => {
      await runLoad(sockets, { seconds: 0, frame: meterValues, warmup: [boot] });
      const started = (await callAll(sockets, startTransactionFrame16)) as { transactionId: number }[];
      return meterValuesInTransactionFrame(started.map((a) => a.transactionId));
    });
    const v201 = await prepare('2.0.1 TransactionEvent Updated', 'ocpp2.0.1', 'PAIR201', async (sockets) => {
      await runLoad(sockets, { seconds: 0, frame: transactionUpdatedFrame, warmup: [bootFrame201, transactionStartedFrame] });
      return transactionUpdatedFrame;
    });
    // The lines alternate in short rounds, each round's pair back to back (the first of the
    // pair alternating too), and the verdict is the median of the rounds' ratios: the box's
    // speed drifts over tens of seconds (a "slow mode" of about 1.6× per message seen in both
    // lines, docs/performance.md), and one line timed as a whole after the other took a drift
    // for a difference between them.
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      progress(`round ${round + 1} of ${ROUNDS}: ${ROUND_SECONDS} s of each line…`);
      const pair = round % 2 === 0 ? [v16, v201] : [v201, v16];
      for (const line of pair) await timed(line, round);
      ratios.push(v201.runs[round]!.perSecond / v16.runs[round]!.perSecond);
      progress(`round ${round + 1}: 1.6 ${Math.round(v16.runs[round]!.perSecond)} msg/s, 2.0.1 ${Math.round(v201.runs[round]!.perSecond)} msg/s, ratio ${ratios[round]!.toFixed(2)}`);
    }
    closeAll(v16.sockets);
    closeAll(v201.sockets);
    gw.child.kill('SIGTERM');
    const median = percentile(ratios, 50);
    const { mark } = ratioVerdict(median, 1);
    const whole = wholeLine;
    const line = (name: string, r: ReturnType<typeof whole>) =>
      `${name.padEnd(32)}  ${String(r.chargers).padStart(8)}  ${String(Math.round(r.perSecond)).padStart(6)}  ${r.p50ms.toFixed(2).padStart(6)}  ${r.p99ms.toFixed(2).padStart(6)}  ${String(Math.round(r.cpuUs)).padStart(11)}\n`;
    const a = whole(v16);
    const b = whole(v201);
    process.stdout.write(`\n2.0.1 TransactionEvent vs 1.6 MeterValues through chargegate (same run, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s each)\n\n`);
    process.stdout.write(`${'scenario'.padEnd(32)}  chargers   msg/s  p50 ms  p99 ms  µs CPU/msg\n`);
    process.stdout.write(line('1.6 MeterValues', a) + line('2.0.1 TransactionEvent Updated', b));
    process.stdout.write(`rounds' ratios 2.0.1 / 1.6: ${ratios.map((r) => r.toFixed(2)).join(' ')}\n`);
    process.stdout.write(`2.0.1 / 1.6: ${median.toFixed(2)}, the median of the rounds (goal ≥ 0.90) ${mark}\n`);
    process.stdout.write(`gateway CPU per message, 1.6 / 2.0.1: ${(a.cpuUs / b.cpuUs).toFixed(2)} (the same ratio by CPU cost, which a busy machine moves least)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Issue #19's verdict: chargegate, the durable ceiling and ocpp-rpc, each with VERDICT_CHARGERS
 * chargers connected and warmed up, in alternating rounds (alternate.ts); the goal is judged on
 * the median of the rounds' ratios, which the box's drift moves least. Returns the text to print.
 */
async function verdict19(gatewayUrl: string, gatewayPid: number, dir: string): Promise<string> {
  const ceilingDir = join(dir, 'verdict-ceiling');
  mkdirSync(ceilingDir);
  const ceiling = await startPeer('durable-server', ceilingDir);
  const peer = await startPeer('ocpp-rpc-server');
  try {
    const line = async (label: string, url: string, pid: number, prefix: string): Promise<Line> => {
      progress(`#19 verdict: ${label}, ${VERDICT_CHARGERS} chargers, warming up…`);
      const sockets = await connectAll(url, VERDICT_CHARGERS, prefix);
      await runLoad(sockets, { seconds: 0, frame: meterValues, warmup: [boot] });
      await runLoad(sockets, { seconds: 1, frame: meterValues });
      return { label, sockets, frame: meterValues, pid, runs: [] };
    };
    const lines = [
      await line('chargegate', gatewayUrl, gatewayPid, 'V19G'),
      await line('durable ceiling', ceiling.url, ceiling.child.pid!, 'V19D'),
      await line('ocpp-rpc', peer.url, peer.child.pid!, 'V19R'),
    ];
    await runAlternating(lines, { rounds: VERDICT_ROUNDS, seconds: VERDICT_ROUND_SECONDS, progress });
    for (const l of lines) closeAll(l.sockets);
    const [gw, durable, rpcLine] = lines as [Line, Line, Line];
    const row = (name: string, l: Line) => {
      const r = wholeLine(l);
      return `${name.padEnd(42)}  ${String(r.chargers).padStart(8)}  ${String(Math.round(r.perSecond)).padStart(6)}  ${r.p50ms.toFixed(2).padStart(6)}  ${r.p99ms.toFixed(2).padStart(6)}  ${String(Math.round(r.cpuUs)).padStart(10)}\n`;
    };
    const judged = (name: string, against: Line) => {
      const { ratios, median } = roundRatios(gw.runs, against.runs);
      return `rounds' ratios chargegate / ${name}: ${ratios.map((r) => r.toFixed(2)).join(' ')}\n` + `chargegate / ${name}: ${median.toFixed(2)}, the median of the rounds (goal ≥ 0.80) ${median >= 0.8 ? 'PASS' : 'BELOW'}\n`;
    };
    return (
      `\n#19 verdict: MeterValues (4 samples), ${VERDICT_CHARGERS} chargers per server, ${VERDICT_ROUNDS} alternating rounds of ${VERDICT_ROUND_SECONDS} s on each\n\n` +
      `${'server'.padEnd(42)}  chargers   msg/s  p50 ms  p99 ms  µs CPU/msg\n` +
      row('chargegate (stored, fdatasync)', gw) +
      row('durable ceiling (bare ws + same SQLite)', durable) +
      row('ocpp-rpc strict (not stored)', rpcLine) +
      judged('durable ceiling', durable) +
      judged('ocpp-rpc', rpcLine)
    );
  } finally {
    ceiling.child.kill();
    peer.child.kill();
  }
}

/**
 * Issue #19's figure: chargegate's stored MeterValues against the durable ceiling (the same
 * samples, table, group commit and fdatasync, nothing else) and against ocpp-rpc storing nothing.
 * Goal: ≥ 0.8 of each with 100 chargers.
 */
function printCeilings(runs: { chargegate: Measured; durable: Measured; ocppRpc: Measured; bareWs: Measured }[]): void {
  process.stdout.write(`\nMeterValues (4 samples) through chargegate vs its ceilings (#19; same load generator, ${SECONDS} s each)\n\n`);
  process.stdout.write(`${'server'.padEnd(42)}  chargers   msg/s  p50 ms  p99 ms  µs CPU/msg\n`);
  const line = (name: string, r: Measured) =>
    `${name.padEnd(42)}  ${String(r.chargers).padStart(8)}  ${String(Math.round(r.perSecond)).padStart(6)}  ${r.p50ms.toFixed(2).padStart(6)}  ${r.p99ms.toFixed(2).padStart(6)}  ${String(Math.round(r.cpuUs)).padStart(10)}\n`;
  for (const { chargegate, durable, ocppRpc, bareWs } of runs) {
    process.stdout.write(line('chargegate (stored, fdatasync)', chargegate));
    process.stdout.write(line('durable ceiling (bare ws + same SQLite)', durable));
    process.stdout.write(line('ocpp-rpc strict (not stored)', ocppRpc));
    process.stdout.write(line('bare ws echo (Heartbeat, not stored)', bareWs));
    const vsDurable = ratioVerdict(chargegate.perSecond, durable.perSecond, 0.8);
    const vsRpc = ratioVerdict(chargegate.perSecond, ocppRpc.perSecond, 0.8);
    process.stdout.write(`  chargegate / durable ceiling: ${vsDurable.ratio.toFixed(2)} (goal ≥ 0.80) ${vsDurable.mark}; by CPU per message ${(durable.cpuUs / chargegate.cpuUs).toFixed(2)}\n`);
    process.stdout.write(`  chargegate / ocpp-rpc:        ${vsRpc.ratio.toFixed(2)} (goal ≥ 0.80) ${vsRpc.mark}; by CPU per message ${(ocppRpc.cpuUs / chargegate.cpuUs).toFixed(2)}\n\n`);
  }
}

function printTable(rows: Row[]): void {
  const head = ['scenario', 'chargers', 'msg/s', 'p50 ms', 'p99 ms', 'vs bare ws'];
  const lines = rows.map(({ scenario, result: r, baseline: b }) => [
    scenario,
    String(r.chargers),
    String(Math.round(r.perSecond)),
    r.p50ms.toFixed(2),
    r.p99ms.toFixed(2),
    b ? `${((r.perSecond / b.perSecond) * 100).toFixed(0)} %` : '—',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\nOCPP request/response through chargegate vs a bare ws server (same load generator, ${SECONDS} s each)\n\n`);
  process.stdout.write(fmt(head) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const l of lines) process.stdout.write(fmt(l) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
