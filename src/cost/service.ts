/**
 * The site's tariff at run time: the configured tariff plus the feed's prices (kept in the
 * meta table, so a restart keeps what a running session was charged at), the cost of each
 * session while it charges (at every reading) and once it ended (stored with the session),
 * and the price now, announced when it changes.
 *
 * While a session charges its cost is kept running (session-cost.ts RunningCost): a reading adds
 * its own span, the session's samples are read from the store once (its first reading after a
 * start of chargegate), and again only when a reading comes out of order or the feed changed the
 * prices. Its end is priced from scratch, with its meterStop.
 */
import type { ControlResult } from '../control/ports.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { MeterSample, SessionCost, SessionRecord, Store } from '../store/ports.js';
import { addReading, costOf, energyReadings, registerReadings, roundedCost, runningCostOf, type RunningCost } from './session-cost.js';
import { createFeedPoller, type FeedPollState } from './feed-poll.js';
import { mergeFeed, parseFeed, tariffPrices, type FeedPrice, type PriceAt, type Tariff } from './tariff.js';

const FEED_KEY = 'tariff.feed';

export interface CostService {
  readonly currency: string;
  priceAt: PriceAt;
  priceNow(): number | undefined;
  /** The feed's known prices, oldest first. */
  feed(): readonly FeedPrice[];
  /** New prices from the feed (MQTT or HTTP), a JSON document as parseFeed takes it. */
  setFeed(doc: unknown): ControlResult;
  /** The fetches of tariff.feed.url so far; undefined without a url. */
  feedPoll(): FeedPollState | undefined;
  /** A finished session's stored cost, else what it cost so far. */
  costOf(session: SessionRecord): SessionCost | undefined;
  start(): void;
  stop(): void;
}

export interface CostDeps {
  tariff: Tariff;
  /** tariff.feed.validity, seconds; undefined: no feed. */
  feedValidityS?: number;
  /** tariff.feed.url, fetched every intervalMs (src/cost/feed-poll.ts). */
  poll?: { url: string; intervalMs: number; header?: { name: string; value: string } };
  store: Pick<Store, 'meters' | 'costs' | 'meta' | 'sessions' | 'durably'>;
  events: EventBus;
  logger: Logger;
  now: () => Date;
}

