import type { AuthEntry, AuthStatus, AuthStore } from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

const VERSION_KEY = 'auth_list_version';

interface AuthRow {
  id_tag: string;
  status: AuthStatus;
  expiry_date: string | null;
  parent_id_tag: string | null;
}

/** The local authorization list (1.6 SendLocalList) and its version, changed together. */
export function createAuthStore(db: Db): AuthStore {
  const getEntry = db.prepare<[string], AuthRow>('SELECT * FROM auth_list WHERE id_tag = ?');
  const listEntries = db.prepare<[], AuthRow>('SELECT * FROM auth_list ORDER BY id_tag');
  const upsertEntry = db.prepare(`
    INSERT INTO auth_list (id_tag, status, expiry_date, parent_id_tag)
    VALUES (@idTag, @status, @expiryDate, @parentIdTag)
    ON CONFLICT (id_tag) DO UPDATE SET
      status = excluded.status, expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag`);
  const removeEntry = db.prepare('DELETE FROM auth_list WHERE id_tag = ?');
  const removeAll = db.prepare('DELETE FROM auth_list');
  const getVersion = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setVersion = db.prepare(`
    INSERT INTO meta (key, value) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);

  function upsertAll(entries: AuthEntry[]): void {
    for (const entry of entries) {
      upsertEntry.run({
        idTag: entry.idTag,
        status: entry.status,
        expiryDate: orNull(entry.expiryDate),
        parentIdTag: orNull(entry.parentIdTag),
      });
    }
  }

  // Each change and its version commit together: a crash never leaves a list that claims
  // a version it does not hold (the CSMS would then skip sending the missing update).
  const replaceAll = db.transaction((entries: AuthEntry[], version: number) => {
    removeAll.run();
    upsertAll(entries);
    setVersion.run(VERSION_KEY, String(version));
  });
  const upsert = db.transaction((entries: AuthEntry[], version: number) => {
    upsertAll(entries);
    setVersion.run(VERSION_KEY, String(version));
  });
  const remove = db.transaction((idTags: string[], version: number) => {
    for (const idTag of idTags) removeEntry.run(idTag);
    setVersion.run(VERSION_KEY, String(version));
  });

  return {
    get(idTag) {
      const row = getEntry.get(idTag);
      return row && toEntry(row);
    },
    replaceAll: (entries, version) => replaceAll(entries, version),
    upsert: (entries, version) => upsert(entries, version),
    remove: (idTags, version) => remove(idTags, version),
    list() {
      return listEntries.all().map(toEntry);
    },
    version() {
      const row = getVersion.get(VERSION_KEY);
      // 0 is what 1.6 GetLocalListVersion answers for a list that was never set.
      return row ? Number(row.value) : 0;
    },
  };
}

function toEntry(row: AuthRow): AuthEntry {
  return omitEmpty<AuthEntry>({
    idTag: row.id_tag,
    status: row.status,
    expiryDate: orUndefined(row.expiry_date),
    parentIdTag: orUndefined(row.parent_id_tag),
  });
}
