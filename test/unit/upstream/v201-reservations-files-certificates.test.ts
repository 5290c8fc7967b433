/**
 * A 2.0.1 CSMS's reservation, firmware, log and certificate commands as 1.6 commands (#17),
 * pure (src/upstream/v201/from-csms-reservations-files-certificates.ts): each 1.6 command schema-valid (1.6 and its
 * security whitepaper), each 2.0.1 answer schema-valid, in aggregate (the station is the site)
 * and transparent (the station is one charger) mode.
 */
import t, { type Test } from 'tap';
import { validatorFor } from '../../../src/ocpp/validate.js';
import { commandTo16, type Inbound } from '../../../src/upstream/v201/from-csms.js';

const v16 = validatorFor('ocpp1.6');
const v201 = validatorFor('ocpp2.0.1');
const lookups = (aggregate: boolean) => ({ transactionOf: () => undefined, queued: () => false, evseIsCharger: aggregate });
const AGGREGATE = lookups(true);
const TRANSPARENT = lookups(false);

/** The one 1.6 call, checked against its schema, and the 2.0.1 answer to `answer16`, checked against 2.0.1's. */
function relayed(t: Test, action: string, payload: unknown, aggregate: boolean, answer16: unknown) {
  const inbound = commandTo16(action, payload, aggregate ? AGGREGATE : TRANSPARENT);
  if (!('calls' in inbound)) throw new Error(`${action} answered locally`);
  t.equal(inbound.calls.length, 1);
  const call = inbound.calls[0]!;
  t.equal(v16.checkRequest(call.action, call.payload)?.description ?? null, null, `${call.action} is valid 1.6`);
  const answer = inbound.answer([answer16]);
  t.equal(v201.checkResponse(action, answer)?.description ?? null, null, `${action}'s answer is valid 2.0.1`);
  return { call, answer, notes: inbound.notes };
}

function local(t: Test, action: string, payload: unknown, aggregate: boolean): unknown {
  const inbound: Inbound = commandTo16(action, payload, aggregate ? AGGREGATE : TRANSPARENT);
  if (!('local' in inbound)) throw new Error(`${action} sent to a charger`);
  t.equal(v201.checkResponse(action, inbound.local)?.description ?? null, null, `${action}'s answer is valid 2.0.1`);
  return inbound.local;
}

const expiry = '2026-12-03T12:00:00.000Z';

t.test('ReserveNow and CancelReservation: 1.6 §5.13 / §5.2; no EVSE is connector 0; a connector type is lost', async (t) => {
  const r = relayed(t, 'ReserveNow', { id: 5, expiryDateTime: expiry, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 2, connectorType: 'cType2', groupIdToken: { idToken: 'G1', type: 'Central' } }, true, { status: 'Occupied' });
  t.same(r.call, { action: 'ReserveNow', payload: { reservationId: 5, expiryDate: expiry, idTag: 'TAG1', connectorId: 2, parentIdTag: 'G1' } });
  t.same(r.answer, { status: 'Occupied' }, 'the charger\'s status');
  t.match(r.notes, [{ kind: 'lost', path: 'connectorType' }]);
  t.match(relayed(t, 'ReserveNow', { id: 6, expiryDateTime: expiry, idToken: { idToken: 'TAG1', type: 'ISO14443' } }, true, { status: 'Rejected' }).call.payload, { connectorId: 0 }, 'unspecified EVSE: connector 0 (aggregate: no charger, Rejected by cloud-calls.ts)');
  t.same(relayed(t, 'CancelReservation', { reservationId: 5 }, true, { status: 'Accepted' }), { call: { action: 'CancelReservation', payload: { reservationId: 5 } }, answer: { status: 'Accepted' }, notes: [] });
});

