/**
 * Commands from the cloud CSMS (OCPP 1.6 §5). routing.routeFromCloud decides where each goes,
 * and this file has one table of handlers per route: sent to the charger they map to (connector
 * numbers and transactionIds translated) with the answer relayed ('to-charger'); answered by
 * chargegate from what it keeps ('chargegate'); kept as the load balancer's limits
 * ('local-controller'); or refused with NotSupported and a description. A charger that is not
 * connected gets the action's own refusal (Rejected, Unavailable...), never a timeout.
 */
import type { Commands } from '../gateway/commands.js';
import { ownedKeyVerdict, type KeySource, type OwnedKeyContext } from '../gateway/owned-keys.js';
import type { Registry } from '../gateway/registry.js';
import type { RemoteStartVerdict } from '../gateway/remote-start.js';
import type { Logger } from '../log.js';
import { OcppCallError } from '../ocpp/errors.js';
import type { CallHandler } from '../ocpp/session.js';
import type { CentralAction16 } from '../ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../ocpp/v16/types.js';
import { cloudList, type Store } from '../store/ports.js';
import type { ConnectorMapping } from './connectors.js';
import type { TransactionIdMap } from './idmap.js';
import type { CloudCaps } from './cloud-caps.js';
import { routeDataTransfer, type DataTransferRule } from './data-transfer.js';
import { sendLocalList } from './local-list.js';
import type { CloudFiles } from '../transfers/cloud.js';
import { routeFromCloud, type CloudRoute, type UpstreamMode } from './routing.js';

/** What aggregate mode answers itself: chargegate's own configuration keys and triggered messages. */
export interface OwnChargePoint {
  getConfiguration(req: Requests16['GetConfiguration']): Promise<Responses16['GetConfiguration']>;
  changeConfiguration(req: Requests16['ChangeConfiguration']): Promise<Responses16['ChangeConfiguration']>;
  trigger(req: Requests16['TriggerMessage']): Promise<Responses16['TriggerMessage']>;
}

export interface CloudCallDeps {
  /** For routing.routeFromCloud only: what differs between the modes comes in below. */
  mode: UpstreamMode;
  channel: string;
  connectors: ConnectorMapping;
  /** The chargers behind this channel. */
  chargers(): string[];
  /** The charger that is this channel's whole charge point (connector 0); undefined where connector 0 is the site. */
  chargePoint: string | undefined;
  commands: Commands;
  registry: Registry;
  /** Whether a remote start may go to a charger's connector (gateway/remote-start.ts). */
  checkRemoteStart(chargerId: string, connectorId: number): RemoteStartVerdict;
  store: Store;
  idmap: TransactionIdMap;
  /** The charge point chargegate is itself (aggregate): the 'chargegate' route's GetConfiguration, ChangeConfiguration, TriggerMessage. */
  own?: OwnChargePoint;
  /** The cloud's charging profiles kept as the balancer's limits, while the site has one (the 'local-controller' route). */
  caps?: CloudCaps;
  /** For ChangeConfiguration of the keys chargegate owns (gateway/owned-keys.ts). */
  ownedKeys: OwnedKeyContext;
  /** The cloud's new AuthorizationKey: kept durably as this channel's password, used from the next connect (authorization-key.ts). */
  keepUpstreamKey(key: string): Promise<void>;
  /** Aggregate: where the cloud's DataTransfer goes (upstream.dataTransfer). */
  dataTransfer?: readonly DataTransferRule[];
  /** Aggregate: a DataTransfer for MQTT (the mirror publishes it). */
  publishDataTransfer?(req: Requests16['DataTransfer']): void;
  /** Firmware and diagnostics through chargegate (src/transfers/cloud.ts); absent: relayed unchanged. */
  files?: CloudFiles;
  /** Sends one of chargegate's own status notifications to the cloud now, if the link is up (aggregate). */
  report?: (action: 'FirmwareStatusNotification' | 'DiagnosticsStatusNotification', payload: { status: string }) => void;
  /** Told after the cloud changed the local list (chargers with pushLocalList get it). */
  onLocalListChanged?: () => void;
  logger: Logger;
}

type Handlers = { [A in CentralAction16]?: (req: Requests16[A]) => Promise<Responses16[A]> };

