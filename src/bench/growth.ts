/**
 * How the gateway's cost grows with the site (#19): the scale bench's figures per number of
 * chargers as a table with the growth from one row to the next and the cost per charger, and
 * the verdict against the goal for 1,000 chargers. Pure: figures in, lines out.
 */

export interface ScaleFigures {
  chargers: number;
  /** The gateway's CPU over the steady window, % of one core. */
  cpuPercent: number;
  /** Its resident memory at the end of the window, MiB. */
  rssMiB: number;
}

/** Issue #19's goal for a site of 1,000 chargers. */
export const SCALE_GOAL = { chargers: 1000, cpuPercent: 15, rssMB: 200 } as const;

const ratio = (a: number, b: number) => (b > 0 ? `×${(a / b).toFixed(2)}` : '—');

/**
 * One line per row, in the order given (smallest site first). `vs previous` compares each row
 * with the one before: chargers ×k, CPU ×c, RSS ×r; `per 1,000 chargers` is the CPU % and RSS a
 * thousand chargers cost at that size (the RSS per charger counts what is above the smallest
 * row's RSS, so that the gateway's fixed memory does not hide the growth).
 */
export function growthTable(rows: readonly ScaleFigures[]): string[] {
  const head = ['chargers', 'CPU % of a core', 'RSS MiB', 'chargers ×', 'CPU ×', 'RSS ×', 'CPU % per 1,000', 'KiB RSS per charger above the first row'];
  const base = rows[0];
  const cells = rows.map((r, i) => {
    const prev = rows[i - 1];
    const extra = base && r.chargers > base.chargers ? (((r.rssMiB - base.rssMiB) * 1024) / (r.chargers - base.chargers)).toFixed(1) : '—';
    return [
      String(r.chargers),
      r.cpuPercent.toFixed(2),
      r.rssMiB.toFixed(1),
      prev ? ratio(r.chargers, prev.chargers) : '—',
      prev ? ratio(r.cpuPercent, prev.cpuPercent) : '—',
      prev ? ratio(r.rssMiB, prev.rssMiB) : '—',
      r.chargers > 0 ? ((r.cpuPercent * 1000) / r.chargers).toFixed(2) : '—',
      extra,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const fmt = (c: string[]) => c.map((v, i) => v.padStart(widths[i]!)).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(fmt)];
}

/** The goal line for the row of SCALE_GOAL.chargers, or undefined when no row has that many. */
export function goalVerdict(rows: readonly ScaleFigures[]): string | undefined {
  const r = rows.find((x) => x.chargers === SCALE_GOAL.chargers);
  if (!r) return undefined;
  const cpu = r.cpuPercent < SCALE_GOAL.cpuPercent;
  const mb = (r.rssMiB * 2 ** 20) / 1e6; // the goal is in MB
  const rss = mb < SCALE_GOAL.rssMB;
  return (
    `${SCALE_GOAL.chargers} chargers: CPU ${r.cpuPercent.toFixed(2)} % of a core (goal < ${SCALE_GOAL.cpuPercent} %) ${cpu ? 'PASS' : 'ABOVE'}, ` +
    `RSS ${mb.toFixed(1)} MB (goal < ${SCALE_GOAL.rssMB} MB) ${rss ? 'PASS' : 'ABOVE'}`
  );
}
