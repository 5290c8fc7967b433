/**
 * HTTP parameter parsing without a socket: what the server does with a request before the
 * route's handler (http/server.ts: URL, route match, path segments decoded, query and JSON
 * body read by the route's declared fields, http/params.ts), on the real route table.
 *
 * Invariants: a request is either parsed or refused with an HttpError (nothing else is
 * thrown); what is parsed has only declared fields, each of its declared type and range.
 */
import { HttpError } from '../../http/errors.js';
import { parseBody, parseQuery, type FieldSpec, type FieldsSpec } from '../../http/params.js';
import { compileRoutes, matchRoute, type CompiledRoute } from '../../http/route.js';
import { decodeSegment, requestUrl } from '../../http/server.js';
import type { FuzzSite } from '../site.js';
import { shrinkText, Violation, type Target } from '../target.js';
import { httpInput, type HttpInput } from './http-input.js';

export function httpTarget(options: { site: { get(): Promise<FuzzSite>; release(): Promise<void> } }): Target<HttpInput> {
  let table: CompiledRoute[] = [];
  return {
    name: 'http',
    about: 'HTTP route matching, path, query and JSON body parsing',
    weight: 23,
    batch: 1,
    async setup() {
      table = compileRoutes((await options.site.get()).app.http.routes);
    },
    generate: (rng) => httpInput(rng, table.map((c) => c.route)),
    async execute(input) {
      try {
        const url = requestUrl(input.target);
        if (!url) return 'not a path';
        const match = matchRoute(table, input.method, url.pathname);
        if (!match) return 'no route';
        if ('allowed' in match) return 'method not allowed';
        const { route } = match;
        const params = parseQuery(route.params ?? {}, new URLSearchParams(Object.entries(match.params).map(([k, v]): [string, string] => [k, decodeSegment(v)])));
        check(route.params ?? {}, params, 'path');
        const query = parseQuery(route.query ?? {}, url.searchParams);
        check(route.query ?? {}, query, 'query');
        if (input.body !== undefined) {
          let json: unknown = {};
          if (input.body.trim() !== '') {
            try {
              json = JSON.parse(input.body);
            } catch {
              return 'bad_json';
            }
          }
          check(route.body ?? {}, parseBody(route.body ?? {}, json), 'body');
        }
        return `ok ${route.method} ${route.path}`;
      } catch (err) {
        if (err instanceof HttpError) return err.code;
        if (err instanceof Violation) throw err;
        throw new Violation(`not an HttpError: ${(err as Error)?.stack ?? String(err)}`);
      }
    },
    describe: (input) => JSON.stringify(input),
    *shrink(input) {
      for (const t of shrinkText(input.target)) yield { ...input, target: t };
      if (input.body !== undefined) for (const b of shrinkText(input.body)) yield { ...input, body: b };
    },
    async teardown() {
      await options.site.release();
    },
  };
}

/** Only declared fields, each of its type and within its range. */
function check(spec: FieldsSpec, parsed: Record<string, unknown>, where: string): void {
  for (const [name, value] of Object.entries(parsed)) {
    if (!Object.hasOwn(spec, name)) throw new Violation(`${where}: the undeclared field ${JSON.stringify(name)} was accepted`);
    if (value === undefined) continue;
    const field = spec[name]!;
    if (!fits(field, value)) throw new Violation(`${where}: ${name} = ${JSON.stringify(value)} does not fit ${JSON.stringify(field)}`);
  }
  for (const proto of ['__proto__', 'constructor']) {
    if (Object.hasOwn(parsed, proto) && !Object.hasOwn(spec, proto)) throw new Violation(`${where}: ${proto} was accepted`);
  }
}

function fits(field: FieldSpec, v: unknown): boolean {
  switch (field.type) {
    case 'string':
      return typeof v === 'string' && v.length >= (field.minLength ?? 1) && v.length <= (field.maxLength ?? 256);
    case 'integer':
      return Number.isInteger(v) && (v as number) >= field.minimum && (v as number) <= field.maximum;
    case 'boolean':
      return typeof v === 'boolean';
    case 'ampsOrNull':
      return v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= field.maximum);
    case 'enum':
      return typeof v === 'string' && field.values.includes(v);
    case 'instant':
      return v instanceof Date && !Number.isNaN(v.getTime());
    case 'timeZone':
      return typeof v === 'string';
    case 'strings':
      return Array.isArray(v) && v.length <= field.maxItems && v.every((s) => typeof s === 'string' && s.length >= 1 && s.length <= field.maxLength);
  }
}
