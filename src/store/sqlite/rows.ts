import type BetterSqlite3 from 'better-sqlite3';

/** The driver's connection type, named once so the store files need not repeat it. */
export type Db = BetterSqlite3.Database;

/**
 * Drops undefined keys, so an optional field that was never written reads back absent. A copy,
 * not `delete`: deleting a property turns an object into a slow dictionary-mode one, twice the
 * memory of a plain one and slower to read (a heap snapshot of a 1,000-charger site, issue #19).
 */
export function omitEmpty<T extends object>(value: T): T {
  const out = {} as T;
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}

/** NULL → undefined, for the optional fields of the port types. */
export function orUndefined<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

/** undefined → NULL: the driver refuses undefined as a bound value. */
export function orNull<T>(value: T | undefined): T | null {
  return value === undefined ? null : value;
}

export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export function fromJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}
