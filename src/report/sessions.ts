/**
 * Sessions for reports and the API: by charger and by the instant they started, as a range
 * [from, to). Shared by `chargegate report` and the HTTP API so both give the same answer.
 */
import type { SessionCost, SessionRecord, SessionStore } from '../store/ports.js';
import type { CsvColumn } from './csv.js';
import type { CostedSession } from './cost.js';

export interface SessionQuery {
  chargerId?: string;
  /** Started at or after this instant. */
  from?: Date;
  /** Started before this instant. */
  to?: Date;
}

const DAY_MS = 24 * 3600 * 1000;

export function findSessions(sessions: Pick<SessionStore, 'list'>, query: SessionQuery): SessionRecord[] {
  // The store compares start times as text, and chargers write them in several ways (with
  // an offset, without milliseconds): ask it for a day more on each side, then compare instants.
  const rows = sessions.list({
    ...(query.chargerId !== undefined ? { chargerId: query.chargerId } : {}),
    ...(query.from ? { from: new Date(query.from.getTime() - DAY_MS).toISOString() } : {}),
    ...(query.to ? { to: new Date(query.to.getTime() + DAY_MS).toISOString() } : {}),
  });
  const from = query.from?.getTime() ?? -Infinity;
  const to = query.to?.getTime() ?? Infinity;
  return rows.filter((s) => {
    const started = Date.parse(s.startedAt);
    return started >= from && started < to;
  });
}

/** The sessions CSV: one row per session, energy in kWh as accounting wants it. */
export const SESSION_COLUMNS: readonly CsvColumn<CostedSession>[] = [
  { header: 'transactionId', value: (s) => s.transactionId },
  { header: 'chargerId', value: (s) => s.chargerId },
  { header: 'connectorId', value: (s) => s.connectorId },
  { header: 'idTag', value: (s) => s.idTag },
  { header: 'state', value: (s) => s.state },
  { header: 'startedAt', value: (s) => s.startedAt },
  { header: 'stoppedAt', value: (s) => s.stoppedAt },
  { header: 'meterStartWh', value: (s) => s.meterStart },
  { header: 'meterStopWh', value: (s) => s.meterStop },
  { header: 'energyKWh', value: (s) => (s.energyWh === undefined ? undefined : s.energyWh / 1000) },
  { header: 'stopReason', value: (s) => s.stopReason },
  // The tariff's (src/cost): stored when the session ended; so far, while it runs.
  { header: 'cost', value: (s) => s.cost?.amount },
  { header: 'currency', value: (s) => s.cost?.currency },
];

/** Each session with its cost where one is known (a tariff is configured, or was when it ended). */
export function withCosts(sessions: readonly SessionRecord[], costOf: ((s: SessionRecord) => SessionCost | undefined) | undefined): CostedSession[] {
  if (!costOf) return [...sessions];
  return sessions.map((s) => {
    const cost = costOf(s);
    return cost ? { ...s, cost } : s;
  });
}
