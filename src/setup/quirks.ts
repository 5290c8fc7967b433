/**
 * A charger's effective quirks and where each came from. Pure.
 *
 * Precedence, per quirk, the first that has a value wins:
 *   1. the config entry (chargers.list[].quirks.<name>: true or false, written out);
 *   2. the vendor profile that matched its BootNotification (adapters/chargers/*.yaml);
 *   3. what automatic setup learnt from its configuration keys (learn.ts), only for keys it read;
 *   4. false.
 * So a config entry overrides a profile, an explicit false in the config overrides what was
 * learnt, and a profile (which knows a firmware that misreports) overrides the keys.
 */
import type { ChargerQuirks } from '../balancer/model.js';
import type { Learnt } from './learn.js';

export const QUIRK_NAMES = ['stackLevelZeroOnly', 'wattsOnly', 'noTxProfile', 'noZeroAmps', 'noSmartCharging'] as const;
export type QuirkName = (typeof QUIRK_NAMES)[number];
export type Quirks = Required<ChargerQuirks>;

export type QuirkSource = 'config' | 'profile' | 'learnt' | 'default';

export interface QuirkOrigin {
  value: boolean;
  source: QuirkSource;
  /** The profile's name or the key it was learnt from. */
  detail?: string;
}

export interface QuirkLayers {
  config: Partial<Record<QuirkName, boolean>>;
  profile?: { name: string; quirks: Partial<Record<QuirkName, boolean>> };
  learnt: Partial<Record<QuirkName, Learnt>>;
}

export function effectiveQuirks(layers: QuirkLayers): Record<QuirkName, QuirkOrigin> {
  const out = {} as Record<QuirkName, QuirkOrigin>;
  for (const name of QUIRK_NAMES) {
    const fromConfig = layers.config[name];
    const fromProfile = layers.profile?.quirks[name];
    const learnt = layers.learnt[name];
    if (fromConfig !== undefined) out[name] = { value: fromConfig, source: 'config' };
    else if (fromProfile !== undefined) out[name] = { value: fromProfile, source: 'profile', detail: layers.profile!.name };
    else if (learnt !== undefined) out[name] = { value: learnt.value, source: 'learnt', detail: learnt.from };
    else out[name] = { value: false, source: 'default' };
  }
  return out;
}

export function quirkValues(origins: Record<QuirkName, QuirkOrigin>): Quirks {
  return Object.fromEntries(QUIRK_NAMES.map((n) => [n, origins[n].value])) as Quirks;
}

/** In words, for the balancer's log and its uncontrolled reason: the quirks set and their sources. */
export function describeQuirks(origins: Record<QuirkName, QuirkOrigin>): string {
  const set = QUIRK_NAMES.filter((n) => origins[n].value).map((n) => `${n} (${origins[n].source}${origins[n].detail ? `: ${origins[n].detail}` : ''})`);
  return set.length === 0 ? 'no quirks' : set.join(', ');
}
