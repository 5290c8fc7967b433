/**
 * Energy totals from sessions (pure). A completed session counts in full on the day it
 * started, in the given time zone: the way a charging bill reads, and stable once written.
 * Running sessions are left out until they stop (their energy is not final).
 */
import type { SessionRecord } from '../store/ports.js';
import type { CsvColumn } from './csv.js';

export interface EnergyRow {
  /** YYYY-MM-DD in the report's time zone; undefined when grouped by charger only. */
  day?: string;
  /** undefined when grouped by day only. */
  chargerId?: string;
  sessions: number;
  energyWh: number;
}

export type EnergyGrouping = 'day' | 'charger' | 'charger-day';

/** 'YYYY-MM-DD' of an instant in an IANA time zone. */
export function dayIn(timeZone: string): (instant: string) => string {
  // en-CA formats dates as YYYY-MM-DD.
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (instant) => format.format(new Date(instant));
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function energyTotals(sessions: readonly SessionRecord[], by: EnergyGrouping, timeZone = 'UTC'): EnergyRow[] {
  const dayOf = dayIn(timeZone);
  const rows = new Map<string, EnergyRow>();
  for (const s of sessions) {
    if (s.state !== 'completed' || s.energyWh === undefined) continue;
    const day = by === 'charger' ? undefined : dayOf(s.startedAt);
    const chargerId = by === 'day' ? undefined : s.chargerId;
    const key = `${day ?? ''}\u0000${chargerId ?? ''}`;
    let row = rows.get(key);
    if (!row) {
      row = { ...(day !== undefined ? { day } : {}), ...(chargerId !== undefined ? { chargerId } : {}), sessions: 0, energyWh: 0 };
      rows.set(key, row);
    }
    row.sessions += 1;
    // A meter that went backwards (a replaced charger) would make a negative total: not energy.
    row.energyWh += Math.max(0, s.energyWh);
  }
  return [...rows.values()].sort((a, b) => (a.day ?? '').localeCompare(b.day ?? '') || (a.chargerId ?? '').localeCompare(b.chargerId ?? ''));
}

export function energyColumns(by: EnergyGrouping): CsvColumn<EnergyRow>[] {
  return [
    ...(by !== 'charger' ? [{ header: 'day', value: (r: EnergyRow) => r.day }] : []),
    ...(by !== 'day' ? [{ header: 'chargerId', value: (r: EnergyRow) => r.chargerId }] : []),
    { header: 'sessions', value: (r) => r.sessions },
    { header: 'energyKWh', value: (r) => r.energyWh / 1000 },
  ];
}
