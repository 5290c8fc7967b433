/**
 * What a session's energy cost (pure). The energy between two readings of the charger's
 * register is spread evenly over the time between them, and each minute of it is priced at
 * the price in force at its start: a reading every 15 minutes still splits right at a
 * time-of-use boundary, and a price change in the middle of a session is honoured.
 */
import type { MeterSample, SessionRecord } from '../store/ports.js';
import type { PriceAt } from './tariff.js';

export interface EnergyReading {
  /** Epoch ms. */
  at: number;
  /** The register, Wh. */
  wh: number;
}

export interface Cost {
  /** In the tariff's currency, rounded to 1/10,000. */
  amount: number;
  /** The energy priced, Wh. */
  energyWh: number;
  /** Energy at instants without any price (no fixed price, no period, no feed price), Wh: not in amount. */
  unpricedWh: number;
}

const MINUTE_MS = 60_000;

/**
 * A session's register readings in time order: its meterStart, each energy sample within
 * the session (the register itself: no phase, the outlet), its meterStop once stopped. A
 * reading below the one before (a register that went backwards) is skipped: no negative energy.
 */
export function energyReadings(session: SessionRecord, samples: readonly MeterSample[]): EnergyReading[] {
  const start = Date.parse(session.startedAt);
  const stop = session.stoppedAt !== undefined ? Date.parse(session.stoppedAt) : Infinity;
  const all: EnergyReading[] = [{ at: start, wh: session.meterStart }, ...registerReadings(session, samples)];
  if (session.meterStop !== undefined && Number.isFinite(stop)) all.push({ at: stop, wh: session.meterStop });
  all.sort((a, b) => a.at - b.at || a.wh - b.wh);
  const out: EnergyReading[] = [];
  for (const r of all) if (out.length === 0 || r.wh >= out.at(-1)!.wh) out.push(r);
  return out;
}

/** The register samples among `samples` that fall within the session (not sorted, not checked for going backwards). */
export function registerReadings(session: Pick<SessionRecord, 'startedAt' | 'stoppedAt'>, samples: readonly MeterSample[]): EnergyReading[] {
  const start = Date.parse(session.startedAt);
  const stop = session.stoppedAt !== undefined ? Date.parse(session.stoppedAt) : Infinity;
  const out: EnergyReading[] = [];
  for (const s of samples) {
    if (s.measurand !== 'Energy.Active.Import.Register' || (s.phase !== undefined && s.phase !== 'N')) continue;
    if (s.location !== undefined && s.location !== 'Outlet') continue;
    const value = Number(s.value);
    const at = Date.parse(s.timestamp);
    if (!Number.isFinite(value) || !(at >= start && at <= stop)) continue;
    out.push({ at, wh: s.unit === 'kWh' ? value * 1000 : value });
  }
  return out;
}

/**
 * A running session's cost so far, unrounded, and its last reading: the next reading adds its
 * span alone (addReading), in the same order and with the same arithmetic as costOf, so the
 * result is the one a computation from scratch gives, to the last bit.
 */
export interface RunningCost {
  last: EnergyReading;
  amount: number;
  energyWh: number;
  unpricedWh: number;
}

export function startCost(first: EnergyReading): RunningCost {
  return { last: first, amount: 0, energyWh: 0, unpricedWh: 0 };
}

/**
 * The running cost with one more reading; 'reorder' when the reading comes before the last one
 * (a late sample): the caller computes from scratch then. A reading below the last is skipped,
 * as energyReadings skips it.
 */
export function addReading(cost: RunningCost, b: EnergyReading, priceAt: PriceAt): RunningCost | 'reorder' {
  const a = cost.last;
  if (b.at < a.at || (b.at === a.at && b.wh < a.wh)) return 'reorder';
  if (b.wh < a.wh) return cost;
  const next = { ...cost, last: b };
  const wh = b.wh - a.wh;
  if (!(wh > 0)) return next;
  next.energyWh += wh;
  if (b.at <= a.at) {
    // Two readings at one instant: all of it at that instant's price.
    const price = priceAt(a.at);
    if (price === undefined) next.unpricedWh += wh;
    else next.amount += (wh / 1000) * price;
    return next;
  }
  const span = b.at - a.at;
  for (let t = a.at; t < b.at; ) {
    const end = Math.min(b.at, (Math.floor(t / MINUTE_MS) + 1) * MINUTE_MS);
    const part = (wh * (end - t)) / span;
    const price = priceAt(t);
    if (price === undefined) next.unpricedWh += part;
    else next.amount += (part / 1000) * price;
    t = end;
  }
  return next;
}

/** The running cost over sorted readings (energyReadings), from their first. */
export function runningCostOf(readings: readonly EnergyReading[], priceAt: PriceAt): RunningCost | undefined {
  if (readings.length === 0) return undefined;
  let cost = startCost(readings[0]!);
  for (const r of readings.slice(1)) {
    const next = addReading(cost, r, priceAt);
    if (next !== 'reorder') cost = next;
  }
  return cost;
}

/** As shown and stored: the amount to 1/10,000, energies to 1/1,000 Wh. */
export function roundedCost(cost: RunningCost | undefined): Cost {
  if (!cost) return { amount: 0, energyWh: 0, unpricedWh: 0 };
  return { amount: round(cost.amount, 4), energyWh: round(cost.energyWh, 3), unpricedWh: round(cost.unpricedWh, 3) };
}

/** The cost of the energy between consecutive readings, priced minute by minute. */
export function costOf(readings: readonly EnergyReading[], priceAt: PriceAt): Cost {
  return roundedCost(runningCostOf(readings, priceAt));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
