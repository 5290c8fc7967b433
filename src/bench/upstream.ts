/**
 * The upstream part of `npm run bench`: durable enqueues per second (group commit, the WAL
 * fsynced before each answer), the replay of 100,000 queued messages to a bare-ws cloud, in turns with a bare ws
 * request/response loop to the same server sending the same frames, and memory while they wait.
 * Prints figures; asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { EventBus } from '../events.js';
import { silentLogger } from '../log.js';
import type { Store } from '../store/ports.js';
import { openSqliteStore } from '../store/sqlite.js';
import type { OcppVersion } from '../ocpp/errors.js';
import type { MeterValuesRequest } from '../ocpp/v16/types.js';
import { Courier } from '../upstream/courier.js';
import { UpstreamLink } from '../upstream/link.js';
import { Outbox } from '../upstream/outbox.js';
import { updatedByMeterValues } from '../upstream/v201/to-csms.js';

const REPLAY = Number(process.env.BENCH_UPSTREAM_MESSAGES ?? 100_000);
const ENQUEUE_SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const PRODUCERS = 100;
/** The replay and the bare loop alternate in slices of this many messages. */
const SLICE = Math.max(1, Number(process.env.BENCH_UPSTREAM_SLICE ?? 5_000));

const meterValues = (seq: number): Pick<MeterValuesRequest, 'connectorId' | 'meterValue'> => ({
  connectorId: 1 + (seq % 20),
  meterValue: [
    {
      timestamp: new Date(1_750_000_000_000 + seq * 1000).toISOString(),
      sampledValue: [
        { value: String(1000 + seq), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
        { value: '11040', measurand: 'Power.Active.Import', unit: 'W' },
        { value: '16.0', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
      ],
    },
  ],
});

/**
 * What a replay sends, in one OCPP version: 1.6 MeterValues as queued, or (2.0.1) the same
 * readings as the 2.0.1 wire queues them, TransactionEvent Updated (upstream/v201/to-csms.ts),
 * one transaction numbered by seqNo. The bare loop sends the same frames.
 */
export interface ReplayWire {
  protocol: OcppVersion;
  action: string;
  payload(seq: number): unknown;
  boot: Record<string, unknown>;
}

export const replay16: ReplayWire = { protocol: 'ocpp1.6', action: 'MeterValues', payload: meterValues, boot: { chargePointVendor: 'chargegate', chargePointModel: 'bench' } };

export const replay201: ReplayWire = {
  protocol: 'ocpp2.0.1',
  action: 'TransactionEvent',
  payload: (seq) => updatedByMeterValues({ ...meterValues(seq), connectorId: 1 }, { reference: 'bench-tx-1', seqNo: seq + 1, offline: true }).value,
  boot: { reason: 'PowerUp', chargingStation: { vendorName: 'chargegate', model: 'bench' } },
};

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

async function startCloud(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [new URL('cloud-echo.js', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { url: `ws://127.0.0.1:${port}/ocpp`, stop: () => child.kill() };
}

function newOutbox(store: Store, maxMessages = 10_000_000): Outbox {
  return new Outbox({ store, events: new EventBus(), logger: silentLogger(), now: () => new Date(), maxMessages });
}

/** PRODUCERS handlers at once, each staging a message and waiting for its commit, as chargers' MeterValues would. */
async function durableEnqueueRate(store: Store): Promise<number> {
  const outbox = newOutbox(store);
  let count = 0;
  const until = Date.now() + ENQUEUE_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (Date.now() < until) {
        await store.durably(() => outbox.stage({ channel: 'enqueue', action: 'MeterValues', kind: 'meter', payload: meterValues(count) }));
        count++;
      }
    }),
  );
  return count / ENQUEUE_SECONDS;
}

/** A bare ws request/response loop: one frame out, wait for the answer, the next. */
interface BareLoop {
  /** Sends frames `from`..`from + count - 1` one at a time; resolves with the milliseconds taken. */
  run(from: number, count: number): Promise<number>;
  close(): void;
}

async function openBareLoop(url: string, wire: ReplayWire): Promise<BareLoop> {
  const ws = new WebSocket(`${url}/BARE`, [wire.protocol], { perMessageDeflate: false });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return {
    async run(from, count) {
      const started = performance.now();
      for (let i = from; i < from + count; i++) {
        await new Promise<void>((resolve) => {
          ws.once('message', () => resolve());
          ws.send(JSON.stringify([2, String(i), wire.action, wire.payload(i)]));
        });
      }
      return performance.now() - started;
    },
    close: () => ws.close(),
  };
}

interface ReplayResult {
  perSecond: number;
  barePerSecond: number;
  /** Lowest and highest replay/bare ratio of a single slice, in %: how noisy the box was. */
  sliceRatios: [number, number];
  heapWaitingMiB: number;
  heapEmptyMiB: number;
  rssPeakMiB: number;
}

/**
 * The replay and the bare loop take turns in slices of SLICE messages (bare-replay, then
 * replay-bare, ...), so that other work on the box weighs on both alike: measured one after the
 * other, a busy neighbour during one of them made the ratio swing from 40 % to over 100 %.
 * Each replay slice ends with its acknowledgements on disk, so the bare slice after it does not
 * pay for the replay's fsync.
 */
async function replay(store: Store, url: string, wire: ReplayWire): Promise<ReplayResult> {
  const outbox = newOutbox(store);
  global.gc?.();
  const heapEmpty = process.memoryUsage().heapUsed;
  for (let i = 0; i < REPLAY; i += 1000) {
    await store.durably(() => {
      for (let k = i; k < Math.min(REPLAY, i + 1000); k++) outbox.stage({ channel: 'replay', action: wire.action, kind: 'meter', payload: wire.payload(k) });
    });
  }
  global.gc?.();
  const heapWaiting = process.memoryUsage().heapUsed;
  let rssPeak = process.memoryUsage().rss;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  // The bench pauses the courier between slices, as a link that is not ready would.
  let open = false;
  let answered = 0;
  let sliceEnd = 0;
  let sliceDone: () => void = () => undefined;
  const link = new UpstreamLink({
    url,
    identity: 'BENCH-SITE',
    protocol: wire.protocol,
    callTimeoutMs: 10_000,
    backoff: { initialMs: 100, maxMs: 1000 },
    handler: () => ({}),
    bootPayload: () => wire.boot,
    onState: () => undefined,
    logger: silentLogger(),
  });
  const courier = new Courier({
    channel: 'replay',
    outbox,
    logger: silentLogger(),
    retry: { attempts: 3, retryIntervalS: 0 },
    ready: () => open && link.ready,
    call: (action, payload) => link.call(action, payload),
    prepare: (m) => ({ payload: m.payload }),
    onAnswer: () => {
      if (++answered === sliceEnd) {
        open = false;
        sliceDone();
      }
      return undefined;
    },
    onGivenUp: () => undefined,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const replaySlice = async (count: number): Promise<number> => {
    const started = performance.now();
    const done = new Promise<void>((resolve) => (sliceDone = resolve));
    sliceEnd = answered + count;
    open = true;
    courier.wake();
    await done;
    outbox.flush();
    await store.durably(() => undefined); // resolves with the commit that holds the flush
    return performance.now() - started;
  };
  const bare = await openBareLoop(url, wire);
  link.start();
  while (!link.ready) await new Promise((r) => setTimeout(r, 5));
  let replayMs = 0;
  let bareMs = 0;
  const ratios: number[] = [];
  for (let done = 0, round = 0; done < REPLAY; done += SLICE, round++) {
    const count = Math.min(SLICE, REPLAY - done);
    let r: number;
    let b: number;
    if (round % 2 === 0) {
      b = await bare.run(done, count);
      r = await replaySlice(count);
    } else {
      r = await replaySlice(count);
      b = await bare.run(done, count);
    }
    replayMs += r;
    bareMs += b;
    ratios.push((b / r) * 100);
  }
  clearInterval(sampler);
  if (outbox.depth !== 0) throw new Error(`replay bench: ${outbox.depth} messages left in the outbox`);
  bare.close();
  await link.stop();
  return {
    perSecond: REPLAY / (replayMs / 1000),
    barePerSecond: REPLAY / (bareMs / 1000),
    sliceRatios: [Math.min(...ratios), Math.max(...ratios)],
    heapWaitingMiB: Number(mib(heapWaiting)),
    heapEmptyMiB: Number(mib(heapEmpty)),
    rssPeakMiB: Number(mib(rssPeak)),
  };
}

/** The replay's line: messages/s, its ratio to the bare loop (the goal: 0.8), the slices' spread. */
function replayLine(label: string, r: ReplayResult): string {
  const ratio = r.perSecond / r.barePerSecond;
  const [low, high] = r.sliceRatios.map((x) => x.toFixed(0));
  return `${label.padEnd(52)}${Math.round(r.perSecond)} msg/s  (${(ratio * 100).toFixed(0)} % of a bare ws loop: ${Math.round(r.barePerSecond)} msg/s; goal 80 %: ${ratio >= 0.8 ? 'PASS' : 'BELOW'}; slices of ${SLICE}: ${low}-${high} %)\n`;
}

const memoryLine = (r: ReplayResult) => `heap with the outbox empty / with ${REPLAY} waiting     ${r.heapEmptyMiB} / ${r.heapWaitingMiB} MiB; peak RSS during replay ${r.rssPeakMiB} MiB\n`;

/** Queues REPLAY messages of `wire` in a fresh store and replays them to the echo cloud. */
async function replayInto(dir: string, url: string, wire: ReplayWire): Promise<ReplayResult> {
  const store = openSqliteStore(dir);
  try {
    return await replay(store, url, wire);
  } finally {
    store.close();
  }
}

export async function runUpstreamBench(progress: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-upstream-bench-'));
  const cloud = await startCloud();
  try {
    progress(`upstream: durable enqueue, ${PRODUCERS} concurrent handlers for ${ENQUEUE_SECONDS} s (WAL fsync per group)…`);
    const store = openSqliteStore(join(dir, 'enqueue'));
    const enqueue = await durableEnqueueRate(store);
    store.close();
    progress(`upstream: queueing ${REPLAY} messages, then replaying them to the cloud, in turns with a bare ws request/response loop…`);
    const r = await replayInto(join(dir, 'replay'), cloud.url, replay16);
    process.stdout.write(`\nUpstream outbox (cloud = bare ws in its own process)\n\n`);
    process.stdout.write(`durable enqueue (group commit, fsync each commit)   ${Math.round(enqueue)} msg/s\n`);
    process.stdout.write(replayLine(`replay of ${REPLAY} queued messages`, r));
    process.stdout.write(memoryLine(r));
  } finally {
    cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * BENCH_PARTS=upstream201: the same replay to a 2.0.1 cloud (#17): the outbox holds the
 * TransactionEvents the 2.0.1 wire queues, the link speaks ocpp2.0.1 (its answers validated
 * against the 2.0.1 schemas), the bare loop sends the same TransactionEvents.
 */
export async function runUpstream201Bench(progress: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-upstream201-bench-'));
  const cloud = await startCloud();
  try {
    progress(`upstream201: queueing ${REPLAY} TransactionEvents, then replaying them to a 2.0.1 cloud, in turns with a bare ws request/response loop…`);
    const r = await replayInto(join(dir, 'replay'), cloud.url, replay201);
    process.stdout.write(`\nUpstream outbox to an OCPP 2.0.1 cloud (bare ws in its own process)\n\n`);
    process.stdout.write(replayLine(`replay of ${REPLAY} queued TransactionEvents`, r));
    process.stdout.write(memoryLine(r));
  } finally {
    cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
