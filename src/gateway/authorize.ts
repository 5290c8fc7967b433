/**
 * The idTagInfo for an idTag, decided from the local authorization list (OCPP 1.6 §3.5, §7.16).
 * Pure: the list entries and the clock come in.
 */
import type { AuthEntry } from '../store/ports.js';

export type AuthorizationMode = 'list' | 'accept-all';

export interface IdTagInfo {
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiryDate?: string;
  parentIdTag?: string;
}

export function decideIdTag(
  mode: AuthorizationMode,
  entry: AuthEntry | undefined,
  parent: AuthEntry | undefined,
  now: Date,
): IdTagInfo {
  // A listed tag is decided by its entry in both modes: accept-all never unblocks a Blocked tag.
  if (!entry) return { status: mode === 'accept-all' ? 'Accepted' : 'Invalid' };
  const info: IdTagInfo = { status: entry.status };
  if (entry.expiryDate) info.expiryDate = entry.expiryDate;
  if (entry.parentIdTag) info.parentIdTag = entry.parentIdTag;
  if (info.status === 'Accepted' && entry.expiryDate && Date.parse(entry.expiryDate) <= now.getTime()) info.status = 'Expired';
  // A group (parent) that is blocked or expired takes its members with it.
  if (info.status === 'Accepted' && parent) {
    const p = decideIdTag('list', parent, undefined, now);
    if (p.status !== 'Accepted') info.status = p.status;
  }
  return info;
}

/**
 * While the cloud gives no answer (offline, or too slow): the local list beats the cache of the
 * cloud's earlier answers (1.6 §3.5.3), and an idTag known to neither gets `unknownIdTag` (the
 * AllowOfflineTxForUnknownId of 1.6 §9.1.1). accept-all still never unblocks a listed tag.
 */
export function decideOffline(
  mode: AuthorizationMode,
  entry: AuthEntry | undefined,
  parent: AuthEntry | undefined,
  cached: IdTagInfo | undefined,
  unknownIdTag: 'accept' | 'reject',
  now: Date,
): IdTagInfo {
  if (entry) return decideIdTag(mode, entry, parent, now);
  if (cached) {
    const info: IdTagInfo = { ...cached };
    if (info.status === 'Accepted' && info.expiryDate && Date.parse(info.expiryDate) <= now.getTime()) info.status = 'Expired';
    return info;
  }
  return { status: mode === 'accept-all' || unknownIdTag === 'accept' ? 'Accepted' : 'Invalid' };
}
