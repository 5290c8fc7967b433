/**
 * Small text charts for a terminal and a markdown file: a one-line sparkline and a few-row
 * plot with its scale. Pure.
 */

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/**
 * Series of (t, value) into `width` equal time buckets, each the highest value in it (a chart
 * of memory or current must not hide a peak by averaging); an empty bucket repeats the last.
 */
export function bucketMax(points: readonly { t: number; v: number }[], width: number): number[] {
  if (points.length === 0 || width <= 0) return [];
  const t0 = points[0]!.t;
  const span = Math.max(1, points[points.length - 1]!.t - t0);
  const out: (number | undefined)[] = Array.from({ length: width }, () => undefined);
  for (const p of points) {
    const i = Math.min(width - 1, Math.floor(((p.t - t0) / span) * width));
    out[i] = Math.max(out[i] ?? -Infinity, p.v);
  }
  let last = points[0]!.v;
  return out.map((v) => (last = v ?? last));
}

/** One character per value, scaled between `min` and `max` (default: the values' own range). */
export function sparkline(values: readonly number[], min = Math.min(...values), max = Math.max(...values)): string {
  if (values.length === 0) return '';
  const range = max - min;
  return values
    .map((v) => {
      if (!(range > 0)) return BARS[0];
      const level = Math.round(((Math.min(max, Math.max(min, v)) - min) / range) * (BARS.length - 1));
      return BARS[level];
    })
    .join('');
}

export interface PlotOptions {
  height: number;
  /** Unit after the scale labels, e.g. "MiB". */
  unit: string;
  /** Lowest value of the scale (default: 0 for non-negative series). */
  min?: number;
  /** Highest value of the scale (default: the series' maximum). */
  max?: number;
  /** A horizontal line drawn with '┄' where no bar reaches it, e.g. the fuse. */
  line?: number;
}

/**
 * A bar plot `height` rows tall, eight levels per row, the scale on the left:
 *
 *     180 MiB ┤      ▂▄██
 *      90 MiB ┤▃▅▆▇██████
 *       0 MiB └──────────
 */
export function plot(values: readonly number[], o: PlotOptions): string[] {
  if (values.length === 0) return [];
  const min = o.min ?? Math.min(0, ...values);
  const max = Math.max(o.max ?? Math.max(...values), o.line ?? -Infinity, min + 1e-9);
  const height = Math.max(1, o.height);
  const perRow = (max - min) / height;
  const labels = Array.from({ length: height + 1 }, (_, r) => `${formatValue(min + perRow * r)} ${o.unit}`);
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const lineRow = o.line === undefined ? undefined : Math.min(height - 1, Math.floor((o.line - min) / perRow - 1e-9));
  const rows: string[] = [];
  for (let r = height - 1; r >= 0; r--) {
    const floor = min + perRow * r;
    const cells = values.map((v) => {
      const fill = (v - floor) / perRow;
      if (fill >= 1) return '█';
      if (fill > 0) return BARS[Math.min(BARS.length - 1, Math.max(0, Math.round(fill * BARS.length) - 1))]!;
      return r === lineRow ? '┄' : ' ';
    });
    rows.push(`${labels[r + 1]!.padStart(labelWidth)} ┤${cells.join('')}`);
  }
  rows.push(`${labels[0]!.padStart(labelWidth)} └${'─'.repeat(values.length)}`);
  return rows;
}

function formatValue(v: number): string {
  const a = Math.abs(v);
  return a >= 100 || a === 0 ? String(Math.round(v)) : a >= 10 ? v.toFixed(0) : v.toFixed(1);
}
