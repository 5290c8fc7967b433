/**
 * The site's tariff: what a kWh costs at an instant. One source for the whole site (session
 * costs, the monthly report, the balancer's price limit): a dynamic price from the feed
 * while one is valid, else the time-of-use period in force, else the fixed price. Pure: the
 * instant is passed in; the time zone is a name, resolved by Intl (no clock read).
 */
import { inWindow, localClock } from '../balancer/external.js';

export interface TariffPeriod {
  from: string; // HH:MM local
  to: string; // HH:MM local; before from: past midnight
  days?: readonly string[]; // mon..sun, of the from time
  price: number; // per kWh
}

/** A dynamic price (MQTT or HTTP feed): holds in [from, to), epoch ms. */
export interface FeedPrice {
  from: number;
  to: number;
  price: number;
}

export interface Tariff {
  currency: string;
  /** Per kWh when neither the feed nor a period gives one. */
  price?: number;
  periods: readonly TariffPeriod[];
  timeZone: string;
}

export type PriceAt = (at: number) => number | undefined;

/**
 * The price function of a tariff and the feed's prices at the time of the call. Several
 * feed prices over one instant: the one that starts last (a correction published later
 * for part of a window wins over the window).
 */
export function tariffPrices(tariff: Tariff, feed: readonly FeedPrice[]): PriceAt {
  const clock = tariff.periods.length > 0 ? localClock(tariff.timeZone) : undefined;
  return (at) => {
    let dynamic: FeedPrice | undefined;
    for (const p of feed) if (p.from <= at && at < p.to && (!dynamic || p.from >= dynamic.from)) dynamic = p;
    if (dynamic) return dynamic.price;
    if (clock) {
      const local = clock(at);
      // The first period that covers the instant: the config's order decides overlaps.
      for (const period of tariff.periods) if (inWindow(period, local)) return period.price;
    }
    return tariff.price;
  };
}

const MAX_FEED_PRICES = 10_000;

/**
 * Prices published to the feed, checked: a JSON array (or `{ "prices": [...] }`) of
 * `{ from, to?, price }` with `from`/`to` date-times with a zone and `price` per kWh. An entry
 * without `to` holds until the next entry starts, the last one for `validityS` seconds.
 */
export function parseFeed(doc: unknown, validityS: number): { prices: FeedPrice[] } | { problem: string } {
  const list = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc.prices) ? doc.prices : undefined;
  if (!list) return { problem: 'expected a JSON array of { "from", "to"?, "price" } (or { "prices": [...] })' };
  if (list.length > MAX_FEED_PRICES) return { problem: `at most ${MAX_FEED_PRICES} prices, got ${list.length}` };
  const entries: { from: number; to?: number; price: number }[] = [];
  for (const [i, item] of list.entries()) {
    if (!isRecord(item)) return { problem: `prices[${i}] must be an object { "from", "to"?, "price" }` };
    const unknown = Object.keys(item).filter((k) => k !== 'from' && k !== 'to' && k !== 'price');
    if (unknown.length > 0) return { problem: `prices[${i}]: unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (allowed: from, to, price)` };
    const from = instant(item.from);
    if (from === undefined) return { problem: `prices[${i}].from must be a date-time with a zone (e.g. 2026-12-03T17:00:00+01:00), got ${JSON.stringify(item.from)}` };
    const to = item.to === undefined ? undefined : instant(item.to);
    if (item.to !== undefined && (to === undefined || to <= from)) return { problem: `prices[${i}].to must be a date-time with a zone after from, got ${JSON.stringify(item.to)}` };
    if (typeof item.price !== 'number' || !Number.isFinite(item.price)) return { problem: `prices[${i}].price must be a number (per kWh), got ${JSON.stringify(item.price)}` };
    entries.push({ from, ...(to !== undefined ? { to } : {}), price: item.price });
  }
  entries.sort((a, b) => a.from - b.from);
  const prices = entries.map((e, i) => ({ from: e.from, to: e.to ?? entries[i + 1]?.from ?? e.from + validityS * 1000, price: e.price }));
  return { prices };
}

/** Epoch ms of an ISO 8601 date-time that names its zone (Z or an offset); else undefined. */
function instant(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How long past prices are kept: a session's cost is priced over its whole length. */
export const FEED_HISTORY_MS = 7 * 24 * 3600 * 1000;

/**
 * A new publication of the feed over what was known: it replaces the prices from its first
 * `from` on; earlier ones stay (cut at that instant) so a running session's past minutes keep
 * the price they were charged at. Prices that ended a week before `now` are forgotten.
 */
export function mergeFeed(known: readonly FeedPrice[], incoming: readonly FeedPrice[], now: number): FeedPrice[] {
  const cut = incoming.length > 0 ? Math.min(...incoming.map((p) => p.from)) : Infinity;
  const kept = known.filter((p) => p.from < cut).map((p) => ({ ...p, to: Math.min(p.to, cut) }));
  return [...kept, ...incoming].filter((p) => p.to > now - FEED_HISTORY_MS);
}
