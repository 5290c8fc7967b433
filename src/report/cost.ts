/**
 * Cost totals per month (pure): the finished sessions that started in the month (in the given
 * time zone, as the energy report counts them), each at the cost stored when it ended.
 */
import type { SessionCost, SessionRecord } from '../store/ports.js';
import { dayIn } from './energy.js';

export type CostedSession = SessionRecord & { cost?: SessionCost };

export interface ChargerCost {
  chargerId: string;
  sessions: number;
  energyKWh: number;
  amount: number;
}

export interface MonthCost {
  month: string;
  timeZone: string;
  currency: string | null;
  sessions: number;
  energyKWh: number;
  amount: number;
  /** Energy of those sessions at instants without a price (not in amount). */
  unpricedKWh: number;
  chargers: ChargerCost[];
}

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The range of start instants to ask the store for: the month in UTC with a day more on each side (any zone fits). */
export function monthRange(month: string): { from: Date; to: Date } {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return { from: new Date(Date.UTC(year, m - 1, 0)), to: new Date(Date.UTC(year, m, 2)) };
}

export function monthlyCost(sessions: readonly CostedSession[], month: string, timeZone: string): MonthCost {
  const dayOf = dayIn(timeZone);
  const total: MonthCost = { month, timeZone, currency: null, sessions: 0, energyKWh: 0, amount: 0, unpricedKWh: 0, chargers: [] };
  const byCharger = new Map<string, ChargerCost>();
  for (const s of sessions) {
    if (s.state !== 'completed' || !s.cost || !dayOf(s.startedAt).startsWith(`${month}-`)) continue;
    total.currency ??= s.cost.currency;
    total.sessions += 1;
    total.energyKWh += s.cost.energyWh / 1000;
    total.amount += s.cost.amount;
    total.unpricedKWh += s.cost.unpricedWh / 1000;
    let row = byCharger.get(s.chargerId);
    if (!row) byCharger.set(s.chargerId, (row = { chargerId: s.chargerId, sessions: 0, energyKWh: 0, amount: 0 }));
    row.sessions += 1;
    row.energyKWh += s.cost.energyWh / 1000;
    row.amount += s.cost.amount;
  }
  const tidy = <T extends { energyKWh: number; amount: number }>(r: T): T => ({ ...r, energyKWh: round(r.energyKWh, 3), amount: round(r.amount, 4) });
  return { ...tidy(total), unpricedKWh: round(total.unpricedKWh, 3), chargers: [...byCharger.values()].sort((a, b) => a.chargerId.localeCompare(b.chargerId)).map(tidy) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
