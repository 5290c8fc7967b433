/**
 * Group commit: everything written durably in one turn of the event loop shares one
 * transaction and one fsync; each caller's promise resolves only after the fsync that covers
 * its writes.
 *
 * The fsync runs off the event loop. SQLite commits with `synchronous = NORMAL` (in WAL mode the
 * commit appends its frames to the WAL and returns, no fsync), and this module then fsyncs the
 * WAL file on libuv's thread pool before it tells anyone the writes are durable: the same
 * promise as `synchronous = FULL` (a power cut cannot undo what a caller was told is on disk),
 * without a 1-6 ms fsync blocking every charger's messages, the balancer's orders and the
 * cloud's replay. A checkpoint (SQLite's own, in the committing call) fsyncs the WAL before it
 * copies it into the database and the database after, so frames checkpointed before our fsync
 * are durable too. Writes made while an fsync is running are committed together when it ends,
 * and the next fsync covers them all.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Db } from './rows.js';

/** A caller of durably() waiting for its fsync, and what its work returned. */
interface Waiter {
  resolve(result: unknown): void;
  reject(error: unknown): void;
  result: unknown;
}

export interface GroupCommit {
  durably<T>(work: () => T): Promise<T>;
  /** Commits and fsyncs at once what is open or waiting (before close). */
  flush(): void;
}

/** Makes what was committed to the WAL so far durable. */
export interface WalSync {
  /** Off the event loop; calls back once the data is on disk (or with the error). */
  sync(done: (error: Error | null) => void): void;
  syncNow(): void;
  close(): void;
}

/**
 * fdatasync of the WAL file through its own descriptor (what SQLite itself uses on Linux: the
 * data and the size, not the times; measured here with a shorter tail than fsync), and an
 * fsync of its directory once, for its entry.
 */
export function walFileSync(walPath: string): WalSync {
  let fd: number | undefined;
  const open = (): number => {
    if (fd === undefined) {
      fd = openSync(walPath, 'r');
      const dir = openSync(dirname(walPath), 'r');
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    }
    return fd;
  };
  return {
    sync(done) {
      let handle: number;
      try {
        handle = open();
      } catch (error) {
        done(error as Error);
        return;
      }
      fdatasync(handle, (error) => done(error));
    },
    syncNow() {
      fdatasyncSync(open());
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * `undone` is told whenever a write did not become durable (its work threw, its COMMIT or its
 * fsync failed): once per failure, not a callback per write (issue #19: a closure and a
 * promise per stored message).
 */
export function createGroupCommit(db: Db, wal: WalSync, undone: () => void = () => undefined): GroupCommit {
  let waiters: Waiter[] = [];
  let open = false;
  /** Committed, waiting for an fsync that has not started yet. */
  let unsynced: Waiter[] = [];
  /** The batch the running fsync covers (undefined: none running). */
  let syncing: Waiter[] | undefined;
  // Made once: better-sqlite3 builds a new set of wrappers for each db.transaction(), which was
  // a tenth of a stored MeterValues' CPU when made per call (docs/performance.md). Inside the
  // open transaction it runs its argument in a SAVEPOINT: a throwing `work` undoes its own writes only.
  const inSavepoint = db.transaction(<T>(work: () => T): T => work());

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
      undone();
      for (const w of settled) w.reject(error);
      return;
    }
    unsynced.push(...settled);
  }

  function syncSoon(): void {
    if (syncing || unsynced.length === 0) return;
    const batch = unsynced;
    unsynced = [];
    syncing = batch;
    wal.sync((error) => {
      if (syncing !== batch) return; // flush() settled it already
      syncing = undefined;
      if (error) undone();
      for (const w of batch) error ? w.reject(error) : w.resolve(w.result);
      // What was written while this fsync ran is committed now, in one COMMIT, and synced next.
      commit();
      syncSoon();
    });
  }

  return {
    durably<T>(work: () => T): Promise<T> {
      if (!open) {
        db.exec('BEGIN IMMEDIATE');
        open = true;
        // After the I/O callbacks of this turn: messages read from many sockets in one poll
        // phase all land in this transaction. While an fsync runs the transaction stays open
        // over the turns that follow, until that fsync ends: its writers could not hear
        // "durable" before the next fsync anyway, and one COMMIT for all of them writes each
        // page they touched once, where a COMMIT per turn wrote the same index pages again and
        // again (docs/performance.md "Where the time goes").
        setImmediate(() => {
          if (syncing) return;
          commit();
          syncSoon();
        });
      }
      let result: T;
      try {
        result = inSavepoint(work) as T;
      } catch (error) {
        undone();
        return Promise.reject(error);
      }
      // The waiter holds the result itself: no closure per caller over it.
      return new Promise<T>((resolve, reject) => waiters.push({ resolve: resolve as (result: unknown) => void, reject, result }));
    },
    flush() {
      commit();
      const pending = [...(syncing ?? []), ...unsynced];
      syncing = undefined;
      unsynced = [];
      if (pending.length === 0) return;
      try {
        wal.syncNow();
      } catch (error) {
        undone();
        for (const w of pending) w.reject(error);
        return;
      }
      for (const w of pending) w.resolve(w.result);
    },
  };
}
