/**
 * ChangeConfiguration from a local user (HTTP, MQTT, CLI) of a key chargegate owns: decided by
 * the pure policy (src/gateway/owned-keys.ts) before anything is sent. Where it answers, the
 * user gets Rejected (or Accepted) with the reason, and the charger gets nothing: a charger
 * given another AuthorizationKey would lock itself out at its next connect (OCPP 1.6 security
 * whitepaper §2.1).
 */
import type { Config } from '../config/schema.js';
import { ownedKeyVerdict, type OwnedKeyContext } from '../gateway/owned-keys.js';
import type { Interceptor } from './ocpp-commands.js';

export function ownedKeysInterceptor(contextOf: (chargerId: string) => OwnedKeyContext): Interceptor<'ChangeConfiguration'> {
  return ({ key, value }, { chargerId }) => {
    const verdict = ownedKeyVerdict('local', key, value, contextOf(chargerId));
    // 'keep-upstream-key' is the cloud's only; a local user's key is refused above it.
    return verdict.kind === 'answer' ? { answer: { status: verdict.status }, reason: verdict.reason } : undefined;
  };
}

/** What the policy needs from the config: the balancer reads a charger when a site: section exists and the charger is configured (siteModel). */
export function localKeyContext(config: Pick<Config, 'site' | 'chargers'>): (chargerId: string) => OwnedKeyContext {
  return (chargerId) => ({
    balanced: config.site !== undefined && config.chargers.list.some((c) => c.id === chargerId),
    sampleInterval: config.chargers.setup.meterValueSampleInterval,
  });
}
