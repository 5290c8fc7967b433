/**
 * SetNetworkProfile to a 2.0.1 charger (2.0.1 Part 2 B09; the security-profile upgrade A05 is
 * SetNetworkProfile, then SetVariables OCPPCommCtrlr.NetworkConfigurationPriority, then a
 * Reset). A network profile tells the charger where to connect and how (URL, security profile,
 * interface, APN or VPN credentials). A wrong one strands it: it connects where nobody listens,
 * or with a profile chargegate refuses (security-profile.ts), and no command can reach it any
 * more to put it right. So chargegate refuses it from anyone (a local user, a cloud) unless the
 * installer allows it (chargers.allowSetNetworkProfile, or per charger). Even then it refuses
 * a security profile below the charger's configured one: chargegate would refuse the charger's
 * next connection (no downgrade; the reason code is 2.0.1's NoSecurityDowngrade).
 * The same holds for SetVariables of OCPPCommCtrlr.NetworkConfigurationPriority (B09.FR.03:
 * the order in which the charger tries its slots): it is what makes a new slot the one used,
 * so without the permission that variable is Rejected and the rest of the SetVariables sent.
 * Pure.
 */
import type { Requests201, Responses201, SetVariableDataType, SetVariableResultType } from '../ocpp/v201/types.js';
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

const NOT_ALLOWED = 'a wrong network profile strands the charger where no command reaches it; allow it with chargers.allowSetNetworkProfile or chargers.list[].allowSetNetworkProfile: true';

export function networkProfileVerdict(req: Requests201['SetNetworkProfile'], policy: NetworkProfilePolicy): NetworkProfileVerdict {
  if (!policy.allowed) {
    return refuse(
      'NotEnabled',
      `chargegate refuses SetNetworkProfile: ${NOT_ALLOWED}`,
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

/** Whether a SetVariables entry writes the order of the network profile slots (device model names compared without case, as chargers vary them). */
export function writesNetworkPriority(d: SetVariableDataType): boolean {
  return d.component?.name?.toLowerCase() === 'ocppcommctrlr' && d.variable?.name?.toLowerCase() === 'networkconfigurationpriority';
}

export type NetworkPriorityPlan =
  /** Nothing to hold back: send the SetVariables as it is. */
  | { kind: 'send' }
  /** Send `keep` (none: send nothing) and answer the others with `refused`; `reason` for the log. */
  | { kind: 'split'; keep: SetVariableDataType[]; refused: Map<number, SetVariableResultType>; reason: string };

/** A SetVariables: the NetworkConfigurationPriority entries Rejected unless allowed (by their index in the request). */
export function networkPriorityPlan(req: Requests201['SetVariables'], policy: Pick<NetworkProfilePolicy, 'allowed'>): NetworkPriorityPlan {
  const data = Array.isArray(req.setVariableData) ? req.setVariableData : [];
  if (policy.allowed || !data.some(writesNetworkPriority)) return { kind: 'send' };
  const reason = `chargegate refuses OCPPCommCtrlr.NetworkConfigurationPriority: ${NOT_ALLOWED}`;
  const refused = new Map<number, SetVariableResultType>();
  const keep: SetVariableDataType[] = [];
  data.forEach((d, i) => {
    if (!writesNetworkPriority(d)) return void keep.push(d);
    refused.set(i, { ...(d.attributeType !== undefined ? { attributeType: d.attributeType } : {}), attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'NotEnabled', additionalInfo: reason.slice(0, 512) }, component: d.component, variable: d.variable });
  });
  return { kind: 'split', keep, refused, reason };
}

/** The charger's results for the entries sent, with the refused ones back in their places. */
export function mergeVariableResults(sent: readonly SetVariableResultType[], refused: ReadonlyMap<number, SetVariableResultType>, total: number): SetVariableResultType[] {
  const rest = [...sent];
  const out: SetVariableResultType[] = [];
  for (let i = 0; i < total; i++) {
    const mine = refused.get(i);
    if (mine) out.push(mine);
    else if (rest.length > 0) out.push(rest.shift()!);
  }
  return [...out, ...rest];
}
