/**
 * Firmware and log transfers, core (OCPP 1.6 and its security whitepaper) ↔ 2.0.1. Pure.
 *
 * - 1.6 UpdateFirmware (§5.19) and the whitepaper's SignedUpdateFirmware both become 2.0.1
 *   UpdateFirmware (L01); 1.6 GetDiagnostics (§5.9) and the whitepaper's GetLog both become
 *   2.0.1 GetLog (N01). The whitepaper's messages are 2.0.1's, nearly field for field.
 * - 2.0.1 pairs each status notification with its request by `requestId`; 1.6's UpdateFirmware
 *   and GetDiagnostics have none, so the edge gives them one (`requestId` passed in) and keeps
 *   which core command it was sent for (its RequestOrigin). A status of a request sent as 1.6's
 *   goes back to the core as 1.6's FirmwareStatusNotification / DiagnosticsStatusNotification
 *   (the statuses the core stores and shows, and what a cloud that sent the 1.6 command
 *   expects); one of a whitepaper request, or of one chargegate does not know (sent before a
 *   restart), as the whitepaper's SignedFirmwareStatusNotification / LogStatusNotification.
 *   A status about no request (no requestId: Idle, or an answer to TriggerMessage) goes as 1.6's.
 */
import type { Requests16, Responses16 } from '../../v16/types.js';
import type { Requests201, Responses201 } from '../types.js';
import type { Translated, TranslationNote } from './notes.js';

/** The core command a 2.0.1 requestId was sent for: its statuses go back as that command's notifications. */
export type RequestOrigin = 'UpdateFirmware' | 'SignedUpdateFirmware' | 'GetDiagnostics' | 'GetLog';
export type RequestKind = 'firmware' | 'log';
export const KIND_OF: Record<RequestOrigin, RequestKind> = { UpdateFirmware: 'firmware', SignedUpdateFirmware: 'firmware', GetDiagnostics: 'log', GetLog: 'log' };

/** 1.6 UpdateFirmware as 2.0.1's (L01): retrieveDate is the firmware's retrieveDateTime; unsigned, nothing to install at a set time. */
export function updateFirmwareTo201(req: Requests16['UpdateFirmware'], requestId: number): Requests201['UpdateFirmware'] {
  return {
    requestId,
    firmware: { location: req.location, retrieveDateTime: req.retrieveDate },
    ...(req.retries !== undefined ? { retries: req.retries } : {}),
    ...(req.retryInterval !== undefined ? { retryInterval: req.retryInterval } : {}),
  };
}

/** The whitepaper's SignedUpdateFirmware is 2.0.1's UpdateFirmware, field for field. */
export function signedUpdateFirmwareTo201(req: Requests16['SignedUpdateFirmware']): Requests201['UpdateFirmware'] {
  const f = req.firmware;
  return {
    requestId: req.requestId,
    firmware: {
      location: f.location,
      retrieveDateTime: f.retrieveDateTime,
      ...(f.installDateTime !== undefined ? { installDateTime: f.installDateTime } : {}),
      signingCertificate: f.signingCertificate,
      signature: f.signature,
    },
    ...(req.retries !== undefined ? { retries: req.retries } : {}),
    ...(req.retryInterval !== undefined ? { retryInterval: req.retryInterval } : {}),
  };
}

/** 1.6's UpdateFirmware.conf is empty: a charger that refuses (Rejected, a certificate status) is noted. */
export function updateFirmwareAnswerTo16(res: Responses201['UpdateFirmware']): Translated<Responses16['UpdateFirmware']> {
  return { value: {}, notes: res.status === 'Accepted' ? [] : [{ kind: 'lost', path: 'status', detail: `UpdateFirmware answered ${res.status}: 1.6's answer is empty` }] };
}

/** 1.6 GetDiagnostics as 2.0.1 GetLog (N01) of the DiagnosticsLog: startTime/stopTime are the log's oldest/latest timestamps. */
export function getDiagnosticsTo201(req: Requests16['GetDiagnostics'], requestId: number): Requests201['GetLog'] {
  return {
    logType: 'DiagnosticsLog',
    requestId,
    log: {
      remoteLocation: req.location,
      ...(req.startTime !== undefined ? { oldestTimestamp: req.startTime } : {}),
      ...(req.stopTime !== undefined ? { latestTimestamp: req.stopTime } : {}),
    },
    ...(req.retries !== undefined ? { retries: req.retries } : {}),
    ...(req.retryInterval !== undefined ? { retryInterval: req.retryInterval } : {}),
  };
}

/** GetLog's filename is GetDiagnostics.conf's fileName; a refusal has no file (1.6 §5.9: no fileName, nothing to upload). */
export function getDiagnosticsAnswerTo16(res: Responses201['GetLog']): Translated<Responses16['GetDiagnostics']> {
  if (res.status === 'Rejected') return { value: {}, notes: [{ kind: 'lost', path: 'status', detail: 'GetLog answered Rejected: 1.6 GetDiagnostics answers without a file' }] };
  return { value: res.filename !== undefined ? { fileName: res.filename } : {}, notes: [] };
}

