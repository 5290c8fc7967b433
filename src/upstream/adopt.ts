/**
 * Messages queued for the cloud's other OCPP version (upstream.ocpp changed while the outbox
 * held messages, #17): at start-up, before anything is sent, each channel's queue from its first
 * such message on is written again in this cloud's terms (wire.adopt), in the same order, so the
 * new cloud gets every one once; a message with no form in this version goes to the dead letters
 * with the reason, loudly. One durable write: a kill -9 during it leaves the queue as it was.
 *
 * The version the outbox is written for is kept in the meta table (outboxVersionKey): a start
 * with the same upstream.ocpp does not read the queue at all (a long outbox is not read at every
 * start); a database without the key (written before it existed) is scanned once.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { OutboxMessage, Store } from '../store/ports.js';
import type { Wire } from './wire.js';

export interface AdoptDeps {
  store: Store;
  /** The upstream's name (its meta key). */
  upstream: string;
  wire: Wire;
  channels: readonly string[];
  events: EventBus;
  logger: Logger;
  now: () => Date;
}

const PAGE = 500;

function queued(store: Store, channel: string): OutboxMessage[] {
  const outbox = store.upstream.outbox;
  const upTo = outbox.maxSeq();
  const rows: OutboxMessage[] = [];
  for (let after = 0; ; ) {
    const page = outbox.page(channel, after, upTo, PAGE);
    rows.push(...page);
    if (page.length < PAGE) return rows;
    after = page.at(-1)!.seq;
  }
}

/** The meta key holding the OCPP version this upstream's outbox messages are written for. */
export function outboxVersionKey(upstream: string): string {
  return `upstream.${upstream}.outboxOcpp`;
}

/**
 * Rewrites each channel's queued messages of the other version, and all after the first of them
 * (their order); nothing is read when the outbox was written for this version.
 * @returns whether the queue was scanned (tests).
 */
export function adoptQueued(deps: AdoptDeps): boolean {
  const { store, wire, logger } = deps;
  const key = outboxVersionKey(deps.upstream);
  const writtenFor = store.meta.get(key);
  if (writtenFor === wire.protocol) {
    logger.debug({ protocol: wire.protocol }, 'the outbox was written for this OCPP version: not scanned');
    return false;
  }
  const outbox = store.upstream.outbox;
  void store
    .durably(() => {
      for (const channel of deps.channels) adoptChannel(deps, channel);
      // From now on every queued message is in this version's terms.
      store.meta.set(key, wire.protocol);
    })
    .catch((err: unknown) => logger.error({ err }, 'could not convert the messages queued for the other OCPP version; they stay queued'));
  return true;

  function adoptChannel(deps: AdoptDeps, channel: string): void {
    let adopted = 0;
    let rewriting = false;
    const given: { action: string; seq: number; reason: string }[] = [];
    for (const row of queued(store, channel)) {
      // Asked once per row: adopting writes (a 2.0.1 transaction's seqNo series).
      const as = wire.adopt(row, { channel, ready: false });
      if (as === undefined && !rewriting) continue;
      rewriting = true;
      if (as !== undefined && 'untranslatable' in as) {
        const dead = outbox.deadLetter(row.seq, `queued for the other OCPP version (upstream.ocpp changed): ${as.untranslatable}`, deps.now().toISOString());
        if (dead) deps.events.emit('upstream.deadLetter', dead);
        given.push({ action: row.action, seq: row.seq, reason: as.untranslatable });
        continue;
      }
      if (as !== undefined) adopted++;
      outbox.remove([row.seq]);
      const messages = as ?? [{ action: row.action, kind: row.kind, payload: row.payload, ...(row.localTransactionId !== undefined ? { localTransactionId: row.localTransactionId } : {}), ...(row.coalesceKey !== undefined ? { coalesceKey: row.coalesceKey } : {}) }];
      for (const m of messages) outbox.add({ ...m, channel }, row.createdAt);
    }
    if (!rewriting) return;
    logger.warn({ channel, protocol: wire.protocol, adopted, givenUp: given.length }, 'messages queued for the cloud\'s other OCPP version (upstream.ocpp changed): written again for this one, in order');
    for (const g of given) logger.error({ channel, ...g }, 'a queued message has no form in the cloud\'s OCPP version: kept in the dead letters');
  }
}
