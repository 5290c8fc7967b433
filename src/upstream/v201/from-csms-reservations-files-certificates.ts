/**
 * A 2.0.1 CSMS's reservation, firmware, log and certificate commands as the 1.6 commands the
 * upstream already carries out (cloud-calls.ts), and their answers back (#17). Pure; from-csms.ts
 * calls it for these actions. What each becomes:
 * - ReserveNow / CancelReservation (H01, H02): 1.6 §5.13 / §5.2 (reservations.ts). An EVSE is a
 *   connector of one charger; no evseId is 1.6's connector 0, which in aggregate mode names no
 *   charger and is Rejected (H01: the station may refuse a reservation of an unspecified EVSE).
 * - UpdateFirmware (L01): 1.6 §5.19; aggregate, chargegate fetches it into its store and reports
 *   Downloading, Downloaded or DownloadFailed (never Installed: installing is the operator's).
 *   A signed firmware's signature is not checked by chargegate: noted as lost.
 * - GetLog (N01) of the DiagnosticsLog: 1.6 §5.9 GetDiagnostics (aggregate: chargegate's own
 *   bundle); the file name is the answer's filename. The SecurityLog: the whitepaper's GetLog
 *   (transparent, to the charger); aggregate, the site has none: Rejected.
 * - Certificates (M03–M05, A02): aggregate, the station is chargegate, which trusts the CSMS
 *   through upstream.ca in its configuration (no store the CSMS can change): refused, the reason in
 *   statusInfo. Transparent: the whitepaper's commands, to the charger.
 * The statuses that come back (FirmwareStatusNotification, LogStatusNotification with the
 * request's requestId) are the wire's (wire.ts request()).
 */
import type { CentralAction16 } from '../../ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../../ocpp/v16/types.js';
import { cancelReservationTo16, reserveNowTo16 } from '../../ocpp/v201/translate/reservations.js';
import type { TranslationNote } from '../../ocpp/v201/translate/notes.js';
import type { Requests201, Responses201, StatusInfoType } from '../../ocpp/v201/types.js';

/** As from-csms.ts's Inbound: the 1.6 commands to run and the 2.0.1 answer, or the answer at once. */
export type CommandPlan =
  | { calls: { action: CentralAction16; payload: unknown }[]; answer(answers: unknown[]): unknown; notes: TranslationNote[] }
  | { local: unknown; notes: TranslationNote[] };

export const RESERVATION_FILE_CERTIFICATE_ACTIONS = ['ReserveNow', 'CancelReservation', 'UpdateFirmware', 'GetLog', 'InstallCertificate', 'GetInstalledCertificateIds', 'DeleteCertificate', 'CertificateSigned'] as const;
export type ReservationFileCertificateAction = (typeof RESERVATION_FILE_CERTIFICATE_ACTIONS)[number];

export const isReservationFileOrCertificate = (action: string): action is ReservationFileCertificateAction => (RESERVATION_FILE_CERTIFICATE_ACTIONS as readonly string[]).includes(action);

function call<A extends CentralAction16>(action: A, payload: Requests16[A], answer: (res: Responses16[A]) => unknown, notes: TranslationNote[] = []): CommandPlan {
  return { calls: [{ action, payload }], answer: (answers) => answer(answers[0] as Responses16[A]), notes };
}

const lost = (path: string, detail: string): TranslationNote => ({ kind: 'lost', path, detail });

/** reasonCode is at most 20 characters (2.0.1 StatusInfoType). */
const NOT_THE_SITES: StatusInfoType = {
  reasonCode: 'NotSupported',
  additionalInfo: 'this station is a site gateway (chargegate): it trusts the CSMS through upstream.ca in its configuration and keeps no certificate store the CSMS can change; its chargers\' certificates are managed in transparent mode',
};

/**
 * One of RESERVATION_FILE_CERTIFICATE_ACTIONS → the 1.6 commands that carry it out. `aggregate`: the station is the site
 * (chargegate), not one charger.
 */
