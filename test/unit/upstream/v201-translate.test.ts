/**
 * The upstream's 1.6 ↔ 2.0.1 translations (#17), pure: what a 1.6 charger said as the 2.0.1
 * messages a CSMS gets (each checked against the official 2.0.1 schemas), and a 2.0.1 CSMS's
 * commands as the 1.6 commands carried out, with their answers back.
 */
import t from 'tap';
import { validatorFor } from '../../../src/ocpp/validate.js';
import { commandTo16, type Inbound } from '../../../src/upstream/v201/from-csms.js';
import { queuedFor16, queuedFor201, rowTo16 } from '../../../src/upstream/v201/requeue.js';
import { chargingStateOf, endedEvent, meterValuesOutside, startedEvent, updatedByChargingState, updatedByMeterValues, withoutStartReading } from '../../../src/upstream/v201/to-csms.js';

const v201 = validatorFor('ocpp2.0.1');
const valid = (action: string, payload: unknown) => v201.checkRequest(action, payload)?.description ?? null;
const facts = { reference: '42-20250601T1001', seqNo: 0, offline: false };
const lookups = { transactionOf: (ref: string) => (ref === '42-20250601T1001' ? 42 : undefined), queued: () => false };
const calls = (inbound: Inbound) => ('calls' in inbound ? inbound.calls : inbound.local);

t.test('1.6 statuses: the charging ones are a chargingState, the others none', async (t) => {
  t.same(['Available', 'Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Reserved', 'Unavailable', 'Faulted'].map(chargingStateOf), [
    undefined, 'EVConnected', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'EVConnected', undefined, undefined, undefined,
  ]);
});

t.test('transaction messages as TransactionEvents, schema-valid', async (t) => {
  const started = startedEvent({ connectorId: 2, idTag: 'TAG1', meterStart: 1234, timestamp: '2025-06-01T10:01:00Z' }, { ...facts, offline: true }, { remoteStartId: 7, chargingState: 'EVConnected' });
  t.equal(valid('TransactionEvent', started), null);
  t.match(started, { eventType: 'Started', seqNo: 0, offline: true, triggerReason: 'RemoteStart', transactionInfo: { transactionId: facts.reference, remoteStartId: 7, chargingState: 'EVConnected' }, evse: { id: 2, connectorId: 1 } });
  t.equal(startedEvent({ connectorId: 1, idTag: '', meterStart: 0, timestamp: '2025-06-01T10:01:00Z' }, facts).idToken!.type, 'NoAuthorization', 'a start without an idTag');

  const updated = updatedByMeterValues({ connectorId: 1, meterValue: [{ timestamp: '2025-06-01T10:02:00Z', sampledValue: [{ value: '1300', unit: 'Wh' }, { value: 'n/a' }] }] }, { ...facts, seqNo: 1 });
  t.equal(valid('TransactionEvent', updated.value), null);
  t.match(updated, { value: { eventType: 'Updated', triggerReason: 'MeterValuePeriodic', seqNo: 1, meterValue: [{ sampledValue: [{ value: 1300 }] }] }, notes: [{ kind: 'lost' }] }, 'a reading that is no number is dropped, noted');
  t.equal(updatedByMeterValues({ connectorId: 1, meterValue: [{ timestamp: '2025-06-01T10:02:00Z', sampledValue: [{ value: 'x' }] }] }, facts).value, undefined, 'nothing left: no event');

  const changed = updatedByChargingState(1, 'SuspendedEV', '2025-06-01T10:03:00Z', { ...facts, seqNo: 2 });
  t.equal(valid('TransactionEvent', changed), null);

  const ended = endedEvent({ meterStop: 1500, timestamp: '2025-06-01T10:04:00Z', reason: 'SoftReset', idTag: 'TAG1' }, { ...facts, seqNo: 3 });
  t.equal(valid('TransactionEvent', ended.value), null);
  t.match(ended.value, { eventType: 'Ended', transactionInfo: { stoppedReason: 'Reboot' }, meterValue: [{ sampledValue: [{ value: 1500, context: 'Transaction.End' }] }] });

  const outside = meterValuesOutside({ connectorId: 0, meterValue: [{ timestamp: '2025-06-01T10:02:00Z', sampledValue: [{ value: '230', measurand: 'Voltage', unit: 'V' }] }] });
  t.equal(valid('MeterValues', outside.value), null, 'the charger\'s own meter is evseId 0');
});

