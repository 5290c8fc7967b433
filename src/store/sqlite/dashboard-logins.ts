import type { DashboardLogin, DashboardLoginStore } from '../ports.js';
import type { Db } from './rows.js';

interface Row {
  secret_hash: string;
  role: DashboardLogin['role'];
  bound: string;
  created_at: string;
  expires_at: string;
}

/** Remembered dashboard logins: one row per browser, removed on logout or when expired. */
export function createDashboardLoginStore(db: Db): DashboardLoginStore {
  const insert = db.prepare('INSERT INTO dashboard_logins (secret_hash, role, bound, created_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const one = db.prepare<[string], Row>('SELECT secret_hash, role, bound, created_at, expires_at FROM dashboard_logins WHERE secret_hash = ?');
  const remove = db.prepare('DELETE FROM dashboard_logins WHERE secret_hash = ?');
  const expired = db.prepare('DELETE FROM dashboard_logins WHERE expires_at <= ?');
  return {
    add: (l) => void insert.run(l.secretHash, l.role, l.bound, l.createdAt, l.expiresAt),
    get(secretHash) {
      const r = one.get(secretHash);
      return r && { secretHash: r.secret_hash, role: r.role, bound: r.bound, createdAt: r.created_at, expiresAt: r.expires_at };
    },
    remove: (secretHash) => void remove.run(secretHash),
    removeExpired: (now) => expired.run(now).changes,
  };
}
