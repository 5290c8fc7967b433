/**
 * Configuration problems, worded for the person editing the file: one line each,
 * `<key path>: <what is wrong / what is allowed>, got <value as JSON>`, all reported at once.
 * The "what is allowed" text is built from the schema node, so it cannot drift from the rules.
 */
import type { ErrorObject } from 'ajv';

/** Every problem found in a configuration, so a user fixes them in one round. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[], source?: string) {
    const where = source ?? 'configuration';
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${where}: ${count}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A location in the document: keys of mappings and indexes of lists. */
export type KeyPath = readonly (string | number)[];

export interface Problem {
  path: KeyPath;
  text: string;
}

/** `chargers.list[1].maxCurrent`; odd keys quoted (`ocpp["my key"]`); the root is `(top level)`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(top level)' : out;
}

export function problemLine(problem: Problem): string {
  return `${formatPath(problem.path)}: ${problem.text}`;
}

/** Keys whose values are never echoed, whatever they hold. */
export function isSecretKey(key: string | number | undefined): boolean {
  return typeof key === 'string' && /password|secret|token/i.test(key);
}

/** Tells whether the value at a path must not be shown (secret key, or filled from ${...}). */
export type IsHidden = (path: KeyPath) => boolean;

const MAX_SHOWN = 80;

/** The value as JSON for "got ...", with secrets inside it replaced and long values cut. */
export function showValue(value: unknown, path: KeyPath, isHidden: IsHidden): string {
  if (isHidden(path)) return '(hidden)';
  const json = JSON.stringify(redact(value, path, isHidden)) ?? String(value);
  return json.length > MAX_SHOWN ? `${json.slice(0, MAX_SHOWN - 1)}…` : json;
}

function redact(value: unknown, path: KeyPath, isHidden: IsHidden): unknown {
  if (isHidden(path)) return '(hidden)';
  if (Array.isArray(value)) return value.map((v, i) => redact(v, [...path, i], isHidden));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, [...path, k], isHidden)]));
  }
  return value;
}

type SchemaNode = Record<string, unknown>;

/** What a schema node allows, as a phrase that follows "must be". */
export function describeAllowed(schema: SchemaNode): string {
  if (typeof schema.allowed === 'string') return schema.allowed;
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.join(', ')}`;
  switch (schema.type) {
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `an integer${range(schema.minimum, schema.maximum)}`;
    case 'number':
      return `a number${range(schema.minimum, schema.maximum)}`;
    case 'string':
      return describeString(schema);
    case 'array':
      return 'a list';
    case 'object':
      return `a mapping with the keys ${Object.keys((schema.properties ?? {}) as object).join(', ')}`;
    default:
      return 'a valid value';
  }
}

function range(min: unknown, max: unknown): string {
  if (typeof min === 'number' && typeof max === 'number') return ` from ${min} to ${max}`;
  if (typeof min === 'number') return ` of at least ${min}`;
  if (typeof max === 'number') return ` of at most ${max}`;
  return '';
}

function describeString(schema: SchemaNode): string {
  const { minLength: min, maxLength: max, pattern } = schema;
  let text = 'a string';
  if (typeof min === 'number' && typeof max === 'number') text += ` of ${min} to ${max} characters`;
  else if (typeof max === 'number') text += ` of at most ${max} characters`;
  else if (min === 1) text = 'a non-empty string';
  else if (typeof min === 'number') text += ` of at least ${min} characters`;
  if (typeof pattern === 'string') {
    // '^[set]+$' reads as "characters of [set]"; anything else is shown as the expression.
    const charset = /^\^(\[[^\]]+\])\+\$$/.exec(pattern);
    text += charset ? (text.includes('characters') ? ` of ${charset[1]}` : ` of characters ${charset[1]}`) : ` matching ${pattern}`;
  }
  return text;
}

/** `unknown key (allowed: a, b); did you mean "a"?` */
export function unknownKeyText(key: string, allowedKeys: readonly string[]): string {
  const suggestion = closestKey(key, allowedKeys);
  const hint = suggestion === undefined ? '' : `; did you mean ${JSON.stringify(suggestion)}?`;
  return `unknown key (allowed: ${allowedKeys.join(', ')})${hint}`;
}

/** The allowed key a typo most likely meant: close in edit distance (case-insensitive), or none. */
export function closestKey(key: string, allowedKeys: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(key.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of allowedKeys) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus swaps of neighbours ("prot" → "port" is 1). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]![j]!;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      rows[i]![j] = d;
    }
  }
  return at(a.length, b.length);
}

/**
 * Turns ajv's errors (compiled with `allErrors` and `verbose`) into problems: one per key,
 * and no "required" for a key the user evidently misspelt (the unknown key already says so).
 */
export function problemsFromAjv(errors: readonly ErrorObject[], root: unknown, isHidden: IsHidden): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const suggested = new Set<string>();
  const add = (path: KeyPath, text: string) => {
    const key = formatPath(path);
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ path, text });
  };
  for (const error of errors) {
    const at = pointerToPath(error.instancePath, root);
    const schema = (error.parentSchema ?? {}) as SchemaNode;
    if (error.keyword === 'additionalProperties') {
      const key = String(error.params.additionalProperty);
      const allowed = Object.keys((schema.properties ?? {}) as object);
      const suggestion = closestKey(key, allowed);
      if (suggestion !== undefined) suggested.add(formatPath([...at, suggestion]));
      add([...at, key], unknownKeyText(key, allowed));
    } else if (error.keyword !== 'required') {
      add(at, `must be ${describeAllowed(schema)}, got ${showValue(error.data, at, isHidden)}`);
    }
  }
  for (const error of errors) {
    if (error.keyword !== 'required') continue;
    const path = [...pointerToPath(error.instancePath, root), String(error.params.missingProperty)];
    if (!suggested.has(formatPath(path))) add(path, 'required');
  }
  return problems;
}

/** A JSON pointer (`/chargers/list/1`) as a key path, indexes typed as numbers where the data is a list. */
export function pointerToPath(pointer: string, root: unknown): KeyPath {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step = Array.isArray(node) ? Number(segment) : segment;
    path.push(step);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined;
  }
  return path;
}
