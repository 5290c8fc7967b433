/**
 * Query parameters and JSON bodies, declared once per route: the same declaration validates a
 * request (400 with what was wrong, never a guess) and describes it in the OpenAPI document.
 */
import { INSTANT_FORMAT, parseInstant } from '../report/instant.js';
import { isTimeZone } from '../report/energy.js';
import { HttpError } from './errors.js';

export type FieldSpec = { description: string; required?: boolean } & (
  | { type: 'string'; minLength?: number; maxLength?: number }
  /** Several strings: a query parameter given once per value (?key=A&key=B), a JSON array of strings. */
  | { type: 'strings'; maxLength: number; maxItems: number }
  | { type: 'instant' }
  | { type: 'timeZone' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'integer'; minimum: number; maximum: number }
  | { type: 'boolean' }
  /** A current in A, or null (remove a cap or a limit). */
  | { type: 'ampsOrNull'; maximum: number }
);

export type FieldsSpec = Readonly<Record<string, FieldSpec>>;

type ValueOf<F extends FieldSpec> = F extends { type: 'instant' }
  ? Date
  : F extends { type: 'strings' }
    ? string[]
  : F extends { type: 'integer' }
    ? number
    : F extends { type: 'boolean' }
      ? boolean
      : F extends { type: 'ampsOrNull' }
        ? number | null
        : F extends { type: 'enum'; values: readonly (infer V)[] }
          ? V
          : string;

export type Parsed<S extends FieldsSpec> = { [K in keyof S]?: ValueOf<S[K]> };

/** Query parameters arrive as text; each is read by its declared type. */
export function parseQuery<S extends FieldsSpec>(spec: S, params: URLSearchParams): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const name of new Set(params.keys())) {
    const field = declared(spec, name);
    if (!field) throw new HttpError('bad_query', `unknown parameter "${name}" (allowed: ${Object.keys(spec).join(', ') || 'none'})`);
    const values = params.getAll(name);
    if (field.type === 'strings') {
      out[name] = checked(name, field, values, 'bad_query');
      continue;
    }
    if (values.length > 1) throw new HttpError('bad_query', `parameter "${name}" given ${values.length} times; give it once`);
    out[name] = fromText(name, field, values[0]!);
  }
  requireFields(spec, out, 'bad_query', 'parameter');
  return out as Parsed<S>;
}

/** A JSON body must be an object with only the declared keys, each of its declared type. */
export function parseBody<S extends FieldsSpec>(spec: S, body: unknown): Parsed<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError('bad_body', `expected a JSON object${Object.keys(spec).length ? ` with ${Object.keys(spec).join(', ')}` : ' (e.g. {})'}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    const field = declared(spec, name);
    if (!field) throw new HttpError('bad_body', `unknown key "${name}" (allowed: ${Object.keys(spec).join(', ') || 'none'})`);
    out[name] = fromJson(name, field, value);
  }
  requireFields(spec, out, 'bad_body', 'key');
  return out as Parsed<S>;
}

/**
 * The field declared under a name: own keys only, so "constructor" or "__proto__" (inherited
 * from Object.prototype) is an unknown parameter, not a field of no type that takes anything
 * (found by `npm run fuzz`).
 */
function declared(spec: FieldsSpec, name: string): FieldSpec | undefined {
  return Object.hasOwn(spec, name) ? spec[name] : undefined;
}

function requireFields(spec: FieldsSpec, out: Record<string, unknown>, code: 'bad_query' | 'bad_body', what: string): void {
  for (const [name, field] of Object.entries(spec)) {
    if (field.required && out[name] === undefined) throw new HttpError(code, `${what} "${name}" is required: ${field.description}`);
  }
}

function fromText(name: string, field: FieldSpec, text: string): unknown {
  const bad = (allowed: string) => new HttpError('bad_query', `parameter "${name}" must be ${allowed}, got ${JSON.stringify(text.slice(0, 60))}`);
  switch (field.type) {
    case 'integer': {
      if (!/^-?\d+$/.test(text)) throw bad(`a whole number from ${field.minimum} to ${field.maximum}`);
      return checked(name, field, Number(text), 'bad_query');
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw bad('true or false');
      return text === 'true';
    case 'ampsOrNull':
      if (text === 'null') return null;
      if (!/^\d+(\.\d+)?$/.test(text)) throw bad(`a current in A from 0 to ${field.maximum}, or null`);
      return checked(name, field, Number(text), 'bad_query');
    default:
      return checked(name, field, text, 'bad_query');
  }
}

function fromJson(name: string, field: FieldSpec, value: unknown): unknown {
  return checked(name, field, value, 'bad_body');
}

/** The checks shared by text and JSON once the value has its JavaScript type. */
function checked(name: string, field: FieldSpec, value: unknown, code: 'bad_query' | 'bad_body'): unknown {
  const label = code === 'bad_query' ? `parameter "${name}"` : `"${name}"`;
  const bad = (allowed: string) => new HttpError(code, `${label} must be ${allowed}, got ${JSON.stringify(value)?.slice(0, 60)}`);
  switch (field.type) {
    case 'string': {
      const min = field.minLength ?? 1;
      const max = field.maxLength ?? 256;
      if (typeof value !== 'string' || value.length < min || value.length > max) throw bad(`a string of ${min} to ${max} characters`);
      return value;
    }
    case 'instant': {
      const instant = typeof value === 'string' ? parseInstant(value) : undefined;
      if (!instant) throw bad(INSTANT_FORMAT);
      return instant;
    }
    case 'strings': {
      const fits = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= field.maxLength;
      if (!Array.isArray(value) || value.length > field.maxItems || !value.every(fits)) throw bad(`at most ${field.maxItems} strings of 1 to ${field.maxLength} characters`);
      return value as string[];
    }
    case 'timeZone':
      if (typeof value !== 'string' || !isTimeZone(value)) throw bad('an IANA time zone such as UTC or Europe/Berlin');
      return value;
    case 'enum':
      if (typeof value !== 'string' || !field.values.includes(value)) throw bad(`one of ${field.values.join(', ')}`);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < field.minimum || value > field.maximum) {
        throw bad(`a whole number from ${field.minimum} to ${field.maximum}`);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('true or false');
      return value;
    case 'ampsOrNull':
      if (value === null) return null;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > field.maximum) {
        throw bad(`a current in A from 0 to ${field.maximum}, or null`);
      }
      return value;
  }
}

/** The JSON schema of a field, for the OpenAPI document. */
export function fieldSchema(field: FieldSpec): Record<string, unknown> {
  const description = field.description;
  switch (field.type) {
    case 'string':
      return { type: 'string', minLength: field.minLength ?? 1, maxLength: field.maxLength ?? 256, description };
    case 'strings':
      return { type: 'array', items: { type: 'string', minLength: 1, maxLength: field.maxLength }, maxItems: field.maxItems, description };
    case 'instant':
      return { type: 'string', description: `${description} (${INSTANT_FORMAT})`, example: '2025-06-01' };
    case 'timeZone':
      return { type: 'string', description, example: 'Europe/Berlin' };
    case 'enum':
      return { type: 'string', enum: [...field.values], description };
    case 'integer':
      return { type: 'integer', minimum: field.minimum, maximum: field.maximum, description };
    case 'boolean':
      return { type: 'boolean', description };
    case 'ampsOrNull':
      return { type: ['number', 'null'], minimum: 0, maximum: field.maximum, description };
  }
}
