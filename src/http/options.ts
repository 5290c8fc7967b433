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
  /** Node's server timeouts, ms (see server.ts). */
  timeouts: HttpTimeouts;
  /** Open connections at most, in all and per client address (server.ts). */
  connectionLimits: ConnectionLimits;
  /** Wrong tokens one client address may present per minute (src/security/guess-throttle.ts). */
  maxAuthFailures: number;
  /** Host names (lower case) the Host header may carry besides IP literals; '*' allows any. */
  hostNames: readonly string[];
  /** Origins (as `new URL().origin`) besides the API's own that may send commands. */
  allowedOrigins: readonly string[];
}

export interface HttpTimeouts {
  /** To receive a request's headers. */
  headersMs: number;
  /** To receive a whole request, body included. */
  requestMs: number;
  /** An idle keep-alive connection waits this long for the next request. */
  keepAliveMs: number;
}

export interface ConnectionLimits {
  total: number;
  perAddress: number;
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * `machineName` is this machine's host name (os.hostname()): it and `<name>.local` are names
 * the API may be reached by, as are localhost, http.host and http.allowedHosts.
 */
export function resolveHttpOptions(http: HttpConfig, machineName = ''): HttpOptions {
  const authRequired = http.token !== undefined || http.readToken !== undefined;
  const host = http.host ?? (authRequired ? '0.0.0.0' : '127.0.0.1');
  const machine = machineName.toLowerCase();
  const names = ['localhost', host.toLowerCase(), ...(machine ? [machine, `${machine.split('.')[0]}.local`] : []), ...http.allowedHosts.map((h) => h.toLowerCase())];
  return {
    host,
    port: http.port,
    ...(http.token !== undefined ? { token: http.token } : {}),
    ...(http.readToken !== undefined ? { readToken: http.readToken } : {}),
    authRequired,
    timeouts: { headersMs: Math.round((http.headersTimeout ?? Math.min(10, http.requestTimeout)) * 1000), requestMs: Math.round(http.requestTimeout * 1000), keepAliveMs: Math.round(http.keepAliveTimeout * 1000) },
    connectionLimits: { total: http.maxConnections, perAddress: Math.min(http.maxConnectionsPerAddress, http.maxConnections) },
    maxAuthFailures: http.maxAuthFailures,
    hostNames: [...new Set(names)],
    allowedOrigins: [...new Set(http.allowedOrigins.map((o) => new URL(o).origin))],
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
  const requestTimeout = typeof http.requestTimeout === 'number' ? http.requestTimeout : 30;
  if (typeof http.headersTimeout === 'number' && http.headersTimeout > requestTimeout) {
    problems.push({ path: ['http', 'headersTimeout'], text: `must be at most http.requestTimeout (${requestTimeout} s): the headers are part of the request` });
  }
  return problems;
}
