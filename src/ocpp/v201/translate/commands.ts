/**
 * The core's commands (OCPP 1.6 central-system actions, src/gateway/commands.ts) as OCPP 2.0.1
 * calls to a 2.0.1 charger, and the charger's answers back in the core's shape. Pure: the two
 * facts a translation needs from outside (a session's 2.0.1 transactionId, a fresh
 * remoteStartId) are passed in.
 *
 * A command is either sent (the 2.0.1 action and payload, with how to read the answer) or
 * answered here without the charger (a key the 2.0.1 device model does not have, a
 * transaction the charger never named): what the charger would have answered. An action with
 * no 2.0.1 translation yet throws NotSupported (docs/chargers.md lists them).
 */
import { OcppCallError } from '../../errors.js';
import type { CentralAction16 } from '../../v16/actions.js';
import type { Requests16, Responses16 } from '../../v16/types.js';
import type { ChargingProfileType, GetVariableDataType, Requests201, Responses201 } from '../types.js';
import { idTokenInfoOf, idTokenOf } from './authorize.js';
import { certificateSignedTo201, deleteCertificateTo201, getInstalledCertificateIdsTo201, installCertificateTo201, installedCertificateIdsTo16 } from './certificates.js';
import { getDiagnosticsAnswerTo16, getDiagnosticsTo201, getLogTo201, signedUpdateFirmwareTo201, updateFirmwareAnswerTo16, updateFirmwareTo201, type RequestOrigin } from './files.js';
import type { ModelAnswer } from './device-model.js';
import type { Translated, TranslationNote } from './notes.js';
import { profileTo16 } from './profile.js';
import { cancelReservationTo201, reserveNowTo201 } from './reservations.js';
import { KEY_TO_VARIABLE, valueTo16, valueTo201, variableOf, type VariableRef } from './variables.js';

export interface CommandLookups {
  /** The charger's own transactionId of a session (SessionRecord.reference), if it named one. */
  referenceOf(transactionId: number): string | undefined;
  /** A remoteStartId for RequestStartTransaction (an integer the charger echoes in its TransactionEvent). */
  remoteStartId(): number;
  /** What the charger's complete device model answers for a key (device-model.ts); absent: no complete model, ask the charger. */
  fromModel?(key: string): ModelAnswer;
  /** A requestId for a 1.6 command that has none (UpdateFirmware, GetDiagnostics): 2.0.1 pairs the charger's statuses with it. */
  requestId(): number;
}

/** A firmware or log request sent: the edge keeps its requestId's origin to pair the charger's statuses with it (files.ts). */
export interface RequestSent {
  requestId: number;
  origin: RequestOrigin;
}

export type Outbound =
  | { action: string; payload: unknown; answer(response: unknown): unknown; notes: TranslationNote[]; answerNotes?: (response: unknown) => TranslationNote[]; sent?: RequestSent }
  | { local: unknown; notes: TranslationNote[] };

type Profile16 = Requests16['SetChargingProfile']['csChargingProfiles'];

/** A 1.6 charging profile as 2.0.1's (K01): ChargePointMaxProfile is ChargingStationMaxProfile; the schedule gets the profile's id. */
export function profileTo201(p: Profile16, reference?: string): ChargingProfileType {
  const s = p.chargingSchedule;
  return {
    id: p.chargingProfileId,
    stackLevel: p.stackLevel,
    chargingProfilePurpose: p.chargingProfilePurpose === 'ChargePointMaxProfile' ? 'ChargingStationMaxProfile' : p.chargingProfilePurpose,
    chargingProfileKind: p.chargingProfileKind,
    ...(p.recurrencyKind !== undefined ? { recurrencyKind: p.recurrencyKind } : {}),
    ...(p.validFrom !== undefined ? { validFrom: p.validFrom } : {}),
    ...(p.validTo !== undefined ? { validTo: p.validTo } : {}),
    ...(reference !== undefined ? { transactionId: reference } : {}),
    chargingSchedule: [
      {
        id: p.chargingProfileId,
        ...(s.startSchedule !== undefined ? { startSchedule: s.startSchedule } : {}),
        ...(s.duration !== undefined ? { duration: s.duration } : {}),
        chargingRateUnit: s.chargingRateUnit,
        chargingSchedulePeriod: s.chargingSchedulePeriod.map((q) => ({ startPeriod: q.startPeriod, limit: q.limit, ...(q.numberPhases !== undefined ? { numberPhases: q.numberPhases } : {}) })) as ChargingProfileType['chargingSchedule'][0]['chargingSchedulePeriod'],
        ...(s.minChargingRate !== undefined ? { minChargingRate: s.minChargingRate } : {}),
      },
    ],
  };
}

