/**
 * The pure 2.0.1 ↔ core translations: every frame they take is valid 2.0.1 (or 1.6), and every
 * frame they make validates against the other version's official schemas.
 */
import t, { type Test } from 'tap';
import { validatorFor } from '../../../../src/ocpp/validate.js';
import { CENTRAL_INITIATED_16 } from '../../../../src/ocpp/v16/actions.js';
import { idTagInfoOf, idTokenInfoOf } from '../../../../src/ocpp/v201/translate/authorize.js';
import { bootAnswerFromCore, bootAnswerToCore, bootFromCore, bootToCore } from '../../../../src/ocpp/v201/translate/boot.js';
import { commandTo201, profileTo201 } from '../../../../src/ocpp/v201/translate/commands.js';
import { meterValuesFromCore, meterValuesToCore, scaled } from '../../../../src/ocpp/v201/translate/meter.js';
import { firmwareStatusToCore, logStatusToCore } from '../../../../src/ocpp/v201/translate/files.js';
import { dataTransferToCore, securityEventToCore } from '../../../../src/ocpp/v201/translate/notifications.js';
import { statusFromCore, statusToCore } from '../../../../src/ocpp/v201/translate/status.js';
import { startFromCore, stopFromCore, transactionEventToCore } from '../../../../src/ocpp/v201/translate/transaction.js';
import { keyOf, valueTo16, valueTo201, variableOf } from '../../../../src/ocpp/v201/translate/variables.js';

const v16 = validatorFor('ocpp1.6');
const v201 = validatorFor('ocpp2.0.1');
const T0 = '2025-06-01T10:00:00.000Z';
const valid16 = (t: Test, action: string, payload: unknown, response = false) =>
  t.equal((response ? v16.checkResponse(action, payload) : v16.checkRequest(action, payload))?.description ?? null, null, `1.6 ${action}${response ? ' answer' : ''} valid`);
const valid201 = (t: Test, action: string, payload: unknown, response = false) =>
  t.equal((response ? v201.checkResponse(action, payload) : v201.checkRequest(action, payload))?.description ?? null, null, `2.0.1 ${action}${response ? ' answer' : ''} valid`);

t.test('BootNotification both ways', async (t) => {
  const boot = { reason: 'PowerUp', chargingStation: { vendorName: 'DEFA', model: 'Power', serialNumber: 'D-1', firmwareVersion: '1.0', modem: { iccid: '8947', imsi: '2420' } } } as const;
  valid201(t, 'BootNotification', boot);
  const core = bootToCore(boot);
  valid16(t, 'BootNotification', core);
  t.same(core, { chargePointVendor: 'DEFA', chargePointModel: 'Power', chargePointSerialNumber: 'D-1', firmwareVersion: '1.0', iccid: '8947', imsi: '2420' });
  for (const status of ['Accepted', 'Pending', 'Rejected'] as const) valid201(t, 'BootNotification', bootAnswerFromCore({ status, currentTime: T0, interval: 300 }), true);
  const back = bootFromCore(core);
  valid201(t, 'BootNotification', back);
  t.same(bootToCore(back), core, 'two-way');
  valid16(t, 'BootNotification', bootAnswerToCore({ status: 'Pending', currentTime: T0, interval: 60 }), true);
});

t.test('StatusNotification: five 2.0.1 states, the finer 1.6 ones from the charging state; connectorId > 1 noted', async (t) => {
  const req = (connectorStatus: string, connectorId = 1) => ({ timestamp: T0, connectorStatus, evseId: 2, connectorId }) as never;
  for (const s of ['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted']) {
    valid201(t, 'StatusNotification', req(s));
    valid16(t, 'StatusNotification', statusToCore(req(s)).value);
  }
  t.match(statusToCore(req('Occupied')).value, { connectorId: 2, status: 'Preparing', errorCode: 'NoError' });
  t.match(statusToCore(req('Occupied'), 'SuspendedEV').value, { status: 'SuspendedEV' });
  t.match(statusToCore(req('Faulted')).value, { status: 'Faulted', errorCode: 'OtherError' });
  t.match(statusToCore(req('Available', 2)).notes, [{ kind: 'mapped', path: 'connectorId' }]);
  for (const status of ['Available', 'Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Reserved', 'Unavailable', 'Faulted'] as const) {
    const back = statusFromCore({ connectorId: 1, errorCode: 'NoError', status }, T0);
    valid201(t, 'StatusNotification', back.value);
  }
});