export function reservationFileCertificateTo16(action: ReservationFileCertificateAction, payload: unknown, aggregate: boolean): CommandPlan {
  switch (action) {
    case 'ReserveNow': {
      const req = payload as Requests201['ReserveNow'];
      const notes = req.connectorType !== undefined ? [lost('connectorType', `${req.connectorType}: 1.6 reserves a connector, not a type`)] : [];
      return call('ReserveNow', reserveNowTo16(req), (res): Responses201['ReserveNow'] => ({ status: res.status }), notes);
    }
    case 'CancelReservation':
      return call('CancelReservation', cancelReservationTo16(payload as Requests201['CancelReservation']), (res): Responses201['CancelReservation'] => ({ status: res.status }));
    case 'UpdateFirmware': {
      const req = payload as Requests201['UpdateFirmware'];
      const f = req.firmware;
      const notes: TranslationNote[] = [];
      if (f.signature !== undefined || f.signingCertificate !== undefined) notes.push(lost('firmware.signature', 'the signature is not checked by chargegate'));
      if (f.installDateTime !== undefined) notes.push(lost('firmware.installDateTime', '1.6 UpdateFirmware has no install time'));
      const update: Requests16['UpdateFirmware'] = {
        location: f.location,
        retrieveDate: f.retrieveDateTime,
        ...(req.retries !== undefined ? { retries: req.retries } : {}),
        ...(req.retryInterval !== undefined ? { retryInterval: req.retryInterval } : {}),
      };
      // 1.6's answer is empty: the request was taken; how it goes is told by FirmwareStatusNotification.
      return call('UpdateFirmware', update, (): Responses201['UpdateFirmware'] => ({ status: 'Accepted' }), notes);
    }
    case 'GetLog':
      return getLog(payload as Requests201['GetLog'], aggregate);
    case 'InstallCertificate': {
      if (aggregate) return { local: { status: 'Rejected', statusInfo: NOT_THE_SITES } satisfies Responses201['InstallCertificate'], notes: [] };
      const req = payload as Requests201['InstallCertificate'];
      const certificateType = WHITEPAPER_ROOTS[req.certificateType];
      if (!certificateType) return { local: { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedType', additionalInfo: `${req.certificateType} has no OCPP 1.6 counterpart` } } satisfies Responses201['InstallCertificate'], notes: [lost('certificateType', `${req.certificateType}: no 1.6 type`)] };
      return call('InstallCertificate', { certificateType, certificate: req.certificate }, (res): Responses201['InstallCertificate'] => ({ status: res.status }));
    }
    case 'GetInstalledCertificateIds': {
      if (aggregate) return { local: { status: 'NotFound', statusInfo: NOT_THE_SITES } satisfies Responses201['GetInstalledCertificateIds'], notes: [] };
      const req = payload as Requests201['GetInstalledCertificateIds'];
      // The whitepaper asks for one type at a time: the first 1.6 has (the CSMS's root when none is named).
      const asked = (req.certificateType ?? ['CSMSRootCertificate']).map((t) => WHITEPAPER_ROOTS[t]).find((t) => t !== undefined);
      if (!asked) return { local: { status: 'NotFound' } satisfies Responses201['GetInstalledCertificateIds'], notes: [lost('certificateType', 'no 1.6 type among those asked')] };
      const type = asked === 'CentralSystemRootCertificate' ? 'CSMSRootCertificate' : 'ManufacturerRootCertificate';
      return call('GetInstalledCertificateIds', { certificateType: asked }, (res): Responses201['GetInstalledCertificateIds'] => ({
        status: res.status,
        ...(res.certificateHashData ? { certificateHashDataChain: res.certificateHashData.map((h) => ({ certificateType: type, certificateHashData: h })) as NonNullable<Responses201['GetInstalledCertificateIds']['certificateHashDataChain']> } : {}),
      }));
    }
    case 'DeleteCertificate': {
      if (aggregate) return { local: { status: 'NotFound', statusInfo: NOT_THE_SITES } satisfies Responses201['DeleteCertificate'], notes: [] };
      const h = (payload as Requests201['DeleteCertificate']).certificateHashData;
      const certificateHashData = { hashAlgorithm: h.hashAlgorithm, issuerNameHash: h.issuerNameHash, issuerKeyHash: h.issuerKeyHash, serialNumber: h.serialNumber };
      return call('DeleteCertificate', { certificateHashData }, (res): Responses201['DeleteCertificate'] => ({ status: res.status }));
    }
    case 'CertificateSigned': {
      if (aggregate) return { local: { status: 'Rejected', statusInfo: NOT_THE_SITES } satisfies Responses201['CertificateSigned'], notes: [] };
      const req = payload as Requests201['CertificateSigned'];
      if (req.certificateType === 'V2GCertificate') return { local: { status: 'Rejected' } satisfies Responses201['CertificateSigned'], notes: [lost('certificateType', 'V2GCertificate (ISO 15118): no 1.6 counterpart')] };
      return call('CertificateSigned', { certificateChain: req.certificateChain }, (res): Responses201['CertificateSigned'] => ({ status: res.status }));
    }
  }
}

/** 2.0.1's root certificate types that the security whitepaper names (the V2G and MO roots it has not). */
const WHITEPAPER_ROOTS: Partial<Record<string, Requests16['InstallCertificate']['certificateType']>> = {
  CSMSRootCertificate: 'CentralSystemRootCertificate',
  ManufacturerRootCertificate: 'ManufacturerRootCertificate',
};

function getLog(req: Requests201['GetLog'], aggregate: boolean): CommandPlan {
  const log = req.log;
  const retry = { ...(req.retries !== undefined ? { retries: req.retries } : {}), ...(req.retryInterval !== undefined ? { retryInterval: req.retryInterval } : {}) };
  if (req.logType === 'DiagnosticsLog') {
    const diagnostics: Requests16['GetDiagnostics'] = {
      location: log.remoteLocation,
      ...(log.oldestTimestamp !== undefined ? { startTime: log.oldestTimestamp } : {}),
      ...(log.latestTimestamp !== undefined ? { stopTime: log.latestTimestamp } : {}),
      ...retry,
    };
    // 1.6 §5.9: no fileName is no file to upload.
    return call('GetDiagnostics', diagnostics, (res): Responses201['GetLog'] => (res.fileName !== undefined ? { status: 'Accepted', filename: res.fileName } : { status: 'Rejected' }));
  }
  if (aggregate) return { local: { status: 'Rejected', statusInfo: { reasonCode: 'NoSecurityLog', additionalInfo: 'the site gateway keeps no security log of its own; its chargers\' security events are in its API' } } satisfies Responses201['GetLog'], notes: [] };
  return call('GetLog', { logType: 'SecurityLog', requestId: req.requestId, log: { remoteLocation: log.remoteLocation, ...(log.oldestTimestamp !== undefined ? { oldestTimestamp: log.oldestTimestamp } : {}), ...(log.latestTimestamp !== undefined ? { latestTimestamp: log.latestTimestamp } : {}) }, ...retry }, (res): Responses201['GetLog'] => ({
    status: res.status,
    ...(res.filename !== undefined ? { filename: res.filename } : {}),
  }));
}
