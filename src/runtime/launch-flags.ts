/**
 * The node flags (and environment, below) chargegate is launched with, everywhere it is launched: `npm start`
 * (package.json), the systemd unit (deploy/chargegate.service), the container
 * (deploy/Dockerfile) and `npm run bench`'s gateway. test/unit/runtime/launch-flags.test.ts
 * holds the four to this list.
 *
 * `--max-semi-space-size=4`: V8's young generation grows to two 16 MiB semi-spaces under a
 * steady allocation rate and keeps them, 32 MiB of RSS for objects that mostly live a
 * millisecond. Measured at 1,000 chargers (`npm run bench`, scale part, issue #19): RSS 258-271
 * MiB with V8's default, 237 with 4 MiB semi-spaces at the same CPU (15-16 % of a core); 2 MiB
 * saved no more and cost 22-25 %, because objects alive across a frame's handling were promoted
 * and the old generation collected more often. Unlike `--heap-growing-percent`
 * (heap-growth.ts), the young generation's size is fixed when V8 sets up the heap, so it cannot
 * be set from inside the process: it has to be on node's command line (or in NODE_OPTIONS).
 */
export const SEMI_SPACE_MIB = 4;

/**
 * `--single-threaded-gc`: V8 collects on the main thread alone, with no parallel scavenge,
 * marking or compaction helpers. On the 2-core development box, at 1,000 chargers (`npm run
 * bench`, scale part, issue #19, 5 December 2026, seven runs of each alternating): RSS at the
 * end 184-198 MiB against 199-209 (median 192 against 203), the same peak (219-231), and no
 * more CPU (median 12.8 % of a core against 13.8: on two cores the helpers' own work and
 * hand-offs cost more than they save); a stored MeterValues at 100 chargers cost 72-75 µs of
 * the gateway's CPU against 91-124 (three runs each). The collector's pauses are on the main
 * thread now; the balancer's answers (a car arrives → its limits out) stayed within the runs'
 * spread: p99 12-22 ms against 11-24, the slowest 15-45 against 15-36 (docs/performance.md,
 * "The collector on the main thread alone").
 */
export const SINGLE_THREADED_GC = '--single-threaded-gc';

/**
 * `--no-allocation-site-pretenuring`: V8 does not switch an object literal's code site to
 * allocating in the old generation when many of its objects survive a scavenge. Under a steady
 * flow of MeterValues it switched the samples' (`toSamples` in the 1.6 handler; they live until
 * their fsync), and an old object keeps what it references alive through every scavenge until
 * a full collection finds it dead. Measured (issue #19, 6 December 2026, 100 chargers, sampling
 * heap profile): with pretenuring 1.45 KB of each message reached the old generation (the
 * samples, and with them the parsed frame and ws's receive buffers), without it 0.2 KB; full
 * collections 2 a second against 0.5; the gateway's CPU per stored MeterValues
 * 69.8 µs against 77.4 (median of seven alternating rounds), 82 against 85 at 500 chargers.
 * At 1,000 chargers at rest (the scale part) and in the burst part no difference beyond the
 * runs' spread (docs/performance.md, "Pretenuring").
 */
export const NO_PRETENURING = '--no-allocation-site-pretenuring';

export const LAUNCH_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MIB}`, SINGLE_THREADED_GC, NO_PRETENURING];

/**
 * The environment chargegate is launched with, in the same four places.
 *
 * `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates (libuv's pool, which syncs the
 * database off the event loop; V8's collector and compiler threads) an arena of its own, up to
 * eight per core, and keeps what each grew to: 27 MiB in 24 arenas at 1,000 chargers. Two
 * arenas held 11-16 MiB less RSS in the same runs (`npm run bench`, scale part, issue #19) at
 * the same CPU. musl (Alpine) and macOS ignore the variable.
 */
export const LAUNCH_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * The semi-space size node was given (command line or NODE_OPTIONS), MiB; undefined when V8
 * picks (up to 16 MiB on 64-bit machines), as when chargegate is run as `node bin/chargegate.js`.
 */
export function semiSpaceMiB(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): number | undefined {
  let found: number | undefined;
  // The last one given wins, as in node; NODE_OPTIONS comes before the command line.
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    const m = /^--max[-_]semi[-_]space[-_]size=(\d+)$/.exec(arg);
    if (m) found = Number(m[1]);
  }
  return found;
}

/** Whether a V8 on/off flag is on as node was started: `--name` or `--no-name`, dashes or underscores, the last word wins (NODE_OPTIONS comes before the command line). */
function v8Switch(name: string, byDefault: boolean, execArgv: readonly string[], nodeOptions: string): boolean {
  const words = name.split('-').join('[-_]');
  const on = new RegExp(`^--${words}$`);
  const off = new RegExp(`^--no[-_]${words}$`);
  let value = byDefault;
  for (const arg of [...nodeOptions.split(/\s+/), ...execArgv]) {
    if (on.test(arg)) value = true;
    else if (off.test(arg)) value = false;
  }
  return value;
}

/** Whether node was told to collect on the main thread alone (command line or NODE_OPTIONS; the last word wins). */
export function singleThreadedGc(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  return v8Switch('single-threaded-gc', false, execArgv, nodeOptions);
}

/** Whether V8 may pretenure allocation sites (on unless node was given `--no-allocation-site-pretenuring`). */
export function allocationSitePretenuring(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): boolean {
  return v8Switch('allocation-site-pretenuring', true, execArgv, nodeOptions);
}
