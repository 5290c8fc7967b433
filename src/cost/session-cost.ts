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
  const all: EnergyReading[] = [{ at: start, wh: session.meterStart }];
  for (const s of samples) {
    if (s.measurand !== 'Energy.Active.Import.Register' || (s.phase !== undefined && s.phase !== 'N')) continue;
    if (s.location !== undefined && s.location !== 'Outlet') continue;
    const value = Number(s.value);
    const at = Date.parse(s.timestamp);
    if (!Number.isFinite(value) || !(at >= start && at <= stop)) continue;
    all.push({ at, wh: s.unit === 'kWh' ? value * 1000 : value });
  }
  if (session.meterStop !== undefined && Number.isFinite(stop)) all.push({ at: stop, wh: session.meterStop });
  all.sort((a, b) => a.at - b.at || a.wh - b.wh);
  const out: EnergyReading[] = [];
  for (const r of all) if (out.length === 0 || r.wh >= out.at(-1)!.wh) out.push(r);
  return out;
}

/** The cost of the energy between consecutive readings, priced minute by minute. */
export function costOf(readings: readonly EnergyReading[], priceAt: PriceAt): Cost {
  let amount = 0;
  let energyWh = 0;
  let unpricedWh = 0;
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1]!;
    const b = readings[i]!;
    const wh = b.wh - a.wh;
    if (!(wh > 0)) continue;
    energyWh += wh;
    if (b.at <= a.at) {
      // Two readings at one instant: all of it at that instant's price.
      const price = priceAt(a.at);
      if (price === undefined) unpricedWh += wh;
      else amount += (wh / 1000) * price;
      continue;
    }
    const span = b.at - a.at;
    for (let t = a.at; t < b.at; ) {
      const end = Math.min(b.at, (Math.floor(t / MINUTE_MS) + 1) * MINUTE_MS);
      const part = (wh * (end - t)) / span;
      const price = priceAt(t);
      if (price === undefined) unpricedWh += part;
      else amount += (part / 1000) * price;
      t = end;
    }
  }
  return { amount: round(amount, 4), energyWh: round(energyWh, 3), unpricedWh: round(unpricedWh, 3) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
