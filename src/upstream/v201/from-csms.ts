/**
 * A 2.0.1 CSMS's commands as the 1.6 commands the upstream already handles (cloud-calls.ts:
 * routing, connector numbers, the balancer's cloud caps, owned keys), and the 1.6 answers back
 * as 2.0.1's (#17). Pure: a transaction's id lookup comes in. An action with no 1.6 counterpart
 * is refused (CALLERROR NotSupported, OCPP-J 2.0.1 §4.3: recognized but not supported); a
 * request that has one but asks what 1.6 cannot do gets the 2.0.1 status that says so.
 *
 * EVSE = connector: a 1.6 charger has one connector per connector number, so a 2.0.1 evseId is
 * the 1.6 connectorId and connectorId within an EVSE is 1.
 */
import { OWN_VENDOR_ID } from '../data-transfer.js';
import { OcppCallError } from '../../ocpp/errors.js';
import type { CentralAction16 } from '../../ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../../ocpp/v16/types.js';
import { idTagInfoOf, idTagOf } from '../../ocpp/v201/translate/authorize.js';
import type { TranslationNote } from '../../ocpp/v201/translate/notes.js';
import { keyOf, valueTo16, valueTo201, variableOf, type VariableRef } from '../../ocpp/v201/translate/variables.js';
import { profileTo16 } from '../../ocpp/v201/translate/profile.js';
import { isReservationFileOrCertificate, reservationFileCertificateTo16 } from './from-csms-reservations-files-certificates.js';
import type { GetVariableResultType, Requests201, Responses201, SetVariableResultType } from '../../ocpp/v201/types.js';

export interface CsmsLookups {
  /** chargegate's transactionId for a transactionId the CSMS got in a TransactionEvent (undefined: none of this station's). */
  transactionOf(reference: string): number | undefined;
  /** Whether TransactionEvents are still queued for this CSMS: of the transaction it names, or of any. */
  queued(reference?: string): boolean;
  /**
   * Aggregate mode: the station is the site, an EVSE one connector of one charger; its Reset
   * (B12) resets that charger, by chargegate's own DataTransfer Reset (data-transfer.ts).
   * Transparent (absent or false): the station is one 1.6 charger, which resets only whole.
   */
  evseIsCharger?: boolean;
}

/** The 1.6 commands to run, in order, and how their answers become the 2.0.1 answer; or the answer at once. */
export type Inbound =
  | { calls: { action: CentralAction16; payload: unknown }[]; answer(answers: unknown[]): unknown; notes: TranslationNote[] }
  | { local: unknown; notes: TranslationNote[] };

type Profile16 = Requests16['SetChargingProfile']['csChargingProfiles'];

function one<A extends CentralAction16, R>(action: A, payload: Requests16[A], answer: (res: Responses16[A]) => R, notes: TranslationNote[] = []): Inbound {
  return { calls: [{ action, payload }], answer: (answers) => answer(answers[0] as Responses16[A]), notes };
}

const lost = (path: string, detail: string): TranslationNote => ({ kind: 'lost', path, detail });
const mapped = (path: string, detail: string): TranslationNote => ({ kind: 'mapped', path, detail });

/** 2.0.1 F06 TriggerMessage's messages that 1.6 §5.17 can trigger (LogStatusNotification: its diagnostics upload's status). */
const TRIGGERED_16: Partial<Record<Requests201['TriggerMessage']['requestedMessage'], Requests16['TriggerMessage']['requestedMessage']>> = {
  BootNotification: 'BootNotification',
  Heartbeat: 'Heartbeat',
  MeterValues: 'MeterValues',
  StatusNotification: 'StatusNotification',
  FirmwareStatusNotification: 'FirmwareStatusNotification',
  LogStatusNotification: 'DiagnosticsStatusNotification',
};

/**
 * The 1.6 key a device-model variable stands for (variables.ts, read the other way), plus the
 * one the upstream owns: SecurityCtrlr.BasicAuthPassword is 1.6's AuthorizationKey (the link's
 * password, answered by chargegate: owned-keys.ts).
 */
function keyFor(component: string, variable: string, instance?: string): string | undefined {
  if (component === 'SecurityCtrlr' && variable === 'BasicAuthPassword') return 'AuthorizationKey';
  return keyOf(component, variable, instance);
}

const refOf = (key: string): VariableRef => variableOf(key) ?? { component: 'SecurityCtrlr', variable: 'BasicAuthPassword' };

