/**
 * YAML → secrets substituted → validated, defaults applied → checked across keys → frozen.
 * Every problem is collected before anything is thrown, so one run lists them all.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parseDocument, type Document, type YAMLError } from 'yaml';
import { ConfigError, formatPath, isSecretKey, problemLine, problemsFromAjv, type KeyPath, type Problem } from './errors.js';
import { configJsonSchema, type Config, type FileConfig } from './schema.js';
import { mqttConfigProblems } from '../mqtt/options.js';
import { upstreamConfigProblems } from '../upstream/options.js';
import { httpConfigProblems } from '../http/options.js';
import { tariffConfigProblems } from '../cost/options.js';
import { securityConfigProblems, tlsFilePaths } from './security.js';

export interface ParseOptions {
  env: Record<string, string | undefined>;
  /** Folder that relative paths (storage.dir, ${file:...}) resolve against: the config file's. */
  baseDir: string;
  /** Where the text came from, for the error message (usually the file path). */
  source?: string;
}

export function loadConfigFile(path: string, env: Record<string, string | undefined>): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read the config file (${errorCode(error)})`], path);
  }
  return parseConfig(text, { env, baseDir: dirname(resolve(path)), source: path });
}

export function parseConfig(text: string, options: ParseOptions): Config {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map(yamlProblem), options.source);
  let data: unknown;
  try {
    data = doc.toJS() ?? {}; // an empty file means "all defaults"
  } catch (error) {
    throw new ConfigError([`invalid YAML: ${(error as Error).message}`], options.source);
  }
  // An alias inside its own anchor (`a: &a { b: *a }`) makes a value that contains itself:
  // every walk over it would recurse forever.
  const loop = circularPath(data, []);
  if (loop) throw new ConfigError([`${formatPath(loop) || '(top level)'}: a YAML alias refers to the value it is part of (circular); write the value out instead`], options.source);

  const substituted = new Set<string>();
  const problems: Problem[] = [];
  data = substituteSecrets(data, [], options, substituted, problems);
  const failedKeys = new Set(problems.map((p) => formatPath(p.path)));
  const isHidden = (path: KeyPath) => isSecretKey(path.at(-1)) || substituted.has(formatPath(path));

  ocppVersionsAsText(data);
  const validate = compileValidator();
  if (!validate(data)) {
    // A key whose ${...} failed already has its problem; its leftover text would only add noise.
    const invalid = problemsFromAjv(validate.errors ?? [], data, isHidden);
    problems.push(...invalid.filter((p) => !failedKeys.has(formatPath(p.path))));
  }
  problems.push(...duplicateProblems(data));
  problems.push(...mqttConfigProblems(data));
  problems.push(...upstreamConfigProblems(data));
  problems.push(...httpConfigProblems(data));
  problems.push(...tariffConfigProblems(data));
  // Its file checks would only repeat a ${file:...} that could not be read.
  problems.push(...securityConfigProblems(data, options.baseDir).filter((p) => !failedKeys.has(formatPath(p.path))));
  if (problems.length > 0) throw new ConfigError(inDocumentOrder(problems, doc).map(problemLine), options.source);

  const config = data as FileConfig;
  config.storage.dir = resolve(options.baseDir, config.storage.dir);
  // Paths, not contents: the listener rereads them when they change (ocpp/tls-listener.ts).
  if (config.ocpp.tls) Object.assign(config.ocpp.tls, tlsFilePaths(config.ocpp.tls, options.baseDir));
  return deepFreeze({ ...config, demo: false });
}

/**
 * `ocpp: 1.6` is a number to YAML; the OCPP version keys (chargers.list[].ocpp, upstream.ocpp,
 * upstream.mirrors[].ocpp) are text, so a plain 1.6 is read as "1.6" rather than refused as
 * "must be one of 1.6, 2.0.1, got 1.6". (2.0.1 is text to YAML already.)
 */
function ocppVersionsAsText(data: unknown): void {
  const root = data as { chargers?: { list?: unknown }; upstream?: { mirrors?: unknown } } | null;
  if (typeof root !== 'object' || root === null) return;
  const holders = [root.upstream, ...(Array.isArray(root.upstream?.mirrors) ? root.upstream.mirrors : []), ...(Array.isArray(root.chargers?.list) ? root.chargers.list : [])];
  for (const h of holders) {
    const holder = h as { ocpp?: unknown } | null | undefined;
    if (typeof holder === 'object' && holder !== null && typeof holder.ocpp === 'number') holder.ocpp = String(holder.ocpp);
  }
}

/**
 * The defaults for a start without a config file: open to any charger and any idTag, so a
 * first try works. main.ts warns loudly when `demo` is true; a real site uses a file.
 * storage.dir stays './data', relative to the working directory.
 */
export function demoConfig(): Config {
  const data: unknown = { chargers: { allowUnknown: true, list: [] }, authorization: { mode: 'accept-all', list: [] } };
  const validate = compileValidator();
  if (!validate(data)) throw new Error('demo configuration does not match the schema');
  return deepFreeze({ ...data, demo: true });
}

function compileValidator(): ValidateFunction<FileConfig> {
  // useDefaults fills omitted keys in place; verbose gives each error its schema node and value.
  // code.optimize off: ajv's optimiser counts the variables of the code it generates in plain
  // objects keyed by their names (`err575`, `data142`, …). In V8 each key first added to an
  // empty `{}` is a transition of one map all plain objects share, which holds at most 1,536;
  // this schema's names used them all up at start-up. Until V8's next full collection, every
  // `{}` given a new first key then got a map of its own, and the code that met such objects
  // in those seconds (ws's send, Node's streams, chargegate's own) stayed in V8's slow,
  // megamorphic path for the life of the process: ws built each answer's frame options in V8's
  // runtime, some 1.3 µs a message (issue #19; docs/performance.md, "A used-up map"). Without
  // the optimiser the generated code keeps a few variables nothing reads: the same verdicts
  // and errors. test/unit/config/shared-map.test.ts holds this.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, code: { optimize: false } });
  ajv.addKeyword('allowed'); // our wording of what a value may be (see schema.ts)
  addFormatsModule.default(ajv, ['date-time']);
  return ajv.compile<FileConfig>(configJsonSchema());
}

const REFERENCE = /\$(\$?)\{([^}]*)\}/g;

/**
 * In every string value, `${NAME}` becomes the environment variable NAME and `${file:path}` the
 * trimmed contents of that file; `$${` stands for a literal `${`. Results are not expanded again.
 */
function substituteSecrets(value: unknown, path: KeyPath, options: ParseOptions, substituted: Set<string>, problems: Problem[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => substituteSecrets(v, [...path, i], options, substituted, problems));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, substituteSecrets(v, [...path, k], options, substituted, problems)]);
    return Object.fromEntries(entries);
  }
  if (typeof value !== 'string' || !value.includes('${')) return value;

  let replacedAny = false;
  const result = value.replace(REFERENCE, (whole, escaped: string, reference: string) => {
    if (escaped) return whole.slice(1);
    replacedAny = true;
    const found = resolveReference(reference, options);
    if ('problem' in found) problems.push({ path, text: found.problem });
    return found.value ?? '';
  });
  if (replacedAny) substituted.add(formatPath(path));
  return result;
}

function resolveReference(reference: string, options: ParseOptions): { value: string } | { problem: string; value?: undefined } {
  if (reference.startsWith('file:')) {
    const file = resolve(options.baseDir, reference.slice('file:'.length));
    try {
      return { value: readFileSync(file, 'utf8').trim() };
    } catch (error) {
      return { problem: `cannot read secret file ${JSON.stringify(file)} (${errorCode(error)})` };
    }
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(reference)) {
    return { problem: `invalid reference \${${reference}} (allowed: \${NAME} for an environment variable, \${file:path} for a file, $\${ for a literal \${)` };
  }
  const value = options.env[reference];
  if (value === undefined) return { problem: `environment variable ${reference} is not set` };
  return { value };
}

/** Charger ids must be unique (they are the URL identity); so must idTags, compared as OCPP does, ignoring case. */
function duplicateProblems(data: unknown): Problem[] {
  const root = data as { chargers?: { list?: unknown }; authorization?: { list?: unknown } };
  return [
    ...duplicates(root.chargers?.list, ['chargers', 'list'], 'id', 'charger id', (id) => id),
    ...duplicates(root.authorization?.list, ['authorization', 'list'], 'idTag', 'idTag', (tag) => tag.toUpperCase()),
  ];
}

function duplicates(list: unknown, at: KeyPath, field: string, label: string, normalize: (s: string) => string): Problem[] {
  if (!Array.isArray(list)) return [];
  const firstIndex = new Map<string, number>();
  const problems: Problem[] = [];
  list.forEach((entry: unknown, index) => {
    const value = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string') return;
    const first = firstIndex.get(normalize(value));
    if (first === undefined) firstIndex.set(normalize(value), index);
    else problems.push({ path: [...at, index, field], text: `duplicate ${label} ${JSON.stringify(value)} (also at ${formatPath([...at, first])})` });
  });
  return problems;
}

function yamlProblem(error: YAMLError): string {
  const where = error.linePos?.[0];
  const what = error.message.split(' at line ')[0]; // the rest repeats the position and a source excerpt
  return where ? `line ${where.line}, column ${where.col}: invalid YAML: ${what}` : `invalid YAML: ${what}`;
}

/** Sorts problems as the keys appear in the file (a missing key sorts at the end of its parent). */
function inDocumentOrder(problems: Problem[], doc: Document): Problem[] {
  const offset = (path: KeyPath): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return n === path.length ? node.range[0] : node.range[1];
    }
    return -1;
  };
  return problems
    .map((problem, order) => ({ problem, order, at: offset(problem.path) }))
    .sort((a, b) => a.at - b.at || a.order - b.order)
    .map((entry) => entry.problem);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The key path where a value contains itself (a self-referencing YAML alias), or undefined. */
function circularPath(value: unknown, path: KeyPath, ancestors: Set<object> = new Set()): KeyPath | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (ancestors.has(value)) return path;
  ancestors.add(value);
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    const found = circularPath(child, [...path, key], ancestors);
    if (found) return found;
  }
  ancestors.delete(value);
  return undefined;
}
