/**
 * The site's load per phase over the last hours, sampled server-side into a ring buffer so a
 * page opened now already has a chart. A sample is the chargers' own current per site phase
 * (from their latest MeterValues), the grid meter's when the balancer reports one, and the
 * limit in force.
 */
export const SAMPLE_INTERVAL_MS = 15_000;
export const HISTORY_MS = 4 * 3600_000;

export interface LoadSample {
  at: string;
  /** The chargers' current on the site's L1, L2, L3, A. */
  chargersA: [number, number, number];
  /** The grid meter (the whole site), A per phase, when one is read. */
  gridA?: [number, number, number];
  /** The site limit in force, A per phase; null when none is known. */
  limitA: number | null;
}

export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Oldest first. */
  toArray(): T[] {
    const start = (this.next - this.count + this.capacity) % this.capacity;
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.items[(start + i) % this.capacity] as T);
    return out;
  }

  latest(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.next - 1 + this.capacity) % this.capacity];
  }
}

export class LoadHistory extends RingBuffer<LoadSample> {
  constructor() {
    super(Math.ceil(HISTORY_MS / SAMPLE_INTERVAL_MS));
  }
}
