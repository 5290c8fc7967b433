/**
 * The load chart's axes (pure: no DOM, no clock). The time axis spans the data, not a fixed
 * window (minutes of data after a restart fill the chart rather than a sliver at its right
 * edge); ticks fall on round times and amps.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The shortest span drawn: a few samples still look like a line, not a wall. */
export const MIN_SPAN_MS = 10 * MINUTE;
const TIME_STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY];
const MAX_TIME_TICKS = 7;

/** The time shown: from the first sample (at most `windowMs` back from the last) to the last, at least MIN_SPAN_MS wide. */
export function timeDomain(times: readonly number[], windowMs: number, nowMs: number): [number, number] {
  if (times.length === 0) return [nowMs - MIN_SPAN_MS, nowMs];
  const end = Math.max(...times);
  const start = Math.max(Math.min(...times), end - windowMs);
  return [Math.min(start, end - MIN_SPAN_MS), end];
}

/**
 * Tick times on a round step (1, 2, 5, 10, 15, 30 minutes; 1, 2, 3, 6, 12 hours; a day) in the
 * viewer's time zone (`offsetMs`: local minus UTC, ms), at most MAX_TIME_TICKS of them.
 */
export function timeTicks(start: number, end: number, offsetMs: number): { step: number; ticks: number[] } {
  const step = TIME_STEPS.find((s) => (end - start) / s <= MAX_TIME_TICKS) ?? Math.ceil((end - start) / MAX_TIME_TICKS / DAY) * DAY;
  const ticks: number[] = [];
  for (let t = Math.ceil((start + offsetMs) / step) * step - offsetMs; t <= end; t += step) ticks.push(t);
  return { step, ticks };
}

/** Amps from 0 to a round top, in steps of 1, 2 or 5 × 10ⁿ A, four or five of them. */
export function ampTicks(peak: number): { top: number; ticks: number[] } {
  const wanted = Math.max(peak, 1) * 1.1;
  const raw = wanted / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const top = Math.ceil(wanted / step) * step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= top + step / 1000; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { top, ticks };
}
