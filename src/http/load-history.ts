/**
 * The site's load per phase over time. The last hours are sampled server-side into a ring
 * buffer (every SAMPLE_INTERVAL_MS) so a page opened now already has a chart; each sample also
 * goes into the store's buckets (1 minute for a day, 15 minutes for a week: BUCKETS), which
 * survive a restart. A sample is the chargers' own current per site phase (from their latest
 * MeterValues), the grid meter's when the balancer reports one, and the limit in force.
 * historyFor (pure) answers GET /api/site/history from both.
 */
import type { LoadSample } from '../store/ports.js';

export type { LoadSample } from '../store/ports.js';

export const SAMPLE_INTERVAL_MS = 15_000;
export const HISTORY_MS = 4 * 3600_000;

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** What the store keeps: each resolution's buckets for a little longer than the range that shows them. */
export const BUCKETS = [
  { resolutionS: 60, keepMs: DAY_MS + HOUR_MS },
  { resolutionS: 900, keepMs: 7 * DAY_MS + HOUR_MS },
] as const;

/** The ranges GET /api/site/history serves, and the buckets each is drawn from. */
export const RANGES = {
  '4h': { ms: HISTORY_MS, resolutionS: 60 },
  '1d': { ms: DAY_MS, resolutionS: 60 },
  '7d': { ms: 7 * DAY_MS, resolutionS: 900 },
} as const;
export type HistoryRange = keyof typeof RANGES;
export const HISTORY_RANGES = Object.keys(RANGES) as HistoryRange[];

export interface HistoryAnswer {
  range: HistoryRange;
  /** The finest interval between samples in the answer, s (15 where the recent samples are in it). */
  intervalS: number;
  /** The range, s. */
  windowS: number;
  /** Oldest first. */
  samples: LoadSample[];
}

/**
 * One range of history: the stored buckets since `nowMs − range`, and for 4h the recent 15 s
 * samples in place of the buckets they cover (after a restart the ring holds only minutes; the
 * buckets before it are what the last run stored).
 */
export function historyFor(range: HistoryRange, nowMs: number, stored: (resolutionS: number, fromMs: number) => LoadSample[], recent: readonly LoadSample[]): HistoryAnswer {
  const { ms, resolutionS } = RANGES[range];
  const fromMs = nowMs - ms;
  const buckets = stored(resolutionS, fromMs);
  const windowS = ms / 1000;
  if (range !== '4h') return { range, intervalS: resolutionS, windowS, samples: buckets };
  const fine = recent.filter((s) => Date.parse(s.at) >= fromMs);
  const firstFine = fine.length > 0 ? Date.parse(fine[0]!.at) : Number.POSITIVE_INFINITY;
  const before = buckets.filter((b) => Date.parse(b.at) + resolutionS * 1000 <= firstFine);
  return { range, intervalS: fine.length > 0 ? SAMPLE_INTERVAL_MS / 1000 : resolutionS, windowS, samples: [...before, ...fine] };
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
