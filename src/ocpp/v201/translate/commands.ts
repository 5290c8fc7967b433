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
import type { ModelAnswer } from './device-model.js';
import type { TranslationNote } from './notes.js';
import { KEY_TO_VARIABLE, valueTo16, valueTo201, variableOf, type VariableRef } from './variables.js';

export interface CommandLookups {
  /** The charger's own transactionId of a session (SessionRecord.reference), if it named one. */
  referenceOf(transactionId: number): string | undefined;
  /** A remoteStartId for RequestStartTransaction (an integer the charger echoes in its TransactionEvent). */
  remoteStartId(): number;
  /** What the charger's complete device model answers for a key (device-model.ts); absent: no complete model, ask the charger. */
  fromModel?(key: string): ModelAnswer;
}

export type Outbound =
  | { action: string; payload: unknown; answer(response: unknown): unknown; notes: TranslationNote[] }
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

const TRIGGERED: Record<Requests16['TriggerMessage']['requestedMessage'], Requests201['TriggerMessage']['requestedMessage']> = {
  BootNotification: 'BootNotification',
  // 2.0.1 has no diagnostics upload: its log upload (GetLog) reports in LogStatusNotification.
  DiagnosticsStatusNotification: 'LogStatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
};

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
      const requestedMessage = TRIGGERED[req.requestedMessage];
      // A triggered StatusNotification names its connector in 2.0.1 (F06.FR.12).
      const evse = req.connectorId !== undefined && req.connectorId > 0 ? { evse: { id: req.connectorId, ...(requestedMessage === 'StatusNotification' ? { connectorId: 1 } : {}) } } : {};
      return send('TriggerMessage', { requestedMessage, ...evse }, (res) => ({ status: res.status }));
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
    default:
      throw new OcppCallError('NotSupported', `${action} has no OCPP 2.0.1 translation yet: not sent to this 2.0.1 charger`);
  }
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
