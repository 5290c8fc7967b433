/**
 * The commands people give the site (MQTT `…/set` topics, the HTTP API): one implementation,
 * so both surfaces mean the same thing by "stop" or "max current". OCPP commands go through
 * the gateway's typed commands, limits through the balancer's LimitControl.
 *
 * A charger's own answer (Accepted, Rejected…) is a ControlResult. What keeps a command from
 * being tried is a ControlRefusal; not reaching the charger is the OCPP error itself
 * (OcppOfflineError, OcppTimeoutError, OcppCallError): each surface words those its own way.
 */
import type { Commands } from '../gateway/commands.js';
import type { RemoteStartVerdict } from '../gateway/remote-start.js';
import type { SessionStore } from '../store/ports.js';
import type { ControlResult, LimitControl } from './ports.js';

export const NO_BALANCER = 'load balancing is not configured (no site: section)';

export class ControlRefusal extends Error {
  override readonly name = 'ControlRefusal';
  constructor(
    readonly code: 'unknown_charger' | 'no_session' | 'not_configured' | 'no_such_connector' | 'connector_busy',
    message: string,
  ) {
    super(message);
  }
}

export interface SiteCommandDeps {
  commands: Pick<Commands, 'send'>;
  sessions: Pick<SessionStore, 'list'>;
  /** Whether chargegate knows this charger (configured, or seen). */
  knowsCharger(chargerId: string): boolean;
  /** Whether a remote start may go to this connector (gateway/remote-start.ts). */
  checkRemoteStart(chargerId: string, connectorId: number): RemoteStartVerdict;
  /** The balancer's control port, when one runs (asked at each command). */
  limits(): LimitControl | undefined;
}

export interface SiteCommands {
  start(chargerId: string, connectorId: number, idTag: string): Promise<ControlResult>;
  /** Stops the transaction running on the connector. */
  stop(chargerId: string, connectorId: number): Promise<ControlResult>;
  unlock(chargerId: string, connectorId: number): Promise<ControlResult>;
  /** connectorId 0: the whole charger (OCPP 1.6 §5.2). */
  setAvailable(chargerId: string, connectorId: number, available: boolean): Promise<ControlResult>;
  reset(chargerId: string, type: 'Soft' | 'Hard'): Promise<ControlResult>;
  /** connectorId undefined: the whole charger; amps null removes the cap. */
  setCap(chargerId: string, connectorId: number | undefined, amps: number | null, source: string): ControlResult;
  setSiteLimit(amps: number | null, durationS: number, source: string): ControlResult;
}

export function createSiteCommands(deps: SiteCommandDeps): SiteCommands {
  const { send } = deps.commands;
  const known = (chargerId: string): string => {
    if (!deps.knowsCharger(chargerId)) throw new ControlRefusal('unknown_charger', `unknown charger "${chargerId}"`);
    return chargerId;
  };
  const limits = (): LimitControl => {
    const control = deps.limits();
    if (!control) throw new ControlRefusal('not_configured', NO_BALANCER);
    return control;
  };

  return {
    async start(chargerId, connectorId, idTag) {
      const verdict = deps.checkRemoteStart(known(chargerId), connectorId);
      if (!verdict.ok) throw new ControlRefusal(verdict.code, verdict.reason);
      const answer = await send(chargerId, 'RemoteStartTransaction', { connectorId, idTag });
      return said('RemoteStartTransaction', answer.status);
    },
    async stop(chargerId, connectorId) {
      const running = deps.sessions.list({ chargerId: known(chargerId), state: 'active' }).find((s) => s.connectorId === connectorId);
      if (!running) throw new ControlRefusal('no_session', `no transaction is running on ${chargerId} connector ${connectorId}`);
      const answer = await send(chargerId, 'RemoteStopTransaction', { transactionId: running.transactionId });
      return said(`RemoteStopTransaction of transaction ${running.transactionId}`, answer.status);
    },
    async unlock(chargerId, connectorId) {
      const answer = await send(known(chargerId), 'UnlockConnector', { connectorId });
      return { accepted: answer.status === 'Unlocked', reason: `charger answered ${answer.status}` };
    },
    async setAvailable(chargerId, connectorId, available) {
      const type = available ? 'Operative' : 'Inoperative';
      const answer = await send(known(chargerId), 'ChangeAvailability', { connectorId, type });
      // Scheduled: the charger changes once its running transaction ends (OCPP 1.6 §5.2).
      return { accepted: answer.status !== 'Rejected', reason: `charger answered ${answer.status} to ChangeAvailability ${type}` };
    },
    async reset(chargerId, type) {
      const answer = await send(known(chargerId), 'Reset', { type });
      return said(`Reset ${type}`, answer.status);
    },
    setCap: (chargerId, connectorId, amps, source) => limits().setCap(known(chargerId), connectorId, amps, source),
    setSiteLimit: (amps, durationS, source) => limits().setSiteLimit(amps, durationS, source),
  };
}

function said(action: string, status: string): ControlResult {
  return { accepted: status === 'Accepted', reason: `charger answered ${status} to ${action}` };
}
