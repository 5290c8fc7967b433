/**
 * POST commands: the same set MQTT offers (start, stop, unlock, availability, max current,
 * reset, site limit). OCPP commands go through the gateway's typed commands, limits through
 * the balancer's LimitControl. A charger's own answer (Accepted, Rejected…) is a 200 with
 * `accepted` and `reason`; not reaching it is an error status (offline, timeout, CALLERROR).
 */
import type { ControlResult } from '../../control/ports.js';
import type { Commands } from '../../gateway/commands.js';
import { OcppCallError, OcppOfflineError, OcppTimeoutError } from '../../ocpp/errors.js';
import type { SessionStore } from '../../store/ports.js';
import { HttpError } from '../errors.js';
import type { FieldsSpec } from '../params.js';
import type { PeersLookup } from '../peers.js';
import { route, type Route } from '../route.js';
import { knowsCharger, type ViewDeps } from '../views.js';
import { CHARGER_ID } from './chargers.js';

export interface CommandDeps extends Pick<ViewDeps, 'config' | 'registry'> {
  commands: Pick<Commands, 'send'>;
  sessions: Pick<SessionStore, 'list'>;
  peers: PeersLookup;
}

const CONNECTOR_ID = { type: 'integer', minimum: 1, maximum: 8, required: true, description: 'The connector, from 1.' } as const;
const ON_CHARGER = { chargerId: CHARGER_ID } as const;
const ON_CONNECTOR = { chargerId: CHARGER_ID, connectorId: CONNECTOR_ID } as const;
const AMPS = { type: 'ampsOrNull', maximum: 1000, required: true, description: 'A per phase; null removes the cap.' } as const;
const AVAILABLE = { type: 'boolean', required: true, description: 'true: Operative; false: Inoperative (after a running session, if any).' } as const;

const NO_BALANCER = 'load balancing not configured (no site: section)';

export function commandRoutes(deps: CommandDeps): Route[] {
  const { send } = deps.commands;
  const knownCharger = (id: string | undefined): string => {
    if (!id || !knowsCharger(deps, id)) throw new HttpError('unknown_charger', `unknown charger "${id}"`);
    return id;
  };
  const limits = () => {
    const control = deps.peers().limits;
    if (!control) throw new HttpError('not_configured', NO_BALANCER);
    return control;
  };
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
        const result = await ocppFailures(() => run(p, b));
        logger.info({ command: path, params: p, body: b, result }, 'command from the HTTP API');
        return { json: result };
      },
    });

  return [
    command('/api/chargers/{chargerId}/connectors/{connectorId}/start', 'Start a session (RemoteStartTransaction) with this idTag.', ON_CONNECTOR, { idTag: { type: 'string', maxLength: 20, required: true, description: 'The idTag to charge with (1..20 characters).' } }, async (p, b) => {
      const answer = await send(knownCharger(p.chargerId), 'RemoteStartTransaction', { connectorId: p.connectorId, idTag: b.idTag });
      return said('RemoteStartTransaction', answer.status);
    }),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/stop', 'Stop the running session (RemoteStopTransaction).', ON_CONNECTOR, {}, async (p) => {
      const chargerId = knownCharger(p.chargerId);
      const running = deps.sessions.list({ chargerId, state: 'active' }).find((s) => s.connectorId === p.connectorId);
      if (!running) throw new HttpError('no_session', `no transaction is running on ${chargerId} connector ${p.connectorId}`);
      const answer = await send(chargerId, 'RemoteStopTransaction', { transactionId: running.transactionId });
      return said(`RemoteStopTransaction of transaction ${running.transactionId}`, answer.status);
    }),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/unlock', 'Unlock the connector (UnlockConnector).', ON_CONNECTOR, {}, async (p) => {
      const answer = await send(knownCharger(p.chargerId), 'UnlockConnector', { connectorId: p.connectorId });
      return { accepted: answer.status === 'Unlocked', reason: `charger answered ${answer.status}` };
    }),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/availability', 'Make the connector available or not (ChangeAvailability).', ON_CONNECTOR, { available: AVAILABLE }, (p, b) => availability(knownCharger(p.chargerId), p.connectorId, b.available)),
    command('/api/chargers/{chargerId}/availability', 'Make the whole charger available or not (ChangeAvailability on connector 0).', ON_CHARGER, { available: AVAILABLE }, (p, b) => availability(knownCharger(p.chargerId), 0, b.available)),
    command('/api/chargers/{chargerId}/connectors/{connectorId}/max-current', 'Cap the connector (through load balancing).', ON_CONNECTOR, { amps: AMPS }, (p, b) => limits().setCap(knownCharger(p.chargerId), p.connectorId, b.amps, 'http')),
    command('/api/chargers/{chargerId}/max-current', 'Cap the whole charger (through load balancing).', ON_CHARGER, { amps: AMPS }, (p, b) => limits().setCap(knownCharger(p.chargerId), undefined, b.amps, 'http')),
    command('/api/chargers/{chargerId}/reset', 'Restart the charger (Reset Soft or Hard).', ON_CHARGER, { type: { type: 'enum', values: ['soft', 'hard'], description: 'soft (default) or hard.' } }, async (p, b) => {
      const type = b.type === 'hard' ? 'Hard' : 'Soft';
      const answer = await send(knownCharger(p.chargerId), 'Reset', { type });
      return said(`Reset ${type}`, answer.status);
    }),
    command(
      '/api/site/limit',
      'A temporary site limit in A per phase (demand response); amps null clears it.',
      {},
      { amps: { ...AMPS, description: 'A per phase; null clears the temporary limit.' }, duration: { type: 'integer', minimum: 1, maximum: 7 * 24 * 3600, description: 'Seconds it holds (required unless amps is null).' } },
      (_p, b) => {
        if (b.amps !== null && b.duration === undefined) throw new HttpError('bad_body', '"duration" is required with a limit: seconds it holds, 1 to 604800');
        return limits().setSiteLimit(b.amps, b.amps === null ? 0 : b.duration, 'http');
      },
    ),
  ];

  async function availability(chargerId: string, connectorId: number, available: boolean): Promise<ControlResult> {
    const type = available ? 'Operative' : 'Inoperative';
    const answer = await send(chargerId, 'ChangeAvailability', { connectorId, type });
    // Scheduled: the charger changes once its running transaction ends (OCPP 1.6 §5.2).
    return { accepted: answer.status !== 'Rejected', reason: `charger answered ${answer.status} to ChangeAvailability ${type}` };
  }
}

function said(action: string, status: string): ControlResult {
  return { accepted: status === 'Accepted', reason: `charger answered ${status} to ${action}` };
}

/** Not reaching the charger is an HTTP error the caller can act on, not a 500. */
async function ocppFailures<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof OcppOfflineError) throw new HttpError('charger_offline', `charger is not connected (${err.message})`);
    if (err instanceof OcppTimeoutError) throw new HttpError('charger_timeout', `charger did not answer (${err.message})`);
    if (err instanceof OcppCallError) throw new HttpError('charger_error', `OCPP error ${err.code}: ${err.description}`);
    throw err;
  }
}
