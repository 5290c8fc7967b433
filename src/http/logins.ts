/**
 * Remembered dashboard logins (docs/security.md): POST /api/login with a token sets a cookie
 * holding a random secret, not the token. The store keeps only the secret's SHA-256, with an
 * HMAC of the secret keyed by the token it signed in with: a stolen database row opens nothing,
 * and every login ends when that token is changed in the config (its HMAC no longer matches).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { DashboardLoginStore, Store } from '../store/ports.js';

export const LOGIN_COOKIE = 'chargegate_login';
/** A year; browsers cap a cookie's life at about 400 days anyway. */
export const LOGIN_MAX_AGE_S = 365 * 86_400;

export type LoginRole = 'command' | 'read';

export interface LoginDeps {
  store: { dashboardLogins: DashboardLoginStore; durably: Store['durably'] };
  /** The token each role signs in with now (http.token, http.readToken). */
  tokenFor(role: LoginRole): string | undefined;
  now: () => Date;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const bind = (token: string, secret: string) => createHmac('sha256', token).update(secret, 'utf8').digest('hex');

export function createLogins(deps: LoginDeps) {
  const { dashboardLogins } = deps.store;
  return {
    /** Stores a new login for a role and answers its secret (the cookie's value). */
    async create(role: LoginRole): Promise<string> {
      const token = deps.tokenFor(role);
      if (token === undefined) throw new Error(`no token for role ${role}`);
      const secret = randomBytes(32).toString('base64url');
      const now = deps.now();
      await deps.store.durably(() => {
        dashboardLogins.removeExpired(now.toISOString());
        dashboardLogins.add({ secretHash: sha256(secret), role, bound: bind(token, secret), createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + LOGIN_MAX_AGE_S * 1000).toISOString() });
      });
      return secret;
    },
    /** The role of a cookie's secret; undefined when unknown, expired, or its token has changed. */
    roleOf(secret: string): LoginRole | undefined {
      const login = dashboardLogins.get(sha256(secret));
      if (!login || login.expiresAt <= deps.now().toISOString()) return undefined;
      const token = deps.tokenFor(login.role);
      if (token === undefined) return undefined;
      const expected = Buffer.from(bind(token, secret), 'hex');
      const stored = Buffer.from(login.bound, 'hex');
      return stored.length === expected.length && timingSafeEqual(stored, expected) ? login.role : undefined;
    },
    async remove(secret: string): Promise<void> {
      await deps.store.durably(() => dashboardLogins.remove(sha256(secret)));
    },
  };
}

export type Logins = ReturnType<typeof createLogins>;

/** The login cookie's secret in a request's Cookie header, if any. */
export function loginSecret(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === LOGIN_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * Served over TLS, directly or behind a proxy that says so: then the cookie is Secure, so the
 * browser never sends it over plain HTTP.
 */
export function overTls(req: IncomingMessage): boolean {
  return (req.socket as TLSSocket).encrypted === true || String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase() === 'https';
}

/** Set-Cookie for a secret; undefined clears the cookie. */
export function loginCookie(secret: string | undefined, secure: boolean): string {
  return [`${LOGIN_COOKIE}=${secret ?? ''}`, 'Path=/', `Max-Age=${secret === undefined ? 0 : LOGIN_MAX_AGE_S}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}
