/**
 * Who may connect: the charger's security profile (security-profile.ts) against the transport,
 * then its password for profiles 1 and 2 (HTTP Basic auth). Kept only as salted
 * SHA-256 digests, compared in constant time. The 1.6 AuthorizationKey is 16-20 bytes; some
 * chargers send it as those raw bytes, others as its hex string, so a configured key written
 * in hex also matches its raw bytes, and a received hex string also matches a raw key.
 * SHA-256 rather than a slow KDF: these are machine-generated keys, not human passwords, and
 * a slow hash would make 500 chargers reconnecting at once a denial of service.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthDecision, Transport } from '../ocpp/server.js';
import { profileRefusal, usesPassword, type SecurityProfile } from './security-profile.js';

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

export interface ChargerCredential {
  id: string;
  /** Required for profiles 1 and 2 (the config loader checks it); unused by profile 3. */
  password?: string;
  /** Default 1. */
  securityProfile?: SecurityProfile;
}

export interface CredentialCheck {
  /** Known identity (in the config list). */
  knows(identity: string): boolean;
  /**
   * Decides an upgrade: unknown identities are allowed only when allowUnknown, and count as
   * profile 1. A transport left out counts as plain ws://.
   */
  authenticate(identity: string, password: Buffer | null, transport?: Transport): AuthDecision;
}

export function createCredentialCheck(list: readonly ChargerCredential[], allowUnknown: boolean): CredentialCheck {
  const salt = randomBytes(16);
  const digest = (bytes: Buffer) => createHash('sha256').update(salt).update(bytes).digest();
  const known = new Map<string, { profile: SecurityProfile; digests: Buffer[] }>();
  for (const { id, password, securityProfile = 1 } of list) {
    known.set(id, { profile: securityProfile, digests: password !== undefined && usesPassword(securityProfile) ? keyForms(Buffer.from(password, 'utf8')).map(digest) : [] });
  }

  return {
    knows: (identity) => known.has(identity),
    authenticate(identity, password, transport = { secure: false }) {
      const entry = known.get(identity);
      if (!entry) {
        if (allowUnknown) return { ok: true };
        return { ok: false, status: 401, refusal: 'unknown-id', reason: 'unknown charger (not in chargers.list)' };
      }
      const refusal = profileRefusal(entry.profile, identity, transport);
      if (refusal) return { ok: false, status: 401, refusal: 'security-profile', reason: refusal };
      // Profile 3 is authenticated by its certificate; a Basic auth header it sends anyway is ignored.
      if (!usesPassword(entry.profile)) return { ok: true };
      const expected = entry.digests;
      // The config check requires a password for profiles 1 and 2; this only guards that.
      if (expected.length === 0) return { ok: false, status: 401, refusal: 'wrong-password', reason: 'no password configured for this charger' };
      if (!password) return { ok: false, status: 401, refusal: 'missing-password', reason: 'password required (HTTP Basic auth)' };
      let match = false;
      // Compare every form against every expected digest, so timing does not tell which matched.
      for (const form of keyForms(password)) {
        const got = digest(form);
        for (const want of expected) match = timingSafeEqual(got, want) || match;
      }
      return match ? { ok: true } : { ok: false, status: 401, refusal: 'wrong-password', reason: 'wrong password' };
    },
  };
}

/** The byte strings a key may stand for: itself, and its hex decoding when it is hex text. */
export function keyForms(bytes: Buffer): Buffer[] {
  const forms = [bytes];
  const text = bytes.toString('latin1');
  if (HEX.test(text)) forms.push(Buffer.from(text, 'hex'));
  return forms;
}