function send<A extends keyof Requests201, R>(action: A, payload: Requests201[A], answer: (res: Responses201[A]) => R, notes: TranslationNote[] = []): Outbound {
  return { action, payload, answer: answer as (res: unknown) => unknown, notes };
}

/** A request paired by its requestId whose answer's translation may lose something (answerNotes: told when the answer comes). */
function paired<A extends keyof Requests201, R>(action: A, payload: Requests201[A], answer: (res: Responses201[A]) => Translated<R>, sent: RequestSent): Outbound {
  const translate = answer as (res: unknown) => Translated<R>;
  return { action, payload, answer: (res) => translate(res).value, answerNotes: (res) => translate(res).notes, notes: [], sent };
}

const TRIGGERED: Record<Requests16['TriggerMessage']['requestedMessage'], Requests201['TriggerMessage']['requestedMessage']> = {
  BootNotification: 'BootNotification',
  // 2.0.1 has no diagnostics upload: its log upload (GetLog) reports in LogStatusNotification.
  DiagnosticsStatusNotification: 'LogStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
};

/** TriggerMessage (F06) on a connector's EVSE, or the station (connector 0 or none). */
function trigger(requestedMessage: Requests201['TriggerMessage']['requestedMessage'], connectorId: number | undefined): Outbound {
  // A triggered StatusNotification names its connector in 2.0.1 (F06.FR.12).
  const evse = connectorId !== undefined && connectorId > 0 ? { evse: { id: connectorId, ...(requestedMessage === 'StatusNotification' ? { connectorId: 1 } : {}) } } : {};
  return send('TriggerMessage', { requestedMessage, ...evse }, (res) => ({ status: res.status }));
}

