/**
 * POST commands: the same set MQTT offers (start, stop, unlock, availability, max current,
 * reset, site limit), carried out by the shared site commands (src/control/site-commands.ts).
 * A charger's own answer (Accepted, Rejected…) is a 200 with `accepted` and `reason`; not
 * reaching it is an error status (offline, timeout, CALLERROR).
 */
import type { ControlResult } from '../../control/ports.js';
import { ControlRefusal, type SiteCommands } from '../../control/site-commands.js';
import { ChargerNotBootedError } from '../../gateway/commands.js';
import { OcppCallError, OcppOfflineError, OcppTimeoutError } from '../../ocpp/errors.js';
import { HttpError } from '../errors.js';
import type { FieldsSpec } from '../params.js';
import { route, type Route } from '../route.js';
import { CHARGER_ID } from './chargers.js';

export interface CommandDeps {
  /** The site commands, shared with MQTT. */
  control: SiteCommands;
}

const CONNECTOR_ID = { type: 'integer', minimum: 1, maximum: 8, required: true, description: 'The connector, from 1.' } as const;
const ON_CHARGER = { chargerId: CHARGER_ID } as const;
const ON_CONNECTOR = { chargerId: CHARGER_ID, connectorId: CONNECTOR_ID } as const;
const AMPS = { type: 'ampsOrNull', maximum: 1000, required: true, description: 'A per phase; null removes the cap.' } as const;
const AVAILABLE = { type: 'boolean', required: true, description: 'true: Operative; false: Inoperative (after a running session, if any).' } as const;

export function commandRoutes({ control }: CommandDeps): Route[] {
  const command = <P extends FieldsSpec, B extends FieldsSpec>(path: string, summary: string, params: P, body: B, run: (p: Record<string, any>, b: Record<string, any>) => Promise<ControlResult> | ControlResult): Route =>
    route<P, {}, B>({
      method: 'POST',
      path,
      access: 'command',
      tag: 'commands',
      summary,
      params,
      body,
      async handle({ params: p, body: b, logger }) {
        const result = await asHttpErrors(() => run(p, b));
        logger.info({ command: path, params: p, body: b, result }, 'command from the HTTP API');
        return { json: result };
      },
    });

  return [
    command('/api/chargers/{chargerId}/connectors/{connectorId}/start', 'Start a session (RemoteStartTransaction) with this idTag.', ON_CONNECTOR, { idTag: { type: 'string', maxLength: 20, required: true, description: 'The idTag to charge with (1..20 characters).' } }, (p, b) =>
      control.start(p.chargerId, p.connectorId, b.idTag),
    ),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/stop', 'Stop the running session (RemoteStopTransaction).', ON_CONNECTOR, {}, (p) => control.stop(p.chargerId, p.connectorId)),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/unlock', 'Unlock the connector (UnlockConnector).', ON_CONNECTOR, {}, (p) => control.unlock(p.chargerId, p.connectorId)),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/availability', 'Make the connector available or not (ChangeAvailability).', ON_CONNECTOR, { available: AVAILABLE }, (p, b) => control.setAvailable(p.chargerId, p.connectorId, b.available)),
    command('/api/chargers/{chargerId}/availability', 'Make the whole charger available or not (ChangeAvailability on connector 0).', ON_CHARGER, { available: AVAILABLE }, (p, b) => control.setAvailable(p.chargerId, 0, b.available)),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/max-current', "Cap the connector: the load balancer's cap, or without a site: section the charger's own profile; kept across restarts.", ON_CONNECTOR, { amps: AMPS }, (p, b) => control.setCap(p.chargerId, p.connectorId, b.amps, 'http')),
    command('/api/chargers/{chargerId}/max-current', "Cap the whole charger: the load balancer's cap, or without a site: section its own ChargePointMaxProfile; kept across restarts.", ON_CHARGER, { amps: AMPS }, (p, b) => control.setCap(p.chargerId, undefined, b.amps, 'http')),
    command('/api/chargers/{chargerId}/reset', 'Restart the charger (Reset Soft or Hard).', ON_CHARGER, { type: { type: 'enum', values: ['soft', 'hard'], description: 'soft (default) or hard.' } }, (p, b) =>
      control.reset(p.chargerId, b.type === 'hard' ? 'Hard' : 'Soft'),
    ),
    command(
      '/api/site/limit',
      'A temporary site limit in A per phase (demand response); amps null clears it.',
      {},
      { amps: { ...AMPS, description: 'A per phase; null clears the temporary limit.' }, duration: { type: 'integer', minimum: 1, maximum: 7 * 24 * 3600, description: 'Seconds it holds (required unless amps is null).' } },
      (_p, b) => {
        if (b.amps !== null && b.duration === undefined) throw new HttpError('bad_body', '"duration" is required with a limit: seconds it holds, 1 to 604800');
        return control.setSiteLimit(b.amps, b.amps === null ? 0 : b.duration, 'http');
      },
    ),
  ];
}

/** What kept a command from the charger is an HTTP error the caller can act on, never a 500. */
export async function asHttpErrors<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ControlRefusal) throw new HttpError(err.code, err.message);
    if (err instanceof OcppOfflineError) throw new HttpError('charger_offline', `charger is not connected (${err.message})`);
    // Never sent, so not "did not answer": the message says the charger has not booted.
    if (err instanceof ChargerNotBootedError) throw new HttpError('charger_timeout', err.message);
    if (err instanceof OcppTimeoutError) throw new HttpError('charger_timeout', `charger did not answer (${err.message})`);
    if (err instanceof OcppCallError) throw new HttpError('charger_error', `OCPP error ${err.code}: ${err.description}`);
    throw err;
  }
}
