/**
 * `chargegate report sessions|energy`: the sessions and energy the HTTP API serves, read
 * straight from the database (also while chargegate runs: SQLite WAL lets readers in). Takes
 * argv and the streams it may write to; never touches `process`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HttpError } from '../http/errors.js';
import { parseQuery, type FieldsSpec } from '../http/params.js';
import { DEFAULT_DB_FILE, openSqliteStore } from '../store/sqlite.js';
import { toCsv } from './csv.js';
import { energyColumns, energyTotals } from './energy.js';
import { findSessions, SESSION_COLUMNS, withCosts } from './sessions.js';

export interface ReportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  /** Where a relative ./data is looked for. */
  cwd: string;
}

export const REPORT_USAGE = `Usage:
  chargegate report sessions [--from T] [--to T] [--charger ID] [--format csv|json] [--config FILE]
  chargegate report energy [--by day|charger|charger-day] [--from T] [--to T] [--charger ID]
                           [--tz ZONE] [--format csv|json] [--config FILE]

  T is a date (2025-06-01, midnight UTC) or a date-time with a zone (2025-06-01T08:00+02:00);
  sessions are those that started in [from, to). Energy counts finished sessions, each on the
  day it started (in --tz, default UTC). --config FILE (or CHARGEGATE_CONFIG) names the config
  whose storage.dir holds the database; without one: ./data. Output: CSV (default) or JSON.
`;

const COMMON = {
  from: { type: 'instant', description: 'start of the range' },
  to: { type: 'instant', description: 'end of the range (exclusive)' },
  charger: { type: 'string', maxLength: 48, description: 'one charger' },
  format: { type: 'enum', values: ['csv', 'json'], description: 'output format' },
  config: { type: 'string', maxLength: 4096, description: 'config file' },
} as const satisfies FieldsSpec;
const SESSIONS = COMMON;
const ENERGY = { ...COMMON, by: { type: 'enum', values: ['day', 'charger', 'charger-day'], description: 'grouping' }, tz: { type: 'timeZone', description: 'time zone of the days' } } as const satisfies FieldsSpec;

export async function reportCommand(argv: string[], io: ReportIo): Promise<number> {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === '--help' || kind === '-h') {
    io.stdout.write(REPORT_USAGE);
    return kind === undefined ? 2 : 0;
  }
  if (kind !== 'sessions' && kind !== 'energy') return usage(io, `unknown report "${kind}" (allowed: sessions, energy)`);
  let options: ReturnType<typeof parseFlags<typeof ENERGY>>;
  try {
    options = parseFlags(kind === 'energy' ? ENERGY : SESSIONS, rest);
  } catch (err) {
    if (err instanceof HttpError) return usage(io, err.message.replace(/unknown parameter "([\w-]+)"/, 'unknown option --$1').replace(/parameter "([\w-]+)"/g, '--$1'));
    throw err;
  }
  if (options.from && options.to && options.from >= options.to) return usage(io, '--from must be before --to');

  const dir = dataDir(options.config ?? io.env.CHARGEGATE_CONFIG, io.cwd);
  if ('problem' in dir) {
    io.stderr.write(`chargegate report: ${dir.problem}\n`);
    return 1;
  }
  const store = openSqliteStore(dir.path);
  try {
    const sessions = findSessions(store.sessions, {
      ...(options.charger !== undefined ? { chargerId: options.charger } : {}),
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
    });
    const json = options.format === 'json';
    if (kind === 'sessions') {
      // The costs stored when the sessions ended (a running one's is in the API).
      const costed = withCosts(sessions, (s) => store.costs.get(s.transactionId));
      io.stdout.write(json ? JSON.stringify(costed, null, 2) + '\n' : toCsv(SESSION_COLUMNS, costed));
    } else {
      const by = options.by ?? 'charger-day';
      const rows = energyTotals(sessions, by, options.tz ?? 'UTC');
      io.stdout.write(json ? JSON.stringify(rows, null, 2) + '\n' : toCsv(energyColumns(by), rows));
    }
    return 0;
  } finally {
    store.close();
  }
}

/** `--flag value` and `--flag=value` → the same validation the HTTP query gets. */
function parseFlags<S extends FieldsSpec>(spec: S, argv: string[]) {
  const params = new URLSearchParams();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new HttpError('bad_query', `unexpected argument "${arg}" (options start with --)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new HttpError('bad_query', `--${m[1]} needs a value`);
    params.append(m[1]!, value);
  }
  return parseQuery(spec, params);
}

/** The database folder: storage.dir of the config (relative to it), else ./data. */
function dataDir(configPath: string | undefined, cwd: string): { path: string } | { problem: string } {
  let path = resolve(cwd, 'data');
  if (configPath) {
    const file = resolve(cwd, configPath);
    let doc: unknown;
    try {
      // Only storage.dir is needed: a secret missing from this shell must not stop a report.
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      return { problem: `cannot read ${file}: ${(err as Error).message}` };
    }
    const dir = (doc as { storage?: { dir?: unknown } } | null)?.storage?.dir;
    path = resolve(dirname(file), typeof dir === 'string' ? dir : './data');
  }
  if (!existsSync(join(path, DEFAULT_DB_FILE))) return { problem: `no chargegate database in ${path} (give --config FILE, the config chargegate runs with)` };
  return { path };
}

function usage(io: ReportIo, problem: string): number {
  io.stderr.write(`chargegate report: ${problem}\n\n${REPORT_USAGE}`);
  return 2;
}
