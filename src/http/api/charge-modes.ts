/**
 * PUT /api/chargers/{id}/connectors/{n}/mode and GET /api/site/modes: the charge mode per
 * connector (off, now, minsolar, solar; src/control/charge-modes.ts), the same as MQTT's
 * …/mode/set and Home Assistant's select.
 */
import type { ChargeModes } from '../../control/charge-modes.js';
import { CHARGE_MODES } from '../../balancer/solar.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';
import { CHARGER_ID } from './chargers.js';
import { NO_BALANCING } from './site.js';

export interface ChargeModeDeps {
  /** undefined without a site: section (no load balancing, so no modes). */
  modes: ChargeModes | undefined;
}

const CONNECTOR_ID = { type: 'integer', minimum: 1, maximum: 8, required: true, description: 'The connector, from 1.' } as const;

export function chargeModeRoutes({ modes }: ChargeModeDeps): Route[] {
  const need = (): ChargeModes => {
    if (!modes) throw new HttpError('not_configured', NO_BALANCING);
    return modes;
  };
  return [
    route({
      method: 'PUT',
      path: '/api/chargers/{chargerId}/connectors/{connectorId}/mode',
      access: 'command',
      tag: 'commands',
      summary: 'Set the connector\'s charge mode: off (paused), now (as fast as the fuse allows), minsolar (its minimum plus the solar surplus), solar (the surplus only). Kept across restarts.',
      params: { chargerId: CHARGER_ID, connectorId: CONNECTOR_ID },
      body: { mode: { type: 'enum', values: CHARGE_MODES, required: true, description: 'off, now, minsolar or solar.' } },
      async handle({ params, body, logger }) {
        const result = await need().set(params.chargerId as string, params.connectorId as number, body.mode ?? '');
        logger.info({ command: 'mode', params, body, result }, 'command from the HTTP API');
        return { json: result };
      },
    }),
    route({
      method: 'GET',
      path: '/api/site/modes',
      access: 'read',
      tag: 'site',
      summary: 'Every connector\'s charge mode, the cap it sets now (null: none) and why; the solar surplus in W (the solar-mode cars\' own draw included; null without a fresh grid reading).',
      handle: () => ({ json: { surplusW: need().surplusW() ?? null, connectors: need().list() } }),
    }),
  ];
}
