/**
 * The commands people give the site (MQTT `…/set` topics, the HTTP API): one implementation,
 * so both surfaces mean the same thing by "stop" or "max current". OCPP commands go through
 * the gateway's typed commands, limits through the balancer's LimitControl.
 *
 * A charger's own answer (Accepted, Rejected…) is a ControlResult. What keeps a command from
 * being tried is a ControlRefusal; not reaching the charger is the OCPP error itself
 * (OcppOfflineError, OcppTimeoutError, OcppCallError): each surface words those its own way.
 *
 * Caps and the site limit are a person's wish that must outlive a restart (issue #18): they
 * are on disk (store.limits) before the person hears "accepted", and given back to the limit
 * control at start (restore). A cap is one value per charger or connector: the latest word of
 * any local user (MQTT, HTTP, the dashboard) replaces the one before, whoever set it, so what
 * the "Current limit" number shows is what holds.
 */
import type { EventBus } from '../events.js';
import type { Commands } from '../gateway/commands.js';
import type { RemoteStartVerdict } from '../gateway/remote-start.js';
import type { SessionStore, Store } from '../store/ports.js';
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
  /**
   * How chargegate itself would answer the charger's Authorize or StartTransaction for this
   * idTag (its local list), or undefined when a cloud decides.
   */
  idTagStatus?(idTag: string): string | undefined;
  /** The balancer's control port with a `site:` section, else the chargers' own caps (charger-caps.ts); asked at each command. */
  limits(): LimitControl | undefined;
  /** Where caps and the site limit are kept across restarts. */
  store: Pick<Store, 'limits' | 'durably'>;
  /** 'limit.cap' for the MQTT mirror (the number entities show the cap). */
  events: Pick<EventBus, 'emit'>;
  now: () => Date;
}


export interface SiteCommands {
  start(chargerId: string, connectorId: number, idTag: string): Promise<ControlResult>;
  /** Stops the transaction running on the connector. */
  stop(chargerId: string, connectorId: number): Promise<ControlResult>;
  unlock(chargerId: string, connectorId: number): Promise<ControlResult>;
  /** connectorId 0: the whole charger (OCPP 1.6 §5.2). */
  setAvailable(chargerId: string, connectorId: number, available: boolean): Promise<ControlResult>;
  reset(chargerId: string, type: 'Soft' | 'Hard'): Promise<ControlResult>;
  /** connectorId undefined: the whole charger; amps null removes the cap. Kept on disk before it resolves. */
  setCap(chargerId: string, connectorId: number | undefined, amps: number | null, source: string): Promise<ControlResult>;
  setSiteLimit(amps: number | null, durationS: number, source: string): Promise<ControlResult>;
  /** Gives the kept caps and site limit (one not yet over) back to the limit control: once, at start. */
  restore(): void;
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
      // The charger would accept the request and then be refused the session (§5.11: it
      // authorizes the idTag like any other): say so now, not "accepted".
      const status = deps.idTagStatus?.(idTag);
      if (status !== undefined && status !== 'Accepted') {
        return { accepted: false, reason: `idTag ${idTag} is ${status} in chargegate's authorization (add it to authorization.list): the charger would refuse the session` };
      }
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
    async setCap(chargerId, connectorId, amps, source) {
      const control = limits();
      const result = control.setCap(known(chargerId), connectorId, amps, source);
      if (!result.accepted) return result;
      const n = connectorId ?? 0;
      // The latest word replaces another local user's cap on the same charger or connector (the
      // kept row says whose it was: every local cap comes through here).
      const before = deps.store.limits.caps().find((c) => c.chargerId === chargerId && c.connectorId === n);
      if (before && before.source !== source) control.setCap(chargerId, connectorId, null, before.source);
      await deps.store.durably(() => (amps === null ? deps.store.limits.clearCap(chargerId, n) : deps.store.limits.setCap({ chargerId, connectorId: n, amps, source, setAt: deps.now().toISOString() })));
      deps.events.emit('limit.cap', { chargerId, connectorId: n, amps, source });
      // Sent to the charger now (a charger's own profile): the person hears whether it took it.
      // A refusal keeps the cap (it is the person's wish) and it is sent again at the reconnect.
      const { applied, ...said } = result;
      const answer = applied ? await applied : undefined;
      return answer && !answer.accepted ? { accepted: false, reason: answer.reason } : said;
    },
    async setSiteLimit(amps, durationS, source) {
      const result = limits().setSiteLimit(amps, durationS, source);
      if (!result.accepted) return result;
      const until = new Date(deps.now().getTime() + durationS * 1000).toISOString();
      await deps.store.durably(() => deps.store.limits.setSiteLimit(amps === null ? null : { amps, source, until }));
      return result;
    },
    restore() {
      const control = deps.limits();
      if (!control) return;
      for (const cap of deps.store.limits.caps()) {
        const result = control.setCap(cap.chargerId, cap.connectorId === 0 ? undefined : cap.connectorId, cap.amps, cap.source);
        if (result.accepted) deps.events.emit('limit.cap', { chargerId: cap.chargerId, connectorId: cap.connectorId, amps: cap.amps, source: cap.source });
      }
      const site = deps.store.limits.siteLimit();
      const leftS = site ? Math.floor((Date.parse(site.until) - deps.now().getTime()) / 1000) : 0;
      if (site && leftS >= 1) control.setSiteLimit(site.amps, leftS, site.source);
    },
  };
}

function said(action: string, status: string): ControlResult {
  return { accepted: status === 'Accepted', reason: `charger answered ${status} to ${action}` };
}
