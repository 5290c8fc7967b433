/**
 * The upstream's delivery policy, pure: no I/O, no clock (randomness comes in).
 * - failures: OCPP 1.6 §4.8 / §9.1 TransactionMessageAttempts and TransactionMessageRetryInterval;
 * - reconnecting: exponential back-off with jitter;
 * - a full outbox: what is given up first (never a StartTransaction or StopTransaction).
 */
import type { OutboxKind } from '../store/ports.js';

/** How a failed send counts. `offline`: the link dropped: not an attempt; resent unchanged on reconnect. */
export type FailureClass = 'offline' | 'failed';

export function classifyFailure(error: { name?: string }): FailureClass {
  return error.name === 'OcppOfflineError' ? 'offline' : 'failed';
}

export interface RetryPolicy {
  /** TransactionMessageAttempts: how many times a message is sent before it is given up. */
  attempts: number;
  /** TransactionMessageRetryInterval, seconds. */
  retryIntervalS: number;
}

export type AfterFailure = { retryInMs: number } | { deadLetter: true };

/**
 * After `failures` failed sends (CALLERROR or timeout) of one message: wait
 * TransactionMessageRetryInterval × failures so far and send it again (1.6 §4.8), until it has
 * been sent `attempts` times; then it goes to the dead letters (never silently dropped).
 */
export function afterFailure(failures: number, policy: RetryPolicy): AfterFailure {
  if (failures >= Math.max(1, policy.attempts)) return { deadLetter: true };
  return { retryInMs: policy.retryIntervalS * 1000 * failures };
}

/**
 * A queued message that is no transaction message (kind 'other': a SecurityEventNotification)
 * answered NotImplemented or NotSupported: the cloud does not know the action (a CSMS without
 * the 1.6 security extension). Retrying cannot change that and would hold back the transaction
 * messages queued behind it (delivery is in order), so it goes to the dead letters at once.
 */
export function givenUpAtOnce(kind: OutboxKind, errorCode: string | undefined): boolean {
  return kind === 'other' && (errorCode === 'NotImplemented' || errorCode === 'NotSupported');
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Delay before reconnect attempt `attempt` (0-based): uniform in [base/2, base], base = min(max, initial × 2^attempt). */
export function reconnectDelayMs(attempt: number, random: () => number, backoff: Backoff): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return base / 2 + random() * (base / 2);
}

export interface EvictionCandidate {
  seq: number;
  kind: OutboxKind;
  localTransactionId?: number;
}

/**
 * Which queued messages to give up when the outbox is full, `needed` of them if possible:
 * mirrored StatusNotifications first (oldest first; the cloud learns the current status on
 * reconnect anyway), then every second intermediate MeterValues of each transaction (the
 * first and last of each transaction stay, so the energy curve keeps its ends), repeated until
 * enough are freed. StartTransaction and StopTransaction are never candidates.
 */
export function chooseEvictions(candidates: readonly EvictionCandidate[], needed: number): number[] {
  const chosen: number[] = [];
  if (needed <= 0) return chosen;
  for (const c of candidates) {
    if (chosen.length >= needed) return chosen;
    if (c.kind === 'status') chosen.push(c.seq);
  }
  let meters = candidates.filter((c) => c.kind === 'meter');
  while (chosen.length < needed) {
    const byTransaction = new Map<number | undefined, EvictionCandidate[]>();
    for (const m of meters) {
      const list = byTransaction.get(m.localTransactionId) ?? [];
      list.push(m);
      byTransaction.set(m.localTransactionId, list);
    }
    const kept: EvictionCandidate[] = [];
    let freed = 0;
    for (const list of byTransaction.values()) {
      list.forEach((m, i) => {
        const intermediate = i > 0 && i < list.length - 1;
        if (intermediate && i % 2 === 1 && chosen.length < needed) {
          chosen.push(m.seq);
          freed++;
        } else kept.push(m);
      });
    }
    if (freed === 0) break; // nothing evictable left: transactions are kept, whatever the size
    meters = kept.sort((a, b) => a.seq - b.seq);
  }
  return chosen.sort((a, b) => a - b);
}
