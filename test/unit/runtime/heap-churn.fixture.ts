/**
 * A program with a live set and a steady stream of objects that live long enough to reach the
 * old generation, then die (as a busy gateway's frames and events do). argv[2] === 'limited':
 * limitHeapGrowth() first. Prints the largest heap V8 reserved, as JSON, on stdout.
 */
import { limitHeapGrowth } from '../../../src/runtime/heap-growth.js';

if (process.argv[2] === 'limited') limitHeapGrowth();
const live: { id: number; text: string }[] = [];
for (let i = 0; i < 100_000; i++) live.push({ id: i, text: 'x'.repeat(150) + i });
const ring: unknown[] = new Array(25_000);
let peak = 0;
for (let round = 0; round < 60; round++) {
  for (let i = 0; i < ring.length; i++) ring[i] = { round, i, payload: 'y'.repeat(100) + round + i, arr: [round, i, round + i] };
  await new Promise((resolve) => setImmediate(resolve));
  peak = Math.max(peak, process.memoryUsage().heapTotal);
}
process.stdout.write(JSON.stringify({ peakHeapMiB: peak / 2 ** 20, live: live.length }) + '\n');
