/**
 * How far V8 lets the heap grow past what the last full collection found alive.
 *
 * V8 sets the old generation's next limit at the live size times a factor it picks from the
 * collector's and the program's speeds, up to 4×, and keeps the memory it grew to. A site of
 * 1,000 chargers allocates steadily (frames, events, the mirror's messages): measured in
 * `npm run bench` (scale part), the heap reserved 235 MB for about 70 MB alive, and the
 * process's RSS was 369-391 MiB. At 35 % over the live size the RSS was 256-265 MiB for
 * 11-16 % of a core (median 14.6, six runs); at 20 %, 245-251 MiB for 15.5-16.5 % (more, smaller full collections);
 * at 50 %, 283 MiB (docs/performance.md, issue #19). 35 keeps most of the memory saved
 * without the collector's cost pushing the CPU up.
 *
 * A small box is what chargegate runs on: memory it does not need it should not hold. The
 * flag is V8's `--heap-growing-percent`, read at every full collection, so it can be set at
 * start from inside the process; a `--heap-growing-percent` given to node by the operator wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 35;

/** Sets the growth unless node was started with its own; returns the percent in effect (undefined: the operator's). */
export function limitHeapGrowth(percent = HEAP_GROWING_PERCENT, execArgv: readonly string[] = process.execArgv): number | undefined {
  // Only node's command line can carry the operator's: node 20 refuses to start with it in
  // NODE_OPTIONS ("is not allowed in NODE_OPTIONS", exit 9; the test holds node to that).
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return undefined;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
