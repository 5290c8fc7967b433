/**
 * The configuration keys of the simulated charger (OCPP 1.6 §9: Core, Local Auth List,
 * Reservation, Smart Charging profiles) with their access and the values they accept, for
 * GetConfiguration (§5.8) and ChangeConfiguration (§5.3).
 */
import type { ChangeConfigurationResponse, GetConfigurationResponse } from '../ocpp/v16/types.js';

type Kind = 'int' | 'bool' | 'string' | 'measurands';

interface KeyDef {
  readonly: boolean;
  kind: Kind;
  value: string;
}

/** The measurands this charger can sample (MeterValuesSampledData and friends). */
export const SUPPORTED_MEASURANDS = ['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Current.Offered', 'Voltage'] as const;

export interface ConfigurationFacts {
  connectors: number;
  heartbeatIntervalS: number;
  meterValueSampleIntervalS: number;
}

function defaults(f: ConfigurationFacts): Record<string, KeyDef> {
  const rw = (kind: Kind, value: string): KeyDef => ({ readonly: false, kind, value });
  const ro = (kind: Kind, value: string): KeyDef => ({ readonly: true, kind, value });
  return {
    AllowOfflineTxForUnknownId: rw('bool', 'true'),
    AuthorizationCacheEnabled: rw('bool', 'true'),
    AuthorizeRemoteTxRequests: rw('bool', 'false'),
    ClockAlignedDataInterval: rw('int', '0'),
    ConnectionTimeOut: rw('int', '60'),
    ConnectorPhaseRotation: rw('string', '0.RST'),
    GetConfigurationMaxKeys: ro('int', '50'),
    HeartbeatInterval: rw('int', String(f.heartbeatIntervalS)),
    LocalAuthorizeOffline: rw('bool', 'true'),
    LocalPreAuthorize: rw('bool', 'false'),
    MeterValuesAlignedData: rw('measurands', 'Energy.Active.Import.Register'),
    MeterValuesSampledData: rw('measurands', 'Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage'),
    MeterValueSampleInterval: rw('int', String(f.meterValueSampleIntervalS)),
    NumberOfConnectors: ro('int', String(f.connectors)),
    ResetRetries: rw('int', '1'),
    StopTransactionOnEVSideDisconnect: rw('bool', 'true'),
    StopTransactionOnInvalidId: rw('bool', 'true'),
    StopTxnAlignedData: rw('measurands', ''),
    StopTxnSampledData: rw('measurands', 'Energy.Active.Import.Register'),
    SupportedFeatureProfiles: ro('string', 'Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger'),
    TransactionMessageAttempts: rw('int', '3'),
    TransactionMessageRetryInterval: rw('int', '5'),
    UnlockConnectorOnEVSideDisconnect: rw('bool', 'true'),
    WebSocketPingInterval: rw('int', '0'),
    LocalAuthListEnabled: rw('bool', 'true'),
    LocalAuthListMaxLength: ro('int', '100'),
    SendLocalListMaxLength: ro('int', '100'),
    ReserveConnectorZeroSupported: ro('bool', 'false'),
    ChargeProfileMaxStackLevel: ro('int', '8'),
    ChargingScheduleAllowedChargingRateUnit: ro('string', 'Current,Power'),
    ChargingScheduleMaxPeriods: ro('int', '24'),
    MaxChargingProfilesInstalled: ro('int', '16'),
  };
}

export class Configuration {
  private readonly keys: Record<string, KeyDef>;

  /** `overrides` set initial values without the checks of ChangeConfiguration (tests use fractional seconds). */
  constructor(facts: ConfigurationFacts, overrides: Record<string, string> = {}) {
    this.keys = defaults(facts);
    for (const [k, v] of Object.entries(overrides)) {
      const def = this.keys[k];
      if (def) def.value = v;
    }
  }

  get(key: string): string | undefined {
    return this.keys[key]?.value;
  }

  number(key: string): number {
    return Number(this.keys[key]?.value ?? NaN);
  }

  bool(key: string): boolean {
    return this.keys[key]?.value === 'true';
  }

  /** GetConfiguration (§5.8): all keys when none asked; unknown ones listed in unknownKey. */
  read(requested: string[] | undefined): GetConfigurationResponse {
    const names = requested && requested.length > 0 ? requested : Object.keys(this.keys);
    const configurationKey: NonNullable<GetConfigurationResponse['configurationKey']> = [];
    const unknownKey: string[] = [];
    for (const key of names) {
      const def = this.keys[key];
      if (def) configurationKey.push({ key, readonly: def.readonly, value: def.value });
      else unknownKey.push(key);
    }
    return { configurationKey, ...(unknownKey.length > 0 ? { unknownKey } : {}) };
  }

  /** ChangeConfiguration (§5.3): unknown → NotSupported; read-only or a bad value → Rejected. */
  change(key: string, value: string): ChangeConfigurationResponse['status'] {
    const def = this.keys[key];
    if (!def) return 'NotSupported';
    if (def.readonly || !isValid(def.kind, value)) return 'Rejected';
    def.value = value;
    return 'Accepted';
  }
}

function isValid(kind: Kind, value: string): boolean {
  switch (kind) {
    case 'int':
      return /^\d+$/.test(value) && Number(value) <= 2_147_483_647;
    case 'bool':
      return value === 'true' || value === 'false';
    case 'measurands':
      return value === '' || value.split(',').every((m) => (SUPPORTED_MEASURANDS as readonly string[]).includes(m.trim()));
    case 'string':
      return value.length <= 500;
  }
}
