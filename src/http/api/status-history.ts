/**
 * GET /api/chargers/{chargerId}/status-history: every StatusNotification of a charger (per
 * connector, with its error code, info and vendor error) and each connect and disconnect,
 * newest first, in pages. The dashboard's charger page draws it as a timeline.
 */
import type { StatusHistoryStore } from '../../store/ports.js';
import { route, type Route } from '../route.js';
import { requireCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';
import { STATUS_HISTORY_KEPT } from '../../store/sqlite/status-history.js';

export interface StatusHistoryRouteDeps {
  views: Pick<ViewDeps, 'config' | 'registry'>;
  statusHistory: StatusHistoryStore;
}

const DEFAULT_LIMIT = 200;

export function statusHistoryRoutes({ views, statusHistory }: StatusHistoryRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/status-history',
      access: 'read',
      tag: 'chargers',
      summary:
        `The charger's status history, newest first: each StatusNotification (kind "status": connectorId, status, errorCode, info, vendorErrorCode, ` +
        `the charger's timestamp) and each connect and disconnect (kind "connected" / "disconnected"). chargegate keeps the newest ${STATUS_HISTORY_KEPT} per charger. ` +
        'Page on with before = the "next" of the answer.',
      params: { chargerId: CHARGER_ID },
      query: {
        limit: { type: 'integer', minimum: 1, maximum: STATUS_HISTORY_KEPT, description: `At most this many (default ${DEFAULT_LIMIT}).` },
        before: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Only entries older than the one with this id (the "next" of the previous page).' },
      },
      handle({ params, query }) {
        const id = params.chargerId!;
        requireCharger(views, id);
        const limit = query.limit ?? DEFAULT_LIMIT;
        const entries = statusHistory.list(id, { limit, ...(query.before !== undefined ? { before: query.before } : {}) }).map(({ chargerId: _c, ...e }) => e);
        // A full page may have more behind it; a short one is the end.
        const next = entries.length === limit ? entries.at(-1)!.id : null;
        return { json: { chargerId: id, entries, next } };
      },
    }),
  ];
}