t.test('the CSMS\'s commands as 1.6 commands, answers back as 2.0.1\'s', async (t) => {
  const start = commandTo16('RequestStartTransaction', { remoteStartId: 1, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 2 }, lookups);
  t.same(calls(start), [{ action: 'RemoteStartTransaction', payload: { idTag: 'TAG1', connectorId: 2 } }]);
  const maxProfile = { id: 9, stackLevel: 0, chargingProfilePurpose: 'ChargingStationMaxProfile', chargingProfileKind: 'Absolute', chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] }] };
  t.same(calls(commandTo16('RequestStartTransaction', { remoteStartId: 1, idToken: { idToken: 'TAG1', type: 'ISO14443' }, chargingProfile: maxProfile }, lookups)), { status: 'Rejected' }, 'a remote start\'s profile must be a TxProfile (F01)');

  const set = commandTo16('SetChargingProfile', { evseId: 0, chargingProfile: maxProfile }, lookups);
  t.match(calls(set), [{ action: 'SetChargingProfile', payload: { connectorId: 0, csChargingProfiles: { chargingProfileId: 9, chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } } } }]);
  const tx = commandTo16('SetChargingProfile', { evseId: 1, chargingProfile: { ...maxProfile, chargingProfilePurpose: 'TxProfile', transactionId: '42-20250601T1001' } }, lookups);
  t.match(calls(tx), [{ payload: { csChargingProfiles: { transactionId: 42 } } }], 'a TxProfile names chargegate\'s transaction');
  t.same(calls(commandTo16('SetChargingProfile', { evseId: 1, chargingProfile: { ...maxProfile, chargingProfilePurpose: 'TxProfile', transactionId: 'other' } }, lookups)), { status: 'Rejected' });
  t.same(calls(commandTo16('SetChargingProfile', { evseId: 1, chargingProfile: { ...maxProfile, chargingProfilePurpose: 'ChargingStationExternalConstraints' } }, lookups)), { status: 'Rejected' });
  t.same(calls(commandTo16('ClearChargingProfile', { chargingProfileCriteria: { evseId: 0, chargingProfilePurpose: 'ChargingStationMaxProfile' } }, lookups)), [{ action: 'ClearChargingProfile', payload: { connectorId: 0, chargingProfilePurpose: 'ChargePointMaxProfile' } }]);

  t.same(calls(commandTo16('ChangeAvailability', { operationalStatus: 'Inoperative' }, lookups)), [{ action: 'ChangeAvailability', payload: { connectorId: 0, type: 'Inoperative' } }]);
  t.same(calls(commandTo16('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }, lookups)), [{ action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification', connectorId: 1 } }]);
  t.same(calls(commandTo16('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }, lookups)), { status: 'NotImplemented' });
  t.same(calls(commandTo16('UnlockConnector', { evseId: 1, connectorId: 2 }, lookups)), { status: 'UnknownConnector' });

  const unlock = commandTo16('UnlockConnector', { evseId: 1, connectorId: 1 }, lookups);
  t.same('calls' in unlock && unlock.answer([{ status: 'NotSupported' }]), { status: 'UnknownConnector' });
  const data = commandTo16('DataTransfer', { vendorId: 'com.x', data: { a: 1 } }, lookups);
  t.same(calls(data), [{ action: 'DataTransfer', payload: { vendorId: 'com.x', data: '{"a":1}' } }], 'JSON data as its text');
  t.throws(() => commandTo16('GetBaseReport', { requestId: 1, reportBase: 'FullInventory' }, lookups), { code: 'NotSupported' }, 'no 1.6 counterpart');
});

t.test('GetVariables and SetVariables through the key map', async (t) => {
  const get = commandTo16('GetVariables', {
    getVariableData: [
      { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeType: 'Target' },
    ],
  }, lookups);
  t.same(calls(get), [{ action: 'GetConfiguration', payload: { key: ['ChargingScheduleAllowedChargingRateUnit'] } }]);
  const answer = 'calls' in get ? (get.answer([{ configurationKey: [{ key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: 'Current,Power' }] }]) as { getVariableResult: unknown[] }) : undefined;
  t.equal(v201.checkResponse('GetVariables', answer), null);
  t.match(answer?.getVariableResult, [{ attributeStatus: 'Accepted', attributeValue: 'A,W' }, { attributeStatus: 'NotSupportedAttributeType' }], '1.6 values spelt as 2.0.1\'s');

  const set = commandTo16('SetVariables', {
    setVariableData: [
      { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' }, attributeValue: 'true' },
      { component: { name: 'Foo' }, variable: { name: 'Bar' }, attributeValue: '1' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageAttempts', instance: 'TransactionEvent' }, attributeValue: '3' },
    ],
  }, lookups);
  t.same(calls(set), [
    { action: 'ChangeConfiguration', payload: { key: 'StopTransactionOnInvalidId', value: 'true' } },
    { action: 'ChangeConfiguration', payload: { key: 'TransactionMessageAttempts', value: '3' } },
  ]);
  const setAnswer = 'calls' in set ? (set.answer([{ status: 'Accepted' }, { status: 'RebootRequired' }]) as { setVariableResult: { attributeStatus: string }[] }) : undefined;
  t.equal(v201.checkResponse('SetVariables', setAnswer), null);
  t.same(setAnswer?.setVariableResult.map((r) => r.attributeStatus), ['Accepted', 'UnknownVariable', 'RebootRequired']);
  t.same(calls(commandTo16('SetVariables', { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'a-new-key-0123' }] }, lookups)), [
    { action: 'ChangeConfiguration', payload: { key: 'AuthorizationKey', value: 'a-new-key-0123' } },
  ], 'the link\'s password: answered by chargegate (owned-keys.ts)');
});

t.test('SendLocalList as 1.6\'s (idToken → idTag, idTokenInfo → idTagInfo); GetTransactionStatus from the lookups', async (t) => {
  const list = commandTo16('SendLocalList', { versionNumber: 3, updateType: 'Differential', localAuthorizationList: [{ idToken: { idToken: 'A', type: 'ISO14443' }, idTokenInfo: { status: 'NoCredit', cacheExpiryDateTime: '2030-01-01T00:00:00Z' } }, { idToken: { idToken: 'B', type: 'ISO14443' } }] }, lookups);
  t.same(calls(list), [{ action: 'SendLocalList', payload: { listVersion: 3, updateType: 'Differential', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Invalid', expiryDate: '2030-01-01T00:00:00Z' } }, { idTag: 'B' }] } }]);
  t.match(list.notes, [{ kind: 'mapped', path: 'localAuthorizationList.idTokenInfo.status' }], 'NoCredit has no 1.6 status: noted');
  t.same((list as Extract<Inbound, { calls: unknown }>).answer([{ status: 'NotSupported' }]), { status: 'Failed' });
  const queued = { ...lookups, queued: (ref?: string) => ref === undefined || ref === '42-20250601T1001' };
  t.same(calls(commandTo16('GetTransactionStatus', { transactionId: '42-20250601T1001' }, queued)), { ongoingIndicator: true, messagesInQueue: true });
  t.same(calls(commandTo16('GetTransactionStatus', { transactionId: 'other' }, queued)), { ongoingIndicator: false, messagesInQueue: false });
  t.same(calls(commandTo16('GetTransactionStatus', {}, queued)), { messagesInQueue: true }, 'no transactionId: no ongoingIndicator (E14)');
});

t.test('Reset of one EVSE: Rejected when the station is one 1.6 charger, that charger\'s reset when the station is the site', async (t) => {
  t.same(calls(commandTo16('Reset', { type: 'Immediate', evseId: 2 }, lookups)), { status: 'Rejected' }, 'transparent: 1.6 resets the whole charger (B11.FR.10)');
  t.same(calls(commandTo16('Reset', { type: 'OnIdle' }, { ...lookups, evseIsCharger: true })), [{ action: 'Reset', payload: { type: 'Soft' } }], 'aggregate, no EVSE: the site (every charger)');
  const one = commandTo16('Reset', { type: 'Immediate', evseId: 2 }, { ...lookups, evseIsCharger: true });
  t.same(calls(one), [{ action: 'DataTransfer', payload: { vendorId: 'chargegate', messageId: 'Reset', data: '{"connectorId":2,"type":"Hard"}' } }], 'aggregate, an EVSE: the charger holding it, by chargegate\'s own Reset');
  t.same('calls' in one && one.answer([{ status: 'Accepted', data: '{"chargerId":"CP2","reset":"Accepted"}' }]), { status: 'Accepted' });
  t.same('calls' in one && one.answer([{ status: 'Rejected', data: 'no connector 2' }]), { status: 'Rejected' });
});

t.test('a transaction\'s samples without the Transaction.Begin reading its Started already told (meterStart)', async (t) => {
  const begin = (value: string, extra: object = {}) => ({ value, context: 'Transaction.Begin' as const, measurand: 'Energy.Active.Import.Register' as const, ...extra });
  const at = '2025-06-01T10:01:00.000Z';
  t.same(withoutStartReading([{ timestamp: at, sampledValue: [begin('10', { unit: 'Wh' })] }], 10), [], 'the reading alone: nothing left to send');
  t.same(withoutStartReading([{ timestamp: at, sampledValue: [begin('1.5', { unit: 'kWh' }), { value: '40', measurand: 'SoC', context: 'Transaction.Begin' }] }], 1500), [{ timestamp: at, sampledValue: [{ value: '40', measurand: 'SoC', context: 'Transaction.Begin' }] }], 'in kWh too; the other Begin samples kept');
  const kept = [{ timestamp: at, sampledValue: [begin('11'), begin('10', { phase: 'L1' as const }), { value: '10', context: 'Sample.Periodic' as const }] }];
  t.same(withoutStartReading(kept, 10), kept, 'another value, a phase, another context: not the meterStart');
});

t.test('rows queued for a 2.0.1 cloud as a 1.6 cloud gets them (upstream.ocpp changed back)', async (t) => {
  const row = (action: string, kind: 'start' | 'stop' | 'meter' | 'status' | 'other', payload: unknown) => ({ seq: 1, attempts: 0, createdAt: '', channel: 'CP1', action, kind, payload, localTransactionId: 42 });
  const start = { connectorId: 2, idTag: 'TAG1', meterStart: 100, timestamp: '2025-06-01T10:01:00.000Z' };
  t.same(rowTo16(row('TransactionEvent', 'start', startedEvent(start, facts))), [{ action: 'StartTransaction', kind: 'start', payload: start, localTransactionId: 42 }]);
  const updated = updatedByMeterValues({ connectorId: 2, meterValue: [{ timestamp: '2025-06-01T10:03:00.000Z', sampledValue: [{ value: '120', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] }, facts).value!;
  t.match(rowTo16(row('TransactionEvent', 'meter', updated)), [{ action: 'MeterValues', kind: 'meter', payload: { connectorId: 2, meterValue: [{ sampledValue: [{ value: '120' }] }] }, localTransactionId: 42 }]);
  t.same(rowTo16(row('TransactionEvent', 'other', updatedByChargingState(2, 'Charging', start.timestamp, facts))), [], 'a charging state alone: its StatusNotification went up with it');
  const ended = endedEvent({ meterStop: 150, timestamp: '2025-06-01T10:09:00.000Z', reason: 'EVDisconnected' }, facts).value;
  t.match(rowTo16(row('TransactionEvent', 'stop', ended)), [{ action: 'StopTransaction', kind: 'stop', payload: { meterStop: 150, timestamp: '2025-06-01T10:09:00.000Z', reason: 'EVDisconnected' }, localTransactionId: 42 }]);
  t.same(rowTo16(row('StatusNotification', 'status', { evseId: 2, connectorId: 1, connectorStatus: 'Available', timestamp: start.timestamp })), [], 'a status: the link announces every connector\'s latest after its boot');
  t.match(rowTo16(row('TransactionEvent', 'start', { ...startedEvent(start, facts), meterValue: undefined })), { untranslatable: /meterStart/ });
  t.ok(queuedFor201(row('TransactionEvent', 'start', {})) && !queuedFor16(row('TransactionEvent', 'start', {})));
  t.ok(queuedFor16(row('StatusNotification', 'status', { connectorId: 1, status: 'Available' })) && !queuedFor201(row('StatusNotification', 'status', { connectorId: 1, status: 'Available' })));
});
