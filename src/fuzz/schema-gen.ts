/**
 * Payloads from the OCPP JSON schemas (the subset of draft-04 the OCA 1.6 files use: type,
 * properties, required, additionalProperties, items, enum, maxLength, format, multipleOf).
 * `valid` draws schema-valid values that sit at the edges (boundary lengths, extreme numbers,
 * dates far from now, every enum member); `invalid` breaks exactly one thing in a valid one.
 */
import type { Rng } from './prng.js';
import { anyValue, defineKey, PROTO_KEYS, randomText, weirdString } from './values.js';

export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: Schema;
  enum?: unknown[];
  maxLength?: number;
  format?: string;
  multipleOf?: number;
  minimum?: number;
  maximum?: number;
}

/** Integers a handler may be handed: ids never issued, negative meters, beyond 2^53. */
const EDGE_INTEGERS = [0, 1, 2, 3, -1, 7, 99, 255, 256, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e20, -1e20, 1e300];
const EDGE_DATES = [
  '1970-01-01T00:00:00Z', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2038-01-19T03:14:08Z',
  '2025-06-01T12:00:00', '2025-06-01 12:00:00Z', '2025-06-01T12:00:00+14:00', '2025-06-01T12:00:00-1200', '2024-02-29T23:59:59.999999Z',
  '2024-02-30T00:00:00Z', '2025-06-01T12:00:00.5z',
];

export function validValue(rng: Rng, schema: Schema, hints: Hints = {}, name = ''): unknown {
  if (schema.enum) return rng.pick(schema.enum);
  const hinted = hints[name]?.(rng);
  if (hinted !== undefined && rng.chance(0.6)) return hinted;
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || rng.chance(0.5)) defineKey(out, key, validValue(rng, sub, hints, key));
      }
      // Properties beyond the declared ones, where the schema allows them.
      if (schema.additionalProperties !== false && rng.chance(0.2)) defineKey(out, rng.pick(PROTO_KEYS), anyValue(rng));
      return out;
    }
    case 'array': {
      const n = rng.chance(0.03) ? rng.range(20, 200) : rng.int(4);
      return Array.from({ length: n }, () => validValue(rng, schema.items ?? {}, hints, name));
    }
    case 'string':
      return validString(rng, schema);
    case 'integer':
      return rng.chance(0.5) ? rng.pick(EDGE_INTEGERS) : rng.range(-5, 1000);
    case 'number': {
      const step = schema.multipleOf;
      const n = rng.chance(0.5) ? rng.pick([0, -0, 0.1, 6, 16, 32, 1e6, -1, 1e300, -1e300, 2 ** 53]) : rng.int(1000) / 10;
      return step ? Math.round(n / step) * step : n;
    }
    case 'boolean':
      return rng.chance(0.5);
    default:
      return anyValue(rng);
  }
}

function validString(rng: Rng, schema: Schema): string {
  if (schema.format === 'date-time') {
    if (rng.chance(0.5)) return rng.pick(EDGE_DATES);
    return new Date(rng.range(-62135596800, 253402300799) * 1000).toISOString();
  }
  if (schema.format === 'uri') return rng.pick(['ftp://x', 'http://example.com/a b', 'a:b', 'file:///etc/passwd', 'urn:' + 'x'.repeat(rng.int(600))]);
  const max = schema.maxLength ?? 2000;
  let s: string;
  if (rng.chance(0.3)) s = 'x'.repeat(rng.pick([0, 1, max - 1, max]));
  else if (rng.chance(0.5)) s = weirdString(rng);
  else s = randomText(rng, rng.int(Math.min(max, 60) + 1));
  return s.length > max ? s.slice(0, max) : s;
}

/** Per-property generators that know the gateway's state (issued transaction ids, known idTags). */
export type Hints = Record<string, (rng: Rng) => unknown>;

/** A copy of a valid value with exactly one thing broken: what the schema must refuse. */
export function invalidValue(rng: Rng, schema: Schema, valid: unknown): unknown {
  const paths = schemaPaths(schema, valid, []);
  const { path, sub } = rng.pick(paths);
  const broken = breakOne(rng, sub);
  if (path.length === 0) return broken.kind === 'replace' ? broken.value : valid;
  const copy = structuredClone(valid);
  let at: any = copy;
  for (const k of path.slice(0, -1)) at = at[k];
  const last = path.at(-1)!;
  if (broken.kind === 'delete') delete at[last];
  else defineKey(at, last as string, broken.value);
  return copy;
}

type Broken = { kind: 'replace'; value: unknown } | { kind: 'delete' };

function breakOne(rng: Rng, schema: Schema): Broken {
  const t = typeOf(schema);
  const r = rng.int(6);
  if (r === 0) return { kind: 'delete' };
  if (r === 1 && schema.maxLength !== undefined) return { kind: 'replace', value: 'x'.repeat(schema.maxLength + 1 + rng.int(3)) };
  if (r === 2 && schema.enum) return { kind: 'replace', value: rng.pick(['', 'accepted', String(schema.enum[0]).toUpperCase(), 'Error', 'Celsius', weirdString(rng)]) };
  if (r === 3 && t === 'integer') return { kind: 'replace', value: rng.pick([0.5, 1.0000001, -0.1, 1e-300, '1', true, null]) };
  if (r === 4 && t === 'object') return { kind: 'replace', value: rng.pick([[], 'x', 1, null, { [rng.pick(PROTO_KEYS)]: 1 }]) };
  // Any value of another type (a schema without a type takes anything: then any value will do).
  for (let tries = 0; ; tries++) {
    const v = anyValue(rng);
    if (!fits(t, v) || tries >= 100) return { kind: 'replace', value: v };
  }
}

function fits(type: string | undefined, v: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
    case 'boolean':
      return typeof v === type;
    default:
      return true;
  }
}

/** Every place in a value the schema describes: (path, sub-schema), the root included. */
function schemaPaths(schema: Schema, value: unknown, path: (string | number)[]): { path: (string | number)[]; sub: Schema }[] {
  const out = [{ path, sub: schema }];
  if (typeof value !== 'object' || value === null) return out;
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...schemaPaths(schema.items ?? {}, v, [...path, i])));
    return out;
  }
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (Object.hasOwn(value, key)) out.push(...schemaPaths(sub, (value as Record<string, unknown>)[key], [...path, key]));
    // A missing property: adding one of the wrong type is a break as well.
    else out.push({ path: [...path, key], sub });
  }
  return out;
}

function typeOf(schema: Schema): string | undefined {
  return Array.isArray(schema.type) ? schema.type[0] : schema.type;
}
