/**
 * A charger's status history drawn as SVG: a row for its link (online / offline) and one per
 * connector (0 is the charger itself, OCPP 1.6 §4.9), each status a coloured band from its
 * timestamp to the next one of that connector. Every entry is one band: hover it for details.
 */
import { svg as el, time } from './dom.js';
import type { StatusEntry } from './types.js';

/** Drawn at the width it is shown (so its text stays legible on a phone), 640 while hidden. */
const FALLBACK_WIDTH = 640;
const ROW = 24;
const LABEL = 70;
const RIGHT = 8;
const AXIS = 22;
/** A band never thinner than this, so a short status stays visible (and clickable). */
const MIN_BAND = 2;

/** The colour class of a status (style.css .band.s-*): what a glance must tell apart. */
export function statusClass(status: string): string {
  if (status === 'Available') return 'ok';
  if (status === 'Charging') return 'charging';
  if (status === 'Faulted') return 'bad';
  if (status === 'Unavailable') return 'off';
  return 'warn'; // Preparing, SuspendedEV, SuspendedEVSE, Finishing, Reserved
}

const at = (e: StatusEntry) => Date.parse(e.timestamp);

/**
 * Draws `entries` over the last `windowMs` before `now` (null: from the oldest entry). A status
 * that began before the window and lasted into it is drawn from the window's start.
 */
export function drawStatusTimeline(svg: SVGSVGElement, entries: readonly StatusEntry[], now: number, windowMs: number | null): void {
  svg.replaceChildren();
  const W = Math.max(280, Math.round(svg.getBoundingClientRect().width) || FALLBACK_WIDTH);
  const ordered = [...entries].filter((e) => Number.isFinite(at(e))).sort((a, b) => at(a) - at(b) || a.id - b.id);
  const connectors = [...new Set(ordered.flatMap((e) => (e.kind === 'status' ? [e.connectorId] : [])))].sort((a, b) => a - b);
  const rows: { label: string; match: (e: StatusEntry) => boolean }[] = [
    { label: 'link', match: (e) => e.kind !== 'status' },
    ...connectors.map((c) => ({ label: c === 0 ? 'charger' : `#${c}`, match: (e: StatusEntry) => e.kind === 'status' && e.connectorId === c })),
  ];
  const height = rows.length * ROW + AXIS;
  svg.setAttribute('viewBox', `0 0 ${W} ${height}`);
  if (ordered.length === 0) {
    svg.append(el('text', { x: W / 2, y: height / 2, class: 'axis', 'text-anchor': 'middle' }, 'no status recorded yet'));
    return;
  }
  const end = Math.max(now, at(ordered.at(-1)!));
  const start = windowMs === null ? Math.min(at(ordered[0]!), end - 60_000) : end - windowMs;
  const x = (t: number) => LABEL + ((t - start) / (end - start)) * (W - LABEL - RIGHT);

  rows.forEach((row, r) => {
    const y = r * ROW;
    svg.append(el('text', { x: LABEL - 6, y: y + ROW / 2 + 4, class: 'axis', 'text-anchor': 'end' }, row.label));
    const own = ordered.filter(row.match);
    own.forEach((e, i) => {
      const until = i + 1 < own.length ? at(own[i + 1]!) : end;
      if (until < start) return; // over before the window
      const from = x(Math.max(start, at(e)));
      const to = x(until);
      const cls = e.kind === 'status' ? `s-${statusClass(e.status)}${e.errorCode !== 'NoError' ? ' error' : ''}` : e.kind === 'connected' ? 's-online' : 's-offline';
      const band = el('rect', {
        x: from.toFixed(1),
        y: y + 3,
        width: Math.max(MIN_BAND, to - from).toFixed(1),
        height: ROW - 6,
        class: `band ${cls}`,
        'data-kind': e.kind,
        'data-id': e.id,
        ...(e.kind === 'status' ? { 'data-connector': e.connectorId, 'data-status': e.status } : {}),
      });
      band.append(el('title', {}, describe(e)));
      svg.append(band);
    });
  });
  const axisY = rows.length * ROW + 15;
  // As many labels as fit without touching (about 130 px each).
  const steps = Math.max(1, Math.min(4, Math.floor((W - LABEL) / 130)));
  for (let i = 0; i <= steps; i++) {
    const t = start + ((end - start) * i) / steps;
    svg.append(el('text', { x: x(t), y: axisY, class: 'axis', 'text-anchor': i === 0 ? 'start' : i === steps ? 'end' : 'middle' }, tick(t, end - start)));
  }
}

/** An axis label as fine as the span needs: seconds within an hour, the date beyond a day. */
function tick(t: number, spanMs: number): string {
  const d = new Date(t);
  if (spanMs <= 3600_000) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (spanMs <= 86_400_000) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return time(d.toISOString());
}

/** One line per entry, for the tooltip and the list. */
export function describe(e: StatusEntry): string {
  if (e.kind !== 'status') return `${time(e.timestamp)} · ${e.kind}${e.info ? ` (${e.info})` : ''}`;
  const extra = [e.errorCode !== 'NoError' ? e.errorCode : '', e.info ?? '', e.vendorErrorCode ? `vendor ${e.vendorErrorCode}` : ''].filter(Boolean).join(', ');
  return `${time(e.timestamp)} · ${e.connectorId === 0 ? 'charger' : `#${e.connectorId}`} ${e.status}${extra ? ` (${extra})` : ''}`;
}
