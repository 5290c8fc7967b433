import type { AuthEntry, AuthStatus, AuthStore, ListSource } from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

/** The list every channel reads until the cloud writes that channel's own (migration 8: the one list of before). */
const LEGACY: ListSource = 'cloud:*';
const GENERATION_KEY = 'local_list_generation';

interface AuthRow {
  id_tag: string;
  status: AuthStatus;
  expiry_date: string | null;
  parent_id_tag: string | null;
}

/** The local authorization lists (1.6 SendLocalList), one per source, each changed together with its version. */
export function createAuthStore(db: Db): AuthStore {
  const getEntry = db.prepare<[string, string], AuthRow>('SELECT * FROM local_lists WHERE source = ? AND id_tag = ?');
  const listEntries = db.prepare<[string], AuthRow>('SELECT * FROM local_lists WHERE source = ? ORDER BY id_tag');
  const upsertEntry = db.prepare(`
    INSERT INTO local_lists (source, id_tag, status, expiry_date, parent_id_tag)
    VALUES (@source, @idTag, @status, @expiryDate, @parentIdTag)
    ON CONFLICT (source, id_tag) DO UPDATE SET
      status = excluded.status, expiry_date = excluded.expiry_date, parent_id_tag = excluded.parent_id_tag`);
  const removeEntry = db.prepare('DELETE FROM local_lists WHERE source = ? AND id_tag = ?');
  const removeAll = db.prepare('DELETE FROM local_lists WHERE source = ?');
  const copyList = db.prepare(`
    INSERT INTO local_lists (source, id_tag, status, expiry_date, parent_id_tag)
    SELECT ?, id_tag, status, expiry_date, parent_id_tag FROM local_lists WHERE source = ?`);
  const getVersion = db.prepare<[string], { version: number }>('SELECT version FROM local_list_versions WHERE source = ?');
  const setVersion = db.prepare(`
    INSERT INTO local_list_versions (source, version) VALUES (?, ?)
    ON CONFLICT (source) DO UPDATE SET version = excluded.version`);
  const getMeta = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
  const setMeta = db.prepare(`
    INSERT INTO meta (key, value) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`);

  /** A cloud channel that never had a list of its own reads the list migrated from before (if any). */
  function effective(source: ListSource): ListSource {
    if (source === 'config' || getVersion.get(source)) return source;
    return getVersion.get(LEGACY) ? LEGACY : source;
  }

  function upsertAll(source: ListSource, entries: AuthEntry[]): void {
    for (const entry of entries) {
      upsertEntry.run({ source, idTag: entry.idTag, status: entry.status, expiryDate: orNull(entry.expiryDate), parentIdTag: orNull(entry.parentIdTag) });
    }
  }

  /** A differential update of a channel still reading the old list starts from a copy of it. */
  function own(source: ListSource): void {
    if (effective(source) === LEGACY && source !== LEGACY) copyList.run(source, LEGACY);
  }

  function committed(source: ListSource, version: number): void {
    setVersion.run(source, version);
    setMeta.run(GENERATION_KEY, String(generation() + 1));
  }

  function generation(): number {
    const row = getMeta.get(GENERATION_KEY);
    return row ? Number(row.value) : 0;
  }

  // Each change and its version commit together: a crash never leaves a list that claims
  // a version it does not hold (the CSMS would then skip sending the missing update).
  const replaceAll = db.transaction((source: ListSource, entries: AuthEntry[], version: number) => {
    removeAll.run(source);
    upsertAll(source, entries);
    committed(source, version);
  });
  const upsert = db.transaction((source: ListSource, entries: AuthEntry[], version: number) => {
    own(source);
    upsertAll(source, entries);
    committed(source, version);
  });
  const remove = db.transaction((source: ListSource, idTags: string[], version: number) => {
    own(source);
    for (const idTag of idTags) removeEntry.run(source, idTag);
    committed(source, version);
  });

  return {
    get(source, idTag) {
      const row = getEntry.get(effective(source), idTag);
      return row && toEntry(row);
    },
    replaceAll: (source, entries, version) => replaceAll(source, entries, version),
    upsert: (source, entries, version) => upsert(source, entries, version),
    remove: (source, idTags, version) => remove(source, idTags, version),
    list(source) {
      return listEntries.all(effective(source)).map(toEntry);
    },
    version(source) {
      // 0 is what 1.6 GetLocalListVersion answers for a list that was never set.
      return getVersion.get(effective(source))?.version ?? 0;
    },
    generation,
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
