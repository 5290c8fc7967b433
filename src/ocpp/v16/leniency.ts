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

import { define, isPlainObject, nearestByRules, repairAgainst, squash, type EnumRule, type EnumVerdict, type Repaired, type Schema } from '../repair.js';

export type { Leniency, LeniencyKind, Repaired } from '../repair.js';

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

export function nearestEnum(field: string, value: string, members: readonly string[]): EnumVerdict {
  return nearestByRules(field, value, members, ENUM_RULES, { unit: UNIT_ALIASES, status: STATUS_ALIASES });
}

/** Repairs `payload` against `schema` (the errata-patched request schema of `action`). */
export function repairRequest16(action: string, payload: unknown, schema: object): Repaired {
  const repaired = repairAgainst(payload, schema, { version: 'OCPP 1.6', nearest: (field, value, members) => nearestEnum(field, value, members), emptiedList: 'sampledValue' });
  const out = action === 'StatusNotification' ? afterStatusNotification(repaired.payload, repaired.mapped) : repaired.payload;
  return { payload: out, notes: repaired.notes, lossy: repaired.lossy };
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
