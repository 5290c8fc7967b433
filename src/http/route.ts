/**
 * A route is data: method, path, who may call it, its parameters, and a handler. The table
 * drives matching, validation, authorization and the OpenAPI document, so they cannot drift.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { FieldsSpec, Parsed } from './params.js';
import type { ResponseSchema } from './schemas.js';

/** public: anyone; read: any token; command: the full token (http.token). */
export type Access = 'public' | 'read' | 'command';

export type Reply =
  | { json: unknown; status?: number }
  | { csv: string; filename: string }
  | { text: string; contentType: string }
  /** The handler took over the response (server-sent events). */
  | { streaming: true };

export interface RouteRequest<P extends FieldsSpec, Q extends FieldsSpec, B extends FieldsSpec> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  logger: Logger;
  req: IncomingMessage;
  res: ServerResponse;
  /** The JSON body as sent, for a route with `rawBody` (an OCPP payload, checked by its own schema). */
  raw?: Record<string, unknown>;
}

export interface Route<P extends FieldsSpec = FieldsSpec, Q extends FieldsSpec = FieldsSpec, B extends FieldsSpec = FieldsSpec> {
  /** GET and HEAD change nothing; POST and PUT carry a JSON body (unless streamBody); DELETE carries none. */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI style: /api/chargers/{chargerId} */
  path: string;
  access: Access;
  tag: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * The body is a JSON object passed through whole as `raw` (not checked against `body`): an
   * OCPP payload the route validates against the official schema. The text describes it.
   */
  rawBody?: string;
  /** The largest body taken, in bytes (default 16 KiB): more only where a realistic request needs it (a local list). */
  maxBodyBytes?: number;
  /**
   * The body is not JSON and not read by the server: the handler streams it from `req` (a
   * firmware file). The text describes it; its media type is application/octet-stream.
   */
  streamBody?: string;
  /** Media types of the 200 answer (default application/json). */
  produces?: readonly string[];
  /** The 200 answer's schema in the OpenAPI document (schemas.ts), where one is described. */
  response?: ResponseSchema;
  handle(request: RouteRequest<P, Q, B>): Reply | Promise<Reply>;
}

/** Keeps each route's parameter types while the table holds them all. */
export function route<const P extends FieldsSpec = {}, const Q extends FieldsSpec = {}, const B extends FieldsSpec = {}>(r: Route<P, Q, B>): Route {
  return r as unknown as Route;
}

export interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((r) => {
    const names: string[] = [];
    const source = r.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route: r, pattern: new RegExp(`^${source}$`), names };
  });
}

export type Match = { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined;

/** The route for a method and path; `allowed` when only the method is wrong (405). */
export function matchRoute(table: readonly CompiledRoute[], method: string, path: string): Match {
  const allowed: string[] = [];
  for (const { route: r, pattern, names } of table) {
    const m = pattern.exec(path);
    if (!m) continue;
    // HEAD is GET without a body, so only where GET changes nothing: a GET that asks a charger
    // (access 'command', e.g. GetConfiguration) would send its command for a HEAD too.
    const headAsGet = method === 'HEAD' && r.method === 'GET' && r.access !== 'command';
    if (r.method !== method && !headAsGet) {
      allowed.push(r.method);
      continue;
    }
    const params: Record<string, string> = {};
    names.forEach((name, i) => {
      params[name] = m[i + 1]!;
    });
    return { route: r, params };
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