export function cloudCallHandler(deps: CloudCallDeps): CallHandler {
  const { commands, connectors, channel, store, idmap, files } = deps;
  // The cloud's reservationId → the charger that holds it, durable (1.6 §5.1): a
  // CancelReservation after a restart still reaches the right charger.
  const reservations = store.upstream.reservations;

  /** Sends to a charger; offline or timed out: `refusal`. The charger's own CALLERROR is relayed. */
  async function forward<A extends CentralAction16>(chargerId: string, action: A, payload: Requests16[A], refusal: Responses16[A]): Promise<Responses16[A]> {
    try {
      return await commands.send(chargerId, action, payload);
    } catch (err) {
      if (err instanceof OcppCallError) throw err;
      deps.logger.warn({ chargerId, action, err: (err as Error).message }, 'command from the cloud not delivered to the charger');
      return refusal;
    }
  }

  function mapped(cloudConnectorId: number): { chargerId: string; connectorId: number } | undefined {
    return connectors.toCharger(channel, cloudConnectorId);
  }

  /** Sends to every charger of the channel (connector 0 = the whole charge point) and combines the answers. */
  async function toAll<A extends CentralAction16>(action: A, payload: Requests16[A], refusal: Responses16[A]): Promise<Responses16[A][]> {
    return Promise.all(deps.chargers().map((id) => forward(id, action, payload, refusal).catch(() => refusal)));
  }

  const notMapped = (what: string) => new OcppCallError('NotSupported', what);

  /** 'to-charger': the cloud's connector numbers and transactionIds translated, the answer relayed. */
  const toCharger: Handlers = {
    async RemoteStartTransaction(req) {
      const target = req.connectorId !== undefined ? mapped(req.connectorId) : freeConnector();
      if (!target) return { status: 'Rejected' };
      // A connector the charger lacks, or one already busy: refused here (1.6 §5.11 Rejected), not sent on.
      const verdict = deps.checkRemoteStart(target.chargerId, target.connectorId);
      if (!verdict.ok) {
        deps.logger.warn({ chargerId: target.chargerId, connectorId: target.connectorId, cloudConnectorId: req.connectorId, reason: verdict.reason }, 'RemoteStartTransaction from the cloud refused');
        return { status: 'Rejected' };
      }
      return forward(target.chargerId, 'RemoteStartTransaction', { ...req, connectorId: target.connectorId }, { status: 'Rejected' });
    },
    async RemoteStopTransaction(req) {
      const session = sessionFor(req.transactionId);
      if (!session) return { status: 'Rejected' };
      return forward(session.chargerId, 'RemoteStopTransaction', { transactionId: session.transactionId }, { status: 'Rejected' });
    },
    async Reset(req) {
      return forward(channel, 'Reset', req, { status: 'Rejected' });
    },
    async ChangeAvailability(req) {
      if (req.connectorId === 0) {
        const answers = await toAll('ChangeAvailability', req, { status: 'Rejected' });
        return { status: answers.every((a) => a.status === 'Accepted') ? 'Accepted' : answers.some((a) => a.status === 'Scheduled') ? 'Scheduled' : 'Rejected' };
      }
      const target = mapped(req.connectorId);
      if (!target) return { status: 'Rejected' };
      return forward(target.chargerId, 'ChangeAvailability', { ...req, connectorId: target.connectorId }, { status: 'Rejected' });
    },
    async UnlockConnector(req) {
      const target = mapped(req.connectorId);
      if (!target) return { status: 'NotSupported' };
      return forward(target.chargerId, 'UnlockConnector', { connectorId: target.connectorId }, { status: 'UnlockFailed' });
    },
    GetConfiguration: async (req) => withoutAuthorizationKey(await forward(channel, 'GetConfiguration', req, { unknownKey: req.key ?? [] })),
    async ChangeConfiguration(req) {
      // The channel is the charger's own connection to the cloud: its keys are the cloud's to set, but
      // for those chargegate owns (the charger's AuthorizationKey would lock it out of chargegate).
      return (await ownedKey('cloud', req.key, req.value)) ?? forward(channel, 'ChangeConfiguration', req, { status: 'Rejected' });
    },
    TriggerMessage: (req) => forward(channel, 'TriggerMessage', req, { status: 'Rejected' }),
    SetChargingProfile: (req) => setOnChargers(req),
    async ClearChargingProfile(req) {
      if (req.connectorId !== undefined && req.connectorId > 0) {
        const target = mapped(req.connectorId);
        if (!target) return { status: 'Unknown' };
        return forward(target.chargerId, 'ClearChargingProfile', { ...req, connectorId: target.connectorId }, { status: 'Unknown' });
      }
      const answers = await toAll('ClearChargingProfile', req, { status: 'Unknown' });
      return { status: answers.some((a) => a.status === 'Accepted') ? 'Accepted' : 'Unknown' };
    },
    async GetCompositeSchedule(req) {
      const target = req.connectorId > 0 ? mapped(req.connectorId) : wholeChargePoint();
      if (!target) return { status: 'Rejected' };
      const answer = await forward(target.chargerId, 'GetCompositeSchedule', { ...req, connectorId: target.connectorId }, { status: 'Rejected' });
      return answer.connectorId !== undefined ? { ...answer, connectorId: req.connectorId } : answer;
    },
    async ReserveNow(req) {
      const target = req.connectorId > 0 ? mapped(req.connectorId) : wholeChargePoint();
      if (!target) return { status: 'Rejected' };
      const answer = await forward(target.chargerId, 'ReserveNow', { ...req, connectorId: target.connectorId }, { status: 'Unavailable' });
      if (answer.status === 'Accepted') {
        const kept = { channel, reservationId: req.reservationId, chargerId: target.chargerId, connectorId: target.connectorId };
        await store.durably(() => reservations.put(kept));
      }
      return answer;
    },
    async CancelReservation(req) {
      const chargerId = reservations.get(channel, req.reservationId)?.chargerId ?? deps.chargePoint;
      if (!chargerId) return { status: 'Rejected' };
      const answer = await forward(chargerId, 'CancelReservation', req, { status: 'Rejected' });
      if (answer.status === 'Accepted') await store.durably(() => reservations.remove(channel, req.reservationId));
      return answer;
    },
    // The charger may not reach the cloud's URL: chargegate's own is given (src/transfers/cloud.ts).
    UpdateFirmware: (req) => (files ? files.updateFirmware(channel, req, (r) => forward(channel, 'UpdateFirmware', r, {})) : forward(channel, 'UpdateFirmware', req, {})),
    GetDiagnostics: async (req) => forward(channel, 'GetDiagnostics', files ? files.getDiagnostics(channel, req) : req, {}),
    DataTransfer: (req) => forward(channel, 'DataTransfer', req, { status: 'Rejected', data: 'the charger is not connected' }),
    // The security whitepaper's commands (ed. 3): addressed to the charge point, relayed unchanged;
    // a charger not connected gets each action's own refusal.
    CertificateSigned: (req) => forward(channel, 'CertificateSigned', req, { status: 'Rejected' }),
    DeleteCertificate: (req) => forward(channel, 'DeleteCertificate', req, { status: 'Failed' }),
    ExtendedTriggerMessage: (req) => forward(channel, 'ExtendedTriggerMessage', req, { status: 'Rejected' }),
    GetInstalledCertificateIds: (req) => forward(channel, 'GetInstalledCertificateIds', req, { status: 'NotFound' }),
    GetLog: (req) => forward(channel, 'GetLog', req, { status: 'Rejected' }),
    InstallCertificate: (req) => forward(channel, 'InstallCertificate', req, { status: 'Rejected' }),
    SignedUpdateFirmware: (req) => forward(channel, 'SignedUpdateFirmware', req, { status: 'Rejected' }),
  };

  /** 'chargegate': answered from what chargegate keeps (1.6 §5.15, §5.10, §5.4), and in aggregate mode as the charge point itself. */
  const byChargegate: Handlers = {
    async SendLocalList(req) {
      const answer = await sendLocalList(store, channel, req);
      if (answer.status === 'Accepted') deps.onLocalListChanged?.();
      return answer;
    },
    async GetLocalListVersion() {
      return { listVersion: store.auth.version(cloudList(channel)) };
    },
    async ClearCache() {
      // chargegate's cache of the cloud's answers is the site's, one for every charger: cleared
      // whole (the safe direction: an idTag no longer cached is decided by the lists). Then the
      // charger's own cache (§5.4): transparent, the charger's answer is the answer; aggregate,
      // every charger is told and the answer is chargegate's.
      await store.durably(() => store.upstream.idTagCache.clear());
      const answers = await toAll('ClearCache', {}, { status: 'Rejected' });
      if (deps.chargePoint !== undefined) return answers[0] ?? { status: 'Rejected' };
      return { status: 'Accepted' };
    },
  };
  const own = deps.own;
  const report = deps.report;
  if (own && files && report) {
    // Aggregate: chargegate is the charge point the firmware and the diagnostics are asked of.
    byChargegate.UpdateFirmware = async (req) => files.ownUpdateFirmware(req, (status) => report('FirmwareStatusNotification', { status }));
    byChargegate.GetDiagnostics = async (req) => files.ownGetDiagnostics(req, (status) => report('DiagnosticsStatusNotification', { status }));
  }
  if (own) {
    byChargegate.GetConfiguration = async (req) => withoutAuthorizationKey(await own.getConfiguration(req));
    byChargegate.ChangeConfiguration = async (req) => {
      // chargegate's own keys are the cloud link's (its AuthorizationKey is that link's password);
      // a charger's key (<chargerId>/<key>) is the charger's towards chargegate, owned as a local user's would be.
      const slash = req.key.indexOf('/');
      const owned = slash > 0 ? await ownedKey('local', req.key.slice(slash + 1), req.value) : await ownedKey('cloud', req.key, req.value);
      return owned ?? own.changeConfiguration(req);
    };
    byChargegate.TriggerMessage = (req) => own.trigger(req);
    // Reset of the site (1.6 §5.14): every charger resets; Accepted only if every one accepted
    // (those that did reset all the same). chargegate itself does not restart.
    byChargegate.Reset = async (req) => {
      const answers = await toAll('Reset', req, { status: 'Rejected' });
      return { status: answers.length > 0 && answers.every((a) => a.status === 'Accepted') ? 'Accepted' : 'Rejected' };
    };
    byChargegate.DataTransfer = (req) => dataTransfer(req);
    // ExtendedTriggerMessage: TriggerMessage's messages answered the same way; chargegate has no
    // log upload or certificate of its own to offer here (NotImplemented, as the whitepaper allows).
    byChargegate.ExtendedTriggerMessage = async (req) => {
      const { requestedMessage, connectorId } = req;
      if (requestedMessage === 'LogStatusNotification' || requestedMessage === 'SignChargePointCertificate') return { status: 'NotImplemented' };
      return own.trigger({ requestedMessage, ...(connectorId !== undefined ? { connectorId } : {}) });
    };
  }

  /**
   * 'local-controller' (1.6 §3.13.4): the cloud's profiles become the balancer's limits; §5.5: a
   * clear removes only the cloud's kept profiles (forwarded, it would clear chargegate's own);
   * §5.7: the composite schedule merges them with chargegate's own limit.
   */
  const caps = deps.caps;
  const byLocalController: Handlers = caps
    ? {
        SetChargingProfile: (req) => caps.set(channel, req),
        ClearChargingProfile: (req) => caps.clear(channel, req),
        GetCompositeSchedule: async (req) => caps.composite(channel, req),
      }
    : {};

  const byRoute: Record<Exclude<CloudRoute, 'not-supported'>, Handlers> = { 'to-charger': toCharger, chargegate: byChargegate, 'local-controller': byLocalController };

  /** Aggregate DataTransfer (data-transfer.ts): to a charger, to MQTT, chargegate's own Reset of one charger, or refused. */
  async function dataTransfer(req: Requests16['DataTransfer']): Promise<Responses16['DataTransfer']> {
    const route = routeDataTransfer(deps.dataTransfer ?? [], req);
    switch (route.kind) {
      case 'answer':
        return { status: route.status, ...(route.data !== undefined ? { data: route.data } : {}) };
      case 'mqtt':
        deps.publishDataTransfer?.(req);
        return { status: 'Accepted' };
      case 'charger':
        return forward(route.chargerId, 'DataTransfer', req, { status: 'Rejected', data: 'the charger is not connected' });
      case 'reset': {
        const target = mapped(route.cloudConnectorId);
        if (!target) return { status: 'Rejected', data: `no connector ${route.cloudConnectorId}` };
        const answer = await forward(target.chargerId, 'Reset', { type: route.type }, { status: 'Rejected' });
        return { status: answer.status === 'Accepted' ? 'Accepted' : 'Rejected', data: JSON.stringify({ chargerId: target.chargerId, reset: answer.status }) };
      }
    }
  }

  /** A key chargegate owns (gateway/owned-keys.ts) answered here; undefined: the key goes where it goes. */
  async function ownedKey(source: KeySource, key: string, value: string): Promise<Responses16['ChangeConfiguration'] | undefined> {
    const verdict = ownedKeyVerdict(source, key, value, deps.ownedKeys);
    if (verdict.kind === 'forward') return undefined;
    if (verdict.kind === 'answer') {
      deps.logger.info({ key, status: verdict.status, reason: verdict.reason }, 'ChangeConfiguration from the cloud of a key chargegate owns: answered by chargegate');
      return { status: verdict.status };
    }
    // Never the value in the log: it is the link's password.
    await deps.keepUpstreamKey(verdict.key);
    deps.logger.info({ key }, 'the cloud set a new AuthorizationKey for this link: kept, used from the next connect');
    return { status: 'Accepted' };
  }

  /** Connector 0 as a target: the channel's charger (transparent); none where connector 0 is the site. */
  function wholeChargePoint(): { chargerId: string; connectorId: number } | undefined {
    return deps.chargePoint === undefined ? undefined : { chargerId: deps.chargePoint, connectorId: 0 };
  }

  async function setOnChargers(req: Requests16['SetChargingProfile']): Promise<Responses16['SetChargingProfile']> {
    const profile = req.csChargingProfiles;
    if (req.connectorId === 0) {
      const answers = await toAll('SetChargingProfile', req, { status: 'Rejected' });
      return { status: answers.length > 0 && answers.every((a) => a.status === 'Accepted') ? 'Accepted' : 'Rejected' };
    }
    const target = mapped(req.connectorId);
    if (!target) return { status: 'Rejected' };
    let forwarded = profile;
    if (profile.transactionId !== undefined) {
      // 1.6 §5.16: a TxProfile names the cloud's transactionId; the charger knows chargegate's.
      const session = sessionFor(profile.transactionId);
      if (!session) return { status: 'Rejected' };
      forwarded = { ...profile, transactionId: session.transactionId };
    }
    return forward(target.chargerId, 'SetChargingProfile', { connectorId: target.connectorId, csChargingProfiles: forwarded }, { status: 'Rejected' });
  }

  function sessionFor(cloudTransactionId: number) {
    const local = idmap.localFor(channel, cloudTransactionId);
    const session = local === undefined ? undefined : store.sessions.get(local);
    return session?.state === 'active' ? session : undefined;
  }

  /** RemoteStart without a connector: one whose car is plugged in (Preparing), else an Available one. */
  function freeConnector(): { chargerId: string; connectorId: number } | undefined {
    const candidates = connectors.connectorsOf(channel).filter((c) => deps.registry.connection(c.chargerId));
    const status = (c: { chargerId: string; connectorId: number }) => deps.registry.get(c.chargerId)?.connectors.get(c.connectorId)?.status;
    return candidates.find((c) => status(c) === 'Preparing') ?? candidates.find((c) => status(c) === 'Available');
  }

  return async (action, payload) => {
    const name = action as CentralAction16;
    const route = routeFromCloud(name, deps.mode, deps.caps?.active() ?? false);
    if (route === 'not-supported') {
      throw notMapped(`${action} addresses one charger, but this charge point is a site gateway (aggregate mode) of ${deps.chargers().length} chargers; use transparent mode to manage chargers one by one`);
    }
    const handler = byRoute[route][name] as ((req: unknown) => Promise<unknown>) | undefined;
    if (!handler) throw notMapped(`${action} is not supported by chargegate`);
    const answer = await handler(payload);
    deps.logger.info({ action, answer }, 'command from the cloud answered');
    return answer;
  };
}

/** AuthorizationKey is write-only (security whitepaper §1.3): never shown to the cloud, whoever holds it. */
function withoutAuthorizationKey(answer: Responses16['GetConfiguration']): Responses16['GetConfiguration'] {
  if (!answer.configurationKey) return answer;
  const kept = answer.configurationKey.filter((k) => !/(^|\/)authorizationkey$/i.test(k.key));
  return kept.length === answer.configurationKey.length ? answer : { ...answer, configurationKey: kept };
}
