/**
 * Group commit: everything written durably in one turn of the event loop shares one
 * transaction and one fsync. With `synchronous = FULL` an fsync costs ~0.3-0.5 ms on a small
 * box, so one transaction per message caps a gateway at ~2,000 messages/s; sharing the commit
 * among every handler that wrote in the same turn lifts that cap without weakening the promise:
 * each caller's promise resolves only after the commit that holds its writes.
 */
import type { Db } from './rows.js';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export interface GroupCommit {
  durably<T>(work: () => T): Promise<T>;
  /** Commits at once what is open (before close). */
  flush(): void;
}

export function createGroupCommit(db: Db): GroupCommit {
  let waiters: Waiter[] = [];
  let open = false;

  function commit(): void {
    if (!open) return;
    open = false;
    const settled = waiters;
    waiters = [];
    try {
      db.exec('COMMIT');
    } catch (error) {
      // Disk full, I/O error: nothing of this group is durable, and every caller hears so.
      if (db.inTransaction) db.exec('ROLLBACK');
      for (const w of settled) w.reject(error);
      return;
    }
    for (const w of settled) w.resolve();
  }

  return {
    durably<T>(work: () => T): Promise<T> {
      if (!open) {
        db.exec('BEGIN IMMEDIATE');
        open = true;
        // After the I/O callbacks of this turn: messages read from many sockets in one poll
        // phase all land in this transaction.
        setImmediate(commit);
      }
      let result: T;
      try {
        // Inside an open transaction better-sqlite3 makes this a SAVEPOINT: a throwing `work`
        // undoes its own writes only.
        result = db.transaction(work)();
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<T>((resolve, reject) => waiters.push({ resolve: () => resolve(result), reject }));
    },
    flush: commit,
  };
}