t.test('idTokenInfo ↔ idTagInfo', async (t) => {
  for (const status of ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'] as const) {
    const info = idTokenInfoOf({ status, expiryDate: T0, parentIdTag: 'GROUP1' });
    valid201(t, 'Authorize', { idTokenInfo: info }, true);
    t.same(idTagInfoOf(info), { status, expiryDate: T0, parentIdTag: 'GROUP1' }, `${status} two-way`);
  }
  t.equal(idTagInfoOf({ status: 'NoCredit' }).status, 'Invalid', '2.0.1-only statuses are refusals in 1.6');
});

t.test('meter values: multiplier applied, units and measurands 1.6 lacks dropped with a note; two-way', async (t) => {
  const mv = [{ timestamp: T0, sampledValue: [
    { value: 1.1, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh', multiplier: 3 }, context: 'Sample.Periodic' },
    { value: 15.9, measurand: 'Current.Import', phase: 'L2', unitOfMeasure: { unit: 'A' }, location: 'Outlet' },
    { value: 4, measurand: 'Energy.Active.Net' },
    { value: 60, measurand: 'Frequency', unitOfMeasure: { unit: 'Hz' } },
    { value: 3.6, measurand: 'Power.Active.Import', unitOfMeasure: { multiplier: 3 } },
  ] }];
  valid201(t, 'MeterValues', { evseId: 1, meterValue: mv });
  const core = meterValuesToCore(mv as never);
  valid16(t, 'MeterValues', { connectorId: 1, meterValue: core.value });
  t.same(core.value[0]!.sampledValue.map((s) => [s.value, s.unit]), [['1100', 'Wh'], ['15.9', 'A'], ['3600', 'Wh']]);
  t.same(core.notes.map((n) => n.path), ['meterValue.0.sampledValue.2', 'meterValue.0.sampledValue.3']);
  t.equal(scaled(0.1, 1), 1);
  const back = meterValuesFromCore(core.value);
  valid201(t, 'MeterValues', { evseId: 1, meterValue: back.value });
  const signed = meterValuesFromCore([{ timestamp: T0, sampledValue: [{ value: 'abc', format: 'SignedData' }, { value: '21', unit: 'Celcius', measurand: 'Temperature' }] }]);
  t.same(signed.value[0]!.sampledValue, [{ value: 21, measurand: 'Temperature', unitOfMeasure: { unit: 'Celsius' } }], 'SignedData dropped, Celcius spelled right');
});

t.test('TransactionEvent → the core\'s Start, MeterValues, Stop and status', async (t) => {
  const started = {
    eventType: 'Started', timestamp: T0, triggerReason: 'CablePluggedIn', seqNo: 0, offline: true,
    transactionInfo: { transactionId: 'TX-1', chargingState: 'EVConnected' },
    evse: { id: 2, connectorId: 1 }, idToken: { idToken: 'CARD1', type: 'ISO14443' }, reservationId: 5,
    meterValue: [{ timestamp: T0, sampledValue: [{ value: 1500, context: 'Transaction.Begin', unitOfMeasure: { unit: 'Wh' } }] }],
  } as const;
  valid201(t, 'TransactionEvent', started);
  const plan = transactionEventToCore(started as never, {});
  valid16(t, 'StartTransaction', plan.start);
  t.same(plan.start, { connectorId: 2, idTag: 'CARD1', meterStart: 1500, timestamp: T0, reservationId: 5 });
  t.match(plan.status, { connectorId: 2, status: 'Preparing' });
  valid16(t, 'StatusNotification', plan.status);
  valid16(t, 'MeterValues', { connectorId: 2, transactionId: 1, meterValue: plan.meterValue });

  const session = { transactionId: 9, connectorId: 2, meterStart: 1500 };
  const updated = { eventType: 'Updated', timestamp: T0, triggerReason: 'ChargingStateChanged', seqNo: 1, transactionInfo: { transactionId: 'TX-1', chargingState: 'SuspendedEVSE' } } as const;
  const u = transactionEventToCore(updated as never, { session });
  t.equal(u.start, undefined, 'a known session is not started again');
  t.match(u.status, { status: 'SuspendedEVSE' });

  const ended = { eventType: 'Ended', timestamp: T0, triggerReason: 'StopAuthorized', seqNo: 2, idToken: { idToken: 'CARD1', type: 'ISO14443' }, transactionInfo: { transactionId: 'TX-1', stoppedReason: 'ImmediateReset', chargingState: 'EVConnected' }, meterValue: [{ timestamp: T0, sampledValue: [{ value: 9.5, context: 'Transaction.End', unitOfMeasure: { unit: 'kWh' } }] }] } as const;
  valid201(t, 'TransactionEvent', ended);
  const e = transactionEventToCore(ended as never, { session });
  valid16(t, 'StopTransaction', { ...e.stop, transactionId: 9 });
  t.match(e.stop, { meterStop: 9500, reason: 'HardReset', idTag: 'CARD1' });
  t.match(e.status, { status: 'Finishing' });
  t.same(transactionEventToCore({ ...ended, meterValue: undefined } as never, { session, sessionEnergyWh: 4200 }).stop?.meterStop, 4200, 'no reading at the end: the session\'s last');

  const orphan = transactionEventToCore({ ...ended, evse: { id: 1 } } as never, { latestEnergyWh: 800 });
  t.match(orphan.start, { connectorId: 1, meterStart: 800 }, 'an Ended whose Started never came opens the session first');
  t.match(orphan.notes, [{ path: 'eventType' }]);
  t.match(transactionEventToCore({ ...ended, evse: { id: 1 }, meterValue: undefined } as never, {}).notes, [{ path: 'meterValue', kind: 'lost' }, { path: 'eventType' }, { path: 'meterValue', kind: 'lost' }], 'no reading at all: meterStart 0 and meterStop = meterStart, both noted');
  t.match(transactionEventToCore({ ...started, evse: { id: 1, connectorId: 2 } } as never, {}).notes, [{ path: 'evse.connectorId' }], 'a second connector in an EVSE is noted');

  const start16 = { connectorId: 1, idTag: 'CARD1', meterStart: 10, timestamp: T0 };
  valid201(t, 'TransactionEvent', startFromCore(start16, 'TX-2', 0));
  const stop = stopFromCore({ transactionId: 3, meterStop: 20, timestamp: T0, reason: 'SoftReset', transactionData: [{ timestamp: T0, sampledValue: [{ value: '15' }] }] }, 'TX-2', 1);
  valid201(t, 'TransactionEvent', stop.value);
  t.equal(transactionEventToCore(stop.value, { session: { transactionId: 3, connectorId: 1, meterStart: 10 } }).stop?.meterStop, 20, 'two-way: the meterStop survives');
  const endReading = { timestamp: T0, sampledValue: [{ value: '20', context: 'Transaction.End' as const, measurand: 'Energy.Active.Import.Register' as const, unit: 'Wh' as const }] };
  const relayed = stopFromCore({ transactionId: 3, meterStop: 20, timestamp: T0, transactionData: [endReading] }, 'TX-2', 1).value;
  t.same(relayed.meterValue, [{ timestamp: T0, sampledValue: [{ value: 20, context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }], 'the end reading already in transactionData (a 2.0.1 charger\'s Ended): once, not twice');
  t.equal(stopFromCore({ transactionId: 3, meterStop: 21, timestamp: T0, transactionData: [endReading] }, 'TX-2', 1).value.meterValue!.length, 2, 'a different reading is kept beside the meterStop');
});

t.test('notifications with a 1.6 equal', async (t) => {
  const sec = { type: 'FirmwareUpdated', timestamp: T0, techInfo: 'v2' };
  valid201(t, 'SecurityEventNotification', sec);
  valid16(t, 'SecurityEventNotification', securityEventToCore(sec));
  t.same(dataTransferToCore({ vendorId: 'v', data: { a: [1] } }), { vendorId: 'v', data: '{"a":[1]}' });
  valid16(t, 'DataTransfer', dataTransferToCore({ vendorId: 'v', messageId: 'm', data: 'text' as never }));
});

t.test('every core command either becomes a valid 2.0.1 call or is refused as not yet supported', async (t) => {
  const lookups = { referenceOf: (id: number) => (id === 7 ? 'TX-7' : undefined), remoteStartId: () => 42, requestId: () => 77 };
  const profile = (purpose: string, extra = {}) => ({
    chargingProfileId: 7101, stackLevel: 1, chargingProfilePurpose: purpose, chargingProfileKind: 'Absolute',
    chargingSchedule: { startSchedule: '2020-01-01T00:00:00.000Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 13.2, numberPhases: 3 }], minChargingRate: 6 },
    ...extra,
  });
  const cases: [string, unknown, unknown][] = [
    ['SetChargingProfile', { connectorId: 1, csChargingProfiles: profile('TxDefaultProfile') }, { status: 'Accepted' }],
    ['SetChargingProfile', { connectorId: 0, csChargingProfiles: profile('ChargePointMaxProfile') }, { status: 'Rejected' }],
    ['SetChargingProfile', { connectorId: 1, csChargingProfiles: profile('TxProfile', { transactionId: 7 }) }, { status: 'Accepted' }],
    ['ClearChargingProfile', { connectorId: 1, chargingProfilePurpose: 'ChargePointMaxProfile', stackLevel: 1 }, { status: 'Unknown' }],
    ['ClearChargingProfile', { id: 7101 }, { status: 'Accepted' }],
    ['RemoteStartTransaction', { connectorId: 1, idTag: 'TAG1', chargingProfile: profile('TxProfile') }, { status: 'Accepted', transactionId: 'TX-8' }],
    ['RemoteStopTransaction', { transactionId: 7 }, { status: 'Accepted' }],
    ['UnlockConnector', { connectorId: 2 }, { status: 'OngoingAuthorizedTransaction' }],
    ['ChangeAvailability', { connectorId: 0, type: 'Inoperative' }, { status: 'Scheduled' }],
    ['ChangeAvailability', { connectorId: 1, type: 'Operative' }, { status: 'Accepted' }],
    ['Reset', { type: 'Soft' }, { status: 'Scheduled' }],
    ['TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 1 }, { status: 'Accepted' }],
    ['TriggerMessage', { requestedMessage: 'DiagnosticsStatusNotification' }, { status: 'NotImplemented' }],
    ['GetConfiguration', { key: ['HeartbeatInterval', 'ChargingScheduleAllowedChargingRateUnit', 'VendorThing'] }, {
      getVariableResult: [
        { attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { attributeStatus: 'Accepted', attributeValue: 'A,W', component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' } },
      ],
    }],
    ['ChangeConfiguration', { key: 'MeterValuesSampledData', value: 'Current.Import,Energy.Active.Import.Register' }, { setVariableResult: [{ attributeStatus: 'RebootRequired', component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedMeasurands' } }] }],
    ['DataTransfer', { vendorId: 'v', data: 'x' }, { status: 'Accepted', data: { a: 1 } }],
    ['ClearCache', {}, { status: 'Accepted' }],
    ['GetLocalListVersion', {}, { versionNumber: 3 }],
    ['SendLocalList', { listVersion: 4, updateType: 'Full', localAuthorizationList: [{ idTag: 'TAG1', idTagInfo: { status: 'Accepted' } }] }, { status: 'Accepted' }],
    ['UpdateFirmware', { location: 'http://box/firmware/t/fw.bin', retrieveDate: T0, retries: 2, retryInterval: 30 }, { status: 'Rejected' }],
    ['SignedUpdateFirmware', { requestId: 5, firmware: { location: 'https://x/fw.bin', retrieveDateTime: T0, installDateTime: T0, signingCertificate: 'PEM', signature: 'SIG' } }, { status: 'InvalidCertificate' }],
    ['GetDiagnostics', { location: 'http://box/uploads/t/', startTime: T0, stopTime: T0, retries: 1 }, { status: 'Accepted', filename: 'diag.zip' }],
    ['GetLog', { logType: 'SecurityLog', requestId: 6, log: { remoteLocation: 'https://x/logs', oldestTimestamp: T0 } }, { status: 'AcceptedCanceled', filename: 'sec.log' }],
    ['ReserveNow', { connectorId: 2, expiryDate: T0, idTag: 'TAG1', parentIdTag: 'GROUP', reservationId: 11 }, { status: 'Occupied' }],
    ['ReserveNow', { connectorId: 0, expiryDate: T0, idTag: 'TAG1', reservationId: 12 }, { status: 'Accepted' }],
    ['CancelReservation', { reservationId: 11 }, { status: 'Accepted' }],
    ['ExtendedTriggerMessage', { requestedMessage: 'FirmwareStatusNotification' }, { status: 'Accepted' }],
    ['ExtendedTriggerMessage', { requestedMessage: 'LogStatusNotification', connectorId: 1 }, { status: 'Rejected' }],
    ['ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }, { status: 'Accepted' }],
  ];
  for (const [action, payload, answer] of cases) {
    valid16(t, action, payload);
    const out = commandTo201(action as never, payload, lookups);
    if (!('action' in out)) {
      t.fail(`${action} answered locally`);
      continue;
    }
    valid201(t, out.action, out.payload);
    valid201(t, out.action, answer, true);
    valid16(t, action, out.answer(answer), true);
  }
  const set = commandTo201('SetChargingProfile', cases[2]![1], lookups) as { payload: any };
  t.match(set.payload, { evseId: 1, chargingProfile: { id: 7101, chargingProfilePurpose: 'TxProfile', transactionId: 'TX-7', chargingSchedule: [{ id: 7101, chargingRateUnit: 'A', chargingSchedulePeriod: [{ limit: 13.2 }] }] } });
  t.match((commandTo201('SetChargingProfile', cases[1]![1], lookups) as { payload: any }).payload, { evseId: 0, chargingProfile: { chargingProfilePurpose: 'ChargingStationMaxProfile' } });
  const conf = commandTo201('GetConfiguration', cases[13]![1], lookups) as { answer(a: unknown): any };
  t.same(conf.answer(cases[13]![2]), { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }, { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: 'Current,Power' }], unknownKey: ['VendorThing'] });
  t.match(commandTo201('RemoteStopTransaction', { transactionId: 8 }, lookups), { local: { status: 'Rejected' } }, 'a session the charger never named: Rejected without sending');
  t.match(commandTo201('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile('TxProfile', { transactionId: 8 }) }, lookups), { local: { status: 'Rejected' } });
  t.match(commandTo201('ChangeConfiguration', { key: 'VendorThing', value: '1' }, lookups), { local: { status: 'NotSupported' } });
  t.match(commandTo201('GetConfiguration', { key: ['VendorThing'] }, lookups), { local: { configurationKey: [], unknownKey: ['VendorThing'] } });
  const translated = new Set(cases.map((c) => c[0]).concat('GetConfiguration', 'GetCompositeSchedule'));
  // The certificate commands: test/unit/ocpp/v201/certificates.test.ts.
  for (const action of ['CertificateSigned', 'InstallCertificate', 'DeleteCertificate', 'GetInstalledCertificateIds']) translated.add(action);
  for (const action of CENTRAL_INITIATED_16.filter((a) => !translated.has(a))) {
    t.throws(() => commandTo201(action, {}, lookups), { code: 'NotSupported' }, `${action}: NotSupported`);
  }
  valid201(t, 'RequestStartTransaction', { remoteStartId: 1, idToken: { idToken: 'A', type: 'ISO14443' }, chargingProfile: profileTo201(profile('TxProfile') as never) });
});

t.test('firmware and logs: 1.6 commands get a requestId, and the statuses go back as the notification of the command they answer', async (t) => {
  const lookups = { referenceOf: () => undefined, remoteStartId: () => 1, requestId: () => 77 };
  const update = commandTo201('UpdateFirmware', { location: 'http://box/fw.bin', retrieveDate: T0, retries: 2 }, lookups) as any;
  t.same(update.payload, { requestId: 77, firmware: { location: 'http://box/fw.bin', retrieveDateTime: T0 }, retries: 2 });
  t.same(update.sent, { requestId: 77, origin: 'UpdateFirmware' }, 'the generated requestId is remembered with its origin');
  t.same(update.answer({ status: 'Accepted' }), {});
  t.same(update.answerNotes({ status: 'Accepted' }), []);
  t.match(update.answerNotes({ status: 'Rejected' }), [{ kind: 'lost', detail: /Rejected/ }], 'a refusal 1.6 cannot say is noted');
  const signed = commandTo201('SignedUpdateFirmware', { requestId: 5, firmware: { location: 'https://x', retrieveDateTime: T0, signingCertificate: 'C', signature: 'S' } }, lookups) as any;
  t.same(signed.payload, { requestId: 5, firmware: { location: 'https://x', retrieveDateTime: T0, signingCertificate: 'C', signature: 'S' } });
  t.same(signed.sent, { requestId: 5, origin: 'SignedUpdateFirmware' });
  t.same(signed.answer({ status: 'RevokedCertificate' }), { status: 'RevokedCertificate' });
  const diag = commandTo201('GetDiagnostics', { location: 'http://box/uploads/t/', startTime: T0, retryInterval: 5 }, lookups) as any;
  t.same(diag.payload, { logType: 'DiagnosticsLog', requestId: 77, log: { remoteLocation: 'http://box/uploads/t/', oldestTimestamp: T0 }, retryInterval: 5 });
  t.same(diag.answer({ status: 'Accepted', filename: 'd.zip' }), { fileName: 'd.zip' }, 'the file name back');
  t.same(diag.answer({ status: 'Rejected' }), {});
  t.match(diag.answerNotes({ status: 'Rejected' }), [{ kind: 'lost' }]);
  const log = commandTo201('GetLog', { logType: 'SecurityLog', requestId: 6, log: { remoteLocation: 'https://x/' } }, lookups) as any;
  t.same(log.payload, { logType: 'SecurityLog', requestId: 6, log: { remoteLocation: 'https://x/' } });
  t.same(log.answer({ status: 'Accepted', filename: 's.log' }), { status: 'Accepted', filename: 's.log' });

  const fw = (status: string, origin?: string, requestId?: number) => firmwareStatusToCore({ status, ...(requestId !== undefined ? { requestId } : {}) } as never, origin as never);
  t.same(fw('Downloading', 'UpdateFirmware', 77), { action: 'FirmwareStatusNotification', payload: { status: 'Downloading' }, notes: [] });
  t.match(fw('InstallRebooting', 'UpdateFirmware', 77), { action: 'FirmwareStatusNotification', payload: { status: 'Installing' }, notes: [{ kind: 'mapped' }] });
  t.match(fw('InvalidSignature', 'UpdateFirmware', 77), { payload: { status: 'InstallationFailed' } });
  t.match(fw('SignatureVerified', 'UpdateFirmware', 77), { payload: { status: 'Downloaded' } });
  t.same(fw('Idle'), { action: 'FirmwareStatusNotification', payload: { status: 'Idle' }, notes: [] }, 'about no request: 1.6');
  t.same(fw('InstallRebooting', 'SignedUpdateFirmware', 5), { action: 'SignedFirmwareStatusNotification', payload: { status: 'InstallRebooting', requestId: 5 }, notes: [] });
  t.same(fw('Installed', undefined, 9).action, 'SignedFirmwareStatusNotification', 'an unknown request: the whitepaper\'s');
  for (const s of ['Downloaded', 'DownloadFailed', 'Downloading', 'DownloadScheduled', 'DownloadPaused', 'Idle', 'InstallationFailed', 'Installing', 'Installed', 'InstallRebooting', 'InstallScheduled', 'InstallVerificationFailed', 'InvalidSignature', 'SignatureVerified']) {
    const one = fw(s, 'UpdateFirmware', 1);
    valid16(t, one.action, one.payload);
    const two = fw(s, 'SignedUpdateFirmware', 1);
    valid16(t, two.action, two.payload);
  }
  const ls = (status: string, origin?: string, requestId?: number) => logStatusToCore({ status, ...(requestId !== undefined ? { requestId } : {}) } as never, origin as never);
  t.same(ls('Uploaded', 'GetDiagnostics', 77), { action: 'DiagnosticsStatusNotification', payload: { status: 'Uploaded' }, notes: [] });
  t.match(ls('PermissionDenied', 'GetDiagnostics', 77), { action: 'DiagnosticsStatusNotification', payload: { status: 'UploadFailed' }, notes: [{ kind: 'mapped' }] });
  t.same(ls('Uploading', 'GetLog', 6), { action: 'LogStatusNotification', payload: { status: 'Uploading', requestId: 6 }, notes: [] });
  t.same(ls('AcceptedCanceled', 'GetLog', 6).payload, { status: 'Idle', requestId: 6 });
  for (const s of ['BadMessage', 'Idle', 'NotSupportedOperation', 'PermissionDenied', 'Uploaded', 'UploadFailure', 'Uploading', 'AcceptedCanceled']) {
    for (const origin of ['GetDiagnostics', 'GetLog']) {
      const one = ls(s, origin, 1);
      valid16(t, one.action, one.payload);
    }
  }
});

t.test('reservations: connector 0 is an unspecified EVSE; the parent idTag the group token', async (t) => {
  const lookups = { referenceOf: () => undefined, remoteStartId: () => 1, requestId: () => 1 };
  const on = commandTo201('ReserveNow', { connectorId: 2, expiryDate: T0, idTag: 'TAG1', parentIdTag: 'GROUP', reservationId: 11 }, lookups) as any;
  t.same(on.payload, { id: 11, expiryDateTime: T0, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 2, groupIdToken: { idToken: 'GROUP', type: 'Central' } });
  const any = commandTo201('ReserveNow', { connectorId: 0, expiryDate: T0, idTag: 'TAG1', reservationId: 12 }, lookups) as any;
  t.same(any.payload, { id: 12, expiryDateTime: T0, idToken: { idToken: 'TAG1', type: 'ISO14443' } }, 'no evseId');
  for (const status of ['Accepted', 'Faulted', 'Occupied', 'Rejected', 'Unavailable']) t.same(any.answer({ status }), { status });
  const cancel = commandTo201('CancelReservation', { reservationId: 12 }, lookups) as any;
  t.same(cancel.payload, { reservationId: 12 });
  t.same(cancel.answer({ status: 'Rejected' }), { status: 'Rejected' });
  const trigger = commandTo201('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }, lookups) as any;
  t.same(trigger.payload, { requestedMessage: 'SignChargingStationCertificate' });
});

t.test('the key map is two-way and never answers for an inherited name', async (t) => {
  t.equal(keyOf('OCPPCommCtrlr', 'MessageAttempts', 'TransactionEvent'), 'TransactionMessageAttempts');
  t.equal(variableOf('constructor'), undefined);
  const rate = variableOf('ChargingScheduleAllowedChargingRateUnit')!;
  t.equal(valueTo201(rate, 'Current, Power'), 'A,W');
  t.equal(valueTo16(rate, 'A'), 'Current');
});
