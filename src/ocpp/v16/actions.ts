/**
 * Which side may initiate which OCPP 1.6 action (OCPP 1.6 §4 "Operations initiated by Charge
 * Point" and §5 "Operations initiated by Central System"). DataTransfer goes both ways. The
 * security whitepaper's actions ("Improved security for OCPP 1.6-J", edition 3) are listed
 * apart as well (SECURITY_16) and belong to the same two lists: a 1.6 charger may use them on
 * the same connection.
 */
export const CHARGER_INITIATED_16 = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
  // Security whitepaper (edition 3).
  'LogStatusNotification',
  'SecurityEventNotification',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
] as const;

/** The security whitepaper's central-system actions (commands, docs, and their access rules). */
export const SECURITY_CENTRAL_16 = [
  'CertificateSigned',
  'DeleteCertificate',
  'ExtendedTriggerMessage',
  'GetInstalledCertificateIds',
  'GetLog',
  'InstallCertificate',
  'SignedUpdateFirmware',
] as const;

export const CENTRAL_INITIATED_16 = [
  'CancelReservation',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'DataTransfer',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
  // Security whitepaper (edition 3).
  ...SECURITY_CENTRAL_16,
] as const;

/** The security whitepaper's actions, both directions (commands, docs, and their access rules). */
export const SECURITY_CHARGER_16 = ['LogStatusNotification', 'SecurityEventNotification', 'SignCertificate', 'SignedFirmwareStatusNotification'] as const satisfies readonly ChargerAction16[];
export type SecurityCentralAction16 = (typeof SECURITY_CENTRAL_16)[number];

export type ChargerAction16 = (typeof CHARGER_INITIATED_16)[number];
export type CentralAction16 = (typeof CENTRAL_INITIATED_16)[number];

/** What TriggerMessage.req may ask a charger to send (OCPP 1.6 §6.49, MessageTrigger). */
export const TRIGGERABLE_16 = ['BootNotification', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StatusNotification'] as const satisfies readonly ChargerAction16[];
