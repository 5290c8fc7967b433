/**
 * Percentiles for the bench, by the nearest-rank method: p99 of n samples is the
 * ⌈0.99·n⌉-th smallest. (Index ⌊0.99·n⌋ is one rank too high: for 100 samples it is the
 * worst one, p100.) With 300 samples p99 is the 4th worst, with 100 the 2nd.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
