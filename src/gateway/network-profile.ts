/**
 * SetNetworkProfile to a 2.0.1 charger (2.0.1 Part 2 B09; the security-profile upgrade A05 is
 * SetNetworkProfile, then SetVariables OCPPCommCtrlr.NetworkConfigurationPriority, then a
 * Reset). A network profile tells the charger where to connect and how (URL, security profile,
 * interface, APN or VPN credentials). A wrong one strands it: it connects where nobody listens,
 * or with a profile chargegate refuses (security-profile.ts), and no command can reach it any
 * more to put it right. So chargegate refuses it from anyone (a local user, a cloud) unless the
 * installer allows it (chargers.allowSetNetworkProfile, or per charger). Even then it refuses
 * a security profile below the charger's configured one: chargegate would refuse the charger's
 * next connection (no downgrade; the reason code is 2.0.1's NoSecurityDowngrade). Pure.
 */
import type { Requests201, Responses201 } from '../ocpp/v201/types.js';
import type { SecurityProfile } from './security-profile.js';

export interface NetworkProfilePolicy {
  /** chargers.list[].allowSetNetworkProfile, else chargers.allowSetNetworkProfile. */
  allowed: boolean;
  /** The profile chargegate enforces for this charger (chargers.list[].securityProfile). */
  securityProfile: SecurityProfile;
}

export type NetworkProfileVerdict =
  /** Sent to the charger; `warning` says what the installer must change with it. */
  | { kind: 'send'; warning?: string }
  /** Answered by chargegate, nothing sent; `reason` for the log. */
  | { kind: 'refuse'; answer: Responses201['SetNetworkProfile']; reason: string };

const refuse = (reasonCode: string, reason: string): NetworkProfileVerdict => ({ kind: 'refuse', answer: { status: 'Rejected', statusInfo: { reasonCode, additionalInfo: reason.slice(0, 512) } }, reason });

export function networkProfileVerdict(req: Requests201['SetNetworkProfile'], policy: NetworkProfilePolicy): NetworkProfileVerdict {
  if (!policy.allowed) {
    return refuse(
      'NotEnabled',
      'chargegate refuses SetNetworkProfile: a wrong network profile strands the charger where no command reaches it; allow it with chargers.allowSetNetworkProfile or chargers.list[].allowSetNetworkProfile: true',
    );
  }
  // A payload without it is invalid: the session's schema check refuses it before anything is sent.
  const wanted = (req.connectionData as Partial<Requests201['SetNetworkProfile']['connectionData']> | undefined)?.securityProfile;
  if (typeof wanted !== 'number') return { kind: 'send' };
  if (wanted < policy.securityProfile) {
    return refuse('NoSecurityDowngrade', `security profile ${wanted} is below this charger's chargers.list[].securityProfile ${policy.securityProfile}: chargegate would refuse its next connection`);
  }
  if (wanted !== policy.securityProfile) {
    return { kind: 'send', warning: `the charger will connect with security profile ${wanted} once it uses this slot: set chargers.list[].securityProfile to ${wanted} (and the TLS files) before it does, or chargegate refuses it` };
  }
  return { kind: 'send' };
}
