/**
 * What chargers said (the core's OCPP 1.6 shapes, as the upstream queues them) as OCPP 2.0.1
 * messages to a 2.0.1 CSMS (#17). Pure: the transaction's id, seqNo, offline flag and last
 * charging state come in; the 1.6 → 2.0.1 pieces of src/ocpp/v201/translate are reused
 * (bootFromCore, statusFromCore, startFromCore, stopFromCore, meterValuesFromCore, idTokenOf).
 *
 * 2.0.1 E01–E06: one transaction is one series of TransactionEvents (Started, Updated…, Ended)
 * numbered by seqNo from 0, named by a transactionId the charging station makes. 1.6's finer
 * connector states (Preparing, Charging, SuspendedEV/EVSE, Finishing) are one connectorStatus
 * (Occupied) in 2.0.1; the charging itself is the transaction's chargingState.
 */
import type { MeterValuesRequest as Meter16, StartTransactionRequest as Start16, StatusNotificationRequest as Status16, StopTransactionRequest as Stop16 } from '../../ocpp/v16/types.js';
import { meterValuesFromCore } from '../../ocpp/v201/translate/meter.js';
import type { TranslationNote, Translated } from '../../ocpp/v201/translate/notes.js';
import { startFromCore, stopFromCore } from '../../ocpp/v201/translate/transaction.js';
import type { MeterValueType, Requests201, TransactionEventRequest } from '../../ocpp/v201/types.js';

export type ChargingState201 = NonNullable<TransactionEventRequest['transactionInfo']['chargingState']>;

/** What the caller knows of the transaction when one of its events is made. */
export interface EventFacts {
  /** The transactionId the CSMS knows (transaction-ref.ts). */
  reference: string;
  seqNo: number;
  /** Queued while the CSMS was not connected (2.0.1 E: offline). */
  offline: boolean;
}

/**
 * The chargingState a 1.6 status stands for while a transaction runs on the connector; undefined:
 * the status says nothing of the charging (Available, Unavailable, Faulted, Reserved: the
 * connector's StatusNotification carries it).
 */
export function chargingStateOf(status: Status16['status'] | string): ChargingState201 | undefined {
  switch (status) {
    case 'Charging':
      return 'Charging';
    case 'SuspendedEV':
      return 'SuspendedEV';
    case 'SuspendedEVSE':
      return 'SuspendedEVSE';
    case 'Preparing':
    case 'Finishing':
      // The EV is plugged in and not charging (before the energy flows, or after it stopped).
      return 'EVConnected';
    default:
      return undefined;
  }
}

const flags = (facts: EventFacts) => (facts.offline ? { offline: true } : {});

/**
 * StartTransaction → TransactionEvent Started (E01/E03): triggerReason Authorized, or RemoteStart
 * with the CSMS's remoteStartId when it asked for this start (F01); the meterStart as a
 * Transaction.Begin energy reading; chargingState from the connector's status at the time.
 */
export function startedEvent(req: Start16, facts: EventFacts, extra: { remoteStartId?: number; chargingState?: ChargingState201 } = {}): TransactionEventRequest {
  const event = startFromCore(req, facts.reference, facts.seqNo);
  const transactionInfo = {
    ...event.transactionInfo,
    ...(extra.chargingState !== undefined ? { chargingState: extra.chargingState } : {}),
    ...(extra.remoteStartId !== undefined ? { remoteStartId: extra.remoteStartId } : {}),
  };
  return { ...event, ...(extra.remoteStartId !== undefined ? { triggerReason: 'RemoteStart' as const } : {}), transactionInfo, ...flags(facts) };
}

type Sample16 = Meter16['meterValue'][number]['sampledValue'][number];

/** A sample that is the transaction's meterStart again: its Transaction.Begin energy register reading (Wh or kWh). */
function isStartReading(v: Sample16, meterStartWh: number): boolean {
  if (v.context !== 'Transaction.Begin' || (v.measurand ?? 'Energy.Active.Import.Register') !== 'Energy.Active.Import.Register' || v.phase !== undefined || (v.format ?? 'Raw') !== 'Raw') return false;
  const wh = Number(v.value) * (v.unit === 'kWh' ? 1000 : v.unit === undefined || v.unit === 'Wh' ? 1 : Number.NaN);
  return Math.round(wh) === meterStartWh;
}

/**
 * A transaction's samples without the Transaction.Begin energy reading the Started already
 * carries as its meterStart (startedEvent): a 2.0.1 charger's Started reaches the core as a
 * StartTransaction and a MeterValues holding that same reading, which the CSMS must not get twice.
 */
