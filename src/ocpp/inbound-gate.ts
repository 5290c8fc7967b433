/**
 * How many of one peer's CALLs are handled at once and how fast (issue 13: one charger that
 * pipelined Heartbeats pushed another charger's answers to 0.5–1.7 s; a MeterValues flood
 * added 126 MB of memory in 15 s). A CALL over the limit waits its turn — it is never refused,
 * since a charger may drop a transaction message that is refused (OCPP 1.6 §3.7) — and while
 * too many wait, the connection stops being read, so TCP pushes back on the charger instead of
 * chargegate buffering its flood. Pure bookkeeping: the caller passes the clock.
 */
export interface InboundLimits {
  /** CALLs of one peer handled at the same time. */
  maxInFlight: number;
  /** CALLs per second one peer may start, on average. */
  ratePerSecond: number;
  /** CALLs that may start at once after a quiet spell. */
  burst: number;
}

/** Waiting CALLs at which the connection stops being read, and at which it is read again. */
export const PAUSE_AT = 32;
export const RESUME_AT = 8;

/** What drain() gives when nothing may start (most answers): one array for all, not one per call. */
const NONE: readonly never[] = Object.freeze([]);

export class InboundGate<T> {
  private inFlight = 0;
  private tokens: number;
  private refilledAt: number;
  private readonly waiting: T[] = [];

  constructor(
    private readonly limits: InboundLimits,
    now: number,
  ) {
    this.tokens = limits.burst;
    this.refilledAt = now;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** A CALL arrived: the ones that may start now (it, or none while others wait). */
  arrive(call: T, now: number): readonly T[] {
    this.waiting.push(call);
    return this.drain(now);
  }

  /** A CALL was answered: the ones that may start now. */
  done(now: number): readonly T[] {
    this.inFlight--;
    return this.drain(now);
  }

  /** Milliseconds until the next waiting CALL gets a token (undefined: none waits for one). */
  nextTokenInMs(): number | undefined {
    if (this.waiting.length === 0 || this.inFlight >= this.limits.maxInFlight || this.tokens >= 1) return undefined;
    return Math.ceil(((1 - this.tokens) / this.limits.ratePerSecond) * 1000);
  }

  /** The connection closed: what still waits is never handled (the peer had no answer, it resends). */
  clear(): void {
    this.waiting.length = 0;
  }

  drain(now: number): readonly T[] {
    this.tokens = Math.min(this.limits.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.limits.ratePerSecond);
    this.refilledAt = now;
    if (this.waiting.length === 0 || this.inFlight >= this.limits.maxInFlight || this.tokens < 1) return NONE;
    const start: T[] = [];
    while (this.waiting.length > 0 && this.inFlight < this.limits.maxInFlight && this.tokens >= 1) {
      this.tokens--;
      this.inFlight++;
      start.push(this.waiting.shift()!);
    }
    return start;
  }
}
