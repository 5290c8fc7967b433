/**
 * The soak's report: the invariants table (markdown, which reads well in a terminal too), the
 * charts of memory and of current against the fuse, the crashes with their output, and
 * whether the run passed. Pure.
 */
import { bucketMax, plot, sparkline } from './chart.js';
import type { FuseVerdict, TransactionVerdict } from './invariants.js';
import type { Crash } from './gateway-process.js';
import type { AttackTally } from './attacks.js';
import type { FuseSample, RssSample } from './ledger.js';

export interface SoakRun {
  minutes: number;
  chargers: number;
  misbehaving: string;
  seed: number;
  supplyA: number;
  marginA: number;
  graceS: number;
  sessions: number;
  kills: number;
  crashes: Crash[];
  cloudOutages: number;
  drained: boolean;
  deadLetters: number | undefined;
  tx: TransactionVerdict;
  fuse: FuseVerdict;
  /** Over the budget (supply − margin) counting only the chargers that obey their limits. */
  fuseCompliant: FuseVerdict;
  /** Over the fuse while the gateway process was not running (killed, restarting). */
  fuseWhileDown: FuseVerdict;
  rss: RssSample[];
  currents: FuseSample[];
  attacks: AttackTally;
  mqttReceived: number;
}

interface Row {
  invariant: string;
  value: string;
  /** undefined: a figure, not a check. */
  ok?: boolean;
}

const f1 = (x: number): string => x.toFixed(1);
const perPhase = (v: readonly number[]): string => `L1 ${f1(v[0]!)} · L2 ${f1(v[1]!)} · L3 ${f1(v[2]!)}`;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function rows(r: SoakRun): Row[] {
  const t = r.tx;
  const mib = r.rss.map((s) => s.mib);
  const through = Object.values(r.attacks.through).reduce((a, b) => a + b, 0);
  const tried = Object.values(r.attacks.tried).reduce((a, b) => a + b, 0);
  return [
    { invariant: 'sessions started at the chargers', value: String(r.sessions) },
    { invariant: 'StartTransaction answered / still queued at the chargers', value: `${t.startsAnswered} / ${t.startsQueued}` },
    { invariant: 'StopTransaction answered / still queued at the chargers', value: `${t.stopsAnswered} / ${t.stopsQueued}` },
    { invariant: 'MeterValues answered', value: String(t.meterValuesAnswered) },
    { invariant: 'received by the cloud: Start / Stop / MeterValues', value: `${t.cloudStarts} / ${t.cloudStops} / ${t.cloudMeterValues}` },
    { invariant: 'identical resends absorbed by the cloud (lost answers)', value: String(t.redelivered) },
    { invariant: 'messages the chargers gave up (retries used up)', value: String(t.chargerDropped) },
    { invariant: 'dead letters in the gateway outbox', value: r.deadLetters === undefined ? 'unknown' : String(r.deadLetters) },
    { invariant: '**lost** Start / Stop / MeterValues', value: `${t.lostStarts} / ${t.lostStops} / ${t.lostMeterValues}`, ok: t.lostStarts + t.lostStops + t.lostMeterValues === 0 },
    { invariant: '**doubled** sessions or Stops', value: String(t.doubled), ok: t.doubled === 0 },
    { invariant: '**out of order** (per charger connector)', value: String(t.outOfOrder), ok: t.outOfOrder === 0 },
    { invariant: 'final drain complete (chargers\' queues and outbox empty)', value: r.drained ? 'yes' : 'no' },
    { invariant: `seconds over the fuse, raw (${r.supplyA} A)`, value: perPhase(r.fuse.secondsOver) },
    { invariant: '… of which while the gateway was down (killed)', value: perPhase(r.fuseWhileDown.secondsOver) },
    { invariant: 'longest episode over / peak phase current', value: `${f1(r.fuse.longestEpisodeS)} s / ${f1(r.fuse.peakA)} A (+${f1(r.fuse.worstExcessA)} A)` },
    { invariant: `**seconds over the fuse** beyond ${r.graceS} s per episode (worst phase)`, value: f1(Math.max(...r.fuse.secondsOverBeyondGrace)), ok: Math.max(...r.fuse.secondsOverBeyondGrace) === 0 },
    { invariant: `**seconds over the budget** (${r.supplyA - r.marginA} A = fuse − margin), chargers that obey limits only, raw`, value: perPhase(r.fuseCompliant.secondsOver), ok: Math.max(...r.fuseCompliant.secondsOver) === 0 },
    { invariant: '**process crashes**', value: String(r.crashes.length), ok: r.crashes.length === 0 },
    { invariant: 'kill -9 of the gateway / cloud outages', value: `${r.kills} / ${r.cloudOutages}` },
    { invariant: '**attacks that got through**', value: `${through} of ${tried}`, ok: through === 0 },
    { invariant: 'RSS min / median / max', value: mib.length ? `${f1(Math.min(...mib))} / ${f1(median(mib))} / ${f1(Math.max(...mib))} MiB` : 'no samples' },
  ];
}