/** One core command → what to send a 2.0.1 charger (or the answer without it). */
export function commandTo201(action: CentralAction16, payload: unknown, lookups: CommandLookups): Outbound {
  switch (action) {
    case 'SetChargingProfile': {
      const req = payload as Requests16['SetChargingProfile'];
      const p = req.csChargingProfiles;
      let reference: string | undefined;
      if (p.transactionId !== undefined) {
        reference = lookups.referenceOf(p.transactionId);
        // 2.0.1 K01.FR.03: a TxProfile names the charger's transaction; one it never named cannot be meant.
        if (reference === undefined) return { local: { status: 'Rejected' }, notes: [{ kind: 'lost', path: 'csChargingProfiles.transactionId', detail: `session ${p.transactionId} has no 2.0.1 transactionId: Rejected without sending` }] };
      }
      return send('SetChargingProfile', { evseId: req.connectorId, chargingProfile: profileTo201(p, reference) }, (res) => ({ status: res.status }));
    }
    case 'ClearChargingProfile': {
      const req = payload as Requests16['ClearChargingProfile'];
      const criteria = {
        ...(req.connectorId !== undefined ? { evseId: req.connectorId } : {}),
        ...(req.chargingProfilePurpose !== undefined ? { chargingProfilePurpose: req.chargingProfilePurpose === 'ChargePointMaxProfile' ? ('ChargingStationMaxProfile' as const) : req.chargingProfilePurpose } : {}),
        ...(req.stackLevel !== undefined ? { stackLevel: req.stackLevel } : {}),
      };
      return send('ClearChargingProfile', { ...(req.id !== undefined ? { chargingProfileId: req.id } : {}), ...(Object.keys(criteria).length > 0 ? { chargingProfileCriteria: criteria } : {}) }, (res) => ({ status: res.status }));
    }
    case 'GetCompositeSchedule':
      return getCompositeSchedule(payload as Requests16['GetCompositeSchedule']);
    case 'RemoteStartTransaction': {
      const req = payload as Requests16['RemoteStartTransaction'];
      return send(
        'RequestStartTransaction',
        {
          ...(req.connectorId !== undefined ? { evseId: req.connectorId } : {}),
          remoteStartId: lookups.remoteStartId(),
          idToken: idTokenOf(req.idTag),
          ...(req.chargingProfile ? { chargingProfile: profileTo201(req.chargingProfile) } : {}),
        },
        (res) => ({ status: res.status }),
      );
    }
    case 'RemoteStopTransaction': {
      const req = payload as Requests16['RemoteStopTransaction'];
      const reference = lookups.referenceOf(req.transactionId);
      if (reference === undefined) return { local: { status: 'Rejected' }, notes: [{ kind: 'lost', path: 'transactionId', detail: `session ${req.transactionId} has no 2.0.1 transactionId: Rejected without sending` }] };
      return send('RequestStopTransaction', { transactionId: reference }, (res) => ({ status: res.status }));
    }
    case 'UnlockConnector': {
      const req = payload as Requests16['UnlockConnector'];
      return send('UnlockConnector', { evseId: req.connectorId, connectorId: 1 }, (res): Responses16['UnlockConnector'] => ({
        status: res.status === 'Unlocked' ? 'Unlocked' : res.status === 'UnknownConnector' ? 'NotSupported' : 'UnlockFailed',
      }));
    }
    case 'ChangeAvailability': {
      const req = payload as Requests16['ChangeAvailability'];
      return send('ChangeAvailability', { operationalStatus: req.type, ...(req.connectorId > 0 ? { evse: { id: req.connectorId } } : {}) }, (res) => ({ status: res.status }));
    }
    case 'Reset': {
      const req = payload as Requests16['Reset'];
      // Hard: now, whatever runs; Soft: once idle (1.6 §5.14 stops transactions first, gracefully).
      return send('Reset', { type: req.type === 'Hard' ? 'Immediate' : 'OnIdle' }, (res): Responses16['Reset'] => ({ status: res.status === 'Rejected' ? 'Rejected' : 'Accepted' }));
    }
    case 'TriggerMessage': {
      const req = payload as Requests16['TriggerMessage'];
      return trigger(TRIGGERED[req.requestedMessage], req.connectorId);
    }
    case 'GetConfiguration':
      return getConfiguration(payload as Requests16['GetConfiguration'], lookups.fromModel);
    case 'ChangeConfiguration':
      return changeConfiguration(payload as Requests16['ChangeConfiguration']);
    case 'DataTransfer': {
      const req = payload as Requests16['DataTransfer'];
      return send('DataTransfer', req as Requests201['DataTransfer'], (res): Responses16['DataTransfer'] => ({
        status: res.status,
        ...(res.data !== undefined ? { data: typeof res.data === 'string' ? res.data : JSON.stringify(res.data) } : {}),
      }));
    }
    case 'ClearCache':
      return send('ClearCache', {}, (res) => ({ status: res.status }));
    case 'GetLocalListVersion':
      return send('GetLocalListVersion', {}, (res) => ({ listVersion: res.versionNumber }));
    case 'SendLocalList': {
      const req = payload as Requests16['SendLocalList'];
      const list = (req.localAuthorizationList ?? []).map((e) => ({ idToken: idTokenOf(e.idTag), ...(e.idTagInfo ? { idTokenInfo: idTokenInfoOf(e.idTagInfo) } : {}) }));
      return send(
        'SendLocalList',
        { versionNumber: req.listVersion, updateType: req.updateType, ...(list.length > 0 ? { localAuthorizationList: list as NonNullable<Requests201['SendLocalList']['localAuthorizationList']> } : {}) },
        (res) => ({ status: res.status }),
      );
    }
    // The security whitepaper's certificate commands (certificates.ts).
    case 'CertificateSigned':
      return send('CertificateSigned', certificateSignedTo201(payload as Requests16['CertificateSigned']), (res) => ({ status: res.status }));
    case 'InstallCertificate':
      return send('InstallCertificate', installCertificateTo201(payload as Requests16['InstallCertificate']), (res) => ({ status: res.status }));
    case 'DeleteCertificate':
      return send('DeleteCertificate', deleteCertificateTo201(payload as Requests16['DeleteCertificate']), (res) => ({ status: res.status }));
    case 'GetInstalledCertificateIds': {
      const req = payload as Requests16['GetInstalledCertificateIds'];
      return send('GetInstalledCertificateIds', getInstalledCertificateIdsTo201(req), (res) => installedCertificateIdsTo16(res, req.certificateType));
    }
    case 'ExtendedTriggerMessage': {
      // The whitepaper's trigger (ed. 3) names 2.0.1's messages but for the certificate one.
      const req = payload as Requests16['ExtendedTriggerMessage'];
      return trigger(req.requestedMessage === 'SignChargePointCertificate' ? 'SignChargingStationCertificate' : req.requestedMessage, req.connectorId);
    }
    case 'UpdateFirmware': {
      const requestId = lookups.requestId();
      return paired('UpdateFirmware', updateFirmwareTo201(payload as Requests16['UpdateFirmware'], requestId), updateFirmwareAnswerTo16, { requestId, origin: 'UpdateFirmware' });
    }
    case 'SignedUpdateFirmware': {
      const req = payload as Requests16['SignedUpdateFirmware'];
      return { ...send('UpdateFirmware', signedUpdateFirmwareTo201(req), (res) => ({ status: res.status })), sent: { requestId: req.requestId, origin: 'SignedUpdateFirmware' } };
    }
    case 'GetDiagnostics': {
      const requestId = lookups.requestId();
      return paired('GetLog', getDiagnosticsTo201(payload as Requests16['GetDiagnostics'], requestId), getDiagnosticsAnswerTo16, { requestId, origin: 'GetDiagnostics' });
    }
    case 'GetLog': {
      const req = payload as Requests16['GetLog'];
      return { ...send('GetLog', getLogTo201(req), (res) => ({ status: res.status, ...(res.filename !== undefined ? { filename: res.filename } : {}) })), sent: { requestId: req.requestId, origin: 'GetLog' } };
    }
    case 'ReserveNow':
      return send('ReserveNow', reserveNowTo201(payload as Requests16['ReserveNow']), (res) => ({ status: res.status }));
    case 'CancelReservation':
      return send('CancelReservation', cancelReservationTo201(payload as Requests16['CancelReservation']), (res) => ({ status: res.status }));
    default:
      throw new OcppCallError('NotSupported', `${action} has no OCPP 2.0.1 translation yet: not sent to this 2.0.1 charger`);
  }
}