/** One 2.0.1 CSMS command → the 1.6 commands that carry it out. Throws NotSupported for an action 1.6 has no counterpart of. */
export function commandTo16(action: string, payload: unknown, lookups: CsmsLookups): Inbound {
  switch (action) {
    case 'RequestStartTransaction': {
      const req = payload as Requests201['RequestStartTransaction'];
      const notes: TranslationNote[] = [];
      if (req.groupIdToken) notes.push(lost('groupIdToken', 'no 1.6 field'));
      let chargingProfile: Profile16 | undefined;
      if (req.chargingProfile) {
        chargingProfile = profileTo16(req.chargingProfile, undefined, notes);
        // 2.0.1 F01.FR.08: a RequestStart's profile is a TxProfile; anything else is refused.
        if (!chargingProfile || chargingProfile.chargingProfilePurpose !== 'TxProfile') return { local: { status: 'Rejected' }, notes: [...notes, lost('chargingProfile', 'not a TxProfile: Rejected')] };
      }
      return one('RemoteStartTransaction', { idTag: idTagOf(req.idToken), ...(req.evseId !== undefined ? { connectorId: req.evseId } : {}), ...(chargingProfile ? { chargingProfile } : {}) }, (res): Responses201['RequestStartTransaction'] => ({ status: res.status }), notes);
    }
    case 'RequestStopTransaction': {
      const req = payload as Requests201['RequestStopTransaction'];
      const transactionId = lookups.transactionOf(req.transactionId);
      if (transactionId === undefined) return { local: { status: 'Rejected' }, notes: [lost('transactionId', `${req.transactionId} is no running transaction of this station: Rejected`)] };
      return one('RemoteStopTransaction', { transactionId }, (res): Responses201['RequestStopTransaction'] => ({ status: res.status }));
    }
    case 'UnlockConnector': {
      const req = payload as Requests201['UnlockConnector'];
      const notes = req.connectorId > 1 ? [lost('connectorId', `connector ${req.connectorId} of EVSE ${req.evseId}: a 1.6 connector has one`)] : [];
      if (req.connectorId > 1) return { local: { status: 'UnknownConnector' }, notes };
      // 1.6 NotSupported (no lock, or no such connector) is 2.0.1's UnknownConnector: nothing there to unlock.
      return one('UnlockConnector', { connectorId: req.evseId }, (res): Responses201['UnlockConnector'] => ({ status: res.status === 'NotSupported' ? 'UnknownConnector' : res.status }));
    }
    case 'ChangeAvailability': {
      const req = payload as Requests201['ChangeAvailability'];
      return one('ChangeAvailability', { connectorId: req.evse?.id ?? 0, type: req.operationalStatus }, (res): Responses201['ChangeAvailability'] => ({ status: res.status }));
    }
    case 'Reset': {
      const req = payload as Requests201['Reset'];
      const type = req.type === 'Immediate' ? 'Hard' : 'Soft';
      if (req.evseId !== undefined && req.evseId > 0 && lookups.evseIsCharger) {
        const data = JSON.stringify({ connectorId: req.evseId, type });
        return one('DataTransfer', { vendorId: OWN_VENDOR_ID, messageId: 'Reset', data }, (res): Responses201['Reset'] => ({ status: res.status === 'Accepted' ? 'Accepted' : 'Rejected' }));
      }
      // 1.6 §5.14 resets the whole charge point: one EVSE alone cannot be (B11.FR.10: Rejected).
      if (req.evseId !== undefined && req.evseId > 0) return { local: { status: 'Rejected' }, notes: [lost('evseId', '1.6 resets the whole charger: an EVSE reset is Rejected')] };
      // Immediate: now, transactions stopped (1.6 Hard); OnIdle: once no transaction runs (1.6 Soft stops them gracefully).
      return one('Reset', { type }, (res): Responses201['Reset'] => ({ status: res.status }));
    }
    case 'TriggerMessage': {
      const req = payload as Requests201['TriggerMessage'];
      const requestedMessage = TRIGGERED_16[req.requestedMessage];
      if (!requestedMessage) return { local: { status: 'NotImplemented' }, notes: [lost('requestedMessage', `${req.requestedMessage} has no 1.6 trigger`)] };
      return one('TriggerMessage', { requestedMessage, ...(req.evse ? { connectorId: req.evse.id } : {}) }, (res): Responses201['TriggerMessage'] => ({ status: res.status }));
    }
    case 'SetChargingProfile': {
      const req = payload as Requests201['SetChargingProfile'];
      const notes: TranslationNote[] = [];
      let transactionId: number | undefined;
      if (req.chargingProfile.transactionId !== undefined) {
        transactionId = lookups.transactionOf(req.chargingProfile.transactionId);
        if (transactionId === undefined) return { local: { status: 'Rejected' }, notes: [lost('chargingProfile.transactionId', `${req.chargingProfile.transactionId} is no running transaction of this station: Rejected`)] };
      }
      const profile = profileTo16(req.chargingProfile, transactionId, notes);
      if (!profile) return { local: { status: 'Rejected' }, notes: [lost('chargingProfile.chargingProfilePurpose', 'ChargingStationExternalConstraints has no 1.6 purpose: Rejected')] };
      return one('SetChargingProfile', { connectorId: req.evseId, csChargingProfiles: profile }, (res): Responses201['SetChargingProfile'] => ({ status: res.status === 'Accepted' ? 'Accepted' : 'Rejected' }), notes);
    }
    case 'ClearChargingProfile': {
      const req = payload as Requests201['ClearChargingProfile'];
      const c = req.chargingProfileCriteria;
      if (c?.chargingProfilePurpose === 'ChargingStationExternalConstraints') return { local: { status: 'Unknown' }, notes: [] };
      const purpose = c?.chargingProfilePurpose === 'ChargingStationMaxProfile' ? 'ChargePointMaxProfile' : c?.chargingProfilePurpose;
      return one(
        'ClearChargingProfile',
        {
          ...(req.chargingProfileId !== undefined ? { id: req.chargingProfileId } : {}),
          ...(c?.evseId !== undefined ? { connectorId: c.evseId } : {}),
          ...(purpose !== undefined ? { chargingProfilePurpose: purpose } : {}),
          ...(c?.stackLevel !== undefined ? { stackLevel: c.stackLevel } : {}),
        },
        (res): Responses201['ClearChargingProfile'] => ({ status: res.status }),
      );
    }
    case 'GetCompositeSchedule': {
      const req = payload as Requests201['GetCompositeSchedule'];
      return one('GetCompositeSchedule', { connectorId: req.evseId, duration: req.duration, ...(req.chargingRateUnit ? { chargingRateUnit: req.chargingRateUnit } : {}) }, (res): Responses201['GetCompositeSchedule'] => {
        const s = res.chargingSchedule;
        if (res.status !== 'Accepted' || !s || s.chargingSchedulePeriod.length === 0) return { status: res.status };
        return {
          status: 'Accepted',
          schedule: {
            evseId: req.evseId,
            duration: s.duration ?? req.duration,
            scheduleStart: res.scheduleStart ?? s.startSchedule ?? new Date(0).toISOString(),
            chargingRateUnit: s.chargingRateUnit,
            chargingSchedulePeriod: s.chargingSchedulePeriod as [(typeof s.chargingSchedulePeriod)[number], ...(typeof s.chargingSchedulePeriod)[number][]],
          },
        };
      });
    }
    case 'GetVariables':
      return getVariables(payload as Requests201['GetVariables']);
    case 'SetVariables':
      return setVariables(payload as Requests201['SetVariables']);
    case 'DataTransfer': {
      const req = payload as Requests201['DataTransfer'];
      // 2.0.1's data is any JSON, 1.6's text: non-text is sent as its JSON text.
      const data = req.data === undefined ? undefined : typeof req.data === 'string' ? (req.data as string) : JSON.stringify(req.data);
      return one('DataTransfer', { vendorId: req.vendorId, ...(req.messageId !== undefined ? { messageId: req.messageId } : {}), ...(data !== undefined ? { data } : {}) }, (res): Responses201['DataTransfer'] => ({
        status: res.status,
        ...(res.data !== undefined ? { data: res.data as unknown as NonNullable<Responses201['DataTransfer']['data']> } : {}),
      }));
    }
    case 'ClearCache':
      return one('ClearCache', {}, (res): Responses201['ClearCache'] => ({ status: res.status }));
    case 'GetLocalListVersion':
      return one('GetLocalListVersion', {}, (res): Responses201['GetLocalListVersion'] => ({ versionNumber: res.listVersion }));
    case 'SendLocalList':
      return sendLocalList(payload as Requests201['SendLocalList']);
    case 'GetTransactionStatus': {
      // E14: answered from the outbox (messagesInQueue) and the session (ongoingIndicator, only for a named transaction).
      const req = payload as Requests201['GetTransactionStatus'];
      if (req.transactionId === undefined) return { local: { messagesInQueue: lookups.queued() } satisfies Responses201['GetTransactionStatus'], notes: [] };
      const ongoingIndicator = lookups.transactionOf(req.transactionId) !== undefined;
      return { local: { ongoingIndicator, messagesInQueue: lookups.queued(req.transactionId) } satisfies Responses201['GetTransactionStatus'], notes: [] };
    }
    default:
      // Reservations, firmware, logs, certificates (from-csms-reservations-files-certificates.ts).
      if (isReservationFileOrCertificate(action)) return reservationFileCertificateTo16(action, payload, lookups.evseIsCharger === true);
      throw new OcppCallError('NotSupported', `${action} has no OCPP 1.6 counterpart: chargegate relays 1.6 chargers to this 2.0.1 CSMS (docs/cloud.md, "A 2.0.1 cloud")`);
  }
}

