/**
 * The CSMS's OCPP 2.0.1 CALLs to a simulated charging station, answered by the 1.6 simulator's
 * own handlers (central-calls.ts, with its misbehaviours): each request is translated to the
 * 1.6 command that does the same, the 1.6 answer back to 2.0.1. So a 2.0.1 station follows its
 * charging profiles (K01: TxDefaultProfile, TxProfile, ChargingStationMaxProfile, A or W)
 * exactly as the 1.6 one does. Device model variables are the 1.6 configuration keys
 * (translate/variables.ts); GetBaseReport reports them (report.ts) in NotifyReport parts sent
 * after the answer. Reservations (H01, H02) are the 1.6 model's. Actions the station does not do
 * answer NotSupported.
 */
import { OcppCallError } from '../../ocpp/errors.js';
import type { Requests16, Responses16 } from '../../ocpp/v16/types.js';
import type { Requests201, Responses201 } from '../../ocpp/v201/types.js';
import { idTagOf } from '../../ocpp/v201/translate/authorize.js';
import { profileTo16 } from '../../ocpp/v201/translate/profile.js';
import { cancelReservationTo16, reserveNowTo16 } from '../../ocpp/v201/translate/reservations.js';
import { KEY_TO_VARIABLE, keyOf, valueTo16, valueTo201, variableOf } from '../../ocpp/v201/translate/variables.js';
import type { Outbound201 } from './outbound.js';
import { deviceModelRows, reportParts } from './report.js';

/** Answers a 1.6 command with the simulator's 1.6 handlers. */
export type Answer16 = (action: string, payload: unknown) => unknown;

/** Sends the station's own 2.0.1 CALLs once the answer to the CSMS's call is out. */
export type Later201 = (calls: readonly { action: string; payload: unknown }[]) => void;

const TRIGGERABLE = new Set(['BootNotification', 'Heartbeat', 'StatusNotification', 'MeterValues', 'FirmwareStatusNotification']);

async function ask<A extends keyof Requests16>(answer16: Answer16, action: A, payload: Requests16[A]): Promise<Responses16[A]> {
  return (await answer16(action, payload)) as Responses16[A];
}

type Handlers = { [A in keyof Requests201]?: (req: Requests201[A], answer16: Answer16, tx: Outbound201, later: Later201) => Promise<Responses201[A]> | Responses201[A] };

