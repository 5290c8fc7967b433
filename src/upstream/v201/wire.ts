/**
 * The upstream to an OCPP 2.0.1 CSMS (#17): what chargers said, queued in the core's 1.6 shapes,
 * written as 2.0.1 messages when queued (the outbox keeps them as sent, so a replay after an
 * outage or kill -9 sends the same seqNo, offline flag and transactionId), and the CSMS's
 * commands carried out by the 1.6 command handler (from-csms.ts). The translations are pure
 * (to-csms.ts, from-csms.ts, src/ocpp/v201/translate); this file keeps the little state they need:
 *
 * - per transaction, its next seqNo and last chargingState (2.0.1 E: seqNo from 0, one series per
 *   transaction), in the meta table, written in the same commit as the outbox row; dropped at Ended;
 * - the transactionId is chargegate's to make (2.0.1 E01: the charging station names it):
 *   transaction-ref.ts; the id map records it as the "cloud's" id = chargegate's own integer, so
 *   RequestStop and TxProfiles reach the session through the same path as 1.6's;
 * - a RequestStartTransaction's remoteStartId, until the transaction it started is queued
 *   (upstream_remote_starts, so a restart in between keeps it), for REMOTE_START_LIFETIME_MS.
 */
import type { Logger } from '../../log.js';
import { OcppCallError } from '../../ocpp/errors.js';
import type { CallHandler } from '../../ocpp/session.js';
import type { Responses16 } from '../../ocpp/v16/types.js';
import type { BootNotificationRequest, DataTransferResponse, MeterValuesRequest, StartTransactionRequest, StatusNotificationRequest, StopTransactionRequest } from '../../ocpp/v16/types.js';
import { idTagInfoOf, idTokenOf } from '../../ocpp/v201/translate/authorize.js';
import { bootAnswerToCore, bootFromCore } from '../../ocpp/v201/translate/boot.js';
import type { TranslationNote } from '../../ocpp/v201/translate/notes.js';
import { statusFromCore } from '../../ocpp/v201/translate/status.js';
import type { ReportDataType, Requests201, Responses201 } from '../../ocpp/v201/types.js';
import type { OutboxMessage, Store } from '../../store/ports.js';
import type { Wire, WireCall, WireContext, WireMessage } from '../wire.js';
import { commandTo16 } from './from-csms.js';
import { reportFrames, reportOfConfiguration } from './report.js';
import { SITE_ACTIONS, siteCommand, type SiteStation } from './site-station.js';
import { chargingStateOf, endedEvent, meterValuesOutside, startedEvent, stationEvent, updatedByChargingState, updatedByMeterValues, withoutStartReading, type ChargingState201, type EventFacts } from './to-csms.js';
import { queuedFor16 } from './requeue.js';
import { referenceOf, transactionOf } from './transaction-ref.js';

export interface Wire201Deps {
  store: Pick<Store, 'sessions' | 'meta' | 'upstream' | 'durably'>;
  /** The upstream's name: its transactions' counters are its own (a mirror numbers its events itself). */
  upstream: string;
  logger: Logger;
  now: () => Date;
  /** A connector's 1.6 status as the registry has it now. */
  statusOf(chargerId: string, connectorId: number): string | undefined;
  /** The chargers behind a channel (a transactionId the CSMS names must be one of theirs). */
  chargersOf(channel: string): string[];
  /** Whether a message of the channel that `match` picks is still to be delivered (outbox.ts holds). */
  holds(channel: string, match: (message: OutboxMessage) => boolean): boolean;
  /** Sends a call to the CSMS on the channel now (a NotifyReport after GetBaseReport's answer). */
  send(channel: string, action: string, payload: unknown): Promise<unknown>;
  /** Counts a translation loss in /metrics (the 'ocpp.leniency' event, as the charger edge's: tolerance.ts). */
  count(channel: string, kind: 'translation-lost' | 'translation-mapped', action: string, detail: string): void;
  /** The charger that is a channel's whole station (transparent); undefined where the station is the site (aggregate). */
  chargePointOf(channel: string): string | undefined;
  /** Aggregate: the station chargegate is itself, whose device model answers the CSMS (site-station.ts); undefined: transparent. */
  site?(channel: string): SiteStation | undefined;
}

