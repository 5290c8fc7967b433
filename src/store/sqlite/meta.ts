import type { MetaStore } from '../ports.js';
import type { Db } from './rows.js';

/**
 * The meta table's small named values. The local list version has its own port (auth.ts),
 * written in the same transaction as the list; keys here are namespaced by their owner.
 */
export function createMetaStore(db: Db): MetaStore {
  const getValue = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setValue = db.prepare(`
    INSERT INTO meta (key, value) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  const deleteValue = db.prepare('DELETE FROM meta WHERE key = ?');
  return {
    get: (key) => getValue.get(key)?.value,
    set: (key, value) => void setValue.run(key, value),
    delete: (key) => void deleteValue.run(key),
  };
}
