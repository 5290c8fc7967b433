/**
 * Payload validation against the official OCA JSON schemas (unmodified, see
 * schemas/v16/NOTICE.md, schemas/v16-security/NOTICE.md and schemas/v201/NOTICE.md; the 1.6
 * errata are applied in memory by v16/errata.ts), and the mapping of a schema failure to the
 * CALLERROR code that OCPP-J 1.6 §4.2.3 (and OCPP-J 2.0.1 §4.3, which spells two of them
 * otherwise: errors.ts wireErrorCode) names for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import Ajv04 from 'ajv-draft-04';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';
import { OcppCallError, type ErrorCode, type OcppVersion } from './errors.js';
import { CENTRAL_INITIATED_16, CHARGER_INITIATED_16 } from './v16/actions.js';
import { CENTRAL_INITIATED_201, CHARGER_INITIATED_201 } from './v201/actions.js';
import { applyErrata16, withoutMaxLength } from './v16/errata.js';
import { inlineLocalRefs } from './inline-refs.js';

const draft06 = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json') as object;

type AnyAjv = InstanceType<typeof Ajv04.default> | Ajv;

/** Who sends a CALL: the charger ("toCentral") or the central system ("toCharger"). */
export type Direction = 'toCentral' | 'toCharger';

export interface Validator {
  readonly version: OcppVersion;
  /** The action exists in this version at all (else NotImplemented). */
  knows(action: string): boolean;
  /** The action may be initiated in this direction (else NotSupported). */
  allows(action: string, direction: Direction): boolean;
  /** null when valid, else the CALLERROR that answers it. */
  checkRequest(action: string, payload: unknown): OcppCallError | null;
  checkResponse(action: string, payload: unknown): OcppCallError | null;
  /** As checkRequest, but strings may be longer than their maxLength (lenient mode keeps them). */
  checkRequestLenient(action: string, payload: unknown): OcppCallError | null;
  /** The request schema validation uses (errata applied), for the lenient repair to walk. */
  requestSchema(action: string): object | undefined;
  /** As checkResponse, but strings may be longer than their maxLength (a lenient charger's answers). */
  checkResponseLenient(action: string, payload: unknown): OcppCallError | null;
  /** The response schema (errata applied), for the lenient repair of a charger's answer. */
  responseSchema(action: string): object | undefined;
}

/** OCPP-J 1.6 §4.2.3 meanings: which code fits which kind of schema failure. */
const CODE_BY_KEYWORD: Record<string, ErrorCode> = {
  required: 'OccurenceConstraintViolation',
  minItems: 'OccurenceConstraintViolation',
  maxItems: 'OccurenceConstraintViolation',
  type: 'TypeConstraintViolation',
  enum: 'PropertyConstraintViolation',
  maxLength: 'PropertyConstraintViolation',
  minLength: 'PropertyConstraintViolation',
  format: 'PropertyConstraintViolation',
  multipleOf: 'PropertyConstraintViolation',
  minimum: 'PropertyConstraintViolation',
  maximum: 'PropertyConstraintViolation',
  pattern: 'PropertyConstraintViolation',
  additionalProperties: 'FormationViolation',
};

export function errorCodeFor(error: ErrorObject): ErrorCode {
  return CODE_BY_KEYWORD[error.keyword] ?? 'FormationViolation';
}