/** Per transaction: the next seqNo, the chargingState last told. */
interface Series {
  seq: number;
  state?: ChargingState201;
}

/**
 * How long a RequestStartTransaction waits for its transaction: the charger itself gives up
 * waiting for the cable after its connection timeout (1.6 ConnectionTimeOut, 2.0.1
 * TxCtrlr.EVConnectionTimeOut: typically a minute or two), so a Start after this is not the
 * one the CSMS asked for; the margin covers a charger that reconnects after a restart.
 */
export const REMOTE_START_LIFETIME_MS = 15 * 60_000;
/** The latest few per channel: starts the charger never made must not pile up. */
const REMOTE_STARTS_KEPT = 8;

export function wire201(deps: Wire201Deps): Wire {
  const { store, logger } = deps;
  const key = (local: number) => `upstream201/${deps.upstream}/tx/${local}`;
  const series = (local: number): Series | undefined => {
    const raw = store.meta.get(key(local));
    return raw === undefined ? undefined : (JSON.parse(raw) as Series);
  };
  const keep = (local: number, s: Series) => store.meta.set(key(local), JSON.stringify(s));
  /** The requestId of the CSMS's latest UpdateFirmware / GetLog per channel: its statuses name it (L01, N01). In memory: after a restart the statuses go without. */
  const transferRequests = new Map<string, number>();
  const expiryTimers = new Set<NodeJS.Timeout>();
  const noted = new Set<string>();

  /** Losses are counted each time, and logged once per action and place (they repeat with every message of their kind). */
  function note(action: string, notes: readonly TranslationNote[], channel = deps.upstream): void {
    for (const n of notes) {
      deps.count(channel, n.kind === 'lost' ? 'translation-lost' : 'translation-mapped', action, `${n.path}: ${n.detail}`);
      const id = `${action}:${n.kind}:${n.path.replace(/\.\d+/g, '.*')}`;
      if (noted.has(id)) continue;
      noted.add(id);
      logger.info({ action, kind: n.kind, path: n.path, detail: n.detail }, 'OCPP 2.0.1 upstream: translation loss (logged once per kind)');
    }
  }

  /** NotifyEvent's eventIds, two per event (stationEvent), counted on across restarts (inside the caller's durable write). */
  function nextEventId(): number {
    const idKey = `upstream201/${deps.upstream}/eventId`;
    const id = Number(store.meta.get(idKey) ?? 0);
    store.meta.set(idKey, String(id + 2 > 2 ** 31 - 2 ? 0 : id + 2));
    return id;
  }

  /** The next event of a transaction: its facts, and the series moved on (written by the caller's commit). */
  function nextEvent(local: number, ready: boolean, s: Series): EventFacts {
    const facts = { reference: referenceOf(store, local), seqNo: s.seq, offline: !ready };
    s.seq++;
    return facts;
  }

  const remoteStartsSince = () => new Date(deps.now().getTime() - REMOTE_START_LIFETIME_MS).toISOString();

  /** The CSMS's remoteStartId for a Start it asked for (inside the caller's durable write: taken with the Started queued). */
  function takeRemoteStart(channel: string, start: StartTransactionRequest): number | undefined {
    const waiting = store.upstream.remoteStarts.list(channel, remoteStartsSince());
    const found = waiting.find((w) => w.idTag === start.idTag && (w.connectorId === undefined || w.connectorId === start.connectorId));
    if (!found) return undefined;
    store.upstream.remoteStarts.remove(found.id);
    return found.remoteStartId;
  }

  /** Written before the charger is asked: it may start the session (or chargegate restart) before its answer is back. */
  async function awaitRemoteStart(channel: string, req: Requests201['RequestStartTransaction']): Promise<{ drop(): Promise<void> }> {
    const at = deps.now().toISOString();
    const entry = { remoteStartId: req.remoteStartId, idTag: req.idToken.idToken, ...(req.evseId !== undefined ? { connectorId: req.evseId } : {}), createdAt: at };
    const id = await store.durably(() => {
      store.upstream.remoteStarts.prune(channel, remoteStartsSince(), REMOTE_STARTS_KEPT - 1);
      return store.upstream.remoteStarts.add(channel, entry);
    });
    return { drop: () => store.durably(() => store.upstream.remoteStarts.remove(id)) };
  }

  function encode(message: WireMessage, context: WireContext): WireMessage[] {
    const local = message.localTransactionId;
    switch (message.action) {
      case 'StartTransaction': {
        if (local === undefined) return [];
        const start = message.payload as StartTransactionRequest;
        const s: Series = { seq: 0 };
        const session = store.sessions.get(local);
        const status = session ? deps.statusOf(session.chargerId, session.connectorId) : undefined;
        const state = status !== undefined ? chargingStateOf(status) : undefined;
        const remoteStartId = takeRemoteStart(context.channel, start);
        const payload = startedEvent(start, nextEvent(local, context.ready, s), { ...(state ? { chargingState: state } : {}), ...(remoteStartId !== undefined ? { remoteStartId } : {}) });
        keep(local, { ...s, ...(state ? { state } : {}) });
        return [{ action: 'TransactionEvent', kind: 'start', payload, localTransactionId: local }];
      }
      case 'MeterValues': {
        const req = message.payload as Pick<MeterValuesRequest, 'connectorId' | 'meterValue'>;
        const s = local !== undefined ? series(local) : undefined;
        if (local !== undefined && s) {
          const meterStart = req.meterValue.some((m) => m.sampledValue.some((v) => v.context === 'Transaction.Begin')) ? store.sessions.get(local)?.meterStart : undefined;
          const meterValue = meterStart === undefined ? req.meterValue : withoutStartReading(req.meterValue, meterStart);
          if (meterValue.length === 0) return [];
          const facts = nextEvent(local, context.ready, s);
          const updated = updatedByMeterValues({ ...req, meterValue }, facts);
          note('MeterValues', updated.notes, context.channel);
          if (!updated.value) return [];
          keep(local, s);
          return [{ action: 'TransactionEvent', kind: 'meter', payload: updated.value, localTransactionId: local }];
        }
        const outside = meterValuesOutside(req);
        note('MeterValues', outside.notes, context.channel);
        return outside.value ? [{ action: 'MeterValues', kind: 'meter', payload: outside.value }] : [];
      }
      case 'StopTransaction': {
        if (local === undefined) return [];
        const s = series(local) ?? { seq: 0 };
        const ended = endedEvent(message.payload as Omit<StopTransactionRequest, 'transactionId'>, nextEvent(local, context.ready, s));
        note('StopTransaction', ended.notes, context.channel);
        store.meta.delete(key(local));
        return [{ action: 'TransactionEvent', kind: 'stop', payload: ended.value, localTransactionId: local }];
      }
      case 'StatusNotification':
        return status(message, context);
      case 'DataTransfer': {
        // The correction of an estimated Stop (stop-correction.ts): the transaction named as the CSMS knows it.
        if (local === undefined) return [message];
        const dt = message.payload as { vendorId: string; messageId?: string; data?: string };
        return [{ ...message, payload: { ...dt, data: JSON.stringify({ transactionId: referenceOf(store, local), ...(JSON.parse(dt.data ?? '{}') as object) }) } }];
      }
      default:
        // SecurityEventNotification: the same fields in 2.0.1 A04.
        return [message];
    }
  }

  /**
   * A connector's status: the 2.0.1 StatusNotification (latest only, as in 1.6), and during a
   * transaction a TransactionEvent Updated when the charging state changed (in order, never coalesced).
   */
  function status(message: WireMessage, context: WireContext): WireMessage[] {
    const req = message.payload as StatusNotificationRequest;
    const out: WireMessage[] = [];
    if (req.connectorId > 0) {
      const translated = statusFromCore(req, deps.now().toISOString());
      note('StatusNotification', translated.notes, context.channel);
      out.push({ ...message, payload: translated.value });
    } else {
      // 1.6 connector 0 is the charger itself: 2.0.1 has no StatusNotification for it, a station tells its own state by NotifyEvent (N07).
      note('StatusNotification', [{ kind: 'mapped', path: 'connectorId', detail: 'connector 0 (the charger itself): NotifyEvent ChargingStation.AvailabilityState and Problem' }], context.channel);
      out.push({ ...message, action: 'NotifyEvent', payload: stationEvent(req, nextEventId(), deps.now().toISOString()) });
    }
    const origin = context.origin;
    const state = chargingStateOf(req.status);
    if (!origin || state === undefined) return out;
    const session = store.sessions.list({ chargerId: origin.chargerId, state: 'active' }).find((x) => x.connectorId === origin.connectorId);
    const s = session ? series(session.transactionId) : undefined;
    if (!session || !s || s.state === state) return out;
    const payload = updatedByChargingState(req.connectorId, state, req.timestamp ?? deps.now().toISOString(), nextEvent(session.transactionId, context.ready, s));
    keep(session.transactionId, { ...s, state });
    out.push({ action: 'TransactionEvent', kind: 'other', payload, localTransactionId: session.transactionId });
    return out;
  }

  function answer16(message: OutboxMessage, answer: unknown): { action: string; answer: unknown; idTag?: string } {
    if (message.action !== 'TransactionEvent' || (message.kind !== 'start' && message.kind !== 'stop')) return { action: message.action, answer };
    const event = message.payload as Requests201['TransactionEvent'];
    const info = (answer as Responses201['TransactionEvent']).idTokenInfo;
    const idTagInfo = info ? { idTagInfo: idTagInfoOf(info) } : {};
    const idTag = event.idToken && event.idToken.type !== 'NoAuthorization' ? { idTag: event.idToken.idToken } : {};
    // The transactionId the 1.6 path records is chargegate's own (transaction-ref.ts).
    if (message.kind === 'start') return { action: 'StartTransaction', answer: { transactionId: message.localTransactionId, ...idTagInfo }, ...idTag };
    return { action: 'StopTransaction', answer: idTagInfo, ...idTag };
  }

  /**
   * GetBaseReport (B07): the charger's configuration, read now, as its 2.0.1 variables (report.ts);
   * Accepted, then the NotifyReport frames once the answer is out; EmptyResultSet when none maps.
   */
  async function baseReport(handler16: CallHandler, channel: string, req: Requests201['GetBaseReport']): Promise<Responses201['GetBaseReport']> {
    const config = (await handler16('GetConfiguration', {})) as Responses16['GetConfiguration'];
    const data = reportOfConfiguration(config.configurationKey ?? []);
    if (data.length === 0) return { status: 'EmptyResultSet' };
    sendReport(channel, req.requestId, data);
    return { status: 'Accepted' };
  }

  /** A report's NotifyReport frames, in order, once the answer that accepted it is out (B07.FR.03/04). */
  function sendReport(channel: string, requestId: number, data: readonly ReportDataType[], perFrame?: number): void {
    const frames = reportFrames(requestId, deps.now().toISOString(), data, perFrame);
    setImmediate(() => {
      void (async () => {
        for (const frame of frames) await deps.send(channel, 'NotifyReport', frame);
      })().catch((err: unknown) => logger.warn({ err: (err as Error).message, requestId }, 'NotifyReport to the 2.0.1 CSMS failed'));
    });
  }

  function handler(handler16: CallHandler, channel: string): CallHandler {
    const station = deps.site?.(channel);
    return async (action, payload) => {
      // Aggregate: the station is the site, chargegate itself; its device model answers (site-device-model.ts).
      if (station && SITE_ACTIONS.has(action)) {
        const answer = await siteCommand(action, payload, { station, handler16, report: (requestId, data, perFrame) => sendReport(channel, requestId, data, perFrame), logger });
        // The status only: a report's variables go in its NotifyReport frames.
        logger.info({ action, status: (answer as { status?: string }).status }, 'command from the 2.0.1 CSMS answered from the site\'s device model');
        return answer;
      }
      if (action === 'GetBaseReport') {
        if (deps.chargePointOf(channel) === undefined) throw new OcppCallError('NotSupported', 'GetBaseReport of the site station needs its device model');
        return baseReport(handler16, channel, payload as Requests201['GetBaseReport']);
      }
      const inbound = commandTo16(action, payload, {
        transactionOf: (reference) => transactionOf(store, deps.chargersOf(channel), reference),
        evseIsCharger: deps.chargePointOf(channel) === undefined,
        queued: (reference) => deps.holds(channel, (m) => m.action === 'TransactionEvent' && (reference === undefined || (m.payload as Requests201['TransactionEvent']).transactionInfo.transactionId === reference)),
      });
      note(action, inbound.notes, channel);
      if ('local' in inbound) {
        logger.info({ action, answer: inbound.local }, 'command from the 2.0.1 CSMS answered without the charger');
        return inbound.local;
      }
      // Waiting before the charger is asked: it may start the session before its answer is back here.
      const pending = action === 'RequestStartTransaction' ? await awaitRemoteStart(channel, payload as Requests201['RequestStartTransaction']) : undefined;
      const answers: unknown[] = [];
      try {
        for (const call of inbound.calls) answers.push(await handler16(call.action, call.payload));
      } catch (err) {
        await pending?.drop();
        throw err;
      }
      const answer = inbound.answer(answers);
      if (pending && (answer as { status: string }).status !== 'Accepted') await pending.drop();
      if ((answer as { status?: string }).status === 'Accepted') rememberTransfer(channel, action, payload);
      if (action === 'ReserveNow' && (answer as { status?: string }).status === 'Accepted') watchExpiry(channel, payload as Requests201['ReserveNow']);
      return answer;
    };
  }

  /**
   * H05 for a charger that cannot say it (1.6 has no ReservationStatusUpdate: its reservation ends
   * silently at expiryDate, §5.13): at the expiryDateTime, a reservation the site still holds for
   * the CSMS (not used by a transaction, cancelled, or reported ended by a 2.0.1 charger) is
   * Expired. In memory: after a restart the CSMS's own expiry time is all it has.
   */
  function watchExpiry(channel: string, req: Requests201['ReserveNow']): void {
    const arm = () => {
      // setTimeout holds at most 2^31-1 ms (24.8 days): a later expiry is waited for in steps.
      const timer = setTimeout(() => {
        expiryTimers.delete(timer);
        if (Date.parse(req.expiryDateTime) > deps.now().getTime()) return arm();
        // Looked at and freed in one write: a 2.0.1 charger's own Expired at the same moment is told once.
        const held = (): boolean => {
          if (!store.upstream.reservations.get(channel, req.id)) return false;
          store.upstream.reservations.remove(channel, req.id);
          return true;
        };
        store
          .durably(held)
          .then(async (expired) => {
            if (!expired) return;
            await deps.send(channel, 'ReservationStatusUpdate', { reservationId: req.id, reservationUpdateStatus: 'Expired' } satisfies Requests201['ReservationStatusUpdate']);
            logger.info({ reservationId: req.id }, 'reservation expired: told the 2.0.1 CSMS');
          })
          .catch((err: unknown) => logger.warn({ reservationId: req.id, err: (err as Error).message }, 'the expiry of a reservation not told to the 2.0.1 CSMS'));
      }, Math.min(Math.max(0, Date.parse(req.expiryDateTime) - deps.now().getTime()), 2 ** 31 - 1));
      timer.unref();
      expiryTimers.add(timer);
    };
    arm();
  }

  /** An accepted UpdateFirmware or DiagnosticsLog GetLog: the statuses that follow carry its requestId (1.6's have none). */
  function rememberTransfer(channel: string, action: string, payload: unknown): void {
    if (action === 'UpdateFirmware') transferRequests.set(`${channel}/firmware`, (payload as Requests201['UpdateFirmware']).requestId);
    if (action === 'GetLog' && (payload as Requests201['GetLog']).logType === 'DiagnosticsLog') transferRequests.set(`${channel}/log`, (payload as Requests201['GetLog']).requestId);
  }

  /** A 1.6 firmware or diagnostics status as 2.0.1's (L01, N01), with the requestId of the request it is about (none for Idle). */
  function transferStatus(channel: string, action: 'FirmwareStatusNotification' | 'DiagnosticsStatusNotification', status: string): WireCall {
    const requestId = status === 'Idle' ? undefined : transferRequests.get(`${channel}/${action === 'FirmwareStatusNotification' ? 'firmware' : 'log'}`);
    const withId = requestId !== undefined ? { requestId } : {};
    // 1.6's firmware statuses are all 2.0.1's; of the upload's, UploadFailed is 2.0.1's UploadFailure.
    if (action === 'FirmwareStatusNotification') return { action, payload: { status, ...withId }, answer: () => ({}) };
    return { action: 'LogStatusNotification', payload: { status: status === 'UploadFailed' ? 'UploadFailure' : status, ...withId }, answer: () => ({}) };
  }

  return {
    protocol: 'ocpp2.0.1',
    namesTransactions: true,
    boot: (boot16) => bootFromCore(boot16 as unknown as BootNotificationRequest),
    encode,
    // A row queued for a 1.6 cloud, written as this cloud's (a Stop whose Start the 1.6 cloud already had is an Ended alone).
    adopt: (message, context) => (queuedFor16(message) ? encode({ action: message.action, kind: message.kind, payload: message.payload, ...(message.localTransactionId !== undefined ? { localTransactionId: message.localTransactionId } : {}), ...(message.coalesceKey !== undefined ? { coalesceKey: message.coalesceKey } : {}) }, context) : undefined),
    // Written in the CSMS's terms when queued: sent as stored (the transactionId is chargegate's own).
    // A row queued for a 1.6 cloud before upstream.ocpp changed has no 2.0.1 form: given up, loudly.
    prepare: (message) => (queuedFor16(message) ? { unsendable: `${message.action} was queued for an OCPP 1.6 cloud (upstream.ocpp changed since)` } : { payload: message.payload }),
    answer16,
    request(action, payload, channel) {
      switch (action) {
        case 'Authorize':
          return { action, payload: { idToken: idTokenOf((payload as { idTag: string }).idTag) }, answer: (res) => ({ idTagInfo: idTagInfoOf((res as Responses201['Authorize']).idTokenInfo) }) };
        case 'BootNotification':
          return { action, payload: bootFromCore(payload as BootNotificationRequest), answer: (res) => bootAnswerToCore(res as Responses201['BootNotification']) };
        case 'DataTransfer':
          return { action, payload, answer: (res): DataTransferResponse => dataAnswer16(res as Responses201['DataTransfer']) };
        case 'SignedFirmwareStatusNotification':
          // The whitepaper's signed firmware statuses and requestId are 2.0.1's FirmwareStatusNotification's.
          return { action: 'FirmwareStatusNotification', payload, answer: () => ({}) };
        case 'FirmwareStatusNotification':
        case 'DiagnosticsStatusNotification':
          return transferStatus(channel, action, (payload as { status: string }).status);
        case 'Heartbeat':
        case 'LogStatusNotification':
        case 'ReservationStatusUpdate':
        case 'SecurityEventNotification':
        case 'SignCertificate':
          // The same fields in 2.0.1 (A02, A04, N01, and H05 from a 2.0.1 charger).
          return { action, payload, answer: (res) => res };
        default:
          note(action, [{ kind: 'lost', path: action, detail: `${action} has no OCPP 2.0.1 counterpart: not sent to the CSMS` }]);
          return undefined;
      }
    },
    handler,
    close() {
      for (const timer of expiryTimers) clearTimeout(timer);
      expiryTimers.clear();
    },
  };
}

function dataAnswer16(res: Responses201['DataTransfer']): DataTransferResponse {
  return { status: res.status, ...(res.data !== undefined ? { data: typeof res.data === 'string' ? res.data : JSON.stringify(res.data) } : {}) };
}
