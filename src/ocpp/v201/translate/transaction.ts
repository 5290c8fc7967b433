/**
 * Transactions, both ways (OCPP 2.0.1 E TransactionEvent ↔ OCPP 1.6 §4.8 StartTransaction,
 * §4.7 MeterValues, §4.10 StopTransaction). Pure: what the core should do for one
 * TransactionEvent is computed here, from the event and what the store knows; the edge
 * (src/gateway/edge201/) carries it out and answers.
 *
 * - The first event of a transaction the core does not know (Started, or an Updated/Ended whose
 *   Started never came) opens the session: connector = evse.id, idTag = the idToken's text
 *   ("" without one: the session is marked started without authorization, idTokenType
 *   NoAuthorization), meterStart = its Transaction.Begin energy reading, else the EVSE's latest
 *   known energy register, else 0 (noted), timestamp = the event's. The charger's transactionId
 *   is kept with the session as its reference; the session's id stays chargegate's own integer.
 * - Started/Updated meter values are the session's samples (MeterValues with its id).
 * - chargingState is the connector's finer status (status.ts statusOfChargingState); at Ended
 *   with an EV still connected: Finishing.
 * - Ended closes the session: meterStop = its Transaction.End energy reading (else the last
 *   reading of the event, else the session's last known, else meterStart: noted), reason =
 *   stoppedReason mapped (STOP_REASON_16), transactionData = the event's meter values.
 * Not kept: triggerReason, offline (both recorded with the event by the edge), numberOfPhasesUsed,
 * cableMaxCurrent, remoteStartId, chargingState history.
 */
import type { StartTransactionRequest as Start16, StatusNotificationRequest as Status16, StopTransactionRequest as Stop16 } from '../../v16/types.js';
import type { MeterValueType, TransactionEventRequest } from '../types.js';
import { idTagOf, idTokenOf } from './authorize.js';
import { lastEnergyWh, meterValuesFromCore, meterValuesToCore, type MeterValue16 } from './meter.js';
import type { TranslationNote } from './notes.js';
import { statusOfChargingState } from './status.js';

type StoppedReason201 = NonNullable<TransactionEventRequest['transactionInfo']['stoppedReason']>;
type Reason16 = NonNullable<Stop16['reason']>;

/** 2.0.1 stoppedReason → 1.6 reason; the reasons 1.6 lacks become Other (DeAuthorized, Local… are the same). */
export const STOP_REASON_16: Record<StoppedReason201, Reason16> = {
  DeAuthorized: 'DeAuthorized',
  EmergencyStop: 'EmergencyStop',
  EnergyLimitReached: 'Other',
  EVDisconnected: 'EVDisconnected',
  GroundFault: 'Other',
  ImmediateReset: 'HardReset',
  Local: 'Local',
  LocalOutOfCredit: 'Local',
  MasterPass: 'Other',
  Other: 'Other',
  OvercurrentFault: 'Other',
  PowerLoss: 'PowerLoss',
  PowerQuality: 'Other',
  Reboot: 'Reboot',
  Remote: 'Remote',
  SOCLimitReached: 'Other',
  StoppedByEV: 'Other',
  TimeLimitReached: 'Other',
  Timeout: 'Other',
};

/** 1.6 reason → 2.0.1 stoppedReason (#17). */
export const STOPPED_REASON_201: Record<Reason16, StoppedReason201> = {
  DeAuthorized: 'DeAuthorized',
  EmergencyStop: 'EmergencyStop',
  EVDisconnected: 'EVDisconnected',
  HardReset: 'ImmediateReset',
  Local: 'Local',
  Other: 'Other',
  PowerLoss: 'PowerLoss',
  Reboot: 'Reboot',
  Remote: 'Remote',
  SoftReset: 'Reboot',
  UnlockCommand: 'Remote',
};

/** What the store knows when the event arrives. */
export interface TransactionFacts {
  /** The session the event's transactionId names (SessionRecord.reference), if any. */
  session?: { transactionId: number; connectorId: number; meterStart: number };
  /** The EVSE's latest Energy.Active.Import.Register before this event, Wh: meterStart when the event has none. */
  latestEnergyWh?: number;
  /** The session's latest energy register reading, Wh: meterStop when the Ended event has none. */
  sessionEnergyWh?: number;
}

export interface TransactionPlan {
  /** The charger's transactionId. */
  reference: string;
  connectorId: number;
  /** Open the session first (no session yet). */
  start?: Start16;
  /** The connector's status from chargingState. */
  status?: Status16;
  /** Samples of the session (Started, Updated); Ended's go into stop.transactionData. */
  meterValue: MeterValue16[];
  /** Ended: close the session (the edge adds its transactionId). */
  stop?: Omit<Stop16, 'transactionId'>;
  /** The idToken's text, when the event carries one: the answer's idTokenInfo is about it. */
  idTag?: string;
  notes: TranslationNote[];
}

const NO_METER_VALUES: readonly MeterValueType[] = Object.freeze([]);

