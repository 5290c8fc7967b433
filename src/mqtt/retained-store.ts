/**
 * The embedded broker's persistence (aedes): aedes-persistence's in-memory one, with its
 * retained messages kept compactly, in one place (issue #19). Only broker.ts uses it.
 *
 * Why: a heap snapshot of a 1,000-charger site (61,000 retained topics, about 60 per charger)
 * showed each retained message held twice. aedes-persistence 11 keeps a copy of the whole
 * packet (`Object.assign({}, packet)`: cmd, brokerId, brokerCounter, topic, payload, qos,
 * retain, dup, messageId, half of them in an out-of-object property array), about 120 bytes
 * each, 7.3 MB, plus its Map (1.8 MB); and broker.ts kept a Map of its own (topic → payload,
 * 1.8 MB) only to recognise a stale retained copy. Here a retained message is one Map entry,
 * topic → a three-field record; the packets aedes hands to a new subscriber are built when they
 * are read; and broker.ts asks this store what is current. Measured with `npm run build && node
 * --expose-gc dist/bench/retained-memory.js` (1,000 chargers, 60,001 retained topics): heap used
 * after a full GC 25.9 → 18.8 MiB, 305 → 180 bytes per retained topic; in a heap snapshot of the
 * same load, aedes' packet copies (6.9 MiB) and one of the two Maps (1.75 MiB) gave way to 2.75
 * MiB of records, 48 bytes each (docs/performance.md).
 *
 * The payload is kept as given, never copied: the string chargegate published (mqtt-packet
 * writes a string as UTF-8), or the Buffer a client's packet carried.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type AsyncMemoryPersistence from 'aedes-persistence/types/asyncPersistence.js';
import { matchesFilter } from './topics.js';

// aedes-persistence's in-memory implementation with promises (aedes 1.x calls its persistence
// so), without the callback layer its default export wraps it in. CommonJS, typed separately.
const MemoryPersistence = createRequire(import.meta.url)('aedes-persistence/asyncPersistence.js') as typeof AsyncMemoryPersistence;

export type RetainedPayload = string | Buffer;

/** What storeRetained reads of the PUBLISH packet aedes hands it (aedes calls it for retained PUBLISHes only). */
interface RetainedPublish {
  topic: string;
  payload: RetainedPayload;
  qos: 0 | 1 | 2;
}

/**
 * What a retained delivery needs besides its topic (the store's key): aedes makes the packet
 * it sends from cmd, topic, payload and qos, with a broker counter of its own
 * (aedes/lib/handlers/subscribe.js, `sendRetained`), so nothing else of the packet is kept;
 * and when it was stored, as a count of retained lookups, so that a lookup leaves out what was
 * stored after it began (createRetainedStreamCombi).
 */
export class RetainedMessage {
  constructor(
    readonly payload: RetainedPayload,
    /**
     * The QoS it was published with, kept with it [MQTT-3.3.1-5]. aedes sends it at the lower of
     * this and the subscription's only when the filter is the topic itself; through a wildcard,
     * at this one (it looks the subscription up by topic name; docs/performance.md).
     */
    readonly qos: 0 | 1 | 2,
    /** How many retained lookups (one per SUBSCRIBE) had begun when it was stored. */
    readonly lookupsBefore: number,
  ) {}
}

/** What the retained stream hands aedes: its fields are read once, into aedes' own packet. */
interface RetainedPacket {
  cmd: 'publish';
  topic: string;
  payload: RetainedPayload;
  qos: 0 | 1 | 2;
  retain: true;
}

export class RetainedStorePersistence extends MemoryPersistence {
  /** topic → its retained message: the one copy, and what broker.ts checks a retained copy against. */
  readonly #retained = new Map<string, RetainedMessage>();
  /**
   * Retained lookups begun so far. It counts SUBSCRIBEs, not publishes, so it stays a small
   * integer for any real broker's life (2^30 of them; past that it is still exact, only boxed).
   */
  #lookups = 0;

  /** How many topics have a retained message. */
  get retainedCount(): number {
    return this.#retained.size;
  }

  /** The retained message of a topic now, if any. */
  retainedMessage(topic: string): RetainedMessage | undefined {
    return this.#retained.get(topic);
  }

  override async storeRetained(packet: Parameters<AsyncMemoryPersistence['storeRetained']>[0]): Promise<void> {
    const { topic, payload, qos } = packet as unknown as RetainedPublish;
    // An empty payload removes the topic's retained message and is not kept [MQTT-3.3.1-10, MQTT-3.3.1-11].
    if (payload.length === 0) this.#retained.delete(topic);
    else this.#retained.set(topic, new RetainedMessage(payload, qos, this.#lookups));
  }

  override createRetainedStream(pattern: string): Readable {
    return this.createRetainedStreamCombi([pattern]);
  }

  /**
   * The retained messages of each filter in turn (a topic that two filters match comes once for
   * each, as aedes-persistence's does, as if each filter came in a SUBSCRIBE of its own
   * [MQTT-3.8.4-4]), as they were when the lookup began. aedes asks for them once the new
   * subscriptions are in place, so a message stored after that reaches the subscriber live;
   * the stream, which reads the live Map lazily as the subscriber takes its messages, leaves
   * such a message out (a new topic, or a new value: sending it again would be a duplicate, or,
   * for a value since replaced again, stale), and a removed one too. A message read ahead, then
   * replaced, is still handed to aedes: broker.ts's authorizeForward drops it (`isCurrent`).
   * aedes-persistence's stream sends such messages again: a subscriber still taking its
   * retained messages (slowly, or many of them) gets a fresh value twice, the second time with
   * the retain flag. With a read-ahead shallower than aedes' default (which wraps the stream in
   * a second one), test/integration/mqtt-limits.test.ts saw that once in four runs.
   */
  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.#matching(patterns, ++this.#lookups));
  }

  /** Whether `payload` is still the retained message of `topic` (not replaced or removed since it was read). */
  isCurrent(topic: string, payload: unknown): boolean {
    return this.#retained.get(topic)?.payload === payload;
  }

  override async destroy(): Promise<void> {
    await super.destroy();
    this.#retained.clear();
  }

  /** `lookup`: this lookup's number; messages stored after it began have as many lookups before them. */
  *#matching(patterns: readonly string[], lookup: number): Generator<RetainedPacket> {
    for (const pattern of patterns) {
      for (const [topic, message] of this.#retained) {
        if (message.lookupsBefore < lookup && matchesFilter(pattern, topic)) yield { cmd: 'publish', topic, payload: message.payload, qos: message.qos, retain: true };
      }
    }
  }
}