export function passed(r: SoakRun): boolean {
  return rows(r).every((row) => row.ok !== false);
}

export function renderReport(r: SoakRun, width = 60): string {
  const table = rows(r);
  const out: string[] = [];
  out.push(`## chargegate soak: ${r.minutes} min, ${r.chargers} chargers (${r.misbehaving}), seed ${r.seed}`, '');
  out.push(`Site: 3 × ${r.supplyA} A, margin ${r.marginA} A. Verdict: **${passed(r) ? 'PASS' : 'FAIL'}**`, '');
  const head = ['invariant', 'value', 'ok'];
  const cells = table.map((row) => [row.invariant, row.value, row.ok === undefined ? '' : row.ok ? 'yes' : '**NO**']);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(w[i]!)).join(' | ')} |`;
  out.push(line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...cells.map(line), '');

  if (r.rss.length > 1) {
    const series = bucketMax(r.rss.map((s) => ({ t: s.t, v: s.mib })), width);
    out.push('RSS of the gateway over time (max per column; gaps while it was down repeat the last value):', '', '```');
    out.push(...plot(series, { height: 5, unit: 'MiB' }));
    out.push(`${' '.repeat(8)}${sparkline(series)}  0 … ${f1((r.rss.at(-1)!.t - r.rss[0]!.t) / 60_000)} min`, '```', '');
  }
  if (r.currents.length > 1) {
    const worst = bucketMax(r.currents.map((s) => ({ t: s.t, v: Math.max(...s.phases) })), width);
    out.push(`Current drawn on the busiest phase against the fuse (┄ ${r.supplyA} A; max per column):`, '', '```');
    out.push(...plot(worst, { height: 6, unit: 'A', min: 0, max: Math.max(r.supplyA * 1.1, ...worst), line: r.supplyA }));
    out.push('```', '');
  }
  const violations = r.tx.violations;
  if (violations.length > 0) {
    out.push('Examples of violations:', '');
    for (const v of violations) out.push(`- ${v.kind}: ${v.what}`);
    out.push('');
  }
  const attacks = Object.keys(r.attacks.tried).sort();
  if (attacks.length > 0) {
    out.push(`Attacks (tried / got through); the read user's subscription received ${r.mqttReceived} messages:`, '');
    for (const k of attacks) out.push(`- ${k}: ${r.attacks.tried[k]} / ${r.attacks.through[k] ?? 0}`);
    for (const e of r.attacks.examples) out.push(`  - ${e}`);
    if (r.attacks.failed.length > 0) out.push(`- could not be made (the gateway was restarting?): ${r.attacks.failed.length}, e.g. ${[...new Set(r.attacks.failed)].slice(0, 3).join('; ')}`);
    out.push('');
  }
  for (const c of r.crashes) {
    out.push(`Crash at ${f1(c.at / 1000)} s: exit code ${c.code ?? '-'}, signal ${c.signal ?? '-'}; its last output:`, '', '```', ...c.tail, '```', '');
  }
  return out.join('\n');
}
