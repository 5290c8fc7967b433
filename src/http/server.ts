/**
 * node:http plumbing: check the Host (and for a command the Origin and the Content-Type, see
 * guard.ts), match the route, check the token, read and validate the input, run the handler,
 * write the reply. A child logger per request. Any HttpError becomes its status and code;
 * anything else is a bug in chargegate: 500, logged with its stack. Every request must arrive
 * within the configured timeouts, so sockets that send slowly cannot pile up.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import type { Auth } from './auth.js';
import { errorBody, HttpError } from './errors.js';
import { checkCookieCommand, checkHost, checkJsonBody, checkOrigin, isSafeMethod, type GuardOptions } from './guard.js';
import { createLogBudget } from '../ocpp/log-budget.js';
import { limitConnections } from './connection-limit.js';
import type { ConnectionLimits, HttpTimeouts } from './options.js';
import { parseBody, parseQuery } from './params.js';
import { compileRoutes, matchRoute, type Reply, type Route } from './route.js';
import type { StaticFiles } from './static.js';

const MAX_BODY_BYTES = 16 * 1024;

export interface HttpServerDeps {
  host: string;
  port: number;
  routes: readonly Route[];
  auth: Auth;
  staticFiles: StaticFiles;
  timeouts: HttpTimeouts;
  connectionLimits: ConnectionLimits;
  guard: GuardOptions;
  logger: Logger;
  /**
   * The chargers' capability URLs (firmware downloads, diagnostics uploads: src/transfers/serve.ts),
   * tried before the API: true when it took the request.
   */
  chargerFiles?: (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;
  /** Told about each finished request (metrics). */
  onResponse?: (route: string, status: number) => void;
}

export interface HttpServer {
  listen(): Promise<number>;
  close(): Promise<void>;
  readonly server: Server;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const table = compileRoutes(deps.routes);
  let nextId = 1;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = requestUrl(req.url ?? '/');
    const logger = deps.logger.child({ req: nextId++, method: req.method, path: url?.pathname ?? req.url?.slice(0, 200) });
    let label = 'static';
    const method = req.method ?? 'GET';
    try {
      // A charger's download or upload: its token is its authority, not a Host or an Origin.
      if (url && deps.chargerFiles?.(req, res, url.pathname)) {
        label = 'charger files';
        return;
      }
      checkHost(req.headers.host, deps.guard);
      if (!url) throw new HttpError('not_found', `no such path: ${JSON.stringify(req.url?.slice(0, 100))}`);
      const match = matchRoute(table, req.method ?? 'GET', url.pathname);
      if (match && 'allowed' in match) {
        res.setHeader('Allow', [...new Set(match.allowed)].join(', '));
        throw new HttpError('method_not_allowed', `${req.method} is not allowed on ${url.pathname} (allowed: ${match.allowed.join(', ')})`);
      }
      if (!match) {
        if ((req.method === 'GET' || req.method === 'HEAD') && deps.staticFiles.serve(req, res, url.pathname)) return;
        throw new HttpError('not_found', `no such path: ${url.pathname}${url.pathname.startsWith('/api/') ? ' (see /api/openapi.json)' : ''}`);
      }
      const { route } = match;
      label = `${route.method} ${route.path}`;
      const changes = !isSafeMethod(method);
      // DELETE carries no body (its filters are in the path and query); a browser cannot send
      // it cross-site without a CORS preflight, which the API never grants. A streamed body is
      // the handler's to read (a firmware file).
      const hasBody = changes && method !== 'DELETE' && route.streamBody === undefined;
      if (changes) checkOrigin(req.headers.origin, req.headers.host, deps.guard);
      const credential = deps.auth.credentialOf(req);
      if (changes && credential.via === 'cookie') checkCookieCommand(req.headers['x-requested-with']);
      deps.auth.check(credential.role, route.access);
      if (hasBody) checkJsonBody(req.headers['content-type']);
      const params = parseQuery(route.params ?? {}, new URLSearchParams(Object.entries(match.params).map(([k, v]): [string, string] => [k, decodeSegment(v)])));
      const query = parseQuery(route.query ?? {}, url.searchParams);
      const json = hasBody ? await readJson(req, route.maxBodyBytes ?? MAX_BODY_BYTES) : undefined;
      const raw = route.rawBody !== undefined ? jsonObject(json) : undefined;
      const body = hasBody && !raw ? parseBody(route.body ?? {}, json) : {};
      const reply = await route.handle({ params, query, body, logger, req, res, ...(raw ? { raw } : {}) });
      write(res, reply, req.method === 'HEAD');
    } catch (err) {
      if (req.destroyed && !(err instanceof HttpError)) {
        // The client left, or the request timeout cut a body that trickled (Node answered 408).
        logger.debug({ err: (err as Error).message }, 'client gone before the request was read');
        return;
      }
      if (res.headersSent) {
        logger.error({ err }, 'failed while streaming a reply');
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        if (err.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="chargegate"');
        for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
        writeJson(res, err.status, errorBody(err.code, err.message));
        logger.debug({ status: err.status, code: err.code, reason: err.message }, 'request refused');
      } else {
        writeJson(res, 500, errorBody('internal', 'chargegate failed to answer; the log has the details'));
        logger.error({ err }, 'request failed inside chargegate');
      }
    } finally {
      deps.onResponse?.(label, res.statusCode);
    }
  }