/** GetVariables (B06) as one GetConfiguration of the keys the variables stand for; Actual values only (1.6 keys have nothing else). */
function getVariables(req: Requests201['GetVariables']): Inbound {
  const keys = req.getVariableData.map((d) => ((d.attributeType ?? 'Actual') === 'Actual' ? keyFor(d.component.name, d.variable.name, d.variable.instance) : undefined));
  const asked = [...new Set(keys.filter((k): k is string => k !== undefined && k !== 'AuthorizationKey'))];
  const results = (values: Map<string, string | undefined>, known: Set<string>): Responses201['GetVariables'] => ({
    getVariableResult: req.getVariableData.map((d, i): GetVariableResultType => {
      const key = keys[i];
      const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
      if ((d.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
      // The AuthorizationKey (BasicAuthPassword) is write-only (security whitepaper §1.3; 2.0.1 B06: Rejected).
      if (key === 'AuthorizationKey') return { ...base, attributeStatus: 'Rejected' };
      if (key === undefined || !known.has(key)) return { ...base, attributeStatus: 'UnknownVariable' };
      const value = values.get(key);
      return { ...base, attributeStatus: 'Accepted', ...(value !== undefined ? { attributeValue: valueTo201(refOf(key), value) } : {}) };
    }) as Responses201['GetVariables']['getVariableResult'],
  });
  if (asked.length === 0) return { local: results(new Map(), new Set()), notes: [] };
  return one('GetConfiguration', { key: asked }, (res) => {
    const values = new Map((res.configurationKey ?? []).map((k) => [k.key, k.value]));
    return results(values, new Set(values.keys()));
  });
}

/**
 * SendLocalList (D01) as 1.6's (§5.15), which chargegate keeps per channel (local-list.ts): idToken →
 * idTag, idTokenInfo → idTagInfo (idTagInfoOf: statuses 1.6 lacks are Invalid). 1.6 NotSupported
 * is 2.0.1 Failed (2.0.1 has no such status).
 */
function sendLocalList(req: Requests201['SendLocalList']): Inbound {
  const notes: TranslationNote[] = [];
  const list = (req.localAuthorizationList ?? []).map((e) => {
    if (e.idToken.type !== 'ISO14443' && e.idToken.type !== 'Central' && e.idToken.type !== 'Local') notes.push(mapped('localAuthorizationList.idToken.type', `${e.idToken.type} listed by its text as an idTag`));
    const idTagInfo = e.idTokenInfo ? idTagInfoOf(e.idTokenInfo) : undefined;
    if (e.idTokenInfo && idTagInfo && idTagInfo.status !== e.idTokenInfo.status) notes.push(mapped('localAuthorizationList.idTokenInfo.status', `${e.idTokenInfo.status} has no 1.6 status: listed as Invalid`));
    return { idTag: idTagOf(e.idToken), ...(idTagInfo ? { idTagInfo } : {}) };
  });
  return one(
    'SendLocalList',
    { listVersion: req.versionNumber, updateType: req.updateType, ...(list.length > 0 ? { localAuthorizationList: list } : {}) },
    (res): Responses201['SendLocalList'] => ({ status: res.status === 'NotSupported' ? 'Failed' : res.status }),
    notes,
  );
}

/** SetVariables (B05) as one ChangeConfiguration per variable, in order. */
function setVariables(req: Requests201['SetVariables']): Inbound {
  const data = req.setVariableData.map((d) => ({ d, key: (d.attributeType ?? 'Actual') === 'Actual' ? keyFor(d.component.name, d.variable.name, d.variable.instance) : undefined }));
  const sent = data.filter((x): x is { d: (typeof data)[number]['d']; key: string } => x.key !== undefined);
  const status16: Record<Responses16['ChangeConfiguration']['status'], SetVariableResultType['attributeStatus']> = {
    Accepted: 'Accepted',
    Rejected: 'Rejected',
    RebootRequired: 'RebootRequired',
    // 1.6 NotSupported: the charger has no such key.
    NotSupported: 'UnknownVariable',
  };
  const answer = (answers: unknown[]): Responses201['SetVariables'] => {
    let next = 0;
    return {
      setVariableResult: data.map(({ d, key }): SetVariableResultType => {
        const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
        if ((d.attributeType ?? 'Actual') !== 'Actual') return { ...base, attributeStatus: 'NotSupportedAttributeType' };
        if (key === undefined) return { ...base, attributeStatus: 'UnknownVariable' };
        const res = answers[next++] as Responses16['ChangeConfiguration'];
        return { ...base, attributeStatus: status16[res.status] };
      }) as Responses201['SetVariables']['setVariableResult'],
    };
  };
  if (sent.length === 0) return { local: answer([]), notes: [] };
  return {
    calls: sent.map(({ d, key }) => ({ action: 'ChangeConfiguration' as const, payload: { key, value: key === 'AuthorizationKey' ? d.attributeValue : valueTo16(refOf(key), d.attributeValue) } })),
    answer,
    notes: [],
  };
}
