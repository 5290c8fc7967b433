/**
 * The last door before a SetNetworkProfile (or a SetVariables of NetworkConfigurationPriority)
 * reaches a 2.0.1 charger, whoever sent it (a local user, a cloud, chargegate itself): every
 * call to the charger goes through its session's codec, so the policy (../network-profile.ts)
 * is applied here once. A refused one is answered Rejected with the reason in statusInfo and
 * logged; nothing of it is sent. The log names the slot, URL and security profile only: a
 * network profile carries APN and VPN passwords.
 */
import type { Logger } from '../../log.js';
import type { OutboundCodec } from '../../ocpp/session.js';
import type { Requests201, Responses201 } from '../../ocpp/v201/types.js';
import { mergeVariableResults, networkPriorityPlan, networkProfileVerdict, type NetworkProfilePolicy } from '../network-profile.js';

export function guardNetworkProfile(codec: OutboundCodec, policy: NetworkProfilePolicy, logger: Logger): OutboundCodec {
  /** SetVariables: a NetworkConfigurationPriority is Rejected here unless allowed; the other variables go to the charger. */
  function setVariables(payload: unknown): ReturnType<OutboundCodec['encode']> {
    const req = payload as Requests201['SetVariables'];
    const plan = networkPriorityPlan(req, policy);
    if (plan.kind === 'send') return codec.encode('SetVariables', payload);
    logger.warn({ reason: plan.reason, sent: plan.keep.length }, 'SetVariables of NetworkConfigurationPriority refused by chargegate: not sent to the charger');
    const total = req.setVariableData.length;
    if (plan.keep.length === 0) return { answer: { setVariableResult: mergeVariableResults([], plan.refused, total) } };
    const out = codec.encode('SetVariables', { ...req, setVariableData: plan.keep });
    if ('answer' in out) return out;
    const decode = (answer: unknown) => {
      const res = out.decode(answer) as Responses201['SetVariables'];
      return { ...res, setVariableResult: mergeVariableResults(res.setVariableResult, plan.refused, total) };
    };
    return { ...out, decode };
  }

  function setNetworkProfile(payload: unknown): ReturnType<OutboundCodec['encode']> {
    const req = payload as Requests201['SetNetworkProfile'];
    const verdict = networkProfileVerdict(req, policy);
    const what = { configurationSlot: req.configurationSlot, ocppCsmsUrl: req.connectionData?.ocppCsmsUrl, securityProfile: req.connectionData?.securityProfile };
    if (verdict.kind === 'refuse') {
      logger.warn({ ...what, reason: verdict.reason }, 'SetNetworkProfile refused by chargegate: not sent to the charger');
      return { answer: verdict.answer };
    }
    if (verdict.warning) logger.warn({ ...what, warning: verdict.warning }, 'SetNetworkProfile sent to the charger (chargers.allowSetNetworkProfile)');
    else logger.info(what, 'SetNetworkProfile sent to the charger (chargers.allowSetNetworkProfile)');
    return codec.encode('SetNetworkProfile', payload);
  }

  return {
    encode(action, payload) {
      if (action === 'SetVariables') return setVariables(payload);
      if (action === 'SetNetworkProfile') return setNetworkProfile(payload);
      return codec.encode(action, payload);
    },
  };
}
