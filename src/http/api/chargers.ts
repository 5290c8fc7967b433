/** GET /api/chargers and /api/chargers/{chargerId}: every charger and connector, live. */
import { route, type Route } from '../route.js';
import { activeSessions, chargerIds, chargerView, requireCharger, type ViewDeps } from '../views.js';

export const CHARGER_ID = { type: 'string', maxLength: 48, required: true, description: 'The charger id (its OCPP identity).' } as const;

export function chargerRoutes(deps: ViewDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/chargers',
      access: 'read',
      tag: 'chargers',
      summary:
        'Every charger (configured or seen) with its connectors: status, power, current per phase, running session; the limit the balancer planned ' +
        'beside the one the charger accepted, the one in flight and the current it draws; and whether chargegate controls the charger.',
      response: 'ChargerList',
      handle() {
        const active = activeSessions(deps.sessions);
        return { json: { chargers: chargerIds(deps).map((id) => chargerView(deps, id, active)) } };
      },
    }),
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}',
      access: 'read',
      tag: 'chargers',
      summary: 'One charger with its connectors.',
      response: 'Charger',
      params: { chargerId: CHARGER_ID },
      handle({ params }) {
        const id = params.chargerId!;
        requireCharger(deps, id);
        return { json: chargerView(deps, id) };
      },
    }),
  ];
}
