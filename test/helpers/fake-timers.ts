/**
 * A fake clock for unit tests of code that schedules with the global setTimeout and
 * clearTimeout: the test moves time with tick(), so "not before its timeout" and "after its
 * timeout" are facts of the test, not races with a busy machine.
 *
 * Why not node:test's mock.timers: on Node 20 its timers' refresh() does not reschedule, and
 * OcppSession keeps one timer per session and refresh()es it for every CALL. This fake follows
 * Node's own semantics (checked on Node 20): refresh() restarts a timer from the current fake
 * time, also one that has already fired; a cleared timer stays cleared.
 *
 * Only setTimeout and clearTimeout are replaced (setInterval, setImmediate, promises and I/O stay
 * real), from install until the test ends or uninstall(). tick() runs the callbacks that fall due,
 * in the order they fall due, synchronously: await what they settle afterwards.
 */
import type { Test } from 'tap';

export interface FakeClock {
  /** Milliseconds of fake time since install. */
  readonly now: number;
  /** Moves fake time forward by `ms`, running every callback due by then, in due order. */
  tick(ms: number): void;
  /** Timers scheduled and not yet fired or cleared. */
  readonly pending: number;
  /** Puts the real setTimeout and clearTimeout back (also done when the test ends). */
  uninstall(): void;
}

interface Entry {
  handle: FakeTimeout;
  fn: (...args: unknown[]) => void;
  args: unknown[];
  ms: number;
  due: number;
  /** Insertion order: among timers due at the same time the earlier scheduled runs first, as in Node. */
  seq: number;
}

class FakeTimeout {
  constructor(readonly clock: Clock, readonly id: number) {}
  refresh(): this {
    this.clock.refresh(this);
    return this;
  }
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

class Clock {
  now = 0;
  private seq = 0;
  private nextId = 1;
  /** Scheduled, not fired or cleared. */
  readonly active = new Map<FakeTimeout, Entry>();
  /** Every timer ever made and not cleared: a fired one may be refresh()ed back to life. */
  readonly known = new Map<FakeTimeout, Entry>();

  setTimeout(fn: (...args: unknown[]) => void, ms = 0, ...args: unknown[]): FakeTimeout {
    const handle = new FakeTimeout(this, this.nextId++);
    const delay = Math.max(1, Number(ms) || 0); // Node: a delay below 1 ms (or not a number) is 1 ms
    const entry: Entry = { handle, fn, args, ms: delay, due: this.now + delay, seq: this.seq++ };
    this.active.set(handle, entry);
    this.known.set(handle, entry);
    return handle;
  }

  clear(handle: FakeTimeout): void {
    this.active.delete(handle);
    this.known.delete(handle);
  }

  refresh(handle: FakeTimeout): void {
    const entry = this.known.get(handle);
    if (!entry) return; // cleared: stays cleared
    entry.due = this.now + entry.ms;
    entry.seq = this.seq++;
    this.active.set(handle, entry);
  }

  tick(ms: number): void {
    if (!(ms >= 0)) throw new Error(`tick(${ms}): time only moves forward`);
    const until = this.now + ms;
    for (;;) {
      let next: Entry | undefined;
      for (const e of this.active.values()) if (e.due <= until && (!next || e.due < next.due || (e.due === next.due && e.seq < next.seq))) next = e;
      if (!next) break;
      this.now = next.due;
      this.active.delete(next.handle);
      next.fn(...next.args);
    }
    this.now = until;
  }
}

export function installFakeTimers(t: Test): FakeClock {
  const clock = new Clock();
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  let installed = true;
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => clock.setTimeout(fn, ms, ...args)) as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((handle: unknown) => {
    // Timers made before the install (tap's own, for one) are still real.
    if (handle instanceof FakeTimeout) clock.clear(handle);
    else realClearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  }) as typeof clearTimeout;
  const uninstall = () => {
    if (!installed) return;
    installed = false;
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
  };
  t.teardown(uninstall);
  return {
    get now() {
      return clock.now;
    },
    tick: (ms) => clock.tick(ms),
    get pending() {
      return clock.active.size;
    },
    uninstall,
  };
}
