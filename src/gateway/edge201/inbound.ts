/**
 * What a 2.0.1 charger sends, answered by the core: each frame (already validated against the
 * 2.0.1 schemas by its session) is translated by the pure functions of src/ocpp/v201/translate
 * into the core's operations (the 1.6 handlers, dispatch16, with this charger's context) and
 * their answers translated back. Nothing here decides anything the core decides for 1.6.
 *
 * TransactionEvent (2.0.1 E) is durable like 1.6's transaction messages: it is answered only
 * after the core's writes; a replay (the same transactionId and seqNo again, e.g. an offline
 * queue resent after a lost answer or a restart) is answered from what is stored and not redone.
 * One charger's TransactionEvents are handled one at a time, in arrival order.
 */
import { OcppCallError } from '../../ocpp/errors.js';
import type { CallHandler } from '../../ocpp/session.js';
import type { Requests16, Responses16 } from '../../ocpp/v16/types.js';
import type { ChargerAction201 } from '../../ocpp/v201/actions.js';
import { idTagOf, idTokenInfoOf } from '../../ocpp/v201/translate/authorize.js';
import { bootAnswerFromCore, bootToCore } from '../../ocpp/v201/translate/boot.js';
import { get15118EvCertificateAnswer, getCertificateStatusAnswer, signCertificateAnswerTo201, signCertificatePlan } from '../../ocpp/v201/translate/certificates.js';
import { meterValuesToCore } from '../../ocpp/v201/translate/meter.js';
import type { TranslationNote } from '../../ocpp/v201/translate/notes.js';
import { firmwareStatusToCore, logStatusToCore } from '../../ocpp/v201/translate/files.js';
import { dataTransferAnswerFromCore, dataTransferToCore, securityEventToCore } from '../../ocpp/v201/translate/notifications.js';
import { profileFrom201 } from '../../ocpp/v201/translate/commands.js';
import { chargingLimitToCore, evNeedsToCore, NOMINAL_VOLTAGE } from '../../ocpp/v201/translate/smart.js';
import { faultOfEvent, statusToCore, type ChargingState, type Fault } from '../../ocpp/v201/translate/status.js';
import { transactionEventToCore, type TransactionFacts } from '../../ocpp/v201/translate/transaction.js';
import type { Requests201, Responses201 } from '../../ocpp/v201/types.js';
import type { HandlerContext } from '../handlers/context.js';
import type { DeviceModelReader } from './device-model.js';
import { dispatch16 } from '../handlers/index.js';
import { reservationEnded } from '../handlers/reservations.js';
import { idTagInfoFor } from '../handlers/transactions.js';
import { meterKey } from '../registry.js';
import { clearReportedLimit, forgetEvNeeds, noteEvNeeds, noteReportedLimit } from '../charging-needs.js';
import type { MeterSample, SessionRecord, TransactionEventSeen } from '../../store/ports.js';
import type { RequestPairs } from './requests.js';

/** An energy sample in Wh (1.6 allows kWh), undefined when there is none or it is not a number. */
function inWh(sample: MeterSample | undefined): number | undefined {
  if (!sample) return undefined;
  const wh = Number(sample.value) * (sample.unit === 'kWh' ? 1000 : 1);
  return Number.isFinite(wh) ? wh : undefined;
}

/** Tells of what a translation could not carry over (logged once per kind, counted in /metrics). */
export type NoteTranslation = (note: TranslationNote, action: string) => void;

type Inbound = { [A in ChargerAction201]?: (req: Requests201[A]) => Promise<Responses201[A]> | Responses201[A] };
type IdTagInfo = Responses16['Authorize']['idTagInfo'];

/**
 * A transaction this connection's events named, until its Ended: built once, at its first
 * event here (Started, or the first after a reconnect), and reused as it is by every Updated.
 * The session's ids and meterStart never change, so an Updated reads nothing of the store for
 * them and copies nothing per event (docs/performance.md, seventh round).
 */
interface OpenTransaction {
  session: SessionRecord;
  /**
   * What the translation is told of the store (transaction.ts TransactionFacts): the session's
   * ids and meterStart, copied once into an object of their own (a SessionRecord read from the
   * store has had its empty fields deleted, which leaves V8 a slower, dictionary-mode object).
   */
  facts: { session: { transactionId: number; connectorId: number; meterStart: number } };
  /** Started without an idToken (idTag ""): a later event's idToken is attached (E03). */
  withoutIdTag: boolean;
}

