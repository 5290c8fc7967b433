/**
 * What a fuzz target is: it draws an input from a PRNG, runs it through real product code and
 * names the outcome; an input that breaks one of its invariants throws a Violation.
 */
import type { Rng } from './prng.js';

export interface Target<I = unknown> {
  readonly name: string;
  /** What it drives, in a few words, for the table. */
  readonly about: string;
  /** Its share of the run's inputs. */
  readonly weight: number;
  /** Inputs run at once: targets whose answers wait for a disk write run several together. */
  readonly batch: number;
  setup(): Promise<void>;
  /** The input number `index`, drawn from its own PRNG (seeded by run seed, target and index). */
  generate(rng: Rng, index: number): I;
  /** Resolves with the outcome's name (e.g. CALLRESULT, CALLERROR:FormationViolation, ignored). */
  execute(input: I): Promise<string>;
  /** The input as a person reads it to reproduce a finding. */
  describe(input: I): string;
  /** Smaller inputs to try in place of a failing one, most promising first. */
  shrink?(input: I): Iterable<I>;
  teardown(): Promise<void>;
}

/** A broken invariant: a crash finding. */
export class Violation extends Error {
  override readonly name = 'Violation';
}

/** Smaller texts: halves, quarters… down to single characters removed. */
export function* shrinkText(s: string): Iterable<string> {
  for (let chunk = Math.floor(s.length / 2); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let i = 0; i + chunk <= s.length; i += chunk) yield s.slice(0, i) + s.slice(i + chunk);
  }
}
