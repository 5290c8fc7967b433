/**
 * The OCPP 1.6 security extension over HTTP: a charger's security events (newest first). The
 * whitepaper's seven commands are sent like every other OCPP command (api/ocpp.ts).
 */
import type { SecurityEventStore } from '../../store/ports.js';
import { route, type Route } from '../route.js';
import { requireCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';

export interface SecurityRouteDeps {
  views: ViewDeps;
  security: SecurityEventStore;
}

export function securityRoutes({ views, security }: SecurityRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/security-events',
      access: 'read',
      tag: 'security',
      summary: 'The charger\'s security events (SecurityEventNotification, and InvalidCsr when its CSR was refused), newest first; chargegate keeps the latest 1000.',
      params: { chargerId: CHARGER_ID },
      query: { limit: { type: 'integer', minimum: 1, maximum: 1000, description: 'At most this many (default 100).' } },
      handle({ params, query }) {
        const id = params.chargerId!;
        requireCharger(views, id);
        return { json: { chargerId: id, events: security.list(id, query.limit ?? 100).map(({ chargerId: _c, ...e }) => e) } };
      },
    }),
  ];
}
