/**
 * The charger's identity is the last segment of the WebSocket URL (OCPP-J 1.6 §3.1.1:
 * ws://host/path/<chargeBoxIdentity>), percent-encoded on the wire. We accept OCPP 2.0.1's
 * identifierString characters, which covers every 1.6 identity seen in the field, and at most
 * 48 characters (2.0.1 §A00: the identity is limited to 48).
 */
export const MAX_IDENTITY_LENGTH = 48;
const IDENTIFIER_STRING = /^[A-Za-z0-9*\-_=:+|@.]+$/;

export type IdentityResult = { ok: true; identity: string } | { ok: false; reason: string };

/** Pure: `/ocpp/CP%2D1` under base path `/ocpp` → `CP-1`. */
export function identityFromPath(urlPath: string, basePath: string): IdentityResult {
  const pathOnly = urlPath.split('?')[0]!.replace(/\/+$/, '');
  const base = basePath.replace(/\/+$/, '');
  if (!pathOnly.startsWith(base + '/')) return { ok: false, reason: `path must be ${base}/<chargerId>` };
  const raw = pathOnly.slice(base.length + 1);
  if (raw.length === 0 || raw.includes('/')) return { ok: false, reason: `path must be ${base}/<chargerId>` };
  let identity: string;
  try {
    identity = decodeURIComponent(raw);
  } catch {
    return { ok: false, reason: 'charger id is not valid percent-encoding' };
  }
  return checkIdentity(identity);
}

export function checkIdentity(identity: string): IdentityResult {
  if (identity.length === 0 || identity.length > MAX_IDENTITY_LENGTH) {
    return { ok: false, reason: `charger id must be 1 to ${MAX_IDENTITY_LENGTH} characters` };
  }
  if (!IDENTIFIER_STRING.test(identity)) {
    return { ok: false, reason: 'charger id may contain only letters, digits and * - _ = : + | @ .' };
  }
  return { ok: true, identity };
}

/**
 * HTTP Basic credentials (RFC 7617) for a known identity. The username is the identity,
 * which may itself contain ':' (identifierString allows it), so we strip the known identity
 * instead of splitting at the first colon. The password is returned as bytes: the 1.6
 * AuthorizationKey may be binary.
 */
export function basicAuthPassword(header: string | undefined, identity: string): Buffer | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64');
  const prefix = Buffer.from(identity + ':', 'utf8');
  if (decoded.length < prefix.length || !decoded.subarray(0, prefix.length).equals(prefix)) return null;
  return decoded.subarray(prefix.length);
}

/** Server preference (OCPP-J 1.6 §3.1.2): the first of ours that the client offers. */
export function chooseSubprotocol(offered: string | undefined, supported: readonly string[]): string | null {
  if (!offered) return null;
  const list = offered.split(',').map((s) => s.trim().toLowerCase());
  return supported.find((p) => list.includes(p.toLowerCase())) ?? null;
}
