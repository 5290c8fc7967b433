/**
 * What a browser could be tricked into sending, refused before any route runs:
 * - a Host the API is not known by: a page on evil.example whose name an attacker re-points at
 *   this machine (DNS rebinding) would otherwise read and command as a same-origin page;
 * - a command (any method but GET/HEAD/OPTIONS) from another web origin (`Origin` header);
 * - a command whose body is not declared `application/json`: a cross-site HTML form or a
 *   "simple" fetch can only send form, multipart or text/plain bodies without a CORS preflight,
 *   which the API never grants.
 * - a command carried by the dashboard's login cookie without the header X-Requested-With:
 *   a custom header cannot be sent cross-site without a preflight, so with SameSite=Strict
 *   this is a second lock against cross-site requests riding on the cookie.
 * Clients that are not browsers send no Origin and set their own Content-Type, so they pass.
 */
import { isIP } from 'node:net';
import { HttpError } from './errors.js';

export interface GuardOptions {
  /** Host names (lower case) besides IP literals; '*' allows any. */
  hostNames: readonly string[];
  /** Origins (`new URL().origin`) besides the API's own that may send commands. */
  allowedOrigins: readonly string[];
}

/** Methods that change nothing: no Origin or media-type check. */
export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

/** `host[:port]` → lower-case name without brackets or trailing dot, and the port if any. */
export function parseHostHeader(header: string): { name: string; port?: string } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]/@?#]+)(?::(\d{1,5}))?$/.exec(header.trim());
  if (!m) return undefined;
  const name = m[1]!.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  return m[2] !== undefined ? { name, port: m[2] } : { name };
}

/** Throws 403 host_not_allowed unless the Host header is an IP literal or one of the names. */
export function checkHost(header: string | undefined, options: GuardOptions): void {
  if (options.hostNames.includes('*')) return;
  const host = header === undefined ? undefined : parseHostHeader(header);
  // An IP literal cannot be re-pointed: a page whose origin is this IP is served by this server.
  if (host && (isIP(host.name) !== 0 || options.hostNames.includes(host.name))) return;
  throw new HttpError(
    'host_not_allowed',
    header === undefined
      ? 'the request has no Host header'
      : `this API is not served as ${JSON.stringify(header.slice(0, 100))}: use its IP address or one of its names, or add the name to http.allowedHosts`,
  );
}

/**
 * Throws 403 origin_not_allowed when a browser sends a command from another origin. The own
 * origin is http(s)://<Host header>; a missing Origin is a client that is not a browser (or a
 * browser that sends none for same-origin requests).
 */
export function checkOrigin(origin: string | undefined, hostHeader: string | undefined, options: GuardOptions): void {
  if (origin === undefined) return;
  if (sameOrigin(origin, hostHeader) || options.allowedOrigins.includes(normalOrigin(origin) ?? '')) return;
  throw new HttpError('origin_not_allowed', `commands from the web origin ${JSON.stringify(origin.slice(0, 100))} are refused: only the dashboard's own origin and http.allowedOrigins may send them`);
}

/** Throws 403 csrf_header_missing unless a command signed by the login cookie has X-Requested-With. */
export function checkCookieCommand(requestedWith: string | string[] | undefined): void {
  if (typeof requestedWith === 'string' && requestedWith.trim() !== '') return;
  throw new HttpError('csrf_header_missing', 'a command signed by the login cookie needs the header X-Requested-With (the dashboard sends it); scripts send Authorization: Bearer <token>');
}

/** Throws 415 unless the request declares a JSON body (an empty one counts as {}). */
export function checkJsonBody(contentType: string | undefined): void {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === 'application/json') return;
  throw new HttpError(
    'unsupported_media_type',
    contentType === undefined || contentType.trim() === ''
      ? 'a command needs the header Content-Type: application/json (an empty body is {})'
      : `send the body as application/json, not ${JSON.stringify(contentType.slice(0, 100))}`,
  );
}

function normalOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function sameOrigin(origin: string, hostHeader: string | undefined): boolean {
  const normal = normalOrigin(origin);
  const host = hostHeader === undefined ? undefined : parseHostHeader(hostHeader);
  if (!normal || !host) return false;
  const url = new URL(normal);
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  // Behind a TLS proxy that keeps the Host, the page is https:// and the Host has no port.
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase() === host.name && (url.port || defaultPort) === (host.port ?? defaultPort);
}
