/**
 * Every OCPP command chargegate can send, over HTTP: `POST /api/chargers/{id}/ocpp/{Action}`,
 * the body the OCPP request payload (checked against the OCA schema), answered with
 * {"action", "answer", "answeredBy", "reason"?}. They go through the shared door
 * (src/control/ocpp-commands.ts), so chargegate answers where it owns what the action changes.
 */
import { OcppCommandInvalid, type OcppCommands } from '../../control/ocpp-commands.js';
import { CENTRAL_INITIATED_16, type CentralAction16 } from '../../ocpp/v16/actions.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';
import { CHARGER_ID } from './chargers.js';
import { asHttpErrors } from './commands.js';

export interface OcppRouteDeps {
  ocpp: OcppCommands;
}

export function ocppRoutes({ ocpp }: OcppRouteDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/api/chargers/{chargerId}/ocpp/{action}',
      access: 'command',
      tag: 'commands',
      summary:
        'Any OCPP 1.6 command to the charger, its body the OCPP request payload (checked against the OCA schema): ' +
        `${CENTRAL_INITIATED_16.join(', ')}. Answers {"action", "answer", "answeredBy"}: the charger's own answer, or chargegate's (with a "reason") where it owns what the command changes.`,
      params: { chargerId: CHARGER_ID, action: { type: 'enum', values: CENTRAL_INITIATED_16, required: true, description: 'The OCPP action.' } },
      rawBody: 'The OCPP request payload of the action, e.g. {"key": ["HeartbeatInterval"]} for GetConfiguration.',
      async handle({ params, raw, logger }) {
        const id = params.chargerId!;
        const action = params.action as CentralAction16;
        const result = await asHttpErrors(async () => {
          try {
            return await ocpp.send(id, action, raw, 'http');
          } catch (err) {
            // Refused here as a bad request: nothing was sent.
            if (err instanceof OcppCommandInvalid) throw new HttpError('bad_body', `${err.description} (${err.code})`);
            throw err;
          }
        });
        logger.info({ command: action, chargerId: id, answer: result.answer, answeredBy: result.answeredBy }, 'OCPP command from the HTTP API');
        return { json: result };
      },
    }),
  ];
}
