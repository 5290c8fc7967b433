/**
 * How often a thing a client can cause is logged (pure: the caller passes the time). Anything an
 * MQTT client can repeat at will (a refused write, a broken packet, a client error) must not
 * let it fill the disk or drown the lines that matter: each key is logged once while it is
 * remembered, and all keys together at most `perWindow` times per window. The line that is
 * logged says how many were left out before it.
 */
export interface LogLimitOptions {
  /** Lines per window, all keys together. */
  perWindow: number;
  windowMs: number;
  /** Keys remembered; the oldest is forgotten beyond this (and may be logged again). */
  maxKeys: number;
}

export class LogLimiter {
  private readonly seen = new Set<string>();
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  private suppressed = 0;

  constructor(private readonly options: LogLimitOptions) {}

  /**
   * Whether to log an event now. undefined: stay silent. A number: log, and say that many
   * events were left out since the last line. `key` undefined: only the overall budget applies.
   */
  take(key: string | undefined, now: number): number | undefined {
    if (key !== undefined && this.seen.has(key)) return undefined;
    if (now - this.windowStart >= this.options.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.options.perWindow) {
      this.suppressed++;
      return undefined;
    }
    this.used++;
    if (key !== undefined) {
      this.seen.add(key);
      if (this.seen.size > this.options.maxKeys) this.seen.delete(this.seen.values().next().value!);
    }
    const left = this.suppressed;
    this.suppressed = 0;
    return left;
  }
}
