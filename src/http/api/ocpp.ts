/**
 * Every OCPP command chargegate can send, over HTTP: `POST /api/chargers/{id}/ocpp/{Action}`,
 * the body the OCPP request payload (checked against the OCA schema), answered with
 * {"action", "answer", "answeredBy", "reason"?}. They go through the shared door
 * (src/control/ocpp-commands.ts), so chargegate answers where it owns what the action changes.
 * The friendly routes (charger-commands.ts) build a payload and go through the same door.
 */
import { OcppCommandInvalid, type OcppCommandResult, type OcppCommands } from '../../control/ocpp-commands.js';
import type { Logger } from '../../log.js';
import { COMMAND_ACTIONS, NATIVE_201, type CommandAction } from '../../control/actions.js';
import { CENTRAL_INITIATED_16 } from '../../ocpp/v16/actions.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';
import { CHARGER_ID } from './chargers.js';
import { asHttpErrors } from './commands.js';

export interface OcppRouteDeps {
  ocpp: OcppCommands;
}

/** An SendLocalList of a few thousand entries (about 120 bytes each with an expiry date) fits. */
export const OCPP_BODY_BYTES = 256 * 1024;

/** Sends through the door; what kept it from the charger becomes the HTTP error the caller can act on. */
export async function sendOcpp<A extends CommandAction>(ocpp: OcppCommands, chargerId: string, action: A, payload: unknown, logger: Logger): Promise<OcppCommandResult<A>> {
  const result = await asHttpErrors(async () => {
    try {
      return await ocpp.send(chargerId, action, payload, 'http');
    } catch (err) {
      // Refused here as a bad request: nothing was sent.
      if (err instanceof OcppCommandInvalid) throw new HttpError('bad_body', `${err.description} (${err.code})`);
      throw err;
    }
  });
  logger.info({ command: action, chargerId, answer: result.answer, answeredBy: result.answeredBy }, 'OCPP command from the HTTP API');
  return result;
}

export function ocppRoutes({ ocpp }: OcppRouteDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/api/chargers/{chargerId}/ocpp/{action}',
      access: 'command',
      tag: 'commands',
      summary:
        'Any OCPP 1.6 command to the charger, its body the OCPP request payload (checked against the OCA 1.6 schema; a 2.0.1 charger gets it translated): ' +
        `${CENTRAL_INITIATED_16.join(', ')}; and for an OCPP 2.0.1 charger only, checked against the OCA 2.0.1 schema and sent as it is: ${NATIVE_201.join(', ')}. ` +
        'Answers {"action", "answer", "answeredBy"}: the charger\'s own answer, or chargegate\'s (with a "reason") where it owns what the command changes.',
      params: { chargerId: CHARGER_ID, action: { type: 'enum', values: COMMAND_ACTIONS, required: true, description: 'The OCPP action.' } },
      rawBody: 'The OCPP request payload of the action, e.g. {"key": ["HeartbeatInterval"]} for GetConfiguration.',
      maxBodyBytes: OCPP_BODY_BYTES,
      response: 'OcppCommandResult',
      async handle({ params, raw, logger }) {
        return { json: await sendOcpp(ocpp, params.chargerId!, params.action as CommandAction, raw, logger) };
      },
    }),
  ];
}
