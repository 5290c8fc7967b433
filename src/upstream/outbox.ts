/**
 * The durable outbox: every message bound for the cloud, in SQLite, in order per upstream
 * connection (channel). Staged inside the caller's `store.durably` (so it commits with the
 * session write it mirrors, before the charger's answer); handed to a channel's courier only
 * once committed. Acknowledged messages are removed in batches: an acknowledgement lost to a
 * crash means the message is sent once more, unchanged, never lost.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { DeadLetter, NewOutboxMessage, OutboxMessage, Store } from '../store/ports.js';
import { chooseEvictions } from './policy.js';

export interface OutboxDeps {
  store: Store;
  events: EventBus;
  logger: Logger;
  now: () => Date;
  maxMessages: number;
}

/**
 * Acknowledgements are written in batches, one transaction (one fsync) each: at most
 * ACK_FLUSH_MS after the answer, or as soon as ACK_FLUSH_COUNT wait. A batch lost to a crash
 * only means its messages are sent once more, unchanged. The fsync blocks the event loop
 * (~2 ms on the 2-core development box, more on eMMC): with a 20 ms bound a replay paid it 50
 * times a second, about a tenth of its time.
 */
const ACK_FLUSH_MS = 100;
const ACK_FLUSH_COUNT = 1024;
/**
 * An acknowledgement with effects (the cloud's transactionId for a StartTransaction, an idTag's
 * status) is written sooner: a Start resent after a crash opens a second transaction in the cloud.
 */
const ACK_EFFECTS_FLUSH_MS = 20;

