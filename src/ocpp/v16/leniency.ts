/**
 * Lenient validation for OCPP 1.6 (issue 14): pure repair of the deviations real chargers send,
 * and salvage of a transaction message that repair cannot make valid. Nothing here logs,
 * counts or stores: the caller gets the repaired payload and the list of what was done.
 *
 * Repair walks the payload against the (errata-patched) request schema:
 * - a property the schema does not know is dropped ("unknown properties are ignored");
 * - a string over its maxLength is kept (the lenient schema has no maxLength): CiString20 idTags
 *   of 25 characters, 33- or 41-character chargeBoxSerialNumbers (Schneider EVlink);
 * - an integer or number sent as a clean decimal string ("1000") is read as that number, and
 *   a string field sent as a JSON number (sampledValue.value: 1234) is read as its text;
 * - an enum value outside the enumeration is mapped to the nearest safe value (ENUM_RULES),
 *   or its sampled value is dropped when no value is safe (a wrong unit, phase or measurand
 *   would be wrong data, which is worse than none: the raw frame is kept by the caller).
 * Dates without a UTC offset are accepted by the validator itself (validate.ts isDateTime).
 */

export type LeniencyKind = 'unknown-property' | 'long-string' | 'number-string' | 'string-number' | 'enum-mapped' | 'sample-dropped';

export interface Leniency {
  kind: LeniencyKind;
  /** Where in the payload, e.g. "meterValue.0.sampledValue.1.unit". */
  path: string;
  detail: string;
}

export interface Repaired {
  payload: unknown;
  notes: Leniency[];
  /** Something the charger sent was dropped (not merely reinterpreted): keep the raw frame. */
  lossy: boolean;
}

type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
  enum?: unknown[];
  maxLength?: number;
  required?: string[];
};

/** What an enum value outside the enumeration becomes once spelling variants did not match. */
type EnumRule = { to: string; why: string } | { drop: string };

/**
 * Per field of the charger-initiated messages that has an enumeration. Before a rule applies,
 * a value equal to a member but for case and punctuation ("current.import", "L1N", "wh") is
 * taken as that member, and UNIT_ALIASES are tried.
 */
const ENUM_RULES: Record<string, EnumRule> = {
  // StatusNotification (1.6 §7.6): OtherError is the spec's own "anything else"; the
  // charger's word goes to vendorErrorCode (see afterStatusNotification).
  errorCode: { to: 'OtherError', why: 'the spec\'s catch-all error code' },
  // StatusNotification (§7.7). Unavailable: the connector is not offered for a new session,
  // yet a session already on it keeps its budget (the balancer goes by sessions). The
  // charger's word goes to info. OCPP 1.5's Occupied is mapped by STATUS_ALIASES.
  status: { to: 'Unavailable', why: 'not offered for new sessions until a known status comes' },
  // StopTransaction (§7.33): Other is the spec's catch-all reason.
  reason: { to: 'Other', why: 'the spec\'s catch-all stop reason' },
  // SampledValue (§7.17 ReadingContext): Other is the spec's catch-all context (Alfen's
  // offline backlog sends contexts outside the enumeration).
  context: { to: 'Other', why: 'the spec\'s catch-all reading context' },
  // SampledValue (§7.44 ValueFormat): a value of an unknown format is read as plain Raw.
  format: { to: 'Raw', why: 'read as a plain value' },
  // No safe substitute: another measurand, unit, phase or location would mislabel the value.
  measurand: { drop: 'no other measurand describes this value' },
  unit: { drop: 'no other unit describes this value' },
  phase: { drop: 'no other phase describes this value' },
  location: { drop: 'no other location describes this value' },
};

/** Unit spellings seen in the field, beyond case (1.6 §7.45 UnitOfMeasure; errata for Celsius and Hertz). */
const UNIT_ALIASES: Record<string, string> = { c: 'Celsius', '°c': 'Celsius', degc: 'Celsius', f: 'Fahrenheit', '°f': 'Fahrenheit', hz: 'Hertz', '%': 'Percent' };
/** OCPP 1.5 ChargePointStatus values that 1.6 split: Occupied had a car on the connector. */
const STATUS_ALIASES: Record<string, string> = { occupied: 'Charging' };

const DROP = Symbol('drop');
const NUMBER = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;

function squash(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9%°]/g, '');
}

export function nearestEnum(field: string, value: string, members: readonly string[]): { value: string; why: string } | { drop: string } | null {
  const exact = members.find((m) => squash(m) === squash(value));
  if (exact) return { value: exact, why: 'same value, other spelling' };
  const alias = (field === 'unit' ? UNIT_ALIASES : field === 'status' ? STATUS_ALIASES : {})[value.toLowerCase()];
  if (alias && members.includes(alias)) return { value: alias, why: 'known alias' };
  const rule = ENUM_RULES[field];
  if (!rule) return null;
  if ('drop' in rule) return rule;
  return members.includes(rule.to) ? { value: rule.to, why: rule.why } : null;
}

/** Repairs `payload` against `schema` (the errata-patched request schema of `action`). */
export function repairRequest16(action: string, payload: unknown, schema: object): Repaired {
  const notes: Leniency[] = [];
  const state = { lossy: false };
  const mapped = new Map<string, string>();
  let out = walk(payload, schema as Schema, '', undefined, notes, state, mapped);
  if (out === DROP) out = payload;
  if (action === 'StatusNotification') out = afterStatusNotification(out, mapped);
  return { payload: out, notes, lossy: state.lossy };
}

