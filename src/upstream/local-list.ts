/**
 * SendLocalList / GetLocalListVersion / ClearCache from the cloud (OCPP 1.6 §5.15, §5.10,
 * §5.4), kept by chargegate: its local list answers chargers while the cloud is away.
 */
import type { SendLocalListRequest, SendLocalListResponse } from '../ocpp/v16/types.js';
import type { AuthEntry, AuthStatus, Store } from '../store/ports.js';

type ListEntry = NonNullable<SendLocalListRequest['localAuthorizationList']>[number];

export async function sendLocalList(store: Store, req: SendLocalListRequest): Promise<SendLocalListResponse> {
  const entries = req.localAuthorizationList ?? [];
  if (req.updateType === 'Full') {
    const list = entries.filter((e) => e.idTagInfo).map(toAuthEntry);
    await store.durably(() => store.auth.replaceAll(list, req.listVersion));
    return { status: 'Accepted' };
  }
  // §5.15: a differential update must move the version forward.
  if (req.listVersion <= store.auth.version()) return { status: 'VersionMismatch' };
  const upserts = entries.filter((e) => e.idTagInfo).map(toAuthEntry);
  const removals = entries.filter((e) => !e.idTagInfo).map((e) => e.idTag);
  await store.durably(() => {
    store.auth.upsert(upserts, req.listVersion);
    if (removals.length > 0) store.auth.remove(removals, req.listVersion);
  });
  return { status: 'Accepted' };
}

function toAuthEntry(e: ListEntry): AuthEntry {
  const info = e.idTagInfo!;
  // ConcurrentTx describes a moment, not a card: listed as Accepted.
  const status: AuthStatus = info.status === 'ConcurrentTx' ? 'Accepted' : info.status;
  return { idTag: e.idTag, status, ...(info.expiryDate ? { expiryDate: info.expiryDate } : {}), ...(info.parentIdTag ? { parentIdTag: info.parentIdTag } : {}) };
}
