/**
 * The last door before a SetNetworkProfile reaches a 2.0.1 charger, whoever sent it (a local
 * user, a cloud, chargegate itself): every call to the charger goes through its session's
 * codec, so the policy (../network-profile.ts) is applied here once. A refused one is answered
 * Rejected with the reason in statusInfo and logged; nothing is sent. The log names the slot,
 * URL and security profile only: a network profile carries APN and VPN passwords.
 */
import type { Logger } from '../../log.js';
import type { OutboundCodec } from '../../ocpp/session.js';
import type { Requests201 } from '../../ocpp/v201/types.js';
import { networkProfileVerdict, type NetworkProfilePolicy } from '../network-profile.js';

export function guardNetworkProfile(codec: OutboundCodec, policy: NetworkProfilePolicy, logger: Logger): OutboundCodec {
  return {
    encode(action, payload) {
      if (action !== 'SetNetworkProfile') return codec.encode(action, payload);
      const req = payload as Requests201['SetNetworkProfile'];
      const verdict = networkProfileVerdict(req, policy);
      const what = { configurationSlot: req.configurationSlot, ocppCsmsUrl: req.connectionData?.ocppCsmsUrl, securityProfile: req.connectionData?.securityProfile };
      if (verdict.kind === 'refuse') {
        logger.warn({ ...what, reason: verdict.reason }, 'SetNetworkProfile refused by chargegate: not sent to the charger');
        return { answer: verdict.answer };
      }
      if (verdict.warning) logger.warn({ ...what, warning: verdict.warning }, 'SetNetworkProfile sent to the charger (chargers.allowSetNetworkProfile)');
      else logger.info(what, 'SetNetworkProfile sent to the charger (chargers.allowSetNetworkProfile)');
      return codec.encode(action, payload);
    },
  };
}
