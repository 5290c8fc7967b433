/**
 * Messages queued for the cloud's other OCPP version (upstream.ocpp changed while the outbox
 * held messages, #17): at start-up, before anything is sent, each channel's queue from its first
 * such message on is written again in this cloud's terms (wire.adopt), in the same order, so the
 * new cloud gets every one once; a message with no form in this version goes to the dead letters
 * with the reason, loudly. One durable write: a kill -9 during it leaves the queue as it was.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { OutboxMessage, Store } from '../store/ports.js';
import type { Wire } from './wire.js';

export interface AdoptDeps {
  store: Store;
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

/** Rewrites each channel's queued messages of the other version, and all after the first of them (their order). */
export function adoptQueued(deps: AdoptDeps): void {
  const { store, wire, logger } = deps;
  const outbox = store.upstream.outbox;
  for (const channel of deps.channels) {
    void store
      .durably(() => {
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
      })
      .catch((err: unknown) => logger.error({ err, channel }, 'could not convert the messages queued for the other OCPP version; they stay queued'));
  }
}