function walk(value: unknown, schema: Schema, path: string, field: string | undefined, notes: Leniency[], state: { lossy: boolean }, mapped: Map<string, string>): unknown {
  const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (schema.type === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Own keys only: a charger's "__proto__" or "constructor" is no property of the schema
      // (found by `npm run fuzz`: it was taken for one, and dropped without a count).
      const sub = schema.properties && Object.hasOwn(schema.properties, k) ? schema.properties[k] : undefined;
      if (!sub) {
        if (schema.additionalProperties === false) {
          notes.push({ kind: 'unknown-property', path: at(k), detail: `${at(k)} is not in the schema: ignored` });
          state.lossy = true;
          continue;
        }
        define(out, k, v);
        continue;
      }
      const fixed = walk(v, sub, at(k), k, notes, state, mapped);
      // An enum with no safe substitute takes its whole object (a sampled value) with it.
      if (fixed === DROP) return DROP;
      define(out, k, fixed);
    }
    return out;
  }
  if (schema.type === 'array' && Array.isArray(value) && schema.items) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const fixed = walk(item, schema.items!, at(i), field, notes, state, mapped);
      if (fixed !== DROP) out.push(fixed);
      else {
        notes.push({ kind: 'sample-dropped', path: at(i), detail: `${at(i)} dropped: ${JSON.stringify(item)}` });
        state.lossy = true;
      }
    });
    // A meterValue whose every sampled value was dropped goes too; an empty top-level list stays (and fails).
    if (out.length === 0 && value.length > 0 && field === 'sampledValue') return DROP;
    return out;
  }
  if ((schema.type === 'integer' || schema.type === 'number') && typeof value === 'string') {
    const clean = schema.type === 'integer' ? INTEGER.test(value) : NUMBER.test(value);
    if (clean && Number.isSafeInteger(Math.trunc(Number(value)))) {
      notes.push({ kind: 'number-string', path, detail: `${path} sent as the string ${JSON.stringify(value)}: read as a number` });
      return Number(value);
    }
    return value;
  }
  if (schema.type === 'string' && !schema.enum && typeof value === 'number' && Number.isFinite(value)) {
    notes.push({ kind: 'string-number', path, detail: `${path} sent as the number ${value}: read as the text "${String(value)}"` });
    return String(value);
  }
  if (schema.type === 'string' && typeof value === 'string') {
    if (schema.enum && !schema.enum.includes(value) && field) {
      const near = nearestEnum(field, value, schema.enum as string[]);
      if (!near) return value;
      if ('drop' in near) return DROP;
      notes.push({ kind: 'enum-mapped', path, detail: `${path} ${JSON.stringify(value)} is not an OCPP 1.6 value: read as ${near.value} (${near.why})` });
      mapped.set(path, value);
      return near.value;
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      notes.push({ kind: 'long-string', path, detail: `${path} has ${value.length} characters (at most ${schema.maxLength}): kept whole` });
    }
    return value;
  }
  return value;
}

/** The charger's own words for a mapped errorCode or status are kept in vendorErrorCode and info. */
function afterStatusNotification(payload: unknown, mapped: Map<string, string>): unknown {
  if (!isPlainObject(payload)) return payload;
  const out = { ...payload };
  const errorCode = mapped.get('errorCode');
  if (errorCode !== undefined && out.errorCode === 'OtherError' && squash(errorCode) !== 'othererror') {
    if (out.vendorErrorCode === undefined) out.vendorErrorCode = errorCode;
    else if (out.info === undefined) out.info = `errorCode ${errorCode}`;
  }
  const status = mapped.get('status');
  if (status !== undefined && out.info === undefined) out.info = `status ${status}`;
  return out;
}

export interface Salvaged {
  payload: Record<string, unknown>;
  /** What was left out, in words. */
  dropped: string[];
}

/**
 * The valid part of a transaction message that repair could not make valid (1.6 §3.7: a
 * charger may drop a transaction message that got a CALLERROR, so what can be understood is
 * kept): its required fields must pass as they are; optional fields are added back one by
 * one where they pass, and of a list (meterValue, transactionData) the items that pass.
 * null when even the required part does not pass. `check` is the (lenient) validator.
 */
export function salvageRequest(payload: unknown, schema: object, check: (p: unknown) => boolean): Salvaged | null {
  if (!isPlainObject(payload)) return null;
  const required = (schema as Schema).required ?? [];
  const dropped: string[] = [];
  const out: Record<string, unknown> = {};
  for (const k of required) if (k in payload) out[k] = payload[k];
  // Items of a required list are taken one by one, judged with the other required fields.
  for (const k of required) {
    const v = payload[k];
    if (Array.isArray(v)) {
      const kept = keepPassing(out, k, v, check, dropped);
      out[k] = kept;
    }
  }
  if (!check(out)) return null;
  for (const [k, v] of Object.entries(payload)) {
    if (required.includes(k)) continue;
    if (Array.isArray(v)) {
      const kept = keepPassing(out, k, v, check, dropped);
      if (kept.length > 0) define(out, k, kept);
      else if (v.length > 0) dropped.push(k);
      continue;
    }
    if (check({ ...out, [k]: v })) define(out, k, v);
    else dropped.push(`${k}: ${JSON.stringify(v)}`);
  }
  return { payload: out, dropped };
}

function keepPassing(base: Record<string, unknown>, key: string, items: unknown[], check: (p: unknown) => boolean, dropped: string[]): unknown[] {
  const kept: unknown[] = [];
  items.forEach((item, i) => {
    if (check({ ...base, [key]: [item] })) kept.push(item);
    else dropped.push(`${key}.${i}: ${JSON.stringify(item)}`);
  });
  return kept;
}

/** An own data property, also for "__proto__" (an assignment would set the prototype instead). */
function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
