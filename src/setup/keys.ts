/**
 * The OCPP 1.6 standard configuration keys automatic setup reads (§9.1 Core, §9.4 Smart
 * Charging), and how their values are written. Pure.
 */

/** §9.1 (Core): how many keys one GetConfiguration may ask for. Asked alone, before anything else. */
export const MAX_KEYS_KEY = 'GetConfigurationMaxKeys';

/** What setup learns, in the order it asks (the ones the balancer needs most come first). */
export const LEARNT_KEYS = [
  'SupportedFeatureProfiles', // §9.1: Core, SmartCharging, …
  'ChargingScheduleAllowedChargingRateUnit', // §9.4: Current, Power
  'ChargeProfileMaxStackLevel', // §9.4
  'MaxChargingProfilesInstalled', // §9.4
  'NumberOfConnectors', // §9.1
  'MeterValuesSampledData', // §9.1
  'MeterValuesSampledDataMaxLength', // §9.1
  'MeterValueSampleInterval', // §9.1
] as const;

/** The measurands the balancer reads from MeterValues (per phase where the charger reports phases). */
export const BALANCER_MEASURANDS = ['Current.Import', 'Power.Active.Import', 'Energy.Active.Import.Register'] as const;

/** A CSL value (§9: CSL, a comma separated list) as its trimmed, non-empty members. */
export function csl(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** An integer key value, or undefined when it is none. */
export function intValue(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  return Number(value);
}
