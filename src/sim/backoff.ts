/**
 * Reconnect delay: exponential from `initialMs` doubling to `maxMs`, with jitter so that a site
 * of chargers that lost the same central system does not reconnect in one burst.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/** Delay before reconnect attempt `attempt` (0-based): uniform in [base/2, base], base = min(max, initial × 2^attempt). */
export function backoffDelayMs(attempt: number, random: () => number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(attempt, 30));
  return base / 2 + random() * (base / 2);
}
