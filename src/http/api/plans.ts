/**
 * PUT/DELETE/GET /api/chargers/{id}/connectors/{n}/plan and GET /api/site/plans: a charging
 * plan per connector ("20 kWh by 07:00", src/plan), the same as MQTT's …/plan/set.
 */
import type { Plans } from '../../plan/service.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';
import { CHARGER_ID } from './chargers.js';

export interface PlanRouteDeps {
  plans: Plans | undefined;
}

const CONNECTOR_ID = { type: 'integer', minimum: 1, maximum: 8, required: true, description: 'The connector, from 1.' } as const;
const PARAMS = { chargerId: CHARGER_ID, connectorId: CONNECTOR_ID };
const NO_PLANS = 'charging plans need a cap on the charger: load balancing (site:) or a configured charger';

export function planRoutes({ plans }: PlanRouteDeps): Route[] {
  const need = (): Plans => {
    if (!plans) throw new HttpError('not_configured', NO_PLANS);
    return plans;
  };
  const answer = (result: Awaited<ReturnType<Plans['set']>>) => {
    if (result.refusal) throw new HttpError(result.refusal, result.reason);
    return { json: result };
  };
  return [
    route({
      method: 'PUT',
      path: '/api/chargers/{chargerId}/connectors/{connectorId}/plan',
      access: 'command',
      tag: 'commands',
      summary: 'Set the connector\'s charging plan: the energy (or the SoC) to be in the car by a time, charged in the cheapest slots of the tariff. Replaces any plan on the connector; kept across restarts; ends with the session.',
      rawBody: '{"energyKWh": 20, "by": "07:00"} (kWh to add) or {"soc": 80, "capacityKWh": 60, "by": "07:00"} (where the car reports its SoC); by: HH:MM (the next one, in the tariff\'s time zone) or a date-time with a zone.',
      params: PARAMS,
      async handle({ params, raw, logger }) {
        const result = await need().set(params.chargerId as string, params.connectorId as number, raw);
        logger.info({ command: 'plan', params, body: raw, accepted: result.accepted, reason: result.reason }, 'command from the HTTP API');
        return answer(result);
      },
    }),
    route({
      method: 'DELETE',
      path: '/api/chargers/{chargerId}/connectors/{connectorId}/plan',
      access: 'command',
      tag: 'commands',
      summary: 'Clear the connector\'s charging plan: its cap goes, the charge mode alone decides again.',
      params: PARAMS,
      async handle({ params, logger }) {
        const result = await need().clear(params.chargerId as string, params.connectorId as number);
        logger.info({ command: 'plan', params, accepted: result.accepted, reason: result.reason }, 'command from the HTTP API');
        return answer(result);
      },
    }),
    route({
      method: 'GET',
      path: '/api/chargers/{chargerId}/connectors/{connectorId}/plan',
      access: 'read',
      tag: 'site',
      summary: 'The connector\'s charging plan and what it does now: status, remainingKWh, nextSlot, expectedFinish, expectedCost, windows, reason; null without a plan.',
      params: PARAMS,
      handle: ({ params }) => ({ json: need().get(params.chargerId as string, params.connectorId as number) ?? null }),
    }),
    route({
      method: 'GET',
      path: '/api/site/plans',
      access: 'read',
      tag: 'site',
      summary: 'Every connector\'s charging plan and what it does now.',
      handle: () => ({ json: { plans: need().list() } }),
    }),
  ];
}
