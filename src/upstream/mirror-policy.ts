/**
 * What a mirror (a read-only upstream: `upstream.mirrors[]`) may ask of the site. Pure.
 *
 * A mirror receives every message of the site but commands nothing, unless the action is in
 * its `commands` allow-list. Charging profiles and the local authorization list are the
 * primary's alone (it keeps them, the balancer follows them), so they can never be
 * allow-listed. A refused CALL gets the action's own refusal where its answer has one
 * (`status: 'Rejected'`, OCPP 1.6 §6), else a CALLERROR SecurityError (OCPP-J 1.6 §4.2.3:
 * "a security issue occurred preventing receiver from completing the Action").
 */
import { CENTRAL_INITIATED_16, type CentralAction16 } from '../ocpp/v16/actions.js';

/** Owned by the primary: what they change the primary keeps (cloud-caps.ts, the local list). */
const PRIMARY_ONLY = ['SetChargingProfile', 'ClearChargingProfile', 'SendLocalList'] as const;

/** The 1.6 central actions a mirror's allow-list may name. */
export const MIRROR_COMMANDS = CENTRAL_INITIATED_16.filter((a) => !(PRIMARY_ONLY as readonly string[]).includes(a)) as Exclude<
  CentralAction16,
  (typeof PRIMARY_ONLY)[number]
>[];

/** The actions whose .conf status enumeration has 'Rejected' (OCPP 1.6 §6 and the security whitepaper). */
const REJECTABLE: ReadonlySet<string> = new Set([
  'CancelReservation',
  'CertificateSigned',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'DataTransfer',
  'ExtendedTriggerMessage',
  'GetCompositeSchedule',
  'GetLog',
  'InstallCertificate',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SetChargingProfile',
  'SignedUpdateFirmware',
  'TriggerMessage',
]);

export type MirrorVerdict = { allowed: true } | { allowed: false; answer: { status: 'Rejected' } } | { allowed: false; error: 'SecurityError'; description: string };

/** May the mirror `name` with this allow-list send `action`? If not, how it is refused. */
export function mirrorCall(name: string, allowList: readonly string[], action: string): MirrorVerdict {
  if (allowList.includes(action)) return { allowed: true };
  if (REJECTABLE.has(action)) return { allowed: false, answer: { status: 'Rejected' } };
  return { allowed: false, error: 'SecurityError', description: `${action} is not allowed from upstream mirror ${name} (read-only; see upstream.mirrors[].commands)` };
}
