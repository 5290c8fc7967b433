/**
 * What a charger's configuration keys tell about its quirks (OCPP 1.6 §9.1, §9.4). Pure.
 * noTxProfile and noZeroAmps are behaviours no key reveals: they come from the config or a
 * vendor profile only.
 */
import type { QuirkName } from './quirks.js';
import { csl, intValue } from './keys.js';

export interface KeyReading {
  /** Absent when the charger gave none (KeyValue in GetConfiguration.conf: value is optional). */
  value?: string;
  readonly: boolean;
}

export interface Learnt {
  value: boolean;
  /** The key and value it was learnt from, in words. */
  from: string;
}

export function learntQuirks(keys: Readonly<Record<string, KeyReading>>): Partial<Record<QuirkName, Learnt>> {
  const out: Partial<Record<QuirkName, Learnt>> = {};
  const units = keys.ChargingScheduleAllowedChargingRateUnit?.value;
  if (units !== undefined) {
    // §9.4 names the values Current and Power; some firmware writes A and W.
    const list = csl(units).map((u) => u.toLowerCase());
    const current = list.includes('current') || list.includes('a');
    const power = list.includes('power') || list.includes('w');
    if (current || power) out.wattsOnly = { value: power && !current, from: `ChargingScheduleAllowedChargingRateUnit = ${units}` };
  }
  const stack = intValue(keys.ChargeProfileMaxStackLevel?.value);
  if (stack !== undefined) out.stackLevelZeroOnly = { value: stack <= 0, from: `ChargeProfileMaxStackLevel = ${stack}` };
  const profiles = keys.SupportedFeatureProfiles?.value;
  if (profiles !== undefined && csl(profiles).length > 0) {
    const smart = csl(profiles).some((p) => p.toLowerCase() === 'smartcharging');
    out.noSmartCharging = { value: !smart, from: `SupportedFeatureProfiles = ${profiles}` };
  }
  return out;
}