/** The whitepaper's GetLog is 2.0.1's. */
export function getLogTo201(req: Requests16['GetLog']): Requests201['GetLog'] {
  return {
    logType: req.logType,
    requestId: req.requestId,
    log: {
      remoteLocation: req.log.remoteLocation,
      ...(req.log.oldestTimestamp !== undefined ? { oldestTimestamp: req.log.oldestTimestamp } : {}),
      ...(req.log.latestTimestamp !== undefined ? { latestTimestamp: req.log.latestTimestamp } : {}),
    },
    ...(req.retries !== undefined ? { retries: req.retries } : {}),
    ...(req.retryInterval !== undefined ? { retryInterval: req.retryInterval } : {}),
  };
}

/** Whether a status goes back as the 1.6 command's notification: its request was sent as that command, or it names none. */
function answers16(origin: RequestOrigin | undefined, command16: RequestOrigin, requestId: number | undefined): boolean {
  return origin === command16 || (origin === undefined && requestId === undefined);
}

/** A core notification to hand the 2.0.1 one on as. */
type Notification<A extends keyof Requests16> = { action: A; payload: Requests16[A]; notes: TranslationNote[] };

/** The 1.6 notification whose status is the one a 2.0.1 status belongs to, noted when it is not the same. */
function as16<A extends 'FirmwareStatusNotification' | 'DiagnosticsStatusNotification', F extends string>(action: A, status: F, map: Record<F, Requests16[A]['status']>): Notification<A> {
  const value = map[status];
  const notes: TranslationNote[] = value === (status as string) ? [] : [{ kind: 'mapped', path: 'status', detail: `${action} status ${status} is reported as ${value}` }];
  return { action, payload: { status: value } as Requests16[A], notes };
}

type Firmware16 = Requests16['FirmwareStatusNotification']['status'];
type Firmware201 = Requests201['FirmwareStatusNotification']['status'];

/** 2.0.1's finer firmware statuses as the 1.6 step they are part of (1.6 §7.25). */
const FIRMWARE_TO_16: Record<Firmware201, Firmware16> = {
  Downloaded: 'Downloaded',
  DownloadFailed: 'DownloadFailed',
  Downloading: 'Downloading',
  DownloadScheduled: 'Downloading',
  DownloadPaused: 'Downloading',
  Idle: 'Idle',
  InstallationFailed: 'InstallationFailed',
  Installing: 'Installing',
  Installed: 'Installed',
  InstallRebooting: 'Installing',
  InstallScheduled: 'Installing',
  InstallVerificationFailed: 'InstallationFailed',
  InvalidSignature: 'InstallationFailed',
  SignatureVerified: 'Downloaded',
};

export type FirmwareStatusToCore = Notification<'FirmwareStatusNotification'> | Notification<'SignedFirmwareStatusNotification'>;

/** A 2.0.1 FirmwareStatusNotification as the core's notification of the request it answers (`origin`, undefined: not known). */
export function firmwareStatusToCore(req: Requests201['FirmwareStatusNotification'], origin: RequestOrigin | undefined): FirmwareStatusToCore {
  if (answers16(origin, 'UpdateFirmware', req.requestId)) return as16('FirmwareStatusNotification', req.status, FIRMWARE_TO_16);
  return { action: 'SignedFirmwareStatusNotification', payload: { status: req.status, ...(req.requestId !== undefined ? { requestId: req.requestId } : {}) }, notes: [] };
}

type Diagnostics16 = Requests16['DiagnosticsStatusNotification']['status'];
type Log201 = Requests201['LogStatusNotification']['status'];

/** 2.0.1's upload statuses as 1.6's (§7.24): each way of failing is UploadFailed; a cancelled upload leaves the charger Idle. */
const LOG_TO_16: Record<Log201, Diagnostics16> = {
  BadMessage: 'UploadFailed',
  Idle: 'Idle',
  NotSupportedOperation: 'UploadFailed',
  PermissionDenied: 'UploadFailed',
  Uploaded: 'Uploaded',
  UploadFailure: 'UploadFailed',
  Uploading: 'Uploading',
  AcceptedCanceled: 'Idle',
};

export type LogStatusToCore = Notification<'DiagnosticsStatusNotification'> | Notification<'LogStatusNotification'>;

/** A 2.0.1 LogStatusNotification as the core's notification of the request it answers (`origin`, undefined: not known). */
export function logStatusToCore(req: Requests201['LogStatusNotification'], origin: RequestOrigin | undefined): LogStatusToCore {
  if (answers16(origin, 'GetDiagnostics', req.requestId)) return as16('DiagnosticsStatusNotification', req.status, LOG_TO_16);
  // AcceptedCanceled (2.0.1 only: a new GetLog cancelled this upload) is the whitepaper's Idle.
  const status = req.status === 'AcceptedCanceled' ? 'Idle' : req.status;
  return { action: 'LogStatusNotification', payload: { status, ...(req.requestId !== undefined ? { requestId: req.requestId } : {}) }, notes: [] };
}
