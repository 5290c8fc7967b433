/**
 * HTTP requests against the real route table: each route's path with odd parameters and
 * percent-encodings, query strings from its declared fields (right and wrong types,
 * unknown, repeated, prototype names), JSON bodies likewise; and paths no route has.
 */
import type { Route } from '../../http/route.js';
import type { FieldSpec } from '../../http/params.js';
import { mutateText } from '../mutate.js';
import type { Rng } from '../prng.js';
import { CHARGER_IDS } from '../site.js';
import { anyValue, PROTO_KEYS, randomText, weirdString, WEIRD_NUMBERS } from '../values.js';

export interface HttpInput {
  method: string;
  /** The request target as sent: path and query string. */
  target: string;
  /** JSON text (or not) of the body; undefined: none. */
  body?: string;
}

const SEGMENTS = ['%', '%2', '%ZZ', '%C0%80', '%ED%A0%80', '%00', '%2F', '..', '.', '%2e%2e', '+', '%2B', '😀', '%F0%9F%98%80', 'a b', 'x'.repeat(300), '__proto__', 'constructor'];

/** Percent-encoded; a lone surrogate (which encodeURIComponent refuses) as the bytes a client might send anyway. */
function enc(s: string): string {
  return encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')).replace(/%EF%BF%BD/g, '%ED%A0%80');
}

function textFor(rng: Rng, field: FieldSpec | undefined): string {
  if (!field || rng.chance(0.3)) return enc(weirdString(rng));
  switch (field.type) {
    case 'integer':
      return rng.pick([String(field.minimum), String(field.maximum), String(field.maximum + 1), '-0', '01', '1e3', '1.0', '99999999999999999999', ' 1', '']);
    case 'boolean':
      return rng.pick(['true', 'false', 'TRUE', '1', '']);
    case 'ampsOrNull':
      return rng.pick(['null', '0', '16', '16.5', '1000', '1000.1', '1e3', '.5', '-1', 'NaN']);
    case 'instant':
      return enc(rng.pick(['2025-06-01', '2025-06-01T12:00:00Z', '2025-13-01', '0000-01-01', '9999-12-31T23:59:59Z', '2025-06-01T25:00', '-271821-04-20', 'now', '']));
    case 'timeZone':
      return enc(rng.pick(['UTC', 'Europe/Berlin', 'Etc/GMT+14', 'Mars/Olympus', 'utc', '+01:00', '', '__proto__']));
    case 'enum':
      return rng.chance(0.7) ? rng.pick(field.values) : enc(weirdString(rng));
    default:
      return enc(rng.chance(0.5) ? rng.pick(CHARGER_IDS) : weirdString(rng));
  }
}

function jsonFor(rng: Rng, field: FieldSpec): unknown {
  if (rng.chance(0.3)) return anyValue(rng);
  switch (field.type) {
    case 'integer':
      return rng.pick([field.minimum, field.maximum, field.maximum + 1, 1.5, -0, ...WEIRD_NUMBERS]);
    case 'boolean':
      return rng.chance(0.5);
    case 'ampsOrNull':
      return rng.pick([null, ...WEIRD_NUMBERS]);
    case 'enum':
      return rng.pick([...field.values, 'SOFT', '']);
    default:
      return rng.chance(0.5) ? rng.pick(['TAG1', 'x'.repeat(20), 'x'.repeat(21), '']) : weirdString(rng);
  }
}

export function httpInput(rng: Rng, routes: readonly Route[]): HttpInput {
  if (rng.chance(0.1)) {
    const target = rng.pick(['/', '/api', '/api/', '/index.html', '/../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '//x', '/api//chargers', '/api/chargers/', '*', '/metrics?x=1']);
    return { method: rng.pick(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']), target: rng.chance(0.3) ? mutateText(rng, target).replace(/[\s\u0000-\u001f\u007f-\uffff]/g, '') || '/' : target };
  }
  const route = rng.pick(routes);
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const spec = route.params?.[name];
    return rng.chance(0.2) ? rng.pick(SEGMENTS) : textFor(rng, spec);
  });
  const query: string[] = [];
  const names = Object.keys(route.query ?? {});
  for (const name of names) if (rng.chance(0.5)) query.push(`${name}=${textFor(rng, route.query![name])}`);
  if (rng.chance(0.15)) query.push(`${rng.pick([...PROTO_KEYS, 'x', '', '%', ...names])}=${textFor(rng, undefined)}`);
  if (rng.chance(0.05)) query.push(rng.pick(['&&', '=', '==', '%=%', 'a=%ZZ', names[0] ?? 'a']));
  const method = rng.chance(0.9) ? route.method : rng.pick(['GET', 'POST', 'HEAD', 'PATCH']);
  let body: string | undefined;
  if (method === 'POST') {
    const spec = route.body ?? {};
    const o: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(spec)) if (rng.chance(0.8)) o[name] = jsonFor(rng, field);
    let text = rng.chance(0.1) ? JSON.stringify(anyValue(rng)) : JSON.stringify(o);
    if (rng.chance(0.1)) text = text.replace(/^\{/, `{"${rng.pick(PROTO_KEYS)}":${JSON.stringify(anyValue(rng))}${Object.keys(o).length ? ',' : ''}`);
    if (rng.chance(0.2)) text = mutateText(rng, text);
    if (rng.chance(0.05)) text = rng.pick(['', ' ', 'x'.repeat(17000), randomText(rng, 20)]);
    body = text;
  }
  return { method, target: path + (query.length ? '?' + query.join('&') : ''), ...(body !== undefined ? { body } : {}) };
}