export class Outbox {
  private readonly store: Store;
  private committedSeq: number;
  private depthNow: number;
  /** Per channel: the highest seq sent (in flight or delivered); queued messages come after it. */
  private readonly sentThrough = new Map<string, number>();
  private readonly wakers = new Map<string, () => void>();
  private readonly answerWaiters = new Map<number, (answer: unknown) => void>();
  private acks: number[] = [];
  private ackEffects: (() => void)[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private effectsFlushTimer: NodeJS.Timeout | undefined;
  private fullWarned = 0;
  /** Bumped when queued messages vanish other than by delivery (coalesced, evicted): couriers re-read. */
  generation = 0;

  constructor(private readonly deps: OutboxDeps) {
    this.store = deps.store;
    this.committedSeq = this.store.upstream.outbox.maxSeq();
    this.depthNow = this.store.upstream.outbox.count();
  }

  get depth(): number {
    return this.depthNow;
  }

  /** Called when a channel's courier can take more: after a commit that added to its channel. */
  onCommitted(channel: string, wake: () => void): void {
    this.wakers.set(channel, wake);
  }

  /** Adds a message inside the current durable write; returns its seq. */
  stage(message: NewOutboxMessage): number {
    const outbox = this.store.upstream.outbox;
    const { seq, replaced } = outbox.add(message, this.deps.now().toISOString(), this.sentThrough.get(message.channel) ?? 0);
    this.depthNow += 1 - replaced;
    if (replaced > 0) this.generation++;
    if (this.depthNow > this.deps.maxMessages) this.evict();
    // Resolves with the commit that holds this row (the caller's): only then may it be sent.
    void this.store.durably(() => undefined).then(
      () => {
        if (seq > this.committedSeq) this.committedSeq = seq;
        this.wakers.get(message.channel)?.();
      },
      () => undefined,
    );
    return seq;
  }

  /**
   * Inside the current durable write: replaces the payload of a queued message not yet sent
   * (never one in flight or delivered, which the cloud may hold); false when there is none.
   */
  amend(channel: string, action: string, localTransactionId: number, payload: unknown): boolean {
    const amended = this.store.upstream.outbox.amend(channel, action, localTransactionId, payload, this.sentThrough.get(channel) ?? 0);
    // A courier holding the old copy in its page reads it again.
    if (amended) this.generation++;
    return amended;
  }

  /** Committed messages of a channel after `afterSeq`, in order. */
  page(channel: string, afterSeq: number, limit: number): OutboxMessage[] {
    return this.store.upstream.outbox.page(channel, afterSeq, this.committedSeq, limit);
  }

  /**
   * Whether a message of `channel` that `match` picks is still to be delivered: queued or in
   * flight, not yet answered (2.0.1 E14's messagesInQueue). Reads the channel's rows in pages, stops at the first.
   */
  holds(channel: string, match: (message: OutboxMessage) => boolean): boolean {
    const answered = new Set(this.acks);
    const upTo = this.store.upstream.outbox.maxSeq();
    for (let after = 0; ; ) {
      const rows = this.store.upstream.outbox.page(channel, after, upTo, 500);
      if (rows.some((m) => !answered.has(m.seq) && match(m))) return true;
      if (rows.length < 500) return false;
      after = rows.at(-1)!.seq;
    }
  }

  /** The courier sends `seq`: from now on it is never replaced or evicted (it may be resent, unchanged). */
  sending(channel: string, seq: number): void {
    if (seq > (this.sentThrough.get(channel) ?? 0)) this.sentThrough.set(channel, seq);
  }

  /** The cloud answered: the message is done. `effects` (id map, cache) are written with the removal. */
  acknowledge(seq: number, effects?: () => void): void {
    this.acks.push(seq);
    if (effects) this.ackEffects.push(effects);
    this.depthNow--;
    if (this.acks.length >= ACK_FLUSH_COUNT) return this.flush();
    if (effects) this.effectsFlushTimer ??= setTimeout(() => this.flush(), ACK_EFFECTS_FLUSH_MS);
    this.flushTimer ??= setTimeout(() => this.flush(), ACK_FLUSH_MS);
  }

  /** Writes the pending acknowledgements (one transaction). */
  flush(): void {
    clearTimeout(this.flushTimer);
    clearTimeout(this.effectsFlushTimer);
    this.flushTimer = undefined;
    this.effectsFlushTimer = undefined;
    if (this.acks.length === 0 && this.ackEffects.length === 0) return;
    const seqs = this.acks;
    const effects = this.ackEffects;
    this.acks = [];
    this.ackEffects = [];
    this.store
      .durably(() => {
        this.store.upstream.outbox.remove(seqs);
        for (const effect of effects) effect();
      })
      .catch((err: unknown) => this.deps.logger.error({ err }, 'could not record delivered upstream messages; they will be sent again'));
  }

  recordAttempts(seq: number, attempts: number): void {
    this.store.durably(() => this.store.upstream.outbox.setAttempts(seq, attempts)).catch(() => undefined);
  }

  /** Gives a message up for good: it moves to the dead letters, loudly. */
  async deadLetter(message: OutboxMessage, error: string): Promise<DeadLetter | undefined> {
    const dead = await this.store.durably(() => {
      this.store.upstream.outbox.setAttempts(message.seq, message.attempts);
      return this.store.upstream.outbox.deadLetter(message.seq, error, this.deps.now().toISOString());
    });
    if (!dead) return undefined;
    this.depthNow--;
    this.deps.logger.error(
      { channel: message.channel, action: message.action, seq: message.seq, transactionId: message.localTransactionId, attempts: message.attempts, error },
      'message for the cloud given up: kept in the dead letters',
    );
    this.deps.events.emit('upstream.deadLetter', dead);
    return dead;
  }

  /** Resolves with the cloud's answer to message `seq`, or undefined after `timeoutMs`. */
  awaitAnswer(seq: number, timeoutMs: number): Promise<unknown> {
    if (timeoutMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.answerWaiters.delete(seq);
        resolve(undefined);
      }, timeoutMs);
      this.answerWaiters.set(seq, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  /** Hands the cloud's answer to whoever still waits for it; false when nobody did (a late answer). */
  answered(seq: number, answer: unknown): boolean {
    const waiter = this.answerWaiters.get(seq);
    if (!waiter) return false;
    this.answerWaiters.delete(seq);
    waiter(answer);
    return true;
  }

  /**
   * Full: give up mirrored status first, then every second intermediate MeterValues, never a
   * Start or Stop (policy.chooseEvictions), with 1 % headroom so this does not run per message.
   */
  private evict(): void {
    const max = this.deps.maxMessages;
    const needed = this.depthNow - max + Math.ceil(max / 100);
    // Sent (in flight, or delivered and not yet removed) is not queued: only what comes after.
    const sent = Math.max(0, ...this.sentThrough.values());
    const candidates = this.store.upstream.outbox.evictable().filter((c) => c.seq > sent);
    const chosen = chooseEvictions(candidates, needed);
    const kinds = new Map(candidates.map((c) => [c.seq, c.kind]));
    if (chosen.length > 0) {
      this.store.upstream.outbox.remove(chosen);
      this.depthNow -= chosen.length;
      this.generation++;
      const status = chosen.filter((s) => kinds.get(s) === 'status').length;
      const event = { count: chosen.length, status, meterValues: chosen.length - status, outboxDepth: this.depthNow, at: this.deps.now().toISOString() };
      this.deps.logger.error({ ...event, maxMessages: max }, 'upstream outbox full: oldest status and every second MeterValues given up (Start and Stop are always kept)');
      this.deps.events.emit('upstream.evicted', event);
    } else if (this.depthNow - this.fullWarned >= Math.ceil(max / 100)) {
      this.fullWarned = this.depthNow;
      this.deps.logger.error({ outboxDepth: this.depthNow, maxMessages: max }, 'upstream outbox full of Start/Stop messages: kept beyond the limit, nothing is dropped');
    }
  }
}
