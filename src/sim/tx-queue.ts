/**
 * The transaction message queue of a charge point (OCPP 1.6 §3.7, §4.8; the policy EVerest
 * libocpp implements): StartTransaction, StopTransaction and MeterValues of a transaction go
 * out in order, offline or online; while disconnected they wait; a message that fails
 * (CALLERROR or timeout) is retried TransactionMessageAttempts times, waiting
 * TransactionMessageRetryInterval × attempts so far, then dropped. A Stop or MeterValues
 * queued before the Start was answered carries our local reference: the central system's
 * transactionId is filled in when it is sent.
 */
import type { Logger } from '../log.js';
import { OcppOfflineError } from '../ocpp/errors.js';
import type { MeterValuesRequest, StartTransactionRequest, StartTransactionResponse, StopTransactionRequest } from '../ocpp/v16/types.js';

export type TxMessage =
  | { action: 'StartTransaction'; ref: number; payload: StartTransactionRequest }
  | { action: 'StopTransaction'; ref: number; payload: Omit<StopTransactionRequest, 'transactionId'> }
  | { action: 'MeterValues'; ref: number; payload: Omit<MeterValuesRequest, 'transactionId'> };

export interface TxQueueDeps {
  send(action: string, payload: unknown): Promise<unknown>;
  /** TransactionMessageAttempts, read at each failure (the central system may change it). */
  attempts(): number;
  /** TransactionMessageRetryInterval in ms. */
  retryIntervalMs(): number;
  sleep(ms: number): Promise<void>;
  logger: Logger;
  onStartAnswered(ref: number, answer: StartTransactionResponse): void;
  onDropped(message: TxMessage, reason: string): void;
}

interface Entry {
  message: TxMessage;
  failures: number;
  settle: (answer: unknown) => void;
}

export class TransactionQueue {
  private readonly entries: Entry[] = [];
  private readonly idByRef = new Map<number, number>();
  /** References whose Start was dropped: their Stop cannot name a transaction. */
  private readonly orphanRefs = new Set<number>();
  private online = false;
  private pumping = false;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly deps: TxQueueDeps) {}

  get length(): number {
    return this.entries.length;
  }

  /** The central system's transactionId for our reference, once StartTransaction was answered. */
  transactionIdFor(ref: number): number | undefined {
    return this.idByRef.get(ref);
  }

  /** Queues a message; resolves with the answer, or undefined when it was dropped. */
  enqueue(message: TxMessage): Promise<unknown> {
    return new Promise((settle) => {
      this.entries.push({ message, failures: 0, settle });
      void this.pump();
    });
  }

  /** Booted: deliver what waits (§3.7: after the connection is restored, in order). */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) void this.pump();
  }

  /** Resolves once nothing waits (or at once when empty). */
  drained(): Promise<void> {
    if (this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.online && this.entries.length > 0) {
        const entry = this.entries[0]!;
        const payload = this.payloadOf(entry.message);
        if (payload === undefined) {
          this.drop(entry, 'its StartTransaction was never accepted, so there is no transactionId to stop');
          continue;
        }
        try {
          const answer = await this.deps.send(entry.message.action, payload);
          this.entries.shift();
          if (entry.message.action === 'StartTransaction') {
            const conf = answer as StartTransactionResponse;
            this.idByRef.set(entry.message.ref, conf.transactionId);
            this.deps.onStartAnswered(entry.message.ref, conf);
          }
          entry.settle(answer);
        } catch (err) {
          // Offline: keep the message at the head and wait for the next boot (§3.7).
          if (err instanceof OcppOfflineError) break;
          entry.failures += 1;
          const max = this.deps.attempts();
          this.deps.logger.warn({ action: entry.message.action, attempt: entry.failures, of: max, err: (err as Error).message }, 'transaction message failed');
          if (entry.failures >= max) {
            this.drop(entry, `failed ${entry.failures} times: ${(err as Error).message}`);
            continue;
          }
          await this.deps.sleep(this.deps.retryIntervalMs() * entry.failures);
        }
      }
    } finally {
      this.pumping = false;
    }
    if (this.entries.length === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** The payload as it goes on the wire: the transactionId patched in (§4.8), or undefined when there is none. */
  private payloadOf(message: TxMessage): unknown {
    if (message.action === 'StartTransaction') return message.payload;
    const transactionId = this.idByRef.get(message.ref);
    if (transactionId !== undefined) return { ...message.payload, transactionId };
    // MeterValues may go without a transaction (the field is optional); a Stop may not.
    if (message.action === 'MeterValues' && this.orphanRefs.has(message.ref)) return message.payload;
    return undefined;
  }

  private drop(entry: Entry, reason: string): void {
    this.entries.shift();
    if (entry.message.action === 'StartTransaction') this.orphanRefs.add(entry.message.ref);
    this.deps.logger.warn({ action: entry.message.action, reason }, 'transaction message dropped');
    this.deps.onDropped(entry.message, reason);
    entry.settle(undefined);
  }
}