export function createCostService(deps: CostDeps): CostService {
  const log = deps.logger.child({ component: 'cost' });
  const { tariff, store, events } = deps;
  let feed = loadFeed();
  let price = tariffPrices(tariff, feed);
  let lastAnnounced: number | undefined | null = null;
  let timer: NodeJS.Timeout | undefined;
  const unsubscribe: (() => void)[] = [];
  let poller: ReturnType<typeof createFeedPoller> | undefined;
  /** The running cost of each active session, by transactionId. */
  const running = new Map<number, RunningCost>();

  function loadFeed(): FeedPrice[] {
    const text = store.meta.get(FEED_KEY);
    if (!text) return [];
    try {
      return JSON.parse(text) as FeedPrice[];
    } catch {
      return [];
    }
  }

  function priced(session: SessionRecord): SessionCost {
    const cost = costOf(energyReadings(session, store.meters.forTransaction(session.transactionId)), price);
    return { currency: tariff.currency, ...cost, computedAt: deps.now().toISOString() };
  }

  /** A running session's cost with the register readings of one MeterValues added. */
  function pricedWith(session: SessionRecord, samples: readonly MeterSample[]): SessionCost {
    let cost = running.get(session.transactionId);
    for (const r of registerReadings(session, samples).sort((a, b) => a.at - b.at || a.wh - b.wh)) {
      const next = cost && addReading(cost, r, price);
      cost = next === undefined || next === 'reorder' ? undefined : next;
      if (!cost) break;
    }
    // First reading since chargegate started, or one out of order: from the stored samples.
    cost ??= runningCostOf(energyReadings(session, store.meters.forTransaction(session.transactionId)), price);
    if (cost) running.set(session.transactionId, cost);
    return { currency: tariff.currency, ...roundedCost(cost), computedAt: deps.now().toISOString() };
  }

  function announcePrice(): void {
    const now = deps.now().getTime();
    const current = price(now);
    if (current !== lastAnnounced) {
      lastAnnounced = current;
      events.emit('tariff.price', { currency: tariff.currency, price: current ?? null, at: new Date(now).toISOString() });
    }
    // Periods start on the minute: look again at the next one.
    clearTimeout(timer);
    timer = setTimeout(announcePrice, 60_000 - (now % 60_000));
    timer.unref?.();
  }

  async function ended(session: SessionRecord): Promise<void> {
    running.delete(session.transactionId);
    const cost = priced(session);
    await store.durably(() => store.costs.record(session.transactionId, cost));
    log.info({ chargerId: session.chargerId, transactionId: session.transactionId, amount: cost.amount, currency: cost.currency, energyWh: cost.energyWh, unpricedWh: cost.unpricedWh }, 'session cost');
    events.emit('session.cost', { chargerId: session.chargerId, connectorId: session.connectorId, transactionId: session.transactionId, cost, final: true });
  }

  function setFeed(doc: unknown): ControlResult {
    if (deps.feedValidityS === undefined) return { accepted: false, reason: 'no tariff.feed in the config: prices from a feed are not taken' };
    const parsed = parseFeed(doc, deps.feedValidityS);
    if ('problem' in parsed) return { accepted: false, reason: parsed.problem };
    feed = mergeFeed(feed, parsed.prices, deps.now().getTime());
    price = tariffPrices(tariff, feed);
    // A publication may reprice minutes already counted: running costs start again from the samples.
    running.clear();
    store.meta.set(FEED_KEY, JSON.stringify(feed));
    log.info({ prices: parsed.prices.length, from: parsed.prices[0] && new Date(parsed.prices[0].from).toISOString() }, 'tariff feed prices taken');
    announcePrice();
    events.emit('tariff.feed', { prices: parsed.prices.length });
    return { accepted: true, reason: `${parsed.prices.length} prices` };
  }
  if (deps.poll) poller = createFeedPoller({ ...deps.poll, timeoutMs: 30_000, take: setFeed, events, logger: log });

  return {
    currency: tariff.currency,
    priceAt: (at) => price(at),
    priceNow: () => price(deps.now().getTime()),
    feed: () => feed,
    setFeed,
    feedPoll: () => poller?.state(),
    costOf(session) {
      if (session.state === 'completed') return store.costs.get(session.transactionId) ?? priced(session);
      return priced(session);
    },
    start() {
      unsubscribe.push(
        events.on('session.ended', (session) => void ended(session).catch((err: unknown) => log.error({ transactionId: session.transactionId, err: (err as Error).message }, 'session cost not stored'))),
        events.on('session.corrected', ({ session }) => void ended(session).catch((err: unknown) => log.error({ transactionId: session.transactionId, err: (err as Error).message }, 'session cost not stored'))),
        events.on('meter.values', (e) => {
          if (e.transactionId === undefined) return;
          const session = store.sessions.get(e.transactionId);
          if (!session || session.state !== 'active') return;
          events.emit('session.cost', { chargerId: session.chargerId, connectorId: session.connectorId, transactionId: session.transactionId, cost: pricedWith(session, e.samples), final: false });
        }),
        events.on('session.started', (session) => {
          running.set(session.transactionId, runningCostOf(energyReadings(session, []), price)!);
          const cost = { currency: tariff.currency, amount: 0, energyWh: 0, unpricedWh: 0, computedAt: deps.now().toISOString() };
          events.emit('session.cost', { chargerId: session.chargerId, connectorId: session.connectorId, transactionId: session.transactionId, cost, final: false });
        }),
      );
      announcePrice();
      poller?.start();
    },
    stop() {
      poller?.stop();
      clearTimeout(timer);
      unsubscribe.splice(0).forEach((off) => off());
    },
  };
}
