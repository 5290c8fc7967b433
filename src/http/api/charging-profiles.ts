/**
 * GET /api/chargers/{chargerId}/charging-profiles: the charging profiles a local user sent that
 * chargegate keeps as the load balancer's caps (src/control/user-profiles.ts), with the limit
 * each sets now and the limit in force per connector (0: the whole charger).
 */
import type { ChannelLimitsView } from '../../upstream/cloud-caps.js';
import { route, type Route } from '../route.js';
import { requireCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';

export interface ChargingProfileRouteDeps {
  views: Pick<ViewDeps, 'config' | 'registry'>;
  /** Undefined: no balancer keeps them (without a site: section they go to the charger). */
  chargingProfiles(chargerId: string): ChannelLimitsView | undefined;
  /** Every cap the balancer holds on the charger, by source (the cloud's, the users', MQTT/HTTP max current). */
  caps(chargerId: string): { connectorId?: number; source: string; amps: number }[];
}

export function chargingProfileRoutes(deps: ChargingProfileRouteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/charging-profiles',
      access: 'read',
      tag: 'chargers',
      summary:
        'The charging profiles local users sent to the charger (POST …/ocpp/SetChargingProfile, MQTT, CLI) that chargegate keeps as caps of the load balancer: ' +
        '{"keptByChargegate", "profiles": [{connectorId, profile, receivedAt, transactionId?, ampsNow}], "limitsNow": [{connectorId, amps, profileId?}], ' +
        '"caps": [{connectorId?, source, amps}]}; amps are A per phase, null where no profile is in force; caps are every cap the balancer holds on the charger ' +
        '(the cloud\'s profiles, the users\', max current commands), the lowest applying. Without a load balancer keptByChargegate is false: profiles go to the charger.',
      params: { chargerId: CHARGER_ID },
      handle({ params }) {
        const id = params.chargerId!;
        requireCharger(deps.views, id);
        const view = deps.chargingProfiles(id);
        return { json: { chargerId: id, keptByChargegate: view !== undefined, profiles: view?.profiles ?? [], limitsNow: view?.limitsNow ?? [], caps: deps.caps(id) } };
      },
    }),
  ];
}