  const { headersMs, requestMs, keepAliveMs } = deps.timeouts;
  const server = createServer(
    {
      // Node cuts a request whose headers (headersTimeout) or whole body (requestTimeout) have
      // not arrived in time with 408 and closes the socket, also after an early answer (a 401
      // sent before the body): the request is not complete until its last byte. Only receiving
      // is limited: the live feed's answer streams for as long as the client stays.
      headersTimeout: headersMs,
      requestTimeout: requestMs,
      // How often Node looks for expired requests (default 30 s, longer than the timeouts).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersMs / 4))),
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => deps.logger.error({ err }, 'request handling failed'));
    },
  );
  // Between requests on a kept-alive connection.
  server.keepAliveTimeout = keepAliveMs;
  limitConnections(server, deps.connectionLimits, deps.logger, createLogBudget(3, 60_000));

  return {
    server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(deps.port, deps.host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        // Live-feed clients never end on their own.
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The request target as a URL, or undefined when it is none. A target in origin form ("/…")
 * is read as a path even when it starts with "//": new URL("//", base) reads a host from it
 * and throws, which (outside the try) left such a request unanswered and logged an error for
 * each (found by `npm run fuzz`).
 */
export function requestUrl(target: string): URL | undefined {
  try {
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target, 'http://localhost');
  } catch {
    return undefined;
  }
}

/** A path parameter, percent-decoded (exported for `npm run fuzz`, which drives it directly). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError('bad_query', `path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
  }
}

/** The body, already declared application/json (checkJsonBody); at most MAX_BODY_BYTES. */
function jsonObject(json: unknown): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new HttpError('bad_body', 'expected a JSON object');
  return json as Record<string, unknown>;
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpError('payload_too_large', `the body is ${declared} bytes; at most ${maxBytes}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError('payload_too_large', `the body is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  // An empty body is an empty object: `…/stop` needs no body, only the Content-Type.
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError('bad_json', `the body is not valid JSON (${(err as Error).message})`);
  }
}

function write(res: ServerResponse, reply: Reply, headOnly: boolean): void {
  if ('streaming' in reply) return;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if ('json' in reply) return writeJson(res, reply.status ?? 200, reply.json, headOnly);
  const [type, body] = 'csv' in reply ? ['text/csv; charset=utf-8', reply.csv] : [reply.contentType, reply.text];
  if ('csv' in reply) res.setHeader('Content-Disposition', `attachment; filename="${reply.filename}"`);
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}

function writeJson(res: ServerResponse, status: number, value: unknown, headOnly = false): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(headOnly ? undefined : body);
}
