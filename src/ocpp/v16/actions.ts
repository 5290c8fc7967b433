/**
 * Which side may initiate which OCPP 1.6 action (OCPP 1.6 §4 "Operations initiated by Charge
 * Point" and §5 "Operations initiated by Central System"). DataTransfer goes both ways.
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
] as const;

export type ChargerAction16 = (typeof CHARGER_INITIATED_16)[number];
export type CentralAction16 = (typeof CENTRAL_INITIATED_16)[number];
