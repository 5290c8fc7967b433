/**
 * External site limits in force at an instant: time-of-use windows from the config, a price
 * table (dynamic tariffs), and limits set at run time (demand response with an expiry, the
 * cloud's ChargePointMaxProfiles). allocate() takes the lowest. Pure: `now` is passed in;
 * the time zone is a name, resolved by Intl (no clock read).
 */
import type { ExternalLimit } from './model.js';

export interface ScheduleWindow {
  from: string; // HH:MM
  to: string; // HH:MM
  days?: readonly string[]; // mon..sun
  maxCurrent: number;
}

export interface PriceTable {
  threshold: number;
  maxCurrent: number;
  table: readonly { from: string; price: number }[];
}

export interface RuntimeLimit {
  amps: number;
  /** Epoch ms; undefined = until cleared. */
  until?: number;
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Weekday (mon..sun) and minutes since midnight at `now` in `timeZone`. */
export function localTime(now: number, timeZone: string): { day: string; minutes: number } {
  return localClock(timeZone)(now);
}

/**
 * localTime with its formatter built once: for callers that ask about many instants (a
 * session's cost is priced minute by minute).
 */
export function localClock(timeZone: string): (now: number) => { day: string; minutes: number } {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return (now) => {
    const parts = format.formatToParts(new Date(now));
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
    return { day: get('weekday').slice(0, 3).toLowerCase(), minutes: Number(get('hour')) * 60 + Number(get('minute')) };
  };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether a window covers the instant; a window whose `to` is before `from` runs past midnight. */
export function inWindow<W extends Pick<ScheduleWindow, 'from' | 'to' | 'days'>>(w: W, at: { day: string; minutes: number }): boolean {
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  const days = w.days;
  if (from <= to) return at.minutes >= from && at.minutes < to && (!days || days.includes(at.day));
  // Past midnight: the part after midnight belongs to the previous day's window.
  if (at.minutes >= from) return !days || days.includes(at.day);
  if (at.minutes < to) return !days || days.includes(DAYS[(DAYS.indexOf(at.day) + 6) % 7]!);
  return false;
}

/** The price at `now`: the last entry that started at or before it. */
export function priceAt(table: PriceTable['table'], now: number): number | undefined {
  let found: { at: number; price: number } | undefined;
  for (const e of table) {
    const at = Date.parse(e.from);
    if (at <= now && (!found || at >= found.at)) found = { at, price: e.price };
  }
  return found?.price;
}

export interface ExternalInputs {
  schedule: readonly ScheduleWindow[];
  timeZone: string;
  prices?: PriceTable;
  /** The site's tariff (src/cost): when given, the price the threshold is compared with; the table is not read. */
  tariffPrice?: (now: number) => number | undefined;
  runtime: ReadonlyMap<string, RuntimeLimit>;
  now: number;
}

export function externalLimits(x: ExternalInputs): ExternalLimit[] {
  const out: ExternalLimit[] = [];
  if (x.schedule.length > 0) {
    const at = localTime(x.now, x.timeZone);
    for (const w of x.schedule) if (inWindow(w, at)) out.push({ source: `schedule ${w.from}-${w.to}`, amps: w.maxCurrent });
  }
  if (x.prices) {
    const price = x.tariffPrice ? x.tariffPrice(x.now) : priceAt(x.prices.table, x.now);
    if (price !== undefined && price > x.prices.threshold) out.push({ source: `price ${price} above ${x.prices.threshold}`, amps: x.prices.maxCurrent });
  }
  for (const [source, limit] of x.runtime) if (limit.until === undefined || limit.until > x.now) out.push({ source, amps: limit.amps });
  return out;
}
