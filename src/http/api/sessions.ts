/** GET /api/sessions (JSON or CSV) and GET /api/energy: the same answers as `chargegate report`. */
import { toCsv } from '../../report/csv.js';
import { energyColumns, energyTotals } from '../../report/energy.js';
import { findSessions, SESSION_COLUMNS, withCosts } from '../../report/sessions.js';
import type { SessionCost, SessionRecord, SessionStore } from '../../store/ports.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';

const RANGE = {
  charger: { type: 'string', maxLength: 48, description: 'Only this charger.' },
  from: { type: 'instant', description: 'Sessions that started at or after this instant.' },
  to: { type: 'instant', description: 'Sessions that started before this instant.' },
} as const;

const FORMAT = { type: 'enum', values: ['json', 'csv'], description: 'json (default) or csv (a download, energy in kWh).' } as const;

export interface SessionRouteDeps {
  sessions: Pick<SessionStore, 'list'>;
  timeZone: string;
  /** A session's cost (src/cost); undefined without a tariff. */
  costOf?: (session: SessionRecord) => SessionCost | undefined;
}

export function sessionRoutes(deps: SessionRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/sessions',
      access: 'read',
      tag: 'sessions',
      summary: 'Charging sessions, oldest first, filtered by charger and start time; with a tariff, each with its cost (stored when it ended; so far, while it runs).',
      query: {
        ...RANGE,
        state: { type: 'enum', values: ['active', 'completed'], description: 'Only running or only finished sessions.' },
        limit: { type: 'integer', minimum: 1, maximum: 100000, description: 'At most this many, the most recent (default 1000 for JSON; CSV: all).' },
        format: FORMAT,
      },
      produces: ['application/json', 'text/csv'],
      handle({ query }) {
        checkRange(query.from, query.to);
        let sessions = findSessions(deps.sessions, {
          ...(query.charger !== undefined ? { chargerId: query.charger } : {}),
          ...(query.from ? { from: query.from } : {}),
          ...(query.to ? { to: query.to } : {}),
        });
        if (query.state) sessions = sessions.filter((s) => s.state === query.state);
        const limit = query.limit ?? (query.format === 'csv' ? undefined : 1000);
        const total = sessions.length;
        if (limit !== undefined && sessions.length > limit) sessions = sessions.slice(-limit);
        const costed = withCosts(sessions, deps.costOf);
        if (query.format === 'csv') return { csv: toCsv(SESSION_COLUMNS, costed), filename: 'chargegate-sessions.csv' };
        return { json: { total, sessions: costed } };
      },
    }),
    route({
      method: 'GET',
      path: '/api/energy',
      access: 'read',
      tag: 'sessions',
      summary: 'Energy of finished sessions per charger per day (or per day, or per charger); a session counts on the day it started.',
      query: {
        ...RANGE,
        by: { type: 'enum', values: ['charger-day', 'day', 'charger'], description: 'Grouping (default charger-day).' },
        tz: { type: 'timeZone', description: `Time zone of the days (default ${deps.timeZone}).` },
        format: FORMAT,
      },
      produces: ['application/json', 'text/csv'],
      handle({ query }) {
        checkRange(query.from, query.to);
        const by = query.by ?? 'charger-day';
        const sessions = findSessions(deps.sessions, {
          ...(query.charger !== undefined ? { chargerId: query.charger } : {}),
          ...(query.from ? { from: query.from } : {}),
          ...(query.to ? { to: query.to } : {}),
        });
        const rows = energyTotals(sessions, by, query.tz ?? deps.timeZone);
        if (query.format === 'csv') return { csv: toCsv(energyColumns(by), rows), filename: `chargegate-energy-by-${by}.csv` };
        return { json: { by, timeZone: query.tz ?? deps.timeZone, rows } };
      },
    }),
  ];
}

function checkRange(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) {
    throw new HttpError('bad_query', `"from" (${from.toISOString()}) must be before "to" (${to.toISOString()})`);
  }
}
