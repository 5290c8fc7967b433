import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pendingMigrations } from './migrations.js';
import type { Store } from './ports.js';
import { createAuthStore } from './sqlite/auth.js';
import { createChargerStore } from './sqlite/chargers.js';
import { createMetaStore } from './sqlite/meta.js';
import { createMeterStore } from './sqlite/meters.js';
import type { Db } from './sqlite/rows.js';
import { createGroupCommit, walFileSync } from './sqlite/group-commit.js';
import { createSessionStore } from './sqlite/sessions.js';
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
  mkdirSync(dir, { recursive: true });
  const file = join(dir, options.fileName ?? DEFAULT_DB_FILE);
  const db = new Database(file);
  try {
    configure(db, options.busyTimeoutMs ?? 5000);
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const wal = walFileSync(`${file}-wal`);
  const group = createGroupCommit(db, wal);
  return {
    chargers: createChargerStore(db),
    sessions: createSessionStore(db),
    meters: createMeterStore(db),
    auth: createAuthStore(db),
    upstream: createUpstreamStore(db),
    meta: createMetaStore(db),
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
