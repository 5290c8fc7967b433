/**
 * A first-in first-out queue whose take is O(1). `Array.prototype.shift` moves every element
 * left: with the tens of thousands of publishes a site of 1,000 chargers queues at start (its
 * discovery configs and state topics), draining the broker's queue with it cost O(n²) and held
 * the gateway's CPU for minutes (docs/performance.md, "Site scale").
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item, still queued; undefined when empty. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Removes and returns the oldest item; undefined when empty. */
  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined; // the queue no longer holds it
    // Drop the taken slots once they are the larger part: amortised O(1), the memory given back.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every item, oldest first. */
  takeAll(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }
}
