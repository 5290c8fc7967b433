/**
 * Connector status, both ways (OCPP 2.0.1 G01 StatusNotification ↔ OCPP 1.6 §4.9). Pure.
 *
 * EVSE: a 2.0.1 evseId is the core's connector number (AC chargers have one connector per
 * EVSE); a connectorId above 1 within an EVSE is noted (the edge logs and counts it) and
 * reported on the EVSE. 2.0.1 has five connector states; 1.6's finer ones come from the
 * transaction's chargingState (TransactionEvent): Occupied is what the EVSE's charging state
 * says (Charging, SuspendedEV, SuspendedEVSE), else Preparing. Faulted carries errorCode
 * OtherError: 2.0.1 reports the cause in NotifyEvent (N07), an event on the EVSE's Connector or
 * EVSE component whose Problem (or Fault) variable turned true; faultOfEvent reads it, and the
 * edge gives it as the status's info and vendorErrorCode.
 */
import type { StatusNotificationRequest as Status16 } from '../../v16/types.js';
import type { EventDataType, StatusNotificationRequest as Status201, TransactionEventRequest } from '../types.js';
import type { TranslationNote, Translated } from './notes.js';

export type ChargingState = NonNullable<TransactionEventRequest['transactionInfo']['chargingState']>;
export type CoreStatus = Status16['status'];

/** The 1.6 status a transaction's chargingState stands for (2.0.1 E: the EV's side of Occupied). */
export function statusOfChargingState(state: ChargingState): CoreStatus {
  switch (state) {
    case 'Charging':
      return 'Charging';
    case 'SuspendedEV':
      return 'SuspendedEV';
    case 'SuspendedEVSE':
      return 'SuspendedEVSE';
    // Connected, not (yet) charging, or no EV (Idle: authorized before plug-in): not yet a charging car.
    case 'EVConnected':
    case 'Idle':
      return 'Preparing';
  }
}

/** A fault's cause on an EVSE, as 1.6 StatusNotification carries it (info and vendorErrorCode: at most 50 characters, §7.39). */
export interface Fault {
  evseId: number;
  info: string;
  vendorErrorCode?: string;
}

const FAULT_COMPONENTS = new Set(['connector', 'evse']);
const FAULT_VARIABLES = new Set(['problem', 'fault']);
const cut = (text: string) => (text.length > 50 ? `${text.slice(0, 49)}…` : text);

/**
 * One NotifyEvent entry (N07) about a fault of an EVSE: a Connector or EVSE component (names are
 * case-insensitive, 2.0.1 part 2 §2.1) whose Problem/Fault variable reports true; `cleared` when
 * it reports false or the event says cleared. Undefined: not about an EVSE's fault.
 */
export function faultOfEvent(e: EventDataType): { fault: Fault; cleared: boolean } | undefined {
  const evseId = e.component.evse?.id;
  if (evseId === undefined || !FAULT_COMPONENTS.has(e.component.name.toLowerCase()) || !FAULT_VARIABLES.has(e.variable.name.toLowerCase())) return undefined;
  const cleared = e.cleared === true || e.actualValue.toLowerCase() === 'false';
  const info = cut([e.techInfo, e.techCode].find((x) => x !== undefined && x.length > 0) ?? `${e.component.name}.${e.variable.name} ${e.actualValue}`);
  return { fault: { evseId, info, ...(e.techCode ? { vendorErrorCode: cut(e.techCode) } : {}) }, cleared };
}

/** 2.0.1 StatusNotification → the core's; `chargingState`: the EVSE's last known one, if a transaction runs; `fault`: its cause, when one was reported. */
export function statusToCore(req: Status201, chargingState?: ChargingState, fault?: Fault): Translated<Status16> {
  const notes: TranslationNote[] = [];
  if (req.connectorId > 1) notes.push({ kind: 'mapped', path: 'connectorId', detail: `connector ${req.connectorId} of EVSE ${req.evseId}: reported as connector ${req.evseId} (one connector per EVSE)` });
  const status: CoreStatus =
    req.connectorStatus === 'Occupied' ? (chargingState ? statusOfChargingState(chargingState) : 'Preparing') : req.connectorStatus;
  return {
    value: {
      connectorId: req.evseId,
      status,
      errorCode: req.connectorStatus === 'Faulted' ? 'OtherError' : 'NoError',
      ...(req.connectorStatus === 'Faulted' && fault ? { info: fault.info, ...(fault.vendorErrorCode ? { vendorErrorCode: fault.vendorErrorCode } : {}) } : {}),
      timestamp: req.timestamp,
    },
    notes,
  };
}

/** The core's (1.6 shaped) status → 2.0.1 (for #17's upstream); `now` when 1.6 gave no timestamp. */
export function statusFromCore(req: Status16, now: string): Translated<Status201> {
  const notes: TranslationNote[] = [];
  if (req.connectorId === 0) notes.push({ kind: 'mapped', path: 'connectorId', detail: 'connector 0 (the charge point) has no 2.0.1 StatusNotification: reported as EVSE 0' });
  if (req.errorCode !== 'NoError' && req.status !== 'Faulted') notes.push({ kind: 'lost', path: 'errorCode', detail: `errorCode ${req.errorCode} without Faulted has no 2.0.1 StatusNotification field` });
  const connectorStatus: Status201['connectorStatus'] =
    req.status === 'Available' || req.status === 'Reserved' || req.status === 'Unavailable' || req.status === 'Faulted' ? req.status : 'Occupied';
  return { value: { timestamp: req.timestamp ?? now, connectorStatus, evseId: req.connectorId, connectorId: 1 }, notes };
}
