/**
 * When the balancer's next run may start: paced by what its runs cost and by what asked for
 * the run. Pure: the clock, the measured cost and the cause come in, a delay goes out.
 *
 * A run is a pass over every connector of the site. On a small site it costs a fraction of a
 * millisecond and runs in the turn after the event that asked for it, as always. On a large
 * one (1,000 chargers send 100 MeterValues a second, each in its own turn of the event loop)
 * a run per event would keep a core busy with passes that each change little; so after a run
 * that cost d ms of the process's time the next one waits until about d × (1 / share − 1) has
 * passed, which keeps the balancer near `share` of a core however large the site. Every event
 * during the wait still updates the balancer's maps at once: the run that follows sees them all
 * (a burst of events gives one run).
 *
 * Two causes, two shares. A **reading** (a charger's MeterValues, the grid meter, the periodic
 * recheck) tells the balancer more about a draw it has already allowed: the stream that makes
 * a large site expensive, paced at `share`. A **change** (a car arrives, leaves or pauses; a
 * charger answers an order, connects, drops, reboots; a cap, a limit or a quirk is set) alters
 * who may draw what, and someone waits on the run that follows: a new car on its first limit,
 * a car whose raise waits on the others' answers to their cuts. A change is paced at the larger
 * `changeShare`, so a single one is decided at once on any box (a run of a 100-charger site
 * costs 1–3 ms on a slow one: 39 × that at the reading share is a wait a user sees in the
 * bench as the p99 of a new car's first limit), while a flood of them (every charger reboots
 * at once) still leaves the rest of the core to the chargers' messages.
 *
 * The wait is bounded by `maxDelayMs`: a limit that must go down waits at most that long
 * before it is decided, on top of the time a car has to follow it anyway
 * (site.balancing.responseTime; IEC 61851-1 gives a car 5 s). The loop bounds it to a tenth of
 * responseTime, so it adds at most 10 % to a reaction the site must already tolerate, and to
 * 250 ms at most (a MeterValues interval is seconds: the reading that asked for the run is
 * older than that by the time it arrives).
 */

export interface PacingPolicy {
  /** The share of one core the runs asked for by readings may keep busy (0.025: 2.5 %). */
  share: number;
  /** The share of one core the runs asked for by changes may keep busy (0.25: 25 %). */
  changeShare: number;
  /** A run cheaper than this (ms of process time) lets the next one run at once. */
  cheapMs: number;
  /** The longest a run asked for waits, ms. */
  maxDelayMs: number;
}

/** What asked for a run: more of a known draw, or a change of who may draw what. */
export type RunCause = 'reading' | 'change';

export interface RunCost {
  /** When the run ended, ms on the loop's clock. */
  endedAt: number;
  /** The process time the run took, ms. */
  costMs: number;
}

/** How many recent runs the cost is judged on (typicalCost). */
export const RECENT_RUNS = 4;

/**
 * The cost to pace by: the least of the recent runs'. A site's runs cost about the same each
 * time; one that cost more once (a garbage collection, a compilation, a busy box taking the
 * core away mid-run) says nothing about the site, and must not make a small site wait.
 */
export function typicalCost(recentMs: readonly number[]): number {
  return recentMs.length < RECENT_RUNS ? 0 : Math.min(...recentMs.slice(-RECENT_RUNS));
}

/** ms until the next run may start (0: at once, in the next turn as before). */
export function paceDelay(last: RunCost | undefined, now: number, policy: PacingPolicy, cause: RunCause): number {
  if (!last || !(last.costMs >= policy.cheapMs) || !(policy.maxDelayMs > 0)) return 0;
  const share = cause === 'change' ? policy.changeShare : policy.share;
  const wait = Math.min(policy.maxDelayMs, (last.costMs * (1 - share)) / share);
  // A clock that went back waits the bound at most.
  const since = Math.max(0, now - last.endedAt);
  return Math.max(0, Math.ceil(wait - since));
}