export function transactionEventToCore(req: TransactionEventRequest, facts: TransactionFacts): TransactionPlan {
  const info = req.transactionInfo;
  const meter = meterValuesToCore(req.meterValue ?? NO_METER_VALUES);
  // The translation's own list (made for this call): added to, not copied. Every Updated of a
  // charging car comes through here, so the plan is built by assignment, without spreads.
  const notes = meter.notes;
  const connectorId = req.evse?.id ?? facts.session?.connectorId ?? 1;
  if (req.evse === undefined && facts.session === undefined) notes.push({ kind: 'mapped', path: 'evse', detail: 'the first event of a transaction names no EVSE: connector 1 assumed' });
  if (req.evse?.connectorId !== undefined && req.evse.connectorId > 1) notes.push({ kind: 'mapped', path: 'evse.connectorId', detail: `connector ${req.evse.connectorId} of EVSE ${req.evse.id}: counted as connector ${req.evse.id} (one connector per EVSE)` });
  // An Ended's samples go into its Stop (below), the others' to the core's MeterValues.
  const plan: TransactionPlan = { reference: info.transactionId, connectorId, meterValue: req.eventType === 'Ended' ? [] : meter.value, notes };
  if (req.idToken) plan.idTag = idTagOf(req.idToken);

  let meterStart = facts.session?.meterStart;
  if (!facts.session) {
    // An Ended that opens the session too: only a Transaction.Begin reading is its start.
    const begin = lastEnergyWh(meter.value, 'Transaction.Begin', req.eventType === 'Ended');
    meterStart = Math.round(begin ?? facts.latestEnergyWh ?? 0);
    if (begin === undefined && facts.latestEnergyWh === undefined) notes.push({ kind: 'lost', path: 'meterValue', detail: 'no energy reading at the start: meterStart 0' });
    if (req.eventType !== 'Started') notes.push({ kind: 'mapped', path: 'eventType', detail: `${req.eventType} for a transaction whose Started never came: the session opens here` });
    plan.start = {
      connectorId,
      idTag: idTagOf(req.idToken),
      meterStart,
      timestamp: req.timestamp,
      ...(req.reservationId !== undefined ? { reservationId: req.reservationId } : {}),
    };
  }
  if (req.eventType === 'Ended') {
    const end = lastEnergyWh(meter.value, 'Transaction.End') ?? facts.sessionEnergyWh;
    if (end === undefined) notes.push({ kind: 'lost', path: 'meterValue', detail: 'no energy reading at the end: meterStop = meterStart' });
    plan.stop = {
      meterStop: Math.round(end ?? meterStart ?? 0),
      timestamp: req.timestamp,
      // 2.0.1 E: an absent stoppedReason means Local.
      reason: STOP_REASON_16[info.stoppedReason ?? 'Local'],
      ...(req.idToken ? { idTag: idTagOf(req.idToken) } : {}),
      ...(meter.value.length > 0 ? { transactionData: meter.value } : {}),
    };
    if (info.chargingState !== undefined && info.chargingState !== 'Idle') plan.status = status(connectorId, 'Finishing', req.timestamp);
  } else if (info.chargingState !== undefined) {
    plan.status = status(connectorId, statusOfChargingState(info.chargingState), req.timestamp);
  }
  return plan;
}

function status(connectorId: number, value: Status16['status'], timestamp: string): Status16 {
  return { connectorId, status: value, errorCode: 'NoError', timestamp };
}

/** The core's StartTransaction as a 2.0.1 Started event (#17); `reference` and `seqNo` from the caller. */
export function startFromCore(req: Start16, reference: string, seqNo: number): TransactionEventRequest {
  return {
    eventType: 'Started',
    timestamp: req.timestamp,
    triggerReason: 'Authorized',
    seqNo,
    transactionInfo: { transactionId: reference },
    evse: { id: req.connectorId, connectorId: 1 },
    idToken: idTokenOf(req.idTag),
    meterValue: [{ timestamp: req.timestamp, sampledValue: [{ value: req.meterStart, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }],
    ...(req.reservationId !== undefined ? { reservationId: req.reservationId } : {}),
  };
}

/** The core's StopTransaction as a 2.0.1 Ended event (#17). */
export function stopFromCore(req: Stop16, reference: string, seqNo: number): { value: TransactionEventRequest; notes: TranslationNote[] } {
  const data = meterValuesFromCore(req.transactionData ?? [], 'transactionData');
  const end: MeterValueType = { timestamp: req.timestamp, sampledValue: [{ value: req.meterStop, context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] };
  // A 2.0.1 charger's own Ended already holds this reading in transactionData (the edge put it
  // there): sent once, not twice in the same event.
  const told = data.value.some((m) => m.timestamp === req.timestamp && m.sampledValue.some((v) => v.value === req.meterStop && v.context === 'Transaction.End' && (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register'));
  return {
    value: {
      eventType: 'Ended',
      timestamp: req.timestamp,
      triggerReason: req.reason === 'Remote' ? 'RemoteStop' : req.reason === 'EVDisconnected' ? 'EVCommunicationLost' : 'StopAuthorized',
      seqNo,
      transactionInfo: { transactionId: reference, stoppedReason: STOPPED_REASON_201[req.reason ?? 'Local'] },
      ...(req.idTag !== undefined ? { idToken: idTokenOf(req.idTag) } : {}),
      meterValue: (told ? data.value : [end, ...data.value]) as [MeterValueType, ...MeterValueType[]],
    },
    notes: data.notes,
  };
}