export function describeSchemaError(action: string, error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replaceAll('/', '.') : 'payload';
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${action}: ${error.instancePath ? where + '.' : ''}${missing} is required`;
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    return `${action}: ${where} has a property the schema does not allow: ${extra}`;
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    return `${action}: ${where} must be one of ${allowed.join(', ')}`;
  }
  return `${action}: ${where} ${error.message ?? 'is invalid'}`;
}

/**
 * RFC 3339 date-time. Tolerates a missing UTC offset (read as UTC): chargers of several makers
 * send "2024-05-01T12:00:00", and refusing their StopTransaction would lose it for good.
 */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;
export function isDateTime(value: string): boolean {
  return isPlainDateTime(value) || isDateTimeByParse(value);
}

/** The definition: the pattern, then whatever the engine's Date.parse makes of it. */
export function isDateTimeByParse(value: string): boolean {
  return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** Days per month, February of a leap year. */
const MONTH_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The digit at i (0-9), or -1. */
function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** Two digits at i as a number, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * The form nearly every charger sends (and toISOString makes), checked by its characters:
 * YYYY-MM-DDTHH:MM:SS, an optional fraction, then Z, ±HH:MM or nothing, uppercase T and Z,
 * each field in its calendar range. Every such string matches DATE_TIME and is an ECMAScript
 * date-time string Date.parse reads as a number (years 0000-9999 are within its range), so
 * true here is isDateTimeByParse's answer too; false means only "not this form", and the
 * definition decides. Date.parse was most of the check's cost (about 0.15 µs a call) and a
 * 2.0.1 TransactionEvent carries two date-times (docs/performance.md, eighth round);
 * test/unit/ocpp/date-time.test.ts compares the two on valid and invalid strings.
 */
export function isPlainDateTime(s: string): boolean {
  const n = s.length;
  if (n < 19) return false;
  if (digitAt(s, 0) < 0 || digitAt(s, 1) < 0 || digitAt(s, 2) < 0 || digitAt(s, 3) < 0) return false;
  if (s.charCodeAt(4) !== 45 /* - */ || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 /* T */ || s.charCodeAt(13) !== 58 /* : */ || s.charCodeAt(16) !== 58) return false;
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (month < 1 || month > 12 || day < 1) return false;
  if (day > MONTH_DAYS[month]!) return false;
  if (month === 2 && day === 29) {
    const year = digitAt(s, 0) * 1000 + digitAt(s, 1) * 100 + digitAt(s, 2) * 10 + digitAt(s, 3);
    if (year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0)) return false;
  }
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let i = 19;
  if (i < n && s.charCodeAt(i) === 46 /* . */) {
    i++;
    const digits = i;
    while (i < n && digitAt(s, i) >= 0) i++;
    if (i === digits) return false;
  }
  if (i === n) return true;
  const c = s.charCodeAt(i);
  if (c === 90 /* Z */) return i + 1 === n;
  if ((c !== 43 /* + */ && c !== 45) || i + 6 !== n || s.charCodeAt(i + 3) !== 58) return false;
  const offsetHour = twoDigits(s, i + 1);
  const offsetMinute = twoDigits(s, i + 4);
  return offsetHour >= 0 && offsetHour <= 23 && offsetMinute >= 0 && offsetMinute <= 59;
}
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

/**
 * Each version's schema folders. 1.6: the 2015 set (draft-04) and the security whitepaper's
 * (edition 3, 2020: draft-06), kept apart because they come from two OCA publications.
 * 2.0.1: the OCA's 2.0.1 set (draft-06), its files named <Action>Request.json and
 * <Action>Response.json as published (the 1.6 files: <Action>.json and <Action>Response.json).
 */
const SCHEMA_DIRS: Record<OcppVersion, readonly URL[]> = {
  'ocpp1.6': [new URL('./schemas/v16/', import.meta.url), new URL('./schemas/v16-security/', import.meta.url)],
  'ocpp2.0.1': [new URL('./schemas/v201/', import.meta.url)],
};

/** Who may initiate what, per version (v16/actions.ts, v201/actions.ts). */
const ACTIONS: Record<OcppVersion, { toCentral: readonly string[]; toCharger: readonly string[] }> = {
  'ocpp1.6': { toCentral: CHARGER_INITIATED_16, toCharger: CENTRAL_INITIATED_16 },
  'ocpp2.0.1': { toCentral: CHARGER_INITIATED_201, toCharger: CENTRAL_INITIATED_201 },
};

const cache = new Map<OcppVersion, Validator>();

/** Schemas compiled so far in this process (each once, on first use): for the tests and the bench. */
let compiledSchemas = 0;
export function compiledSchemaCount(): number {
  return compiledSchemas;
}

/**
 * One validator per version (schemas are static). Its schemas are compiled on first use, each
 * once per process: a site uses a dozen of the ~150 actions of the two versions, and compiling
 * them all at start-up cost 1.6 s and ~60 MiB of RSS (V8 keeps the heap the compiler grew;
 * docs/performance.md, "#19: site scale").
 */
export function validatorFor(version: OcppVersion): Validator {
  let v = cache.get(version);
  if (!v) {
    v = compileValidator(version);
    cache.set(version, v);
  }
  return v;
}

/** A value made on first use and kept. */
function memo<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

function compileValidator(version: OcppVersion): Validator {
  const dirs = SCHEMA_DIRS[version];
  // The OCA 2015 1.6 files declare draft-04, the security whitepaper's draft-06: one ajv per
  // meta-schema, each file compiled by the one its `$schema` names (a file without one: draft-04).
  // multipleOfPrecision: 0.1 multiples such as 6.3 are not exact in binary floating point; 6
  // digits is far below any meaningful current or power.
  const options = { allErrors: false, strict: false, multipleOfPrecision: 6 } as const;
  const ajvs = memo(() => {
    const ajv04 = new Ajv04.default(options);
    const ajv06 = new Ajv(options);
    ajv06.addMetaSchema(draft06);
    for (const ajv of [ajv04, ajv06] as AnyAjv[]) {
      ajv.addFormat('date-time', { type: 'string', validate: isDateTime });
      ajv.addFormat('uri', { type: 'string', validate: (s: string) => URI.test(s) });
    }
    return { ajv04, ajv06 };
  });
  const compile = (schema: { $schema?: string }): ValidateFunction => {
    const { ajv04, ajv06 } = ajvs();
    const ajv: AnyAjv = schema.$schema?.includes('draft-06') ? ajv06 : ajv04;
    compiledSchemas++;
    // Each local $ref inlined: one compiled function per schema instead of a call per referenced
    // type and value (inline-refs.ts; the same verdicts and first errors, test/unit/ocpp/inline-refs.test.ts).
    return ajv.compile(inlineLocalRefs(schema));
  };
  /** A schema file, read and parsed on first use: the files as published, the errata applied to the parsed copy (v16/errata.ts). */
  const load = (dir: URL, file: string) =>
    memo(() => {
      const parsed = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as object;
      return (version === 'ocpp1.6' ? applyErrata16(file, parsed) : parsed) as { $schema?: string };
    });
  const requests = new Map<string, () => ValidateFunction>();
  const responses = new Map<string, () => ValidateFunction>();
  const lenientRequests = new Map<string, () => ValidateFunction>();
  const lenientResponses = new Map<string, () => ValidateFunction>();
  const requestSchemas = new Map<string, () => object>();
  const responseSchemas = new Map<string, () => object>();
  for (const dir of dirs) {
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.json')) continue;
      const schema = load(dir, file);
      if (file.endsWith('Response.json')) {
        const action = file.slice(0, -'Response.json'.length);
        responses.set(action, memo(() => compile(schema())));
        responseSchemas.set(action, schema);
        lenientResponses.set(action, memo(() => compile(withoutMaxLength(schema()))));
      } else {
        const action = file.slice(0, file.endsWith('Request.json') ? -'Request.json'.length : -'.json'.length);
        requests.set(action, memo(() => compile(schema())));
        requestSchemas.set(action, schema);
        lenientRequests.set(action, memo(() => compile(withoutMaxLength(schema()))));
      }
    }
  }
  const toCentral = new Set<string>(ACTIONS[version].toCentral);
  const toCharger = new Set<string>(ACTIONS[version].toCharger);

  const check = (table: Map<string, () => ValidateFunction>, action: string, payload: unknown): OcppCallError | null => {
    const fn = table.get(action)?.();
    if (!fn) return new OcppCallError('NotImplemented', `unknown action ${action}`);
    if (fn(payload)) return null;
    const first = fn.errors![0]!;
    return new OcppCallError(errorCodeFor(first), describeSchemaError(action, first), {
      path: first.instancePath,
      keyword: first.keyword,
    });
  };

  return {
    version,
    knows: (action) => requests.has(action),
    allows: (action, direction) => (direction === 'toCentral' ? toCentral : toCharger).has(action),
    checkRequest: (action, payload) => check(requests, action, payload),
    checkResponse: (action, payload) => check(responses, action, payload),
    checkRequestLenient: (action, payload) => check(lenientRequests, action, payload),
    requestSchema: (action) => requestSchemas.get(action)?.(),
    checkResponseLenient: (action, payload) => check(lenientResponses, action, payload),
    responseSchema: (action) => responseSchemas.get(action)?.(),
  };
}
