/**
 * ChangeConfiguration from a local user (HTTP, MQTT, CLI) of a key chargegate owns: decided by
 * the pure policy (src/gateway/owned-keys.ts) before anything is sent. Where it answers, the
 * user gets Rejected (or Accepted) with the reason, and the charger gets nothing: a charger
 * given another AuthorizationKey would lock itself out at its next connect (OCPP 1.6 security
 * whitepaper §2.1).
 */
import type { Config } from '../config/schema.js';
import { ownedKeyVerdict, type OwnedKeyContext } from '../gateway/owned-keys.js';
import { keyOfVariable, valueTo16, variableOf } from '../ocpp/v201/translate/variables.js';
import type { Responses201 } from '../ocpp/v201/types.js';
import type { Interceptor } from './ocpp-commands.js';

export function ownedKeysInterceptor(contextOf: (chargerId: string) => OwnedKeyContext): Interceptor<'ChangeConfiguration'> {
  return ({ key, value }, { chargerId }) => {
    const verdict = ownedKeyVerdict('local', key, value, contextOf(chargerId));
    // 'keep-upstream-key' is the cloud's only; a local user's key is refused above it.
    return verdict.kind === 'answer' ? { answer: { status: verdict.status }, reason: verdict.reason } : undefined;
  };
}

/**
 * SetVariables (OCPP 2.0.1 B05) from a local user, to a 2.0.1 charger: each variable that stands
 * for an owned 1.6 key (SecurityCtrlr.SecurityProfile, BasicAuthPassword, SampledDataCtrlr's
 * TxUpdatedInterval and TxUpdatedMeasurands while the balancer reads the charger) gets the same
 * verdict as a ChangeConfiguration of the key. One refused variable answers the whole request:
 * nothing is sent (the others are Rejected with reasonCode NotSent, to be sent on their own), so
 * no request is ever half applied behind the user's back.
 */
export function ownedVariablesInterceptor(contextOf: (chargerId: string) => OwnedKeyContext): Interceptor<'SetVariables'> {
  return ({ setVariableData }, { chargerId }) => {
    const verdicts = setVariableData.map((d) => {
      const key = keyOfVariable(d.component.name, d.variable.name, d.variable.instance);
      if (!key) return undefined;
      const ref = variableOf(key);
      const verdict = ownedKeyVerdict('local', key, ref ? valueTo16(ref, d.attributeValue) : d.attributeValue, contextOf(chargerId));
      return verdict.kind === 'answer' && verdict.status === 'Rejected' ? verdict.reason : undefined;
    });
    if (verdicts.every((v) => v === undefined)) return undefined;
    const reasons = [...new Set(verdicts.filter((v): v is string => v !== undefined))];
    const setVariableResult = setVariableData.map((d, i) => ({
      ...(d.attributeType !== undefined ? { attributeType: d.attributeType } : {}),
      attributeStatus: 'Rejected' as const,
      component: d.component,
      variable: d.variable,
      statusInfo: verdicts[i] !== undefined ? { reasonCode: 'OwnedByChargegate', additionalInfo: verdicts[i]!.slice(0, 512) } : { reasonCode: 'NotSent', additionalInfo: 'not sent: another variable of this request is owned by chargegate; send this one on its own' },
    })) as unknown as Responses201['SetVariables']['setVariableResult'];
    return { answer: { setVariableResult }, reason: reasons.join('; ') };
  };
}

/** What the policy needs from the config: the balancer reads a charger when a site: section exists and the charger is configured (siteModel). */
export function localKeyContext(config: Pick<Config, 'site' | 'chargers'>): (chargerId: string) => OwnedKeyContext {
  return (chargerId) => ({
    balanced: config.site !== undefined && config.chargers.list.some((c) => c.id === chargerId),
    sampleInterval: config.chargers.setup.meterValueSampleInterval,
  });
}