/** GetCompositeSchedule (K08): connector N is EVSE N (0: the whole charger); the schedule comes back in 1.6's shape (§5.7). */
function getCompositeSchedule(req: Requests16['GetCompositeSchedule']): Outbound {
  return send(
    'GetCompositeSchedule',
    { evseId: req.connectorId, duration: req.duration, ...(req.chargingRateUnit !== undefined ? { chargingRateUnit: req.chargingRateUnit } : {}) },
    (res): Responses16['GetCompositeSchedule'] => {
      const s = res.schedule;
      if (res.status !== 'Accepted' || !s) return { status: res.status };
      return {
        status: 'Accepted',
        connectorId: s.evseId,
        scheduleStart: s.scheduleStart,
        chargingSchedule: {
          duration: s.duration,
          startSchedule: s.scheduleStart,
          chargingRateUnit: s.chargingRateUnit,
          chargingSchedulePeriod: s.chargingSchedulePeriod.map((q) => ({ startPeriod: q.startPeriod, limit: q.limit, ...(q.numberPhases !== undefined ? { numberPhases: q.numberPhases } : {}) })),
        },
      };
    },
  );
}

/** A profile a 2.0.1 charger reports (K09 ReportChargingProfiles), for the API: the 1.6 shape, the charger's transactionId kept as text beside it. */
export function profileFrom201(p: ChargingProfileType): { profile: Profile16; chargerTransactionId?: string; notes: TranslationNote[] } {
  const notes: TranslationNote[] = [];
  const external = p.chargingProfilePurpose === 'ChargingStationExternalConstraints';
  const profile = profileTo16(external ? { ...p, chargingProfilePurpose: 'ChargingStationMaxProfile' } : p, undefined, notes)!;
  if (external) notes.push({ kind: 'mapped', path: 'chargingProfile.chargingProfilePurpose', detail: 'ChargingStationExternalConstraints (a limit set by another party) has no 1.6 purpose: shown as ChargePointMaxProfile' });
  return { profile, ...(p.transactionId !== undefined ? { chargerTransactionId: p.transactionId } : {}), notes };
}

