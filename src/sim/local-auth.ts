/**
 * The Local Authorization List (OCPP 1.6 §3.5.1, §5.15 SendLocalList) and the Authorization
 * Cache (§3.5.2), and the offline decision that uses them: the list beats the cache; an unknown
 * idTag is accepted offline only with AllowOfflineTxForUnknownId.
 */
import type { AuthorizeResponse, SendLocalListRequest, SendLocalListResponse } from '../ocpp/v16/types.js';

export type IdTagInfo = AuthorizeResponse['idTagInfo'];

export class LocalAuthorization {
  private list = new Map<string, IdTagInfo>();
  private readonly cache = new Map<string, IdTagInfo>();
  private listVersion = 0;

  get version(): number {
    return this.listVersion;
  }

  get size(): number {
    return this.list.size;
  }

  /** SendLocalList: Full replaces; Differential needs a newer version and removes entries without idTagInfo. */
  update(req: SendLocalListRequest, maxLength: number): SendLocalListResponse['status'] {
    const entries = req.localAuthorizationList ?? [];
    if (entries.length > maxLength) return 'Failed';
    if (req.updateType === 'Full') {
      const next = new Map<string, IdTagInfo>();
      for (const e of entries) if (e.idTagInfo) next.set(e.idTag, e.idTagInfo);
      this.list = next;
    } else {
      if (req.listVersion <= this.listVersion) return 'VersionMismatch';
      const next = new Map(this.list);
      for (const e of entries) {
        if (e.idTagInfo) next.set(e.idTag, e.idTagInfo);
        else next.delete(e.idTag);
      }
      if (next.size > maxLength) return 'Failed';
      this.list = next;
    }
    this.listVersion = req.listVersion;
    return 'Accepted';
  }

  remember(idTag: string, info: IdTagInfo): void {
    this.cache.set(idTag, info);
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** The offline answer for an idTag (§3.5). */
  offlineStatus(idTag: string, opts: { useCache: boolean; allowUnknown: boolean; useList: boolean }): IdTagInfo['status'] {
    const known = (opts.useList ? this.list.get(idTag) : undefined) ?? (opts.useCache ? this.cache.get(idTag) : undefined);
    if (known) return known.status;
    return opts.allowUnknown ? 'Accepted' : 'Invalid';
  }
}
