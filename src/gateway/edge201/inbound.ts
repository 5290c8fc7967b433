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
import { meterValuesToCore } from '../../ocpp/v201/translate/meter.js';
import type { TranslationNote } from '../../ocpp/v201/translate/notes.js';
import { dataTransferAnswerFromCore, dataTransferToCore, firmwareStatusToCore, logStatusToCore, securityEventToCore } from '../../ocpp/v201/translate/notifications.js';
import { statusToCore, type ChargingState } from '../../ocpp/v201/translate/status.js';
import { transactionEventToCore, type TransactionFacts } from '../../ocpp/v201/translate/transaction.js';
import type { Requests201, Responses201 } from '../../ocpp/v201/types.js';
import type { HandlerContext } from '../handlers/context.js';
import type { DeviceModelReader } from './device-model.js';
import { dispatch16 } from '../handlers/index.js';
import { idTagInfoFor } from '../handlers/transactions.js';
import { meterKey } from '../registry.js';
import type { MeterSample } from '../../store/ports.js';

/** An energy sample in Wh (1.6 allows kWh), undefined when there is none or it is not a number. */
function inWh(sample: MeterSample | undefined): number | undefined {
  if (!sample) return undefined;
  const wh = Number(sample.value) * (sample.unit === 'kWh' ? 1000 : 1);
  return Number.isFinite(wh) ? wh : undefined;
}

/** Tells of what a translation could not carry over (logged once per kind, counted in /metrics). */
export type NoteTranslation = (note: TranslationNote, action: string) => void;

type Inbound = { [A in ChargerAction201]?: (req: Requests201[A]) => Promise<Responses201[A]> | Responses201[A] };

export function createInbound201(ctx: HandlerContext, noteTranslation: NoteTranslation, deviceModel: Pick<DeviceModelReader, 'booting' | 'booted' | 'notifyReport'>): CallHandler {
  const core = <A extends keyof Requests16>(action: A, payload: Requests16[A], extra: Partial<HandlerContext> = {}) =>
    Promise.resolve(dispatch16({ ...ctx, ...extra }, action, payload) as Responses16[A] | Promise<Responses16[A]>);
  const notes = (list: readonly TranslationNote[], action: string) => list.forEach((n) => noteTranslation(n, action));
  /** Each EVSE's charging state while a transaction runs on it: what Occupied means (status.ts). */
  const chargingStates = new Map<number, ChargingState>();
  let transactions: Promise<unknown> = Promise.resolve();

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
      const status = statusToCore(req, chargingStates.get(req.evseId) ?? runningSince(req.evseId));
      notes(status.notes, 'StatusNotification');
      await core('StatusNotification', status.value);
      return {};
    },
    Authorize: async (req) => {
      const res = await core('Authorize', { idTag: idTagOf(req.idToken) });
      return { idTokenInfo: idTokenInfoOf(res.idTagInfo) };
    },
    TransactionEvent: (req) => {
      // One at a time: a charger's transaction messages are ordered (2.0.1 E: seqNo).
      const next = transactions.then(() => transactionEvent(req));
      transactions = next.catch(() => undefined);
      return next;
    },
    MeterValues: async (req) => {
      const meter = meterValuesToCore(req.meterValue);
      notes(meter.notes, 'MeterValues');
      if (meter.value.length > 0) await core('MeterValues', { connectorId: req.evseId, meterValue: meter.value });
      return {};
    },
    // The device model (B07/B08): stored, asked for or not, before the answer.
    NotifyReport: async (req) => (await deviceModel.notifyReport(req), {}),
    SecurityEventNotification: async (req) => (await core('SecurityEventNotification', securityEventToCore(req)), {}),
    FirmwareStatusNotification: async (req) => (await core('SignedFirmwareStatusNotification', firmwareStatusToCore(req)), {}),
    LogStatusNotification: async (req) => (await core('LogStatusNotification', logStatusToCore(req)), {}),
    DataTransfer: async (req) => dataTransferAnswerFromCore(await core('DataTransfer', dataTransferToCore(req))),
  };

  /**
   * No charging state heard on this connection (a reconnect), yet a session runs on the EVSE:
   * Occupied is taken as Charging, which keeps the car's share in the balancer (SuspendedEV
   * would hand it to others) until the next TransactionEvent says otherwise.
   */
  function runningSince(evseId: number): ChargingState | undefined {
    return ctx.store.sessions.list({ chargerId: ctx.chargerId, state: 'active' }).some((x) => x.connectorId === evseId) ? 'Charging' : undefined;
  }

  async function transactionEvent(req: Requests201['TransactionEvent']): Promise<Responses201['TransactionEvent']> {
    const { store, chargerId } = ctx;
    const reference = req.transactionInfo.transactionId;
    const known = store.sessions.byReference(chargerId, reference);
    const answer = (idTagInfo?: Responses16['Authorize']['idTagInfo']): Responses201['TransactionEvent'] =>
      req.idToken ? { idTokenInfo: idTokenInfoOf(idTagInfo ?? idTagInfoFor(ctx, idTagOf(req.idToken))) } : {};
    if (known && store.sessions.eventSeen(chargerId, reference, req.seqNo)) {
      ctx.logger.info({ transactionId: known.transactionId, reference, seqNo: req.seqNo, eventType: req.eventType }, 'TransactionEvent already handled (a replay): answered again, not redone');
      return answer(req.eventType === 'Started' ? { status: known.authStatus as Responses16['Authorize']['idTagInfo']['status'] } : undefined);
    }
    const plan = transactionEventToCore(req, facts(known, req.evse?.id ?? known?.connectorId ?? 1, req.eventType === 'Ended'));
    notes(plan.notes, 'TransactionEvent');
    let transactionId = known?.transactionId;
    let idTagInfo: Responses16['Authorize']['idTagInfo'] | undefined;
    if (plan.start) {
      const started = await core('StartTransaction', plan.start, { transactionReference: reference });
      transactionId = started.transactionId;
      idTagInfo = started.idTagInfo;
    }
    if (transactionId === undefined) throw new OcppCallError('InternalError', 'TransactionEvent: no session for the transaction');
    if (plan.status) {
      if (plan.stop) chargingStates.delete(plan.connectorId);
      else if (req.transactionInfo.chargingState) chargingStates.set(plan.connectorId, req.transactionInfo.chargingState);
      await core('StatusNotification', plan.status);
    }
    if (plan.meterValue.length > 0) await core('MeterValues', { connectorId: plan.connectorId, transactionId, meterValue: plan.meterValue });
    if (plan.stop) {
      chargingStates.delete(plan.connectorId);
      const stopped = await core('StopTransaction', { ...plan.stop, transactionId });
      idTagInfo = stopped.idTagInfo ?? idTagInfo;
    }
    await store.durably(() =>
      store.sessions.noteEvent({ chargerId, reference, seqNo: req.seqNo, eventType: req.eventType, offline: req.offline ?? false, timestamp: req.timestamp, receivedAt: ctx.now().toISOString() }),
    );
    ctx.logger.info({ transactionId, reference, seqNo: req.seqNo, eventType: req.eventType, triggerReason: req.triggerReason, offline: req.offline ?? false }, 'TransactionEvent');
    return answer(idTagInfo);
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

  return (action, payload) => {
    if (!Object.hasOwn(inbound, action)) {
      // Known to the 2.0.1 schemas (the session refused the others with NotImplemented), not handled yet.
      throw new OcppCallError('NotSupported', `${action} is not supported by chargegate for OCPP 2.0.1 chargers yet`);
    }
    return (inbound[action as ChargerAction201] as (req: unknown) => unknown)(payload);
  };
}