t.test('UpdateFirmware: 1.6 §5.19; Accepted once taken; the signature and install time noted as lost', async (t) => {
  const firmware = { location: 'https://fw.example/x.bin', retrieveDateTime: expiry, installDateTime: expiry, signingCertificate: 'PEM', signature: 'c2ln' };
  const r = relayed(t, 'UpdateFirmware', { requestId: 9, retries: 2, retryInterval: 30, firmware }, true, {});
  t.same(r.call, { action: 'UpdateFirmware', payload: { location: firmware.location, retrieveDate: expiry, retries: 2, retryInterval: 30 } });
  t.same(r.answer, { status: 'Accepted' });
  t.same(r.notes.map((n) => n.path), ['firmware.signature', 'firmware.installDateTime']);
});

t.test('GetLog: the DiagnosticsLog is 1.6 GetDiagnostics; the SecurityLog the whitepaper\'s GetLog, or refused by the site', async (t) => {
  const log = { remoteLocation: 'ftp://logs.example/up/', oldestTimestamp: '2026-12-01T00:00:00.000Z', latestTimestamp: expiry };
  const diag = relayed(t, 'GetLog', { logType: 'DiagnosticsLog', requestId: 3, retries: 1, log }, true, { fileName: 'site.json' });
  t.same(diag.call, { action: 'GetDiagnostics', payload: { location: log.remoteLocation, startTime: log.oldestTimestamp, stopTime: log.latestTimestamp, retries: 1 } });
  t.same(diag.answer, { status: 'Accepted', filename: 'site.json' });
  t.same(relayed(t, 'GetLog', { logType: 'DiagnosticsLog', requestId: 3, log }, false, {}).answer, { status: 'Rejected' }, 'no fileName: nothing to upload (1.6 §5.9)');
  t.match(local(t, 'GetLog', { logType: 'SecurityLog', requestId: 4, log }, true), { status: 'Rejected', statusInfo: { reasonCode: 'NoSecurityLog' } });
  const security = relayed(t, 'GetLog', { logType: 'SecurityLog', requestId: 4, log }, false, { status: 'Accepted', filename: 'sec.log' });
  t.same(security.call, { action: 'GetLog', payload: { logType: 'SecurityLog', requestId: 4, log } }, 'transparent: to the charger, field for field');
  t.same(security.answer, { status: 'Accepted', filename: 'sec.log' });
});

t.test('certificates: refused by the site with the reason; transparent, the whitepaper\'s commands', async (t) => {
  const hash = { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' };
  t.match(local(t, 'InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: 'PEM' }, true), { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
  t.match(local(t, 'GetInstalledCertificateIds', {}, true), { status: 'NotFound', statusInfo: { reasonCode: 'NotSupported' } });
  t.match(local(t, 'DeleteCertificate', { certificateHashData: hash }, true), { status: 'NotFound' });
  t.match(local(t, 'CertificateSigned', { certificateChain: 'PEM' }, true), { status: 'Rejected' });

  t.same(relayed(t, 'InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: 'PEM' }, false, { status: 'Accepted' }).call.payload, { certificateType: 'ManufacturerRootCertificate', certificate: 'PEM' });
  t.match(local(t, 'InstallCertificate', { certificateType: 'V2GRootCertificate', certificate: 'PEM' }, false), { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedType' } }, 'an ISO 15118 root has no 1.6 type');
  const ids = relayed(t, 'GetInstalledCertificateIds', { certificateType: ['V2GRootCertificate', 'CSMSRootCertificate'] }, false, { status: 'Accepted', certificateHashData: [hash] });
  t.same(ids.call.payload, { certificateType: 'CentralSystemRootCertificate' }, 'the first type 1.6 has');
  t.same(ids.answer, { status: 'Accepted', certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: hash }] });
  t.same(relayed(t, 'DeleteCertificate', { certificateHashData: hash }, false, { status: 'Accepted' }).call.payload, { certificateHashData: hash });
  t.same(relayed(t, 'CertificateSigned', { certificateChain: 'PEM', certificateType: 'ChargingStationCertificate' }, false, { status: 'Accepted' }).call.payload, { certificateChain: 'PEM' });
  t.match(local(t, 'CertificateSigned', { certificateChain: 'PEM', certificateType: 'V2GCertificate' }, false), { status: 'Rejected' });
});