function openTransaction(session: SessionRecord): OpenTransaction {
  return { session, facts: { session: { transactionId: session.transactionId, connectorId: session.connectorId, meterStart: session.meterStart } }, withoutIdTag: session.idTag === '' };
}

export function createInbound201(ctx: HandlerContext, noteTranslation: NoteTranslation, requests: Pick<RequestPairs, 'originOf'>, deviceModel: Pick<DeviceModelReader, 'booting' | 'booted' | 'notifyReport'>): CallHandler {
  // The connection's own context unless a call adds to it (no copy per message).
  const core = <A extends keyof Requests16>(action: A, payload: Requests16[A], extra?: Partial<HandlerContext>) =>
    Promise.resolve(dispatch16(extra ? { ...ctx, ...extra } : ctx, action, payload) as Responses16[A] | Promise<Responses16[A]>);
  const notes = (list: readonly TranslationNote[], action: string) => list.forEach((n) => noteTranslation(n, action));
  /** Each EVSE's charging state while a transaction runs on it: what Occupied means (status.ts). */
  const chargingStates = new Map<number, ChargingState>();
  /** Each EVSE's fault cause from NotifyEvent (N07): what a Faulted StatusNotification does not say. */
  const faults = new Map<number, Fault>();
  /**
   * One TransactionEvent at a time (2.0.1 E: a charger's transaction messages are ordered by
   * seqNo): the first runs at once, the others wait here in arrival order. A queue rather than a
   * promise chain: no closures per event.
   */
  let transactionBusy = false;
  const transactionQueue: { req: Requests201['TransactionEvent']; resolve: (res: Responses201['TransactionEvent']) => void; reject: (err: unknown) => void }[] = [];
  const nextTransactionEvent = (): void => {
    const waiting = transactionQueue.shift();
    if (!waiting) {
      transactionBusy = false;
      return;
    }
    runTransactionEvent(waiting.req).then(waiting.resolve, waiting.reject);
  };
  const runTransactionEvent = (req: Requests201['TransactionEvent']): Promise<Responses201['TransactionEvent']> => {
    transactionBusy = true;
    return transactionEvent(req);
  };
  /** By the charger's transactionId (Started and Ended still read the store). */
  const openTransactions = new Map<string, OpenTransaction>();
  /**
   * The event's record (the replay check's transactionId + seqNo), written by the core's
   * MeterValues or StopTransaction inside its own durable write (writeAlongside). Events run one
   * at a time, so one slot serves, and the context that carries the write is made once per
   * connection, not copied per event.
   */
  let pendingRecord: TransactionEventSeen | undefined;
  const writeRecord = (): void => {
    if (pendingRecord) ctx.store.sessions.noteEvent(pendingRecord);
  };
  const recordingCtx: HandlerContext = { ...ctx, writeAlongside: writeRecord };

  const inbound: Inbound = {
    BootNotification: async (req) => {
      // Setup and the balancer wait for the device model report (device-model.ts).
      deviceModel.booting();
      let accepted = false;
      try {
        const answer = bootAnswerFromCore(await core('BootNotification', bootToCore(req)));
        accepted = answer.status === 'Accepted';
        return answer;
      } finally {
        deviceModel.booted(accepted, req.chargingStation.firmwareVersion);
      }
    },
    Heartbeat: () => core('Heartbeat', {}),
    StatusNotification: async (req) => {
      const status = statusToCore(req, chargingStates.get(req.evseId) ?? runningSince(req.evseId), faults.get(req.evseId));
      notes(status.notes, 'StatusNotification');
      await core('StatusNotification', status.value);
      return {};
    },
    Authorize: async (req) => {
      const res = await core('Authorize', { idTag: idTagOf(req.idToken) });
      return { idTokenInfo: idTokenInfoOf(res.idTagInfo) };
    },
    TransactionEvent: (req) => (transactionBusy ? new Promise((resolve, reject) => void transactionQueue.push({ req, resolve, reject })) : runTransactionEvent(req)),
    MeterValues: async (req) => {
      const meter = meterValuesToCore(req.meterValue);
      notes(meter.notes, 'MeterValues');
      if (meter.value.length > 0) await core('MeterValues', { connectorId: req.evseId, meterValue: meter.value });
      return {};
    },
    // The device model (B07/B08): stored, asked for or not, before the answer.
    NotifyReport: async (req) => (await deviceModel.notifyReport(req), {}),
    SecurityEventNotification: async (req) => (await core('SecurityEventNotification', securityEventToCore(req)), {}),
    SignCertificate: async (req) => {
      const plan = signCertificatePlan(req);
      if ('refuse' in plan) {
        ctx.logger.warn({ certificateType: req.certificateType, reason: plan.reason }, 'SignCertificate rejected');
        return plan.refuse;
      }
      // The 1.6 path: the cloud where routing relays it, else the local CA (handlers/security.ts).
      return signCertificateAnswerTo201(await core('SignCertificate', plan.core));
    },
    // ISO 15118 Plug & Charge (M01–M06): chargegate has no V2G PKI; said in the answer and the log.
    Get15118EVCertificate: (req) => {
      ctx.logger.warn({ action: req.action, iso15118SchemaVersion: req.iso15118SchemaVersion }, 'Get15118EVCertificate answered Failed: chargegate has no ISO 15118 PKI (Plug & Charge contract certificates)');
      return get15118EvCertificateAnswer();
    },
    GetCertificateStatus: () => {
      ctx.logger.warn('GetCertificateStatus answered Failed: chargegate has no OCSP responder for ISO 15118 certificates');
      return getCertificateStatusAnswer();
    },
    // Each status goes back as the notification of the command its requestId was sent for (files.ts).
    FirmwareStatusNotification: async (req) => {
      const status = firmwareStatusToCore(req, requests.originOf(ctx.chargerId, 'firmware', req.requestId));
      notes(status.notes, 'FirmwareStatusNotification');
      await core(status.action, status.payload as never);
      return {};
    },
    LogStatusNotification: async (req) => {
      const status = logStatusToCore(req, requests.originOf(ctx.chargerId, 'log', req.requestId));
      notes(status.notes, 'LogStatusNotification');
      await core(status.action, status.payload as never);
      return {};
    },
    ReservationStatusUpdate: async (req) => (await reservationEnded(ctx, req.reservationId, req.reservationUpdateStatus), {}),
    DataTransfer: async (req) => dataTransferAnswerFromCore(await core('DataTransfer', dataTransferToCore(req))),
    NotifyEVChargingNeeds: (req) => {
      const { needs, status, notes: lost } = evNeedsToCore(req, ctx.now().toISOString());
      notes(lost, 'NotifyEVChargingNeeds');
      if (needs) noteEvNeeds(ctx, needs);
      return { status };
    },
    NotifyChargingLimit: (req) => {
      const { limit, notes: lost } = chargingLimitToCore(req, ctx.now().toISOString(), NOMINAL_VOLTAGE);
      notes(lost, 'NotifyChargingLimit');
      noteReportedLimit(ctx, limit);
      return {};
    },
    ClearedChargingLimit: (req) => (clearReportedLimit(ctx, req.chargingLimitSource, req.evseId, ctx.now().toISOString()), {}),
    NotifyEvent: (req) => notifyEvent(req),
    ReportChargingProfiles: (req) => {
      const profiles = req.chargingProfile.map((p) => {
        const { notes: lost, ...shown } = profileFrom201(p);
        notes(lost, 'ReportChargingProfiles');
        return shown;
      });
      ctx.events.emit('charger.profilesReported', { chargerId: ctx.chargerId, requestId: req.requestId, tbc: req.tbc ?? false, connectorId: req.evseId, source: req.chargingLimitSource, profiles });
      return {};
    },
  };

  /**
   * NotifyEvent (N07): answered always; an EVSE's fault (faultOfEvent) is kept as the cause a
   * Faulted status carries, and given at once to a connector that is Faulted already.
   */
  async function notifyEvent(req: Requests201['NotifyEvent']): Promise<Responses201['NotifyEvent']> {
    for (const e of req.eventData) {
      const found = faultOfEvent(e);
      if (!found) continue;
      const { fault, cleared } = found;
      ctx.logger.info({ evseId: fault.evseId, info: fault.info, vendorErrorCode: fault.vendorErrorCode, cleared, eventId: e.eventId }, cleared ? 'fault cleared (NotifyEvent)' : 'fault reported (NotifyEvent)');
      if (cleared) {
        faults.delete(fault.evseId);
        continue;
      }
      faults.set(fault.evseId, fault);
      const now = ctx.registry.get(ctx.chargerId)?.connectors.get(fault.evseId);
      if (now?.status === 'Faulted' && now.info !== fault.info) {
        await core('StatusNotification', { connectorId: fault.evseId, status: 'Faulted', errorCode: 'OtherError', info: fault.info, ...(fault.vendorErrorCode ? { vendorErrorCode: fault.vendorErrorCode } : {}), timestamp: e.timestamp });
      }
    }
    return {};
  }

  /**
   * No charging state heard on this connection (a reconnect), yet a session runs on the EVSE:
   * Occupied is taken as Charging, which keeps the car's share in the balancer (SuspendedEV
   * would hand it to others) until the next TransactionEvent says otherwise.
   */
  function runningSince(evseId: number): ChargingState | undefined {
    return ctx.store.sessions.list({ chargerId: ctx.chargerId, state: 'active' }).some((x) => x.connectorId === evseId) ? 'Charging' : undefined;
  }

  /** The answer's idTokenInfo: about the event's idToken, when it carries one. */
  function transactionAnswer(req: Requests201['TransactionEvent'], idTagInfo?: IdTagInfo): Responses201['TransactionEvent'] {
    if (!req.idToken) return {};
    // NoAuthorization (2.0.1 IdTokenEnumType: "no authorization possible or needed"): the
    // charger decided; chargegate has no verdict on an empty token to give it.
    if (req.idToken.type === 'NoAuthorization') return { idTokenInfo: { status: 'Accepted' } };
    return { idTokenInfo: idTokenInfoOf(idTagInfo ?? idTagInfoFor(ctx, idTagOf(req.idToken))) };
  }

  async function transactionEvent(req: Requests201['TransactionEvent']): Promise<Responses201['TransactionEvent']> {
    // The next event waiting (runTransactionEvent) starts when this one is done, however it ends.
    try {
      const { store, chargerId } = ctx;
      const reference = req.transactionInfo.transactionId;
      const ending = req.eventType === 'Ended';
      let opened = req.eventType === 'Updated' ? openTransactions.get(reference) : undefined;
      const known = opened?.session ?? store.sessions.byReference(chargerId, reference);
      if (known && store.sessions.eventSeen(chargerId, reference, req.seqNo)) {
        ctx.logger.info({ transactionId: known.transactionId, reference, seqNo: req.seqNo, eventType: req.eventType }, 'TransactionEvent already handled (a replay): answered again, not redone');
        return transactionAnswer(req, req.eventType === 'Started' ? { status: known.authStatus as IdTagInfo['status'] } : undefined);
      }
      const plan = transactionEventToCore(req, opened && !ending ? opened.facts : facts(known, req.evse?.id ?? known?.connectorId ?? 1, ending));
      if (plan.notes.length > 0) notes(plan.notes, 'TransactionEvent');
      let transactionId = opened ? opened.facts.session.transactionId : known?.transactionId;
      let idTagInfo: IdTagInfo | undefined;
      if (plan.start) {
        // Without an idToken the session is marked started without authorization (idTag "").
        const started = await core('StartTransaction', plan.start, { transactionReference: reference, idTokenType: req.idToken?.type ?? 'NoAuthorization' });
        transactionId = started.transactionId;
        idTagInfo = started.idTagInfo;
      }
      if (transactionId === undefined) throw new OcppCallError('InternalError', 'TransactionEvent: no session for the transaction');
      if (known && !opened) openTransactions.set(reference, (opened = openTransaction(known)));
      // E03 (start before authorization): a session started without an idToken gets the one a
      // later event carries (triggerReason Authorized), judged as an Authorize is, and kept.
      if (known && (opened ? opened.withoutIdTag : known.idTag === '') && !plan.start && req.idToken && req.idToken.type !== 'NoAuthorization' && req.idToken.idToken !== '') {
        const idTag = idTagOf(req.idToken);
        idTagInfo = (await core('Authorize', { idTag })).idTagInfo;
        const verdict = idTagInfo.status;
        await store.durably(() => store.sessions.attachIdTag(transactionId, idTag, req.idToken!.type, verdict));
        const attached = { ...known, idTag, idTokenType: req.idToken.type, authStatus: verdict };
        if (openTransactions.has(reference)) openTransactions.set(reference, openTransaction(attached));
        ctx.logger.info({ transactionId, reference, idTokenType: req.idToken.type, status: verdict }, 'idToken given after the start: attached to the session');
      }
      const chargingState = req.transactionInfo.chargingState;
      // Passed on when it changed (or at Ended: Finishing). Many chargers repeat an unchanged
      // chargingState in every Updated: passing each on cost a status write (and its fsync) per
      // event, and overwrote a Faulted the charger reported in between with Charging.
      if (plan.status && (plan.stop || chargingStates.get(plan.connectorId) !== chargingState)) {
        await core('StatusNotification', plan.status);
      }
      if (plan.stop) {
        chargingStates.delete(plan.connectorId);
        // The car's needs were told for this transaction (K15).
        forgetEvNeeds(ctx, plan.connectorId);
        openTransactions.delete(reference);
      } else if (chargingState) {
        chargingStates.set(plan.connectorId, chargingState);
      }
      // The event's record (what the replay check reads) is committed in the same durable write as
      // its last effect, its samples or its Stop, or not at all: a replay is answered "already
      // handled" only when that effect is on disk, and the Updated costs one group commit.
      pendingRecord = { chargerId, reference, seqNo: req.seqNo, eventType: req.eventType, offline: req.offline ?? false };
      const samples = plan.meterValue.length > 0;
      if (samples) {
        const payload = { connectorId: plan.connectorId, transactionId, meterValue: plan.meterValue };
        // At Ended the record goes with the Stop below, not with these samples.
        await (plan.stop ? core('MeterValues', payload) : dispatch16(recordingCtx, 'MeterValues', payload));
      }
      if (plan.stop) {
        const stopped = (await dispatch16(recordingCtx, 'StopTransaction', { ...plan.stop, transactionId })) as Responses16['StopTransaction'];
        idTagInfo = stopped.idTagInfo ?? idTagInfo;
      } else if (!samples) {
        await store.durably(writeRecord);
      }
      // Like a 1.6 MeterValues, a periodic Updated is not logged at info: a line per event per charger.
      if (req.eventType !== 'Updated' || ctx.logger.isLevelEnabled('debug')) {
        ctx.logger[req.eventType === 'Updated' ? 'debug' : 'info']({ transactionId, reference, seqNo: req.seqNo, eventType: req.eventType, triggerReason: req.triggerReason, offline: req.offline ?? false }, 'TransactionEvent');
      }
      return transactionAnswer(req, idTagInfo);
    } finally {
      nextTransactionEvent();
    }
  }

  /** What the store and the registry know before the event: the session, and energy readings for a missing meterStart/meterStop. */
  function facts(known: ReturnType<HandlerContext['store']['sessions']['byReference']>, connectorId: number, ending: boolean): TransactionFacts {
    if (known) {
      // Only an Ended needs the session's energy (a missing meterStop): reading every stored
      // sample on each Updated made each event slower than the last (the bench's ocpp201 part).
      if (!ending) return { session: known };
      // The session's latest energy register reading (samples are stored in arrival order).
      const last = ctx.store.meters.forTransaction(known.transactionId).filter((x) => x.measurand === 'Energy.Active.Import.Register' && x.phase === undefined).at(-1);
      const sessionEnergyWh = inWh(last);
      return { session: known, ...(sessionEnergyWh !== undefined ? { sessionEnergyWh } : {}) };
    }
    const latestEnergyWh = inWh(ctx.registry.get(ctx.chargerId)?.latest.get(meterKey(connectorId, 'Energy.Active.Import.Register', undefined)));
    return latestEnergyWh !== undefined ? { latestEnergyWh } : {};
  }

  // Each action's handler looked up in a map made once per connection.
  const handlers = new Map(Object.entries(inbound) as [string, (req: unknown) => unknown][]);
  return (action, payload) => {
    const handler = handlers.get(action);
    // Known to the 2.0.1 schemas (the session refused the others with NotImplemented), not handled yet.
    if (!handler) throw new OcppCallError('NotSupported', `${action} is not supported by chargegate for OCPP 2.0.1 chargers yet`);
    return handler(payload);
  };
}