const variableData = (ref: VariableRef): GetVariableDataType => ({
  component: { name: ref.component },
  variable: { name: ref.variable, ...(ref.instance !== undefined ? { instance: ref.instance } : {}) },
});

/**
 * GetConfiguration as GetVariables (B06) of the mapped keys; the others are unknown (1.6 §5.8).
 * No keys: every mapped one. With a complete device model, what it knows is answered from it
 * (device-model.ts) and only the rest is asked.
 */
function getConfiguration(req: Requests16['GetConfiguration'], fromModel?: (key: string) => ModelAnswer): Outbound {
  const keys = req.key ?? Object.keys(KEY_TO_VARIABLE);
  const local: NonNullable<Responses16['GetConfiguration']['configurationKey']> = [];
  const unknown: string[] = [];
  const known: string[] = [];
  for (const key of keys) {
    const m = fromModel?.(key) ?? 'ask';
    if (typeof m === 'object') local.push({ key, ...m });
    else if (m === 'unknown' || variableOf(key) === undefined) unknown.push(key);
    else known.push(key);
  }
  if (known.length === 0) return { local: { configurationKey: local, ...(unknown.length > 0 ? { unknownKey: unknown } : {}) }, notes: [] };
  return send('GetVariables', { getVariableData: known.map((k) => variableData(variableOf(k)!)) as Requests201['GetVariables']['getVariableData'] }, (res): Responses16['GetConfiguration'] => {
    const configurationKey: NonNullable<Responses16['GetConfiguration']['configurationKey']> = [...local];
    const missing = [...unknown];
    res.getVariableResult.forEach((r, i) => {
      const key = known[i]!;
      const ref = variableOf(key)!;
      if (r.attributeStatus === 'Accepted') configurationKey.push({ key, readonly: ref.readonly ?? false, ...(r.attributeValue !== undefined ? { value: valueTo16(ref, r.attributeValue) } : {}) });
      else missing.push(key);
    });
    return { configurationKey, ...(missing.length > 0 ? { unknownKey: missing } : {}) };
  });
}

/** ChangeConfiguration as SetVariables (B05). */
function changeConfiguration(req: Requests16['ChangeConfiguration']): Outbound {
  const ref = variableOf(req.key);
  if (!ref) return { local: { status: 'NotSupported' }, notes: [{ kind: 'lost', path: 'key', detail: `${req.key} has no 2.0.1 variable in the key map: NotSupported without sending` }] };
  return send('SetVariables', { setVariableData: [{ ...variableData(ref), attributeValue: valueTo201(ref, req.value) }] }, (res): Responses16['ChangeConfiguration'] => {
    const status = res.setVariableResult[0]?.attributeStatus;
    return { status: status === 'Accepted' ? 'Accepted' : status === 'RebootRequired' ? 'RebootRequired' : status === 'Rejected' ? 'Rejected' : 'NotSupported' };
  });
}
