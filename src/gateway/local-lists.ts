/**
 * The local authorization lists that decide for a charger (OCPP 1.6 §3.5): the config's
 * (authorization.list, re-read at each start) and the cloud's list of the charger's upstream
 * channel (SendLocalList, 1.6 §5.15: aggregate, the site's one list; transparent, each charger's
 * own). Two sources, never written over each other: a restart re-reads the config without
 * touching what the cloud sent or its version.
 *
 * Precedence: an idTag on both lists is decided by the config's entry. The installer wrote it for
 * this site on purpose (a house card, a blocked card); the cloud's list covers every other card.
 * To let the cloud decide a card, leave it out of the config. (Online, the cloud's Authorize
 * answer decides before either list is read.)
 */
import { cloudList, type AuthEntry, type AuthStore } from '../store/ports.js';

/** The entry for an idTag: the config's if it has one, else the cloud's of `channel`. */
export function listEntry(auth: Pick<AuthStore, 'get'>, channel: string | undefined, idTag: string): AuthEntry | undefined {
  return auth.get('config', idTag) ?? (channel === undefined ? undefined : auth.get(cloudList(channel), idTag));
}

/** Both lists as one, the config's entry winning (the list a charger with pushLocalList holds). Pure. */
export function mergedList(config: readonly AuthEntry[], cloud: readonly AuthEntry[]): AuthEntry[] {
  const byTag = new Map<string, AuthEntry>();
  // idTags are CiString20 (1.6 §7.25): the same card whatever its case.
  for (const e of cloud) byTag.set(e.idTag.toLowerCase(), e);
  for (const e of config) byTag.set(e.idTag.toLowerCase(), e);
  return [...byTag.values()].sort((a, b) => (a.idTag < b.idTag ? -1 : a.idTag > b.idTag ? 1 : 0));
}

/** Whether two lists hold the same entries (order aside): the config unchanged since the last start. */
export function sameEntries(a: readonly AuthEntry[], b: readonly AuthEntry[]): boolean {
  const key = (e: AuthEntry) => JSON.stringify([e.idTag.toLowerCase(), e.status, e.expiryDate ?? null, e.parentIdTag ?? null]);
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}
