/**
 * The `http:` section resolved into what runs (pure), and the checks across its keys that the
 * JSON schema cannot express. Security by default: without a token the API is reachable from
 * this machine only, and a config that asks for more without a token is refused.
 */
import type { Problem } from '../config/errors.js';
import type { HttpConfig } from '../config/schema.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** May read and command. */
  token?: string;
  /** May only read. */
  readToken?: string;
  /** False when no token is configured: then only loopback clients can reach the API. */
  authRequired: boolean;
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function resolveHttpOptions(http: HttpConfig): HttpOptions {
  const authRequired = http.token !== undefined || http.readToken !== undefined;
  return {
    host: http.host ?? (authRequired ? '0.0.0.0' : '127.0.0.1'),
    port: http.port,
    ...(http.token !== undefined ? { token: http.token } : {}),
    ...(http.readToken !== undefined ? { readToken: http.readToken } : {}),
    authRequired,
  };
}

/** Problems across keys of the `http:` section (each key's own rules are the schema's). */
export function httpConfigProblems(root: unknown): Problem[] {
  const http = (root as { http?: Partial<Record<keyof HttpConfig, unknown>> } | undefined)?.http;
  if (!http || typeof http !== 'object') return [];
  const problems: Problem[] = [];
  const hasToken = typeof http.token === 'string' || typeof http.readToken === 'string';
  if (typeof http.host === 'string' && !isLoopback(http.host) && !hasToken) {
    problems.push({
      path: ['http', 'host'],
      text: `the API would be reachable from the network on ${http.host} without a token: set http.token (and http.readToken for read-only access), or listen on 127.0.0.1`,
    });
  }
  // An empty token is a ${VAR} that failed: that problem is already reported.
  if (typeof http.token === 'string' && http.token !== '' && http.token === http.readToken) {
    problems.push({ path: ['http', 'readToken'], text: 'must differ from http.token (a read-only token equal to the full one would let readers command)' });
  }
  return problems;
}
