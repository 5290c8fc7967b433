/**
 * Runs a target's inputs, each under a deadline, and keeps its figures: inputs, distinct
 * outcomes, crashes (an exception or a broken invariant, an unhandled rejection or uncaught
 * exception while it ran), hangs (no outcome within the deadline). The first finding of each
 * kind is shrunk (when the target can) so that the report shows a small input to reproduce.
 */
import { Rng, inputSeed } from './prng.js';
import type { Target } from './target.js';

export interface Finding {
  kind: 'crash' | 'hang' | 'unhandled';
  target: string;
  seed: number;
  index: number;
  error: string;
  input: string;
}

export interface TargetResult {
  target: string;
  inputs: number;
  outcomes: Map<string, number>;
  crashes: number;
  hangs: number;
  ms: number;
  findings: Finding[];
}

export interface RunOptions {
  seed: number;
  inputs: number;
  /** The first input's index (to reproduce input N of a run: --start N --inputs 1). */
  start?: number;
  deadlineMs?: number;
  /** Called every few hundred inputs. */
  onProgress?: (done: number, result: TargetResult) => void;
  /** The index being run, for the watchdog. */
  onInput?: (index: number) => void;
  /** Each finding kept, as soon as it is found (a long run shows it before its end). */
  onFinding?: (finding: Finding) => void;
}

/** At most this many findings are kept per target (the counts go on). */
const KEEP = 5;
/** Escaped errors land here while an input runs: the runner's process hooks push to it. */
export const escaped: { error: unknown; kind: 'unhandled' }[] = [];

export async function runTarget<I>(target: Target<I>, opts: RunOptions): Promise<TargetResult> {
  const deadlineMs = opts.deadlineMs ?? 2000;
  const result: TargetResult = { target: target.name, inputs: 0, outcomes: new Map(), crashes: 0, hangs: 0, ms: 0, findings: [] };
  const started = performance.now();
  const first = opts.start ?? 0;
  let lastReport = 0;
  for (let i = first; i < first + opts.inputs; i += target.batch) {
    const n = Math.min(target.batch, first + opts.inputs - i);
    const runs: Promise<void>[] = [];
    for (let k = 0; k < n; k++) runs.push(runOne(target, opts.seed, i + k, deadlineMs, result, opts));
    await Promise.all(runs);
    result.inputs += n;
    // Rejections nobody handled surface after a turn of the event loop.
    if (escaped.length > 0) await new Promise((r) => setImmediate(r));
    for (const e of escaped.splice(0)) {
      result.crashes++;
      keep(result, { kind: e.kind, target: target.name, seed: opts.seed, index: i, error: errorText(e.error), input: `one of inputs ${i}..${i + n - 1}` }, opts);
    }
    if (result.inputs - lastReport >= 500 || i + n >= first + opts.inputs) {
      lastReport = result.inputs;
      result.ms = performance.now() - started;
      opts.onProgress?.(result.inputs, result);
    }
  }
  result.ms = performance.now() - started;
  return result;
}

async function runOne<I>(target: Target<I>, seed: number, index: number, deadlineMs: number, result: TargetResult, opts: RunOptions): Promise<void> {
  opts.onInput?.(index);
  const input = target.generate(new Rng(inputSeed(seed, target.name, index)), index);
  const outcome = await attempt(target, input, deadlineMs);
  if (outcome.ok) {
    result.outcomes.set(outcome.label, (result.outcomes.get(outcome.label) ?? 0) + 1);
    return;
  }
  if (outcome.kind === 'hang') result.hangs++;
  else result.crashes++;
  if (result.findings.length >= KEEP) return;
  const small = await shrink(target, input, outcome.kind, deadlineMs);
  keep(result, { kind: outcome.kind, target: target.name, seed, index, error: outcome.error, input: target.describe(small) }, opts);
}

type Attempt = { ok: true; label: string } | { ok: false; kind: 'crash' | 'hang'; error: string };

async function attempt<I>(target: Target<I>, input: I, deadlineMs: number): Promise<Attempt> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), deadlineMs);
  });
  const t0 = performance.now();
  try {
    const label = await Promise.race([target.execute(input), expired]);
    if (label === 'hang') return { ok: false, kind: 'hang', error: `no outcome within ${deadlineMs} ms` };
    // A synchronous stall (a regular expression backtracking, a loop) is a hang too.
    if (performance.now() - t0 > deadlineMs) return { ok: false, kind: 'hang', error: `took ${Math.round(performance.now() - t0)} ms` };
    return { ok: true, label };
  } catch (err) {
    return { ok: false, kind: 'crash', error: errorText(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Greedy: take the first smaller input that still fails the same way, until none does (or the budget is spent). */
async function shrink<I>(target: Target<I>, input: I, kind: 'crash' | 'hang', deadlineMs: number): Promise<I> {
  if (!target.shrink) return input;
  let best = input;
  let tries = 0;
  // A hang costs a whole deadline per try.
  const budget = kind === 'hang' ? 5 : 300;
  outer: for (;;) {
    for (const candidate of target.shrink(best)) {
      if (++tries > budget) break outer;
      const r = await attempt(target, candidate, deadlineMs);
      if (!r.ok && r.kind === kind) {
        best = candidate;
        continue outer;
      }
    }
    break;
  }
  return best;
}

function keep(result: TargetResult, finding: Finding, opts: RunOptions): void {
  if (result.findings.length >= KEEP) return;
  result.findings.push(finding);
  opts.onFinding?.(finding);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}${err.stack ? '\n' + err.stack.split('\n').slice(1, 6).join('\n') : ''}`;
  return String(err);
}
