/**
 * Delivers one channel's outbox over its link: in order, one outstanding CALL (OCPP-J 1.6
 * §4.1.1), each message sent exactly as stored (only the transactionId is filled in from the id
 * map, the same value every time), retried on CALLERROR or timeout per policy.afterFailure, and
 * given up to the dead letters after its attempts. A dropped link is not a failure: the message
 * is sent again, unchanged, once the link is back.
 */
import type { Logger } from '../log.js';
import type { OutboxMessage } from '../store/ports.js';
import type { Outbox } from './outbox.js';
import { afterFailure, classifyFailure, givenUpAtOnce, type RetryPolicy } from './policy.js';

/** What a stored message becomes on the wire, or why it cannot be sent. */
export type Prepared = { payload: unknown } | { unsendable: string };

export interface CourierDeps {
  channel: string;
  outbox: Outbox;
  logger: Logger;
  retry: RetryPolicy;
  /** True while the link is connected and its boot was accepted. */
  ready(): boolean;
  call(action: string, payload: unknown): Promise<unknown>;
  prepare(message: OutboxMessage): Prepared;
  /** The cloud answered; returns the effects to persist with the acknowledgement. */
  onAnswer(message: OutboxMessage, answer: unknown): (() => void) | undefined;
  /** A message was given up (its Start's transaction becomes unmappable, ...). */
  onGivenUp(message: OutboxMessage): void;
  sleep(ms: number): Promise<void>;
}

const PAGE = 256;

export class Courier {
  private cursor = 0;
  /** The page being delivered, read from the outbox PAGE messages at a time; `at` is the next one. */
  private buffer: OutboxMessage[] = [];
  private at = 0;
  private bufferGeneration = -1;
  private running = false;
  private stopped = false;

  constructor(private readonly deps: CourierDeps) {
    deps.outbox.onCommitted(deps.channel, () => this.wake());
  }

  /** Starts delivering if there is something to deliver and the link is ready. */
  wake(): void {
    if (this.running || this.stopped || !this.deps.ready()) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private next(): OutboxMessage | undefined {
    const { outbox } = this.deps;
    if (this.bufferGeneration !== outbox.generation) {
      this.buffer = [];
      this.at = 0;
      this.bufferGeneration = outbox.generation;
    }
    if (this.at >= this.buffer.length) {
      this.buffer = outbox.page(this.deps.channel, this.cursor, PAGE);
      this.at = 0;
    }
    return this.buffer[this.at];
  }

  private done(message: OutboxMessage): void {
    this.cursor = message.seq;
    this.at++;
  }

  private async run(): Promise<void> {
    const { outbox, logger } = this.deps;
    for (;;) {
      if (this.stopped || !this.deps.ready()) return;
      const message = this.next();
      if (!message) return;
      const prepared = this.deps.prepare(message);
      if ('unsendable' in prepared) {
        this.done(message);
        await outbox.deadLetter(message, prepared.unsendable);
        this.deps.onGivenUp(message);
        continue;
      }
      outbox.sending(this.deps.channel, message.seq);
      let answer: unknown;
      try {
        answer = await this.deps.call(message.action, prepared.payload);
      } catch (err) {
        const error = err as Error & { code?: string; description?: string };
        if (classifyFailure(error) === 'offline') {
          // Sent (perhaps) but the answer was lost with the link: sent again, unchanged, later.
          return;
        }
        message.attempts++;
        const decision = givenUpAtOnce(message.kind, error.code) ? { deadLetter: true as const } : afterFailure(message.attempts, this.deps.retry);
        const why = error.code ? `${error.code}: ${error.description ?? ''}` : error.message;
        if ('deadLetter' in decision) {
          this.done(message);
          await outbox.deadLetter(message, `${why} (after ${message.attempts} attempts)`);
          this.deps.onGivenUp(message);
          continue;
        }
        logger.warn({ action: message.action, seq: message.seq, attempts: message.attempts, error: why, retryInMs: decision.retryInMs }, 'the cloud did not take a message; retrying');
        outbox.recordAttempts(message.seq, message.attempts);
        await this.deps.sleep(decision.retryInMs);
        continue;
      }
      this.done(message);
      outbox.acknowledge(message.seq, this.deps.onAnswer(message, answer));
    }
  }
}
