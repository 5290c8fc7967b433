/**
 * Whole steps (site.balancing.step): the filled levels rounded down to a step, then what the
 * rounding freed handed back one step at a time. Pure arithmetic on the constraint table.
 *
 * Why steps: many chargers and cars follow whole amperes only (evcc, for one, regulates in
 * whole A unless a charger supports mA), so 6.5 A is 6 A at the car and the half ampere is
 * lost to everyone. And with a share of 400 A among 61 sessions at 0.1 A, every start and
 * stop changes every running session's limit by 0.1 A: 60 SetChargingProfiles for nothing a
 * car notices. In whole amperes, 34 sessions keep 7 A and 27 get 6 A, and a start changes the
 * limits of the few that must come down.
 *
 * Who gets a step back: higher priority first; within a priority, the sessions that hold it
 * already (their limit in force is at least that), so that a start or a stop changes as few
 * chargers as it can; then in key order. Sessions on one constraint thus differ by at most one
 * step.
 *
 * Under an external limit nothing is handed back: handing out remainders is not monotone in
 * the total (the Alabama paradox of apportionment), and a lower site limit must never raise a
 * session (issue #4). Rounding down alone is monotone.
 */
import type { Fillable } from './fill.js';

const EPS = 1e-9;

export interface Steppable {
  fill: Fillable;
  min: number;
  priority: number;
  /** The limit in force on the connector (undefined: none known). */
  held: number | undefined;
}

/** Rounds down to the step, in tenths of an ampere (the resolution of OCPP 1.6 limits, §7.13). */
export function floorToStep(amps: number, step: number): number {
  const stepTenths = Math.max(1, Math.round(step * 10));
  return (Math.floor(Math.floor(amps * 10 + 1e-6) / stepTenths) * stepTenths) / 10;
}

/**
 * `items` in key order (allocate() sorts them); each at or above its minimum. Lowers each to
 * the step below (never under its minimum), then, with `handBack`, raises them a step at a
 * time in the order above, round after round, while every constraint they load has room and
 * they stay within their max.
 */
export function wholeSteps(items: readonly Steppable[], step: number, remaining: number[], handBack: boolean): void {
  for (const { fill, min } of items) {
    const rounded = Math.max(min, floorToStep(fill.level, step));
    if (rounded >= fill.level - EPS) continue;
    for (const c of fill.cons) remaining[c]! += fill.level - rounded;
    fill.level = rounded;
  }
  if (!handBack) return;
  const priorities = [...new Set(items.map((i) => i.priority))].sort((a, b) => b - a);
  for (const priority of priorities) {
    const tier = items.filter((i) => i.priority === priority);
    // Round after round, a step each, until nobody can rise: after one round a session may
    // still have room for the part of a step up to a maximum off the step.
    for (let rose = true; rose; ) {
      rose = false;
      const up = tier.map(({ fill }) => Math.min(fill.max, floorToStep(fill.level, step) + step));
      const holding = tier.map((i, n) => i.held !== undefined && i.held >= up[n]! - EPS);
      for (const first of [true, false]) {
        tier.forEach((item, n) => {
          if (holding[n] !== first) return;
          const { fill } = item;
          const rise = up[n]! - fill.level;
          if (rise <= EPS) return;
          for (const c of fill.cons) if (remaining[c]! < rise - EPS) return;
          for (const c of fill.cons) remaining[c]! -= rise;
          fill.level = up[n]!;
          rose = true;
        });
      }
    }
  }
}
