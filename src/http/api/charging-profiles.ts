/**
 * GET /api/chargers/{chargerId}/charging-profiles: the charging profiles a local user sent that
 * chargegate keeps as the load balancer's caps (src/control/user-profiles.ts), with the limit
 * each sets now and the limit in force per connector (0: the whole charger).
 * GET …/charging-profiles/installed asks the charger which profiles it holds (2.0.1
 * GetChargingProfiles, its ReportChargingProfiles frames collected: src/gateway/charger-queries.ts);
 * GET …/transaction-status asks whether a transaction's messages are still queued there (2.0.1 E14).
 */
import { UnknownTransactionError, type ChargerQueries } from '../../gateway/charger-queries.js';
import type { ChannelLimitsView } from '../../upstream/cloud-caps.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';
import { requireCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';
import { asHttpErrors } from './commands.js';

export interface ChargingProfileRouteDeps {
  views: Pick<ViewDeps, 'config' | 'registry'>;
  /** Undefined: no balancer keeps them (without a site: section they go to the charger). */
  chargingProfiles(chargerId: string): ChannelLimitsView | undefined;
  /** Every cap the balancer holds on the charger, by source (the cloud's, the users', MQTT/HTTP max current). */
  caps(chargerId: string): { connectorId?: number; source: string; amps: number }[];
  /** Questions to the charger (undefined: none wired, the routes are left out). */
  queries?: Pick<ChargerQueries, 'installedProfiles' | 'transactionStatus'>;
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
    ...(deps.queries ? queryRoutes(deps, deps.queries) : []),
  ];
}

function queryRoutes(deps: ChargingProfileRouteDeps, queries: NonNullable<ChargingProfileRouteDeps['queries']>): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/charging-profiles/installed',
      access: 'command',
      tag: 'chargers',
      summary:
        'Asks the charger which charging profiles it holds (OCPP 2.0.1 GetChargingProfiles; its ReportChargingProfiles frames are collected until the last): ' +
        '{"requestId", "status": "Accepted"|"NoProfiles", "complete", "profiles": [{connectorId, source, profile, chargerTransactionId?}]}, profiles in the OCPP 1.6 shape, ' +
        'source who set them (CSO: chargegate or the cloud; EMS, SO, Other: a party at the charger); complete false: the charger stopped reporting before its last frame. ' +
        'A charger whose protocol has no such message (OCPP 1.6) answers charger_error.',
      params: { chargerId: CHARGER_ID },
      query: { connectorId: { type: 'integer', minimum: 0, maximum: 100, description: 'Only this EVSE (0: the charger\'s own profiles); none: all.' } },
      async handle({ params, query }) {
        const id = params.chargerId!;
        requireCharger(deps.views, id);
        return { json: { chargerId: id, ...(await asHttpErrors(() => queries.installedProfiles(id, query.connectorId))) } };
      },
    }),
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/transaction-status',
      access: 'command',
      tag: 'chargers',
      summary:
        'Asks the charger whether messages of a transaction (or, without transactionId, of any) are still queued there (OCPP 2.0.1 GetTransactionStatus): ' +
        '{"transactionId"?, "messagesInQueue", "ongoing"?, "at"}. Asked by chargegate too when a charger reconnects with sessions running (shown as transactionQueues on the charger).',
      params: { chargerId: CHARGER_ID },
      query: { transactionId: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1, description: "chargegate's transactionId of a session on this charger." } },
      async handle({ params, query }) {
        const id = params.chargerId!;
        requireCharger(deps.views, id);
        try {
          return { json: { chargerId: id, ...(await asHttpErrors(() => queries.transactionStatus(id, query.transactionId))) } };
        } catch (err) {
          if (err instanceof UnknownTransactionError) throw new HttpError('bad_query', err.message);
          throw err;
        }
      },
    }),
  ];
}
