/**
 * Whether chargegate controls a charger's current, and how that changes. Pure: the clock is
 * passed in. An uncontrolled charger is counted at its maximum, idle too unless
 * site.balancing.reserveUncontrolled is false (budget.ts), and the others are reduced for it.
 *
 * Life cycle (per charger):
 * - A refusal in any form — Rejected, NotSupported, a CALLERROR of any code, no answer within
 *   ocpp.callTimeout — makes it uncontrolled ('refused'). It is tried again after a back-off
 *   (site.balancing.retryInterval, doubled each time, at most retryMaxInterval), since every
 *   try is a write to the charger's flash and a silent charger's queue is blocked meanwhile.
 *   The next accepted profile ends it.
 * - Drawing above an accepted limit (failsafe.ts judgeOverdraw) makes it uncontrolled
 *   ('ignores'): an accepted profile proves nothing then, so only the end of its sessions or a
 *   disconnect ends it.
 * - quirks.noSmartCharging says it up front ('quirk'): for good, no profile is ever sent.
 * - The end of its sessions, a disconnect or a reboot ends 'refused' and 'ignores': the cause
 *   is gone with them. Not for a charger that dropped the connection instead of answering: it
 *   would get a profile, and drop, at every reconnect, so its back-off outlives the connection.
 */

export type Cause = 'refused' | 'ignores' | 'quirk';

export interface Uncontrolled {
  cause: Cause;
  /** In words, for the log, the API, MQTT and the dashboard. */
  why: string;
  /** Epoch ms. */
  since: number;
  /** Refusals in a row. */
  attempts: number;
  /** When the next profile may be tried (epoch ms; 'refused' only). */
  retryAt: number;
  /** It dropped the connection rather than answer: a reconnect or a reboot does not end it. */
  dropsConnection?: boolean;
}

export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
}

export function refused(prev: Uncontrolled | undefined, why: string, now: number, p: BackoffPolicy, dropsConnection = false): Uncontrolled {
  if (prev?.cause === 'quirk' || prev?.cause === 'ignores') return prev;
  const attempts = (prev?.attempts ?? 0) + 1;
  return { cause: 'refused', why, since: prev?.since ?? now, attempts, retryAt: now + Math.min(p.maxMs, p.firstMs * 2 ** (attempts - 1)), ...(dropsConnection ? { dropsConnection } : {}) };
}

export function overdrew(prev: Uncontrolled | undefined, why: string, now: number): Uncontrolled {
  if (prev?.cause === 'quirk' || prev?.cause === 'ignores') return prev;
  return { cause: 'ignores', why, since: prev?.since ?? now, attempts: 0, retryAt: Infinity };
}

export function noSmartCharging(why = 'configured without smart charging (quirks.noSmartCharging)'): Uncontrolled {
  return { cause: 'quirk', why, since: 0, attempts: 0, retryAt: Infinity };
}

/** A profile was accepted: a refusal is over; an overdraw or the quirk is not. */
export function accepted(prev: Uncontrolled | undefined): Uncontrolled | undefined {
  return prev?.cause === 'refused' ? undefined : prev;
}

/** Its sessions ended: only the quirk stays. */
export function settled(prev: Uncontrolled | undefined): Uncontrolled | undefined {
  return prev?.cause === 'quirk' ? prev : undefined;
}

/**
 * It disconnected or rebooted: a fresh start, except for the quirk and for a charger that
 * dropped the connection instead of answering (it would get a profile, and drop, at every
 * reconnect: its back-off stays).
 */
export function reconnected(prev: Uncontrolled | undefined): Uncontrolled | undefined {
  return prev?.cause === 'quirk' || prev?.dropsConnection === true ? prev : undefined;
}

/** Whether a profile may be sent to it now. */
export function mayTry(u: Uncontrolled | undefined, now: number): boolean {
  return u === undefined || (u.cause === 'refused' && now >= u.retryAt);
}
