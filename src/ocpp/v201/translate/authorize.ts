/**
 * Authorization, both ways (OCPP 2.0.1 C01 Authorize, IdTokenType / IdTokenInfoType ↔ OCPP 1.6
 * §4.1 idTag / IdTagInfo). Pure.
 *
 * An idToken's text is the core's idTag, whatever its type (ISO14443, eMAID, Central…): the
 * local list and the cache are keyed by it, as 1.6 chargers send the same card UIDs. Its type
 * and additionalInfo are not kept. A 1.6 idTag has at most 20 characters, a 2.0.1 idToken 36:
 * longer ones are kept whole (the core does not cut). NoAuthorization (idToken "") is the empty idTag.
 * idTagInfo → idTokenInfo: status as is (1.6's five are among 2.0.1's ten), expiryDate →
 * cacheExpiryDateTime, parentIdTag → groupIdToken (type Central).
 */
import type { AuthorizeResponse as Authorize16 } from '../../v16/types.js';
import type { AuthorizeResponse as Authorize201, IdTokenType } from '../types.js';

export type IdTagInfo16 = Authorize16['idTagInfo'];
export type IdTokenInfo201 = Authorize201['idTokenInfo'];

export function idTagOf(token: IdTokenType | undefined): string {
  return token?.idToken ?? '';
}

/** An idTag as a 2.0.1 idToken: a card UID (ISO14443) unless empty (NoAuthorization). */
export function idTokenOf(idTag: string): IdTokenType {
  return idTag === '' ? { idToken: '', type: 'NoAuthorization' } : { idToken: idTag, type: 'ISO14443' };
}

export function idTokenInfoOf(info: IdTagInfo16): IdTokenInfo201 {
  return {
    status: info.status,
    ...(info.expiryDate ? { cacheExpiryDateTime: info.expiryDate } : {}),
    ...(info.parentIdTag ? { groupIdToken: { idToken: info.parentIdTag, type: 'Central' } } : {}),
  };
}

/** 2.0.1 → 1.6 (#17): the statuses 1.6 lacks become Invalid (never a looser one). */
export function idTagInfoOf(info: IdTokenInfo201): IdTagInfo16 {
  const status: IdTagInfo16['status'] = info.status === 'Accepted' || info.status === 'Blocked' || info.status === 'Expired' || info.status === 'ConcurrentTx' ? info.status : 'Invalid';
  return {
    status,
    ...(info.cacheExpiryDateTime ? { expiryDate: info.cacheExpiryDateTime } : {}),
    ...(info.groupIdToken ? { parentIdTag: info.groupIdToken.idToken } : {}),
  };
}
