/**
 * When the balancer's next run may start: paced by what its runs cost. Pure: the clock and the
 * measured cost come in, a delay goes out.
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
 * The wait is bounded by `maxDelayMs`: a limit that must go down waits at most that long
 * before it is decided, on top of the time a car has to follow it anyway
 * (site.balancing.responseTime; IEC 61851-1 gives a car 5 s). The loop bounds it to a tenth of
 * responseTime, so it adds at most 10 % to a reaction the site must already tolerate, and to
 * 250 ms at most (a MeterValues interval is seconds: the reading that asked for the run is
 * older than that by the time it arrives).
 */

export interface PacingPolicy {
  /** The share of one core the balancer's runs may keep busy (0.025: 2.5 %). */
  share: number;
  /** A run cheaper than this (ms of process time) lets the next one run at once. */
  cheapMs: number;
  /** The longest a run asked for waits, ms. */
  maxDelayMs: number;
}

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
export function paceDelay(last: RunCost | undefined, now: number, policy: PacingPolicy): number {
  if (!last || !(last.costMs >= policy.cheapMs) || !(policy.maxDelayMs > 0)) return 0;
  const wait = Math.min(policy.maxDelayMs, (last.costMs * (1 - policy.share)) / policy.share);
  // A clock that went back waits the bound at most.
  const since = Math.max(0, now - last.endedAt);
  return Math.max(0, Math.ceil(wait - since));
}