const handlers: Handlers = {
  async SetChargingProfile(req, answer16, tx) {
    const ref = req.chargingProfile.transactionId;
    const transactionId = ref !== undefined ? tx.transactionIdOf(ref) : undefined;
    // K01.FR.03: a TxProfile for a transaction this station does not run is refused.
    if (ref !== undefined && transactionId === undefined) return { status: 'Rejected' };
    const profile = profileTo16(req.chargingProfile, transactionId);
    if (!profile) return { status: 'Rejected' };
    const res = await ask(answer16, 'SetChargingProfile', { connectorId: req.evseId, csChargingProfiles: profile });
    return { status: res.status === 'Accepted' ? 'Accepted' : 'Rejected' };
  },

  async ClearChargingProfile(req, answer16) {
    const c = req.chargingProfileCriteria;
    if (c?.chargingProfilePurpose === 'ChargingStationExternalConstraints') return { status: 'Unknown' };
    const purpose = c?.chargingProfilePurpose === 'ChargingStationMaxProfile' ? 'ChargePointMaxProfile' : c?.chargingProfilePurpose;
    return ask(answer16, 'ClearChargingProfile', {
      ...(req.chargingProfileId !== undefined ? { id: req.chargingProfileId } : {}),
      ...(c?.evseId !== undefined ? { connectorId: c.evseId } : {}),
      ...(purpose !== undefined ? { chargingProfilePurpose: purpose } : {}),
      ...(c?.stackLevel !== undefined ? { stackLevel: c.stackLevel } : {}),
    });
  },

  async RequestStartTransaction(req, answer16, tx) {
    const idTag = idTagOf(req.idToken);
    const profile = req.chargingProfile ? profileTo16(req.chargingProfile, undefined) : undefined;
    if (req.chargingProfile && (!profile || profile.chargingProfilePurpose !== 'TxProfile')) return { status: 'Rejected' };
    tx.remoteStartRequested(idTag, req.remoteStartId);
    return ask(answer16, 'RemoteStartTransaction', { idTag, ...(req.evseId !== undefined ? { connectorId: req.evseId } : {}), ...(profile ? { chargingProfile: profile } : {}) });
  },

  async RequestStopTransaction(req, answer16, tx) {
    const transactionId = tx.transactionIdOf(req.transactionId);
    if (transactionId === undefined) return { status: 'Rejected' };
    return ask(answer16, 'RemoteStopTransaction', { transactionId });
  },

  async UnlockConnector(req, answer16) {
    const res = await ask(answer16, 'UnlockConnector', { connectorId: req.evseId });
    return { status: res.status === 'NotSupported' ? 'UnknownConnector' : res.status };
  },

  async ChangeAvailability(req, answer16) {
    return ask(answer16, 'ChangeAvailability', { connectorId: req.evse?.id ?? 0, type: req.operationalStatus });
  },

  async Reset(req, answer16) {
    // Resetting one EVSE has no 1.6 equivalent: the station resets as a whole only.
    if (req.evseId !== undefined) return { status: 'Rejected' };
    return ask(answer16, 'Reset', { type: req.type === 'Immediate' ? 'Hard' : 'Soft' });
  },

  async TriggerMessage(req, answer16) {
    if (!TRIGGERABLE.has(req.requestedMessage)) return { status: 'NotImplemented' };
    const requestedMessage = req.requestedMessage as Requests16['TriggerMessage']['requestedMessage'];
    return ask(answer16, 'TriggerMessage', { requestedMessage, ...(req.evse ? { connectorId: req.evse.id } : {}) });
  },

  // B06: the variables the 1.6 configuration has (translate/variables.ts), attribute Actual only.
  async GetVariables(req, answer16) {
    const keys = req.getVariableData.map((d) => keyOf(d.component.name, d.variable.name, d.variable.instance));
    const wanted = keys.filter((k): k is string => k !== undefined);
    const config = wanted.length > 0 ? await ask(answer16, 'GetConfiguration', { key: wanted }) : { configurationKey: [] };
    const results = req.getVariableData.map((d, i) => {
      const key = keys[i];
      const entry = config.configurationKey?.find((c) => c.key === key);
      const base = { component: d.component, variable: d.variable, ...(d.attributeType !== undefined ? { attributeType: d.attributeType } : {}) };
      if (d.attributeType !== undefined && d.attributeType !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' as const };
      if (key === undefined || entry === undefined) return { ...base, attributeStatus: unknownStatus(d.component.name) };
      return { ...base, attributeStatus: 'Accepted' as const, ...(entry.value !== undefined ? { attributeValue: valueTo201(variableOf(key)!, entry.value) } : {}) };
    });
    return { getVariableResult: results as Responses201['GetVariables']['getVariableResult'] };
  },

  // B05
  async SetVariables(req, answer16) {
    const results = [];
    for (const d of req.setVariableData) {
      const base = { component: d.component, variable: d.variable, ...(d.attributeType !== undefined ? { attributeType: d.attributeType } : {}) };
      const key = keyOf(d.component.name, d.variable.name, d.variable.instance);
      if (d.attributeType !== undefined && d.attributeType !== 'Actual') results.push({ ...base, attributeStatus: 'NotSupportedAttributeType' as const });
      else if (key === undefined) results.push({ ...base, attributeStatus: unknownStatus(d.component.name) });
      else {
        const res = await ask(answer16, 'ChangeConfiguration', { key, value: valueTo16(variableOf(key)!, d.attributeValue) });
        results.push({ ...base, attributeStatus: res.status === 'NotSupported' ? ('UnknownVariable' as const) : res.status });
      }
    }
    return { setVariableResult: results as Responses201['SetVariables']['setVariableResult'] };
  },

  // B07: the whole model is small, so every reportBase is answered (report.ts says what each holds).
  async GetBaseReport(req, answer16, _tx, later) {
    const config = await ask(answer16, 'GetConfiguration', {});
    const rows = deviceModelRows(config.configurationKey ?? [], req.reportBase);
    if (rows.length === 0) return { status: 'EmptyResultSet' };
    later(reportParts(rows, req.requestId, new Date().toISOString()).map((payload) => ({ action: 'NotifyReport', payload })));
    return { status: 'Accepted' };
  },

  // H01, H02: the 1.6 model's reservations (ReserveConnectorZeroSupported false: an unspecified EVSE is refused).
  async ReserveNow(req, answer16) {
    return ask(answer16, 'ReserveNow', reserveNowTo16(req));
  },

  async CancelReservation(req, answer16) {
    return ask(answer16, 'CancelReservation', cancelReservationTo16(req));
  },

  // K08
  async GetCompositeSchedule(req, answer16) {
    const res = await ask(answer16, 'GetCompositeSchedule', { connectorId: req.evseId, duration: req.duration, ...(req.chargingRateUnit ? { chargingRateUnit: req.chargingRateUnit } : {}) });
    const s = res.chargingSchedule;
    if (res.status !== 'Accepted' || !s) return { status: 'Rejected' };
    return {
      status: 'Accepted',
      schedule: {
        evseId: req.evseId,
        duration: s.duration ?? req.duration,
        scheduleStart: s.startSchedule ?? res.scheduleStart ?? new Date().toISOString(),
        chargingRateUnit: s.chargingRateUnit,
        chargingSchedulePeriod: s.chargingSchedulePeriod.map((q) => ({ startPeriod: q.startPeriod, limit: q.limit, ...(q.numberPhases !== undefined ? { numberPhases: q.numberPhases } : {}) })) as NonNullable<Responses201['GetCompositeSchedule']['schedule']>['chargingSchedulePeriod'],
      },
    };
  },

  // A02/A03, M03–M05: like the 1.6 simulator (central-calls.ts), a station without a certificate store.
  CertificateSigned: () => ({ status: 'Rejected' }),
  InstallCertificate: () => ({ status: 'Rejected' }),
  DeleteCertificate: () => ({ status: 'NotFound' }),
  GetInstalledCertificateIds: () => ({ status: 'NotFound' }),

  DataTransfer: () => ({ status: 'UnknownVendorId' }),
};

function unknownStatus(component: string): 'UnknownComponent' | 'UnknownVariable' {
  return Object.values(KEY_TO_VARIABLE).some((r) => r.component === component) ? 'UnknownVariable' : 'UnknownComponent';
}

/** Answers one 2.0.1 CALL from the CSMS (payloads arrive schema-validated). */
export function answerCsmsCall(action: string, payload: unknown, answer16: Answer16, tx: Outbound201, later: Later201): unknown {
  const handler = (handlers as Record<string, ((req: unknown, answer16: Answer16, tx: Outbound201, later: Later201) => unknown) | undefined>)[action];
  if (!handler) throw new OcppCallError('NotSupported', `${action} is not supported by this simulated charging station`);
  return handler(payload, answer16, tx, later);
}