export function withoutStartReading(meterValue: Meter16['meterValue'], meterStartWh: number): Meter16['meterValue'] {
  if (!meterValue.some((m) => m.sampledValue.some((v) => v.context === 'Transaction.Begin'))) return meterValue;
  return meterValue.flatMap((m) => {
    const kept = m.sampledValue.filter((v) => !isStartReading(v, meterStartWh));
    return kept.length === 0 ? [] : [{ ...m, sampledValue: kept }];
  });
}

/** MeterValues of a transaction → TransactionEvent Updated (E02: MeterValuePeriodic); undefined when no sample has a 2.0.1 form. */
export function updatedByMeterValues(req: Pick<Meter16, 'connectorId' | 'meterValue'>, facts: EventFacts): Translated<TransactionEventRequest | undefined> {
  const meter = meterValuesFromCore(req.meterValue);
  if (meter.value.length === 0) return { value: undefined, notes: meter.notes };
  return {
    value: {
      eventType: 'Updated',
      timestamp: meter.value.at(-1)!.timestamp,
      triggerReason: 'MeterValuePeriodic',
      seqNo: facts.seqNo,
      transactionInfo: { transactionId: facts.reference },
      evse: { id: req.connectorId, connectorId: 1 },
      meterValue: meter.value as [MeterValueType, ...MeterValueType[]],
      ...flags(facts),
    },
    notes: meter.notes,
  };
}

/** A connector's status change during a transaction → TransactionEvent Updated (E02: ChargingStateChanged). */
export function updatedByChargingState(connectorId: number, state: ChargingState201, timestamp: string, facts: EventFacts): TransactionEventRequest {
  return {
    eventType: 'Updated',
    timestamp,
    triggerReason: 'ChargingStateChanged',
    seqNo: facts.seqNo,
    transactionInfo: { transactionId: facts.reference, chargingState: state },
    evse: { id: connectorId, connectorId: 1 },
    ...flags(facts),
  };
}

/** StopTransaction → TransactionEvent Ended (E06): stoppedReason mapped, the meterStop as a Transaction.End reading, transactionData after it. */
export function endedEvent(req: Omit<Stop16, 'transactionId'>, facts: EventFacts): Translated<TransactionEventRequest> {
  const ended = stopFromCore({ ...req, transactionId: 0 }, facts.reference, facts.seqNo);
  return { value: { ...ended.value, ...flags(facts) }, notes: ended.notes };
}

/** MeterValues outside a transaction (a connector's or the charger's own meter, evseId 0) → MeterValues (J01). */
export function meterValuesOutside(req: Pick<Meter16, 'connectorId' | 'meterValue'>): Translated<Requests201['MeterValues'] | undefined> {
  const meter = meterValuesFromCore(req.meterValue);
  if (meter.value.length === 0) return { value: undefined, notes: meter.notes };
  return { value: { evseId: req.connectorId, meterValue: meter.value as [MeterValueType, ...MeterValueType[]] }, notes: meter.notes };
}

const STATION_STATES: Record<string, string> = { Available: 'Available', Unavailable: 'Unavailable', Faulted: 'Faulted', Reserved: 'Reserved' };

/**
 * A 1.6 charger's status of connector 0 (the charge point itself, 1.6 §4.9: Available,
 * Unavailable or Faulted) → NotifyEvent (N07) about the ChargingStation component, the way a
 * 2.0.1 station tells a state of its own: its AvailabilityState variable, and its Problem
 * variable (true while Faulted, with the 1.6 errorCode as techCode and info / vendorErrorCode as
 * techInfo; false, cleared, otherwise). 2.0.1's StatusNotification is a connector's only: the
 * connectors keep the statuses the charger gives them. `eventId`: this event's, the next for Problem.
 */
export function stationEvent(req: Status16, eventId: number, now: string): Requests201['NotifyEvent'] {
  const timestamp = req.timestamp ?? now;
  const faulted = req.status === 'Faulted';
  const techCode = req.errorCode !== 'NoError' ? req.errorCode : undefined;
  const techInfo = [req.info, req.vendorErrorCode].filter((x) => x !== undefined && x.length > 0).join(' ');
  const base = { timestamp, trigger: 'Delta' as const, eventNotificationType: 'HardWiredNotification' as const, component: { name: 'ChargingStation' } };
  return {
    generatedAt: now,
    seqNo: 0,
    eventData: [
      { ...base, eventId, actualValue: STATION_STATES[req.status] ?? 'Occupied', variable: { name: 'AvailabilityState' } },
      { ...base, eventId: eventId + 1, actualValue: String(faulted), ...(faulted ? {} : { cleared: true }), ...(techCode ? { techCode } : {}), ...(techInfo ? { techInfo } : {}), variable: { name: 'Problem' } },
    ],
  };
}

/** A note for what a 1.6 message has no 2.0.1 counterpart for. */
export function noCounterpart(action: string, detail: string): TranslationNote {
  return { kind: 'lost', path: action, detail };
}
