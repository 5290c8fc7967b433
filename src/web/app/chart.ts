/**
 * The site's load per phase against its limit, drawn as SVG: three lines (L1, L2, L3) for the
 * chargers, dashed lines for the grid meter when there is one, and the limit as a red line.
 * The time axis spans the data (chart-scale.ts), at most `windowS` back from the newest sample.
 */
import { ampTicks, timeDomain, timeTicks } from './chart-scale.js';
import { svg as el } from './dom.js';
import type { LoadSample } from './types.js';

const W = 640;
const H = 220;
const PAD = { left: 40, right: 8, top: 10, bottom: 22 };
const PHASE_CLASSES = ['l1', 'l2', 'l3'];
const DAY = 86_400_000;

export function drawLoadChart(svg: SVGSVGElement, samples: readonly LoadSample[], windowS: number): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const [start, end] = timeDomain(samples.map((s) => Date.parse(s.at)), windowS * 1000, Date.now());
  const visible = samples.filter((s) => Date.parse(s.at) >= start).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const { top, ticks: amps } = ampTicks(Math.max(0, ...visible.flatMap((s) => [...s.chargersA, ...(s.gridA ?? []), s.limitA ?? 0])));
  const x = (t: number) => PAD.left + ((t - start) / (end - start || 1)) * (W - PAD.left - PAD.right);
  const y = (a: number) => H - PAD.bottom - (a / top) * (H - PAD.top - PAD.bottom);

  for (const a of amps) {
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(a), y2: y(a), class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 4, y: y(a) + 4, class: 'axis', 'text-anchor': 'end' }, `${a} A`));
  }
  const { step, ticks } = timeTicks(start, end, -new Date(end).getTimezoneOffset() * 60_000);
  for (const t of ticks) {
    const label = step >= DAY ? new Date(t).toLocaleDateString([], { weekday: 'short', day: 'numeric' }) : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    // A label at either edge is kept inside the chart rather than cut in half.
    const anchor = x(t) > W - PAD.right - 20 ? 'end' : x(t) < PAD.left + 20 ? 'start' : 'middle';
    svg.append(el('text', { x: x(t), y: H - 6, class: 'axis time', 'text-anchor': anchor, 'data-t': t }, label));
  }
  if (visible.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, class: 'axis', 'text-anchor': 'middle' }, 'no samples yet'));
    return;
  }
  const line = (points: [number, number][], cls: string) => {
    if (points.length === 0) return;
    const d = points.map(([t, a], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(a).toFixed(1)}`).join('');
    svg.append(el('path', { d, class: cls }));
  };
  const at = visible.map((s) => Date.parse(s.at));
  line(visible.flatMap((s, i) => (s.limitA === null ? [] : [[at[i]!, s.limitA] as [number, number]])), 'limit');
  for (let p = 0; p < 3; p++) {
    line(visible.flatMap((s, i) => (s.gridA ? [[at[i]!, s.gridA[p]!] as [number, number]] : [])), `grid-line ${PHASE_CLASSES[p]}`);
    line(visible.map((s, i) => [at[i]!, s.chargersA[p]!]), `load ${PHASE_CLASSES[p]}`);
  }
}
