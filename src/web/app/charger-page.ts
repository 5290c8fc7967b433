/**
 * One charger's page (#/chargers/<id>): who it is and whether it is online, its actions, its
 * configuration, and its status history drawn as a timeline with the list below.
 */
import { get, Unauthorized } from './api.js';
import { actionsPanel } from './charger-actions.js';
import { configurationPanel } from './config-table.js';
import { h, time, timeWithSeconds } from './dom.js';
import { describe, drawStatusTimeline, statusClass } from './status-timeline.js';
import type { Charger, StatusEntry, StatusHistory } from './types.js';

export interface PageOptions {
  mayCommand: boolean;
  notify(text: string, ok: boolean): void;
  onUnauthorized(): void;
}

/** Entries the page loads at first (and per "older"): the timeline draws what is loaded. */
const PAGE = 500;
/** The timeline's spans; "all": from the oldest entry loaded. */
const WINDOWS: [string, number | null][] = [['1 h', 3600_000], ['24 h', 86_400_000], ['7 d', 7 * 86_400_000], ['all', null]];

export interface ChargerPage {
  /** The live feed's view of the charger; undefined: chargegate does not know it. */
  update(c: Charger | undefined): void;
  /** The page is left: its timers and listeners go. */
  close(): void;
}

export function openChargerPage(root: HTMLElement, chargerId: string, options: PageOptions): ChargerPage {
  const header = h('section', { class: 'panel', id: 'charger-header' });
  const actions = actionsPanel(options);
  const config = configurationPanel(chargerId, options);
  let windowMs: number | null = 86_400_000;
  const timeline = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  timeline.id = 'status-timeline';
  timeline.setAttribute('role', 'img');
  timeline.setAttribute('aria-label', `Status of ${chargerId} over time, per connector`);
  const list = h('tbody', { id: 'history-body' });
  const older: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', id: 'history-older', hidden: true, onclick: () => void loadHistory(true) }, 'Older');
  const history = h(
    'section',
    { class: 'panel', id: 'history' },
    h('h2', {}, 'Status history', h('span', { class: 'segmented', role: 'group', 'aria-label': 'time shown' }, ...WINDOWS.map(([label, ms]) => {
      const b: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', 'data-window': label, 'aria-pressed': String(ms === windowMs), onclick: () => {
        windowMs = ms;
        for (const other of b.parentElement!.children) other.setAttribute('aria-pressed', String(other === b));
        draw();
      } }, label);
      return b;
    }))),
    timeline,
    h('p', { class: 'legend' }, ...['ok:Available', 'charging:Charging', 'warn:Preparing, Suspended, Finishing', 'bad:Faulted', 'off:Unavailable', 'online:online', 'offline:offline'].map((kv) => {
      const [cls, label] = kv.split(':') as [string, string];
      return h('span', { class: 'legend-item' }, h('span', { class: `swatch s-${cls}` }), label);
    })),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'Where'), h('th', {}, 'Status'), h('th', {}, 'Error'), h('th', {}, 'Info'))), list)),
    older,
  );
  root.replaceChildren(h('p', {}, h('a', { href: '#/', id: 'back' }, '← All chargers')), header, actions.element, config.element, history);

  let entries: StatusEntry[] = [];
  let next: number | null = null;
  let statusSignature = '';
  let reload: number | undefined;
  const draw = () => drawStatusTimeline(timeline, entries, Date.now(), windowMs);

  async function loadHistory(more = false): Promise<void> {
    try {
      const page = await get<StatusHistory>(`/api/chargers/${encodeURIComponent(chargerId)}/status-history?limit=${PAGE}${more && next ? `&before=${next}` : ''}`);
      entries = more ? [...entries, ...page.entries] : page.entries;
      next = page.next;
      draw();
      list.replaceChildren(...entries.map(historyRow));
      older.hidden = next === null;
    } catch (err) {
      if (err instanceof Unauthorized) return options.onUnauthorized();
      options.notify(`could not load the status history: ${(err as Error).message}`, false);
    }
  }

  // Redrawn at its new width when the window changes (a phone turned).
  let resized: number | undefined;
  const onResize = () => {
    window.clearTimeout(resized);
    resized = window.setTimeout(draw, 150);
  };
  window.addEventListener('resize', onResize);
  void loadHistory();
  if (options.mayCommand) void config.load();

  return {
    close() {
      window.removeEventListener('resize', onResize);
      window.clearTimeout(resized);
      window.clearTimeout(reload);
    },
    update(c) {
      if (!c) {
        header.replaceChildren(h('h2', {}, chargerId), h('p', { class: 'bad-text' }, 'chargegate does not know this charger (not in chargers.list, never connected).'));
        return;
      }
      renderHeader(header, c);
      actions.update(c);
      // A new status or a connect/disconnect is a new line of history: fetch its first page again.
      const signature = JSON.stringify([c.online, c.connectedAt, c.status, c.connectors.map((k) => [k.connectorId, k.status, k.errorCode])]);
      if (statusSignature && signature !== statusSignature) {
        window.clearTimeout(reload);
        reload = window.setTimeout(() => void loadHistory(), 300);
      }
      statusSignature = signature;
    },
  };
}

function renderHeader(header: HTMLElement, c: Charger): void {
  const field = (label: string, value: string | undefined, role?: string) => (value ? h('div', {}, h('dt', {}, label), h('dd', role ? { 'data-role': role } : {}, value)) : null);
  header.replaceChildren(
    h('h2', {}, c.id, h('span', { class: `badge ${c.online ? 'ok' : 'bad'}`, 'data-role': 'online' }, c.online ? 'online' : 'offline'), h('span', { class: 'muted' }, c.status)),
    h(
      'dl',
      {},
      field('Vendor', c.vendor, 'vendor'),
      field('Model', c.model, 'model'),
      field('Serial', c.serialNumber),
      field('Firmware', c.firmwareVersion, 'firmware'),
      field('Protocol', c.protocol),
      c.online ? field('Connected', time(c.connectedAt)) : field('Gone since', c.disconnectedAt ? time(c.disconnectedAt) : undefined),
      field('Registration', c.registration ? `${c.registration.state}${c.registration.reason ? `: ${c.registration.reason}` : ''}` : undefined),
      field('Connectors', c.connectors.map((k) => `#${k.connectorId} ${k.status}`).join(' · ')),
    ),
  );
}

function historyRow(e: StatusEntry): HTMLTableRowElement {
  if (e.kind !== 'status') {
    return h('tr', { 'data-kind': e.kind }, h('td', {}, timeWithSeconds(e.timestamp)), h('td', {}, 'link'), h('td', {}, h('span', { class: `badge ${e.kind === 'connected' ? 'ok' : 'bad'}` }, e.kind)), h('td', {}, ''), h('td', {}, e.info ?? ''));
  }
  return h(
    'tr',
    { 'data-kind': 'status', 'data-connector': String(e.connectorId), title: describe(e) },
    h('td', {}, timeWithSeconds(e.timestamp)),
    h('td', {}, e.connectorId === 0 ? 'charger' : `#${e.connectorId}`),
    h('td', {}, h('span', { class: `badge ${statusClass(e.status)}` }, e.status)),
    h('td', { class: e.errorCode !== 'NoError' ? 'bad-text' : 'muted' }, e.errorCode),
    h('td', {}, [e.info, e.vendorErrorCode ? `vendor ${e.vendorErrorCode}` : ''].filter(Boolean).join(' · ')),
  );
}
