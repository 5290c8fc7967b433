/**
 * The plan's rule at the fuse, as published in 'allocation.changed': the load it plans per site
 * phase stays within the fuse, except where the connectors it cannot plan (reason `fixed`:
 * connected but not booted, uncontrolled, offline, each counted at what it may draw) already
 * add up to more; then it plans the others nothing and the load is theirs alone.
 */
import type { AllocationChanged } from '../../src/events.js';

/** A description of the first phase the plan put above what the rule allows, or undefined. */
export function planAboveFuse(a: AllocationChanged, fuse: number): string | undefined {
  const fixed = [0, 1, 2].map((p) => a.connectors.filter((c) => c.reason === 'fixed' && c.phases.includes(`L${p + 1}`)).reduce((sum, c) => sum + c.amps, 0));
  const over = a.load.some((l, p) => l > Math.max(fuse, fixed[p]!) + 1e-6);
  return over ? `allocated above the fuse: ${a.load.join(', ')} (fixed ${fixed.join(', ')})` : undefined;
}
