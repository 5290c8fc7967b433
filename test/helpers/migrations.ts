/** A data directory's database as a chargegate of before `version` left it: every earlier migration applied. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { DEFAULT_DB_FILE } from '../../src/store/sqlite.js';

export function databaseBefore(dir: string, version: number): Database.Database {
  const db = new Database(join(dir, DEFAULT_DB_FILE));
  for (const m of MIGRATIONS.filter((m) => m.version < version)) db.exec(m.sql);
  db.pragma(`user_version = ${version - 1}`);
  return db;
}

/** Inserts TransactionEvents seen as the table of migrations 10-20 held them (one row per event). */
export const insertEventRow = (db: Database.Database) =>
  db.prepare<[string, string, number, string, number, string, string]>('INSERT INTO transaction_events (charger_id, transaction_ref, seq_no, event_type, offline, timestamp, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
