/**
 * The lenient repair walk shared by the OCPP versions (1.6: v16/leniency.ts, issue 14; 2.0.1:
 * v201/leniency.ts, issue 16). Pure: it walks a payload against its request schema and returns
 * the repaired payload with the list of what was done; each version brings its own enum rules.
 *
 * - a property the schema does not know is dropped ("unknown properties are ignored");
 * - a string over its maxLength is kept (the lenient schema has no maxLength);
 * - an integer or number sent as a clean decimal string ("1000") is read as that number, and
 *   a string field sent as a JSON number is read as its text;
 * - an enum value outside the enumeration goes to the version's `nearest` rule: a member, or
 *   the drop of the list item it describes (a sampled value), or left as it is (refused);
 * - with `wrapSingle`, an object where the schema wants a list is read as a list of one.
 * `$ref`s to the schema's own `definitions` (the OCA 2.0.1 files use them) are followed.
 */

export type LeniencyKind = 'unknown-property' | 'long-string' | 'number-string' | 'string-number' | 'enum-mapped' | 'sample-dropped' | 'single-item-list' | 'filled-in';

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

export type Schema = {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
  enum?: unknown[];
  maxLength?: number;
  required?: string[];
  $ref?: string;
  definitions?: Record<string, Schema>;
};

/** What an enum value outside the enumeration becomes: a member, or the drop of its list item. */
export type EnumVerdict = { value: string; why: string } | { drop: string } | null;
/** Per field, once spelling and aliases did not match: a safe member, or no safe one (drop). */
export type EnumRule = { to: string; why: string } | { drop: string };

/**
 * A value equal to a member but for case and punctuation is that member; then the field's
 * aliases (by the value in lower case); then the field's rule. null: no safe value (refused).
 */
export function nearestByRules(field: string, value: string, members: readonly string[], rules: Record<string, EnumRule>, aliases: Record<string, Record<string, string>> = {}): EnumVerdict {
  const exact = members.find((m) => squash(m) === squash(value));
  if (exact) return { value: exact, why: 'same value, other spelling' };
  const table = Object.hasOwn(aliases, field) ? aliases[field]! : {};
  const alias = Object.hasOwn(table, value.toLowerCase()) ? table[value.toLowerCase()] : undefined;
  if (alias && members.includes(alias)) return { value: alias, why: 'known alias' };
  const rule = Object.hasOwn(rules, field) ? rules[field]! : undefined;
  if (!rule) return null;
  if ('drop' in rule) return rule;
  return members.includes(rule.to) ? { value: rule.to, why: rule.why } : null;
}

export interface RepairRules {
  /** "OCPP 1.6", "OCPP 2.0.1": named in the details. */
  version: string;
  /** `field` is the property name, `path` where it is. */
  nearest(field: string, value: string, members: readonly string[], path: string): EnumVerdict;
  /** The list whose items go when all their own items were dropped (1.6 and 2.0.1: sampledValue). */
  emptiedList: string;
  wrapSingle?: boolean;
}

export const DROP = Symbol('drop');
const NUMBER = /^-?\d+(\.\d+)?$/;
const INTEGER = /^-?\d+$/;

/** Lower case without punctuation: "current.import", "L1N", "wh" match their members. */
export function squash(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9%°]/g, '');
}

export interface Walk {
  notes: Leniency[];
  lossy: boolean;
  /** The charger's own word for each enum value mapped, by path. */
  mapped: Map<string, string>;
}

/** Repairs `payload` against `schema`; `walk.mapped` tells the caller which enum values were replaced. */
export function repairAgainst(payload: unknown, schema: object, rules: RepairRules): Repaired & { mapped: Map<string, string> } {
  const state: Walk = { notes: [], lossy: false, mapped: new Map() };
  const root = schema as Schema;
  let out = walk(payload, root, root, '', undefined, rules, state);
  if (out === DROP) out = payload;
  return { payload: out, notes: state.notes, lossy: state.lossy, mapped: state.mapped };
}

