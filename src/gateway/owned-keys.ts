/**
 * Configuration keys chargegate owns (OCPP 1.6 §9): a ChangeConfiguration of one of them, from a
 * local user (HTTP, MQTT, CLI) or from the cloud, is not passed to the charger as it is, because
 * the charger would then break what chargegate relies on. Pure: the caller does the I/O.
 *
 * - AuthorizationKey (security whitepaper §2.1): the charger's Basic-auth password towards
 *   chargegate. A charger given another key locks itself out at its next connect. The cloud's
 *   key is for the cloud's link, which is chargegate's (transparent mode: the charger's channel);
 *   chargegate keeps it as that channel's password and answers Accepted. A local user is refused:
 *   the password lives in chargers.list[].password.
 * - SecurityProfile (whitepaper §1.3): the charger's profile towards chargegate is
 *   chargers.list[].securityProfile; the cloud's link is chargegate's upstream, fixed by its
 *   config. Rejected (the whitepaper's answer for a profile that cannot be taken), or Accepted
 *   without sending anything when the cloud asks for the profile its link already has.
 * - MeterValueSampleInterval and MeterValuesSampledData (§9.1), while the load balancer reads the
 *   charger: a value that would leave it without readings (0, longer than
 *   chargers.setup.meterValueSampleInterval, or without Current.Import) is Rejected;
 *   anything else is passed to the charger.
 */
import { csl, intValue } from '../setup/keys.js';

export type KeySource = 'local' | 'cloud';

export interface OwnedKeyContext {
  /** Whether the load balancer controls this charger (a site: section exists). */
  balanced: boolean;
  /** Seconds: the longest MeterValueSampleInterval the balancer takes (chargers.setup.meterValueSampleInterval). */
  sampleInterval: number;
  /** The security profile of the link to the cloud, when there is one (cloud requests only). */
  upstreamProfile?: number;
}

export type OwnedKeyVerdict =
  /** Not a key chargegate owns, or a value it can live with: send it to the charger. */
  | { kind: 'forward' }
  /** chargegate answers; nothing is sent to the charger. */
  | { kind: 'answer'; status: 'Accepted' | 'Rejected'; reason: string }
  /** The cloud's new AuthorizationKey: keep it as the cloud link's password, then answer Accepted. */
  | { kind: 'keep-upstream-key'; key: string };

/** The keys this module decides on, as the spec spells them. */
export const OWNED_KEYS = ['AuthorizationKey', 'SecurityProfile', 'MeterValueSampleInterval', 'MeterValuesSampledData'] as const;

/** Key names are compared without case: chargers and clouds are known to vary it (FACTS.md, "The field"). */
function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function ownedKeyVerdict(source: KeySource, key: string, value: string, ctx: OwnedKeyContext): OwnedKeyVerdict {
  if (same(key, 'AuthorizationKey')) {
    if (source === 'cloud') return { kind: 'keep-upstream-key', key: value };
    return { kind: 'answer', status: 'Rejected', reason: 'chargegate owns the charger\'s password: change chargers.list[].password (a charger given another key would lock itself out)' };
  }
  if (same(key, 'SecurityProfile')) {
    const wanted = intValue(value);
    if (source === 'cloud' && wanted !== undefined && wanted === ctx.upstreamProfile) {
      return { kind: 'answer', status: 'Accepted', reason: `the link to the cloud already uses security profile ${wanted}` };
    }
    return source === 'cloud'
      ? { kind: 'answer', status: 'Rejected', reason: 'the link to the cloud is chargegate\'s; its security profile is set by upstream.url and upstream.cert in the config' }
      : { kind: 'answer', status: 'Rejected', reason: 'set chargers.list[].securityProfile (and the TLS files) in the config; the charger and chargegate must change together' };
  }
  if (!ctx.balanced) return { kind: 'forward' };
  if (same(key, 'MeterValueSampleInterval')) {
    const seconds = intValue(value);
    // Not a number: the charger's own answer (Rejected) is the truthful one.
    if (seconds === undefined) return { kind: 'forward' };
    if (seconds <= 0 || seconds > ctx.sampleInterval) {
      return { kind: 'answer', status: 'Rejected', reason: `the load balancer needs a reading at least every ${ctx.sampleInterval} s (chargers.setup.meterValueSampleInterval)` };
    }
    return { kind: 'forward' };
  }
  if (same(key, 'MeterValuesSampledData')) {
    const members = csl(value);
    // The balancer reads the cars' draw from Current.Import alone (balancer/car-reading.ts; the
    // power only tells how many phases a car uses): a list with Power.Active.Import but no
    // current was passed on until 6 December, and left the balancer without readings.
    if (!members.some((m) => same(m, 'Current.Import'))) {
      return { kind: 'answer', status: 'Rejected', reason: 'the load balancer reads Current.Import; keep it' };
    }
  }
  return { kind: 'forward' };
}
