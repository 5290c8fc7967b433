/**
 * What to believe when a meter or a charger cannot be trusted. Pure: readings and the time
 * come in; the memory (recent peaks, overdraw counts) goes out and comes back in.
 *
 * - A stale grid meter counts as the worst case (evcc does the same, core/circuit): the other
 *   loads are assumed at their peak of the recent window, or the chargers get a configured
 *   failsafe budget.
 * - A charger drawing more than its limit plus a tolerance for several samples in a row is
 *   flagged: allocate() then counts it at its maximum and reduces the others.
 */
import { PHASE_NAMES, type OtherLoad, type Phase, type PhaseCurrents } from './model.js';

/** Other-load peaks per time bucket, newest last. */
export interface PeakMemory {
  buckets: readonly { at: number; currents: PhaseCurrents }[];
}

export const EMPTY_PEAKS: PeakMemory = { buckets: [] };
const BUCKET_MS = 10_000;

/** Non-EV load per phase: what the meter sees minus what the chargers say they draw, never below 0. */
export function otherLoadOf(meter: PhaseCurrents, chargers: PhaseCurrents): [number, number, number] {
  return [0, 1, 2].map((p) => Math.max(0, meter[p]! - chargers[p]!)) as [number, number, number];
}

/**
 * The other load one meter reading shows, paired with what the chargers' cars account for when
 * it arrived (a car's MeterValues newer than the reading must not be subtracted from it: a car
 * that just slowed down would make the house look smaller than it is, and a car that just sped up
 * the reverse). On the phases of a car that is changing (draw.ts: it accepted a new limit and has
 * not reported since, allowing for its response time) the estimate may rise but not fall: a fall
 * could be the car, and room that is not there would be handed out.
 */
export function estimateOtherLoad(meter: PhaseCurrents, chargerDraw: PhaseCurrents, previous: PhaseCurrents | undefined, inTransition: readonly boolean[], leastDraw: PhaseCurrents = chargerDraw): PhaseCurrents {
  // Nothing to hold (the first reading, or the first after the meter was silent): the cars that
  // change are counted at the least they may draw (draw.ts), so the house load is not less than
  // it is. Counted at the most, a car cut while the meter was silent made a 10 A house look like
  // 0 A, and both cars were raised above a 32 A fuse (test/integration/balancer-e2e.test.ts).
  if (!previous) return otherLoadOf(meter, leastDraw);
  const fresh = otherLoadOf(meter, chargerDraw);
  return fresh.map((a, p) => (inTransition[p] ? Math.max(a, previous[p]!) : a)) as unknown as PhaseCurrents;
}

/** Adds a sample of other load to the window (one bucket per 10 s keeps its maximum). */
export function rememberPeak(memory: PeakMemory, other: PhaseCurrents, at: number, windowMs: number): PeakMemory {
  const kept = memory.buckets.filter((b) => b.at > at - windowMs);
  const last = kept.at(-1);
  if (last && at - last.at < BUCKET_MS) {
    const merged = [0, 1, 2].map((p) => Math.max(last.currents[p]!, other[p]!)) as unknown as PhaseCurrents;
    return { buckets: [...kept.slice(0, -1), { at: last.at, currents: merged }] };
  }
  return { buckets: [...kept, { at, currents: other }] };
}

export function peakOf(memory: PeakMemory, now: number, windowMs: number): PhaseCurrents | undefined {
  const recent = memory.buckets.filter((b) => b.at > now - windowMs);
  if (recent.length === 0) return undefined;
  return [0, 1, 2].map((p) => Math.max(...recent.map((b) => b.currents[p]!))) as unknown as PhaseCurrents;
}

export interface MeterJudgement {
  /** The other load estimated from the latest meter reading (estimateOtherLoad), and when it arrived. */
  estimate: { other: PhaseCurrents; at: number } | undefined;
  peaks: PeakMemory;
  now: number;
  timeoutMs: number;
  windowMs: number;
  /** site.failsafe.current: the chargers' budget per phase while the meter is stale. */
  failsafeCurrent: number | undefined;
  /** The supply limit, assumed fully used by other loads when nothing better is known. */
  supplyLimit: number;
}

/** The other load allocate() should plan around, and why. */
export function judgeMeter(j: MeterJudgement): OtherLoad {
  const { estimate, now } = j;
  if (estimate && now - estimate.at <= j.timeoutMs) return { currents: estimate.other };
  const silentFor = estimate ? `${Math.round((now - estimate.at) / 1000)} s` : 'ever since the start';
  if (j.failsafeCurrent !== undefined) {
    return { currents: [0, 0, 0], budget: j.failsafeCurrent, failsafe: `meter silent ${silentFor}: chargers limited to the failsafe ${j.failsafeCurrent} A` };
  }
  const peak = peakOf(j.peaks, now, j.windowMs);
  if (!peak) {
    const all: PhaseCurrents = [j.supplyLimit, j.supplyLimit, j.supplyLimit];
    return { currents: all, failsafe: `meter silent ${silentFor} and no recent reading: nothing can be shared safely` };
  }
  const worst = peak.map((a, p) => `${PHASE_NAMES[p as Phase]} ${Math.round(a * 10) / 10} A`).join(', ');
  return { currents: peak, failsafe: `meter silent ${silentFor}: assuming the recent peak other load (${worst})` };
}

/** Consecutive samples above limit + tolerance, per connector. */
export type OverdrawMemory = Readonly<Record<string, number>>;

export interface OverdrawCheck {
  key: string;
  /** Highest per-phase current the charger reported. */
  draw: number;
  /** The limit in force at the charger, A. */
  limit: number;
  tolerance: number;
  samples: number;
}

/** One more sample judged: returns the new count and whether the connector is now flagged. */
export function judgeOverdraw(memory: OverdrawMemory, c: OverdrawCheck): { memory: OverdrawMemory; flagged: boolean } {
  const over = c.draw > c.limit + c.tolerance;
  const before = memory[c.key] ?? 0;
  const count = over ? before + 1 : 0;
  // The memory is copied only when this connector's count changes: judged on every reading of
  // every connector, a copy each time would cost the size of the site per reading.
  if (count === before) return { memory, flagged: count >= c.samples };
  if (count === 0) {
    const { [c.key]: _, ...rest } = memory;
    return { memory: rest, flagged: false };
  }
  return { memory: { ...memory, [c.key]: count }, flagged: count >= c.samples };
}
