/**
 * A hang that blocks the event loop (a loop, a regular expression backtracking) stops every
 * timer of the runner, its own deadlines included. A worker thread watches a heartbeat in
 * shared memory instead, and when it stalls says where and ends the process.
 */
import { Worker } from 'node:worker_threads';

const SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beats = new Int32Array(workerData.buffer);
let last = -1, since = Date.now();
setInterval(() => {
  const now = Atomics.load(beats, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since < workerData.limitMs) return;
  const target = workerData.targets[Atomics.load(beats, 2)] || '?';
  writeSync(2, '\\nFINDING (hang): the event loop was blocked for ' + workerData.limitMs + ' ms in target ' + target +
    ' at input ' + Atomics.load(beats, 1) + ' of seed ' + workerData.seed + '\\n  reproduce: npm run fuzz -- --target ' + target +
    ' --seed ' + workerData.seed + ' --start ' + Atomics.load(beats, 1) + ' --inputs 1\\n');
  process.kill(process.pid, 'SIGKILL');
}, 500);
`;

export interface Watchdog {
  beat(target: number, index: number): void;
  stop(): Promise<void>;
}

export function startWatchdog(seed: number, targets: readonly string[], limitMs: number): Watchdog {
  const buffer = new SharedArrayBuffer(12);
  const beats = new Int32Array(buffer);
  const worker = new Worker(SOURCE, { eval: true, workerData: { buffer, seed, targets, limitMs } });
  worker.unref();
  let n = 0;
  return {
    beat(target, index) {
      Atomics.store(beats, 0, ++n);
      Atomics.store(beats, 1, index);
      Atomics.store(beats, 2, target);
    },
    stop: async () => void (await worker.terminate()),
  };
}
