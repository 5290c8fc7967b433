/**
 * The OCPP 1.6 security extension over HTTP: a charger's security events (newest first), and
 * the whitepaper's seven commands, each sent as its OCPP payload and answered with the
 * charger's own answer. Commands need the command token, like Reset.
 */
import type { Commands } from '../../gateway/commands.js';
import { validatorFor } from '../../ocpp/validate.js';
import { SECURITY_CENTRAL_16, type SecurityCentralAction16 } from '../../ocpp/v16/actions.js';
import type { SecurityEventStore } from '../../store/ports.js';
import { HttpError } from '../errors.js';
import { route, type Route } from '../route.js';
import { knowsCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';
import { asHttpErrors } from './commands.js';

export interface SecurityRouteDeps {
  views: ViewDeps;
  security: SecurityEventStore;
  commands: Pick<Commands, 'send'>;
}

export function securityRoutes({ views, security, commands }: SecurityRouteDeps): Route[] {
  const validator = validatorFor('ocpp1.6');
  const known = (id: string) => {
    if (!knowsCharger(views, id)) throw new HttpError('unknown_charger', `unknown charger "${id}"`);
  };
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
        known(id);
        return { json: { chargerId: id, events: security.list(id, query.limit ?? 100).map(({ chargerId: _c, ...e }) => e) } };
      },
    }),
    route({
      method: 'POST',
      path: '/api/chargers/{chargerId}/ocpp/{action}',
      access: 'command',
      tag: 'security',
      summary:
        'A command of the OCPP 1.6 security extension, its body the OCPP request payload (checked against the OCA schema): ' +
        `${SECURITY_CENTRAL_16.join(', ')}. Answers {"action", "answer"} with the charger's own answer.`,
      params: { chargerId: CHARGER_ID, action: { type: 'enum', values: SECURITY_CENTRAL_16, required: true, description: 'The OCPP action.' } },
      rawBody: 'The OCPP request payload of the action, e.g. {"certificateType": "CentralSystemRootCertificate"} for GetInstalledCertificateIds.',
      async handle({ params, raw, logger }) {
        const id = params.chargerId!;
        const action = params.action as SecurityCentralAction16;
        known(id);
        // Refused here as a bad request: sent, the session would refuse it too, but as a charger error.
        const invalid = validator.checkRequest(action, raw);
        if (invalid) throw new HttpError('bad_body', `${invalid.description} (${invalid.code})`);
        const answer = await asHttpErrors(() => commands.send(id, action, raw as never));
        logger.info({ command: action, chargerId: id, answer }, 'OCPP command from the HTTP API');
        return { json: { action, answer } };
      },
    }),
  ];
}
