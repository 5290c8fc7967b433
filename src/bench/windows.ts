/**
 * Trials split at a moment of the run (the bench's silent charger flagged uncontrolled). Pure:
 * times are whatever clock the caller used for both (performance.now() of the gateway's process).
 */

/** One timed trial: when its CALL came in, and how long until its last SetChargingProfile (ms). */
export interface Timed {
  t0: number;
  ms: number;
}

export interface Split {
  /** Durations of the trials that started before the moment (or all, when it never came). */
  before: number[];
  /** Durations of the trials that started at or after it. */
  after: number[];
  /** Of `before`, those whose last profile went out after the moment: the moment fell inside them. */
  straddling: number;
}

/** Splits trials by their start: before `at`, or from it on; `at` undefined: all before. */
export function splitAt(trials: readonly Timed[], at: number | undefined): Split {
  const out: Split = { before: [], after: [], straddling: 0 };
  for (const t of trials) {
    if (at === undefined || t.t0 < at) {
      out.before.push(t.ms);
      if (at !== undefined && t.t0 + t.ms > at) out.straddling++;
    } else out.after.push(t.ms);
  }
  return out;
}
