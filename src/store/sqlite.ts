import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { pendingMigrations } from './migrations.js';
import type { Store } from './ports.js';
import { createAuthStore } from './sqlite/auth.js';
import { createChargerStore } from './sqlite/chargers.js';
import { createChargeModeStore } from './sqlite/charge-modes.js';
import { createPlanStore } from './sqlite/plans.js';
import { createCostStore } from './sqlite/costs.js';
import { createDashboardLoginStore } from './sqlite/dashboard-logins.js';
import { createDeviceModelStore } from './sqlite/device-model.js';
import { createLimitStore } from './sqlite/limits.js';
import { createMetaStore } from './sqlite/meta.js';
import { createLoadHistoryStore } from './sqlite/load-history.js';
import { createMeterStore } from './sqlite/meters.js';
import { createRawFrameStore } from './sqlite/raw-frames.js';
import type { Db } from './sqlite/rows.js';
import { createGroupCommit, walFileSync } from './sqlite/group-commit.js';
import { createSecurityEventStore } from './sqlite/security.js';
import { createSessionStore } from './sqlite/sessions.js';
import { createStatusHistoryStore } from './sqlite/status-history.js';
import { createTransferStore } from './sqlite/transfers.js';
import { createUpstreamStore } from './sqlite/upstream.js';

export const DEFAULT_DB_FILE = 'chargegate.db';

export interface SqliteStoreOptions {
  /** The database file inside `dir`; chargegate.db unless set. */
  fileName?: string;
  /** How long a write waits for another connection's lock before failing, in ms. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the gateway's database in `dir`, brings its schema up to date,
 * and returns the store. Throws if the database was written by a newer chargegate.
 */
export function openSqliteStore(dir: string, options: SqliteStoreOptions = {}): Store {
  ensureDir(dir);
  const file = join(dir, options.fileName ?? DEFAULT_DB_FILE);
  // It holds idTags and charger passwords' hashes: readable by its owner alone. SQLite creates
  // the -wal and -shm files with the database file's permissions.
  try {
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
  } catch (error) {
    throw new StorageError(dir, error);
  }
  const db = new Database(file);
  try {
    configure(db, options.busyTimeoutMs ?? 5000);
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const wal = walFileSync(`${file}-wal`);
  const sessions = createSessionStore(db);
  // What an undone write had added to the replay check's memory must go with it (handled-events.ts):
  // a write that throws rolls its savepoint back at once; a failed COMMIT or fsync fails every caller.
  const group = createGroupCommit(db, wal, () => sessions.forgetHandledEvents());
  return {
    chargers: createChargerStore(db),
    security: createSecurityEventStore(db),
    transfers: createTransferStore(db),
    sessions,
    meters: createMeterStore(db),
    costs: createCostStore(db),
    auth: createAuthStore(db),
    upstream: createUpstreamStore(db),
    upstreamOf: (name) => createUpstreamStore(db, name),
    meta: createMetaStore(db),
    rawFrames: createRawFrameStore(db),
    statusHistory: createStatusHistoryStore(db),
    loadHistory: createLoadHistoryStore(db),
    deviceModel: createDeviceModelStore(db),
    limits: createLimitStore(db),
    chargeModes: createChargeModeStore(db),
    dashboardLogins: createDashboardLoginStore(db),
    plans: createPlanStore(db),
    durably: (work) => group.durably(work),
    close() {
      if (!db.open) return;
      group.flush();
      db.close();
      wal.close();
    },
  };
}

function configure(db: Db, busyTimeoutMs: number): void {
  // WAL: readers never block the writer, and a commit is one sequential append.
  db.pragma('journal_mode = WAL');
  // NORMAL: a commit does not fsync. The group commit fsyncs the WAL itself, off the event
  // loop, before anyone hears a write is durable (group-commit.ts): what we acknowledged to a
  // charger (a transactionId it will keep using, a Stop it will not resend) survives a power
  // cut as with FULL, and no fsync blocks the event loop.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
}

/** Applies each pending migration in its own transaction, together with its user_version. */
function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (const migration of pendingMigrations(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

/** The data directory cannot be used; the message is one line naming it and why. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly dir: string,
    cause: unknown,
  ) {
    const e = cause as NodeJS.ErrnoException;
    super(`cannot use ${dir} as the data directory: ${e.code ? `${e.code} (${e.message.replace(/^\w+: /, '').replace(/, \w+ '.*'$/, '')})` : e.message}`);
  }
}

/**
 * mkdir -p, one level at a time. Node's own recursive mkdirSync never returns for a path under
 * a file system that refuses it with ENOENT (/proc/nope): it retries forever.
 */
function ensureDir(dir: string): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    try {
      if (!statSync(at).isDirectory()) throw Object.assign(new Error(`${at} is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw new StorageError(dir, error);
      missing.unshift(at);
    }
  }
  try {
    for (const at of missing) mkdirSync(at, { mode: 0o700 });
  } catch (error) {
    throw new StorageError(dir, error);
  }
}
