/**
 * Who is asking: the bearer token decides, or without one the dashboard's login cookie
 * (logins.ts). Without any token configured the API listens on loopback only (see options.ts),
 * so everyone who can reach it is on this machine and may do everything. Tokens are compared
 * as SHA-256 digests in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';
import type { GuessThrottle } from '../security/guess-throttle.js';
import type { HttpOptions } from './options.js';
import { loginSecret, type LoginRole, type Logins } from './logins.js';
import type { Access } from './route.js';

export type Role = 'command' | 'read' | 'none';

/** A role and what carried it: the bearer header, the login cookie, or nothing (open API, or no credential). */
export interface Credential {
  role: Role;
  via: 'bearer' | 'cookie' | 'none';
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function createAuth(options: Pick<HttpOptions, 'token' | 'readToken' | 'authRequired'>, logins?: Pick<Logins, 'roleOf'>, throttle?: GuessThrottle) {
  const full = options.token !== undefined ? digest(options.token) : undefined;
  const read = options.readToken !== undefined ? digest(options.readToken) : undefined;

  /** The role a token gives (http.token: command, http.readToken: read). */
  function roleOfToken(token: string): Role {
    const presented = digest(token);
    // Both compared, whatever the first gives, so the timing tells nothing about which matched.
    const isFull = full !== undefined && timingSafeEqual(presented, full);
    const isRead = read !== undefined && timingSafeEqual(presented, read);
    return isFull ? 'command' : isRead ? 'read' : 'none';
  }

  /**
   * The role of a token a client presents (a bearer header, or POST /api/login's body), counted
   * by the throttle: a wrong one is a guess, and an address out of guesses gets 429 whatever it
   * presents (src/security/guess-throttle.ts).
   */
  function roleOfPresented(req: IncomingMessage, token: string | undefined): Role {
    const address = req.socket.remoteAddress ?? '';
    const wait = throttle?.waitMs(address) ?? 0;
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new HttpError('too_many_auth_failures', `too many wrong tokens from this address; try again in ${seconds} s`, { 'Retry-After': String(seconds) });
    }
    const role = token === undefined ? 'none' : roleOfToken(token);
    if (role === 'none') throttle?.failed(address);
    return role;
  }

  function credentialOf(req: IncomingMessage): Credential {
    if (!options.authRequired) return { role: 'command', via: 'none' };
    const header = req.headers.authorization;
    // A bearer header decides alone, also when wrong: a script never rides on a browser's cookie.
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return { role: roleOfPresented(req, m?.[1]), via: 'bearer' };
    }
    const secret = loginSecret(req);
    const role: LoginRole | undefined = secret !== undefined ? logins?.roleOf(secret) : undefined;
    return role ? { role, via: 'cookie' } : { role: 'none', via: 'none' };
  }

  const roleOf = (req: IncomingMessage): Role => credentialOf(req).role;

  /** Throws 401/403 unless the role may use a route with this access. */
  function check(role: Role, access: Access): void {
    if (access === 'public' || role === 'command') return;
    if (role === 'none') throw new HttpError('unauthorized', 'send Authorization: Bearer <token> (http.token or http.readToken), or sign in (POST /api/login)');
    if (access === 'command') throw new HttpError('forbidden', 'this token may only read; commands need http.token');
  }

  return { roleOf, roleOfToken, roleOfPresented, credentialOf, check, authRequired: options.authRequired };
}

export type Auth = ReturnType<typeof createAuth>;