function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  // "#/definitions/X" only: the OCA files refer to nothing else.
  for (let hops = 0; s.$ref && hops < 8; hops++) {
    const name = /^#\/definitions\/(.+)$/.exec(s.$ref)?.[1];
    const target = name && root.definitions && Object.hasOwn(root.definitions, name) ? root.definitions[name] : undefined;
    if (!target) break;
    s = target;
  }
  return s;
}

function walk(value: unknown, raw: Schema, root: Schema, path: string, field: string | undefined, rules: RepairRules, state: Walk): unknown {
  const schema = resolve(raw, root);
  const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (schema.type === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Own keys only: a charger's "__proto__" or "constructor" is no property of the schema
      // (found by `npm run fuzz`: it was taken for one, and dropped without a count).
      const sub = schema.properties && Object.hasOwn(schema.properties, k) ? schema.properties[k] : undefined;
      if (!sub) {
        if (schema.additionalProperties === false) {
          state.notes.push({ kind: 'unknown-property', path: at(k), detail: `${at(k)} is not in the schema: ignored` });
          state.lossy = true;
          continue;
        }
        define(out, k, v);
        continue;
      }
      const fixed = walk(v, sub, root, at(k), k, rules, state);
      // An enum with no safe substitute takes its whole object (a sampled value) with it.
      if (fixed === DROP) return DROP;
      define(out, k, fixed);
    }
    return out;
  }
  if (schema.type === 'array' && schema.items && rules.wrapSingle && isPlainObject(value)) {
    state.notes.push({ kind: 'single-item-list', path, detail: `${path} sent as one object where a list is expected: read as a list of one` });
    return walk([value], schema, root, path, field, rules, state);
  }
  if (schema.type === 'array' && Array.isArray(value) && schema.items) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const fixed = walk(item, schema.items!, root, at(i), field, rules, state);
      if (fixed !== DROP) out.push(fixed);
      else {
        state.notes.push({ kind: 'sample-dropped', path: at(i), detail: `${at(i)} dropped: ${JSON.stringify(item)}` });
        state.lossy = true;
      }
    });
    // A list whose every item was dropped goes too; an empty top-level list stays (and fails).
    if (out.length === 0 && value.length > 0 && field === rules.emptiedList) return DROP;
    return out;
  }
  if ((schema.type === 'integer' || schema.type === 'number') && typeof value === 'string') {
    const clean = schema.type === 'integer' ? INTEGER.test(value) : NUMBER.test(value);
    if (clean && Number.isSafeInteger(Math.trunc(Number(value)))) {
      state.notes.push({ kind: 'number-string', path, detail: `${path} sent as the string ${JSON.stringify(value)}: read as a number` });
      return Number(value);
    }
    return value;
  }
  if (schema.type === 'string' && !schema.enum && typeof value === 'number' && Number.isFinite(value)) {
    state.notes.push({ kind: 'string-number', path, detail: `${path} sent as the number ${value}: read as the text "${String(value)}"` });
    return String(value);
  }
  if (schema.type === 'string' && typeof value === 'string') {
    if (schema.enum && !schema.enum.includes(value) && field) {
      const near = rules.nearest(field, value, schema.enum as string[], path);
      if (!near) return value;
      if ('drop' in near) return DROP;
      state.notes.push({ kind: 'enum-mapped', path, detail: `${path} ${JSON.stringify(value)} is not an ${rules.version} value: read as ${near.value} (${near.why})` });
      state.mapped.set(path, value);
      return near.value;
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      state.notes.push({ kind: 'long-string', path, detail: `${path} has ${value.length} characters (at most ${schema.maxLength}): kept whole` });
    }
    return value;
  }
  return value;
}

/** An own data property, also for "__proto__" (an assignment would set the prototype instead). */
export function define(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
