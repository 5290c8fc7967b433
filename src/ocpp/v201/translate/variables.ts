/**
 * OCPP 1.6 configuration keys ↔ OCPP 2.0.1 device model variables (2.0.1 Part 2 Appendix 3,
 * "Standardized components and variables", which names the 1.6 key each replaces). Data and
 * two pure lookups: GetConfiguration/ChangeConfiguration from the core reach a 2.0.1 charger as
 * GetVariables/SetVariables (commands.ts). A key not in this table is unknown to a 2.0.1
 * charger (GetConfiguration: unknownKey; ChangeConfiguration: NotSupported).
 */

export interface VariableRef {
  component: string;
  variable: string;
  /** The variable's instance, where 2.0.1 has several (MessageAttempts per message). */
  instance?: string;
  /** 1.6 reports it read-only (GetConfiguration's readonly). */
  readonly?: boolean;
  /** The same setting spelled otherwise (1.6 value → 2.0.1 value). */
  values?: Readonly<Record<string, string>>;
}

export const KEY_TO_VARIABLE: Readonly<Record<string, VariableRef>> = {
  AllowOfflineTxForUnknownId: { component: 'AuthCtrlr', variable: 'OfflineTxForUnknownIdEnabled' },
  AuthorizationCacheEnabled: { component: 'AuthCacheCtrlr', variable: 'Enabled' },
  AuthorizeRemoteTxRequests: { component: 'AuthCtrlr', variable: 'AuthorizeRemoteStart' },
  ChargeProfileMaxStackLevel: { component: 'SmartChargingCtrlr', variable: 'ProfileStackLevel', readonly: true },
  // 1.6 lists "Current,Power"; 2.0.1 "A,W".
  ChargingScheduleAllowedChargingRateUnit: { component: 'SmartChargingCtrlr', variable: 'RateUnit', readonly: true, values: { Current: 'A', Power: 'W' } },
  ChargingScheduleMaxPeriods: { component: 'SmartChargingCtrlr', variable: 'PeriodsPerSchedule', readonly: true },
  ClockAlignedDataInterval: { component: 'AlignedDataCtrlr', variable: 'Interval' },
  ConnectionTimeOut: { component: 'TxCtrlr', variable: 'EVConnectionTimeOut' },
  HeartbeatInterval: { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval' },
  LocalAuthListEnabled: { component: 'LocalAuthListCtrlr', variable: 'Enabled' },
  LocalAuthorizeOffline: { component: 'AuthCtrlr', variable: 'LocalAuthorizeOffline' },
  LocalPreAuthorize: { component: 'AuthCtrlr', variable: 'LocalPreAuthorize' },
  MaxChargingProfilesInstalled: { component: 'SmartChargingCtrlr', variable: 'Entries', instance: 'ChargingProfiles', readonly: true },
  MeterValueSampleInterval: { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval' },
  MeterValuesAlignedData: { component: 'AlignedDataCtrlr', variable: 'Measurands' },
  MeterValuesSampledData: { component: 'SampledDataCtrlr', variable: 'TxUpdatedMeasurands' },
  ResetRetries: { component: 'OCPPCommCtrlr', variable: 'ResetRetries' },
  SecurityProfile: { component: 'SecurityCtrlr', variable: 'SecurityProfile', readonly: true },
  StopTransactionOnEVSideDisconnect: { component: 'TxCtrlr', variable: 'StopTxOnEVSideDisconnect' },
  StopTransactionOnInvalidId: { component: 'TxCtrlr', variable: 'StopTxOnInvalidId' },
  StopTxnSampledData: { component: 'SampledDataCtrlr', variable: 'TxEndedMeasurands' },
  TransactionMessageAttempts: { component: 'OCPPCommCtrlr', variable: 'MessageAttempts', instance: 'TransactionEvent' },
  TransactionMessageRetryInterval: { component: 'OCPPCommCtrlr', variable: 'MessageAttemptInterval', instance: 'TransactionEvent' },
  WebSocketPingInterval: { component: 'OCPPCommCtrlr', variable: 'WebSocketPingInterval' },
};

/** The variable a 1.6 key stands for (own keys only: "constructor" is no key). */
export function variableOf(key: string): VariableRef | undefined {
  return Object.hasOwn(KEY_TO_VARIABLE, key) ? KEY_TO_VARIABLE[key] : undefined;
}

/** The 1.6 key a variable stands for. */
export function keyOf(component: string, variable: string, instance?: string): string | undefined {
  for (const [key, ref] of Object.entries(KEY_TO_VARIABLE)) {
    if (ref.component === component && ref.variable === variable && ref.instance === instance) return key;
  }
  return undefined;
}

/**
 * The 1.6 key a variable a user sets stands for, including one the core never sets through the
 * key map: SecurityCtrlr.BasicAuthPassword is 1.6's AuthorizationKey (Appendix 3; A01), so the
 * owned-keys policy (gateway/owned-keys.ts) decides on it as on the key.
 */
export function keyOfVariable(component: string, variable: string, instance?: string): string | undefined {
  if (component === 'SecurityCtrlr' && variable === 'BasicAuthPassword' && instance === undefined) return 'AuthorizationKey';
  return keyOf(component, variable, instance);
}

/** A 1.6 value as 2.0.1 spells it (lists element by element). */
export function valueTo201(ref: VariableRef, value: string): string {
  if (!ref.values) return value;
  return value.split(',').map((v) => ref.values![v.trim()] ?? v.trim()).join(',');
}

/** A 2.0.1 value as 1.6 spells it. */
export function valueTo16(ref: VariableRef, value: string): string {
  if (!ref.values) return value;
  const back = Object.fromEntries(Object.entries(ref.values).map(([k, v]) => [v, k]));
  return value.split(',').map((v) => back[v.trim()] ?? v.trim()).join(',');
}
