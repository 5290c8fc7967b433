/**
 * The site's load per phase against its limit, drawn as SVG: three lines (L1, L2, L3) for the
 * chargers, dashed lines for the grid meter when there is one, and the limit as a red line.
 */
import { svg as el } from './dom.js';
import type { LoadSample } from './types.js';

const W = 640;
const H = 220;
const PAD = { left: 36, right: 8, top: 10, bottom: 22 };
const PHASE_CLASSES = ['l1', 'l2', 'l3'];

export function drawLoadChart(svg: SVGSVGElement, samples: readonly LoadSample[], windowS: number): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const end = samples.length ? Math.max(...samples.map((s) => Date.parse(s.at))) : Date.now();
  const start = end - windowS * 1000;
  const visible = samples.filter((s) => Date.parse(s.at) >= start).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const peak = Math.max(1, ...visible.flatMap((s) => [...s.chargersA, ...(s.gridA ?? []), s.limitA ?? 0]));
  const top = niceCeiling(peak * 1.1);
  const x = (t: number) => PAD.left + ((t - start) / (end - start || 1)) * (W - PAD.left - PAD.right);
  const y = (a: number) => H - PAD.bottom - (a / top) * (H - PAD.top - PAD.bottom);

  for (let i = 0; i <= 4; i++) {
    const amps = (top / 4) * i;
    svg.append(el('line', { x1: PAD.left, x2: W - PAD.right, y1: y(amps), y2: y(amps), class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 4, y: y(amps) + 4, class: 'axis', 'text-anchor': 'end' }, `${Math.round(amps)} A`));
  }
  for (let t = Math.ceil(start / 3600_000) * 3600_000; t <= end; t += 3600_000) {
    const label = new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    svg.append(el('text', { x: x(t), y: H - 6, class: 'axis', 'text-anchor': 'middle' }, label));
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

function niceCeiling(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / step) * step;
}
