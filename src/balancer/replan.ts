/**
 * Whether a charger's reading asks for a new plan, or only updates what the next one will see.
 * Pure: the reading, the one that last asked for a plan (the basis) and the limit in force come
 * in, a yes or no goes out.
 *
 * A car at its limit reports about the same current every MeterValues (1,000 chargers: 100 a
 * second), and a plan run on each of them changes nothing: the draw is within what the plan
 * already counts for the connector (its exposure is at least the limit it accepted, budget.ts),
 * on the phases it already counts. Such a reading is kept (the balancer's maps are updated at
 * once: the grid meter's estimate of the other load, the overdraw judgement and the next run all
 * see it) but asks for no run; the periodic recheck (site.balancing.recheckInterval) and any
 * other event run the plan with it.
 *
 * A reading asks for a run when the plan could count it differently:
 * - it is the first of its connector the plan would see (none since a session began, a car
 *   resumed, or the balancer started);
 * - its charger has no limit known to hold it (uncontrolled, not yet confirmed): the plan may
 *   count it at what it draws;
 * - it is the first under the limit now in force (the basis was read before the charger
 *   accepted it): after a cut, the car's draw read after the acceptance is what lets the
 *   connector's exposure fall to the new limit (budget.ts), and a raise elsewhere may wait on
 *   that;
 * - a phase draws above the limit in force: the connector's exposure rises with it (budget.ts),
 *   and above the tolerance it is counted at its draw (the fuse);
 * - the phases above site.balancing.phaseThreshold are not those of the basis: the car is
 *   counted on other phases (allocate.ts phasesOf);
 * - a phase moved by site.balancing.readingDeadband or more from the basis: a car that draws
 *   less than offered releases the rest, or takes it back (allocate.ts demand). Compared with
 *   the basis, not with the previous reading, so a slow drift asks for a run too.
 * A deadband of 0 makes every reading ask, as before.
 */
import type { PhaseCurrents } from './model.js';

/** A reading: its currents per phase and when it was taken (ms on the balancer's clock). */
export interface Reading {
  currents: PhaseCurrents;
  at: number;
}

/** The limit that holds a connector's car, A per phase, and when its charger accepted it (ms; -Infinity: unknown). */
export interface HoldingLimit {
  amps: number;
  acceptedAt: number;
}

export interface ReplanSettings {
  /** A a phase may move from the basis without asking (site.balancing.readingDeadband). */
  deadband: number;
  /** A on a phase above which a car counts as using it (site.balancing.phaseThreshold). */
  phaseThreshold: number;
}

export function readingAsksForRun(basis: Reading | undefined, next: Reading, limit: HoldingLimit | undefined, s: ReplanSettings): boolean {
  if (!basis || !limit || !(s.deadband > 0) || !(basis.at >= limit.acceptedAt)) return true;
  for (let i = 0; i < 3; i++) {
    const now = next.currents[i]!;
    const was = basis.currents[i]!;
    if (now > limit.amps) return true;
    if (now > s.phaseThreshold !== was > s.phaseThreshold) return true;
    if (!(Math.abs(now - was) < s.deadband)) return true;
  }
  return false;
}
