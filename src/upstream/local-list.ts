/**
 * SendLocalList / GetLocalListVersion / ClearCache from the cloud (OCPP 1.6 §5.15, §5.10,
 * §5.4), kept by chargegate per upstream channel: its local list answers chargers while the cloud
 * is away. The whole update and its version commit in one transaction (store/sqlite/auth.ts): a
 * crash in the middle leaves the old list and the old version, so the cloud sends it again.
 */
import type { SendLocalListRequest, SendLocalListResponse } from '../ocpp/v16/types.js';
import { cloudList, type AuthEntry, type AuthStatus, type Store } from '../store/ports.js';

type ListEntry = NonNullable<SendLocalListRequest['localAuthorizationList']>[number];

/** The cloud's list of `channel` only: the config's list and other channels' lists are not touched. */
export async function sendLocalList(store: Store, channel: string, req: SendLocalListRequest): Promise<SendLocalListResponse> {
  const source = cloudList(channel);
  const entries = req.localAuthorizationList ?? [];
  if (req.updateType === 'Full') {
    const list = entries.filter((e) => e.idTagInfo).map(toAuthEntry);
    await store.durably(() => store.auth.replaceAll(source, list, req.listVersion));
    return { status: 'Accepted' };
  }
  // §5.15: a differential update must move the version forward.
  if (req.listVersion <= store.auth.version(source)) return { status: 'VersionMismatch' };
  const upserts = entries.filter((e) => e.idTagInfo).map(toAuthEntry);
  const removals = entries.filter((e) => !e.idTagInfo).map((e) => e.idTag);
  await store.durably(() => {
    store.auth.upsert(source, upserts, req.listVersion);
    if (removals.length > 0) store.auth.remove(source, removals, req.listVersion);
  });
  return { status: 'Accepted' };
}

function toAuthEntry(e: ListEntry): AuthEntry {
  const info = e.idTagInfo!;
  // ConcurrentTx describes a moment, not a card: listed as Accepted.
  const status: AuthStatus = info.status === 'ConcurrentTx' ? 'Accepted' : info.status;
  return { idTag: e.idTag, status, ...(info.expiryDate ? { expiryDate: info.expiryDate } : {}), ...(info.parentIdTag ? { parentIdTag: info.parentIdTag } : {}) };
}
