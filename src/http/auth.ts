/**
 * Who is asking: the bearer token decides. Without any token configured the API listens on
 * loopback only (see options.ts), so everyone who can reach it is on this machine and may do
 * everything. Tokens are compared as SHA-256 digests in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';
import type { HttpOptions } from './options.js';
import type { Access } from './route.js';

export type Role = 'command' | 'read' | 'none';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function createAuth(options: Pick<HttpOptions, 'token' | 'readToken' | 'authRequired'>) {
  const full = options.token !== undefined ? digest(options.token) : undefined;
  const read = options.readToken !== undefined ? digest(options.readToken) : undefined;

  function roleOf(req: IncomingMessage): Role {
    if (!options.authRequired) return 'command';
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return 'none';
    const presented = digest(m[1]!);
    // Both compared, whatever the first gives, so the timing tells nothing about which matched.
    const isFull = full !== undefined && timingSafeEqual(presented, full);
    const isRead = read !== undefined && timingSafeEqual(presented, read);
    return isFull ? 'command' : isRead ? 'read' : 'none';
  }

  /** Throws 401/403 unless the role may use a route with this access. */
  function check(role: Role, access: Access): void {
    if (access === 'public' || role === 'command') return;
    if (role === 'none') throw new HttpError('unauthorized', 'send Authorization: Bearer <token> (http.token or http.readToken)');
    if (access === 'command') throw new HttpError('forbidden', 'this token may only read; commands need http.token');
  }

  return { roleOf, check, authRequired: options.authRequired };
}

export type Auth = ReturnType<typeof createAuth>;
