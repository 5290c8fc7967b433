/** The fuzz run's output: a progress bar per target (stderr) and the final table (stdout). */
import type { Finding, TargetResult } from './harness.js';

export function progressLine(name: string, done: number, total: number, r: TargetResult): string {
  const width = 24;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  const rate = r.ms > 0 ? Math.round((done / r.ms) * 1000) : 0;
  return `${name.padEnd(12)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor((done / Math.max(1, total)) * 100)).padStart(3)}% ${done}/${total}  ${rate}/s  crashes ${r.crashes}  hangs ${r.hangs}`;
}

/** One row per target; outcomes as "name count" pairs, most frequent first. */
export function table(results: readonly TargetResult[]): string {
  const head = ['target', 'inputs', 'outcomes', 'crashes', 'hangs', 'inputs/s'];
  const rows = results.map((r) => [
    r.target,
    String(r.inputs),
    String(r.outcomes.size),
    String(r.crashes),
    String(r.hangs),
    String(r.ms > 0 ? Math.round((r.inputs / r.ms) * 1000) : 0),
  ]);
  const total = results.reduce((s, r) => s + r.inputs, 0);
  const ms = results.reduce((s, r) => s + r.ms, 0);
  rows.push(['total', String(total), String(results.reduce((s, r) => s + r.outcomes.size, 0)), String(results.reduce((s, r) => s + r.crashes, 0)), String(results.reduce((s, r) => s + r.hangs, 0)), String(ms > 0 ? Math.round((total / ms) * 1000) : 0)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|') + '|', ...rows.map(line)].join('\n');
}

/** Each target's distinct outcomes with their counts: what the inputs reached. */
export function outcomeLines(results: readonly TargetResult[]): string {
  return results
    .map((r) => `${r.target}: ` + [...r.outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '))
    .join('\n');
}

export function findingText(f: Finding): string {
  return [
    `FINDING (${f.kind}) in ${f.target}: input ${f.index} of seed ${f.seed}`,
    `  reproduce: npm run fuzz -- --target ${f.target} --seed ${f.seed} --start ${f.index} --inputs 1`,
    `  error: ${f.error.split('\n').join('\n    ')}`,
    `  input (shrunk): ${f.input.length > 2000 ? f.input.slice(0, 2000) + `… (${f.input.length} characters)` : f.input}`,
  ].join('\n');
}
