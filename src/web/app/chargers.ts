/** The site overview: a card per charger, a row per connector, and its command buttons. */
import { post } from './api.js';
import { h, kw, kwh } from './dom.js';
import type { Charger, Connector } from './types.js';

export interface CardOptions {
  mayCommand: boolean;
  /** Shows the outcome of a command to the person who pressed the button. */
  notify(text: string, ok: boolean): void;
  onUnauthorized(): void;
}

export function chargerCard(c: Charger, options: CardOptions): HTMLElement {
  return h(
    'article',
    { class: `card ${c.online ? 'online' : 'offline'}`, id: `charger-${c.id}`, 'data-charger': c.id },
    h('header', {}, h('h3', {}, c.id), h('span', { class: `badge ${badgeClass(c.status)}` }, c.status)),
    c.vendor ? h('p', { class: 'muted' }, `${c.vendor} ${c.model ?? ''}${c.maxCurrentA ? ` · max ${c.maxCurrentA} A` : ''}`) : null,
    ...c.connectors.map((k) => connectorRow(c, k, options)),
  );
}

function connectorRow(c: Charger, k: Connector, options: CardOptions): HTMLElement {
  const currents = k.currentA ? k.currentA.map((a) => (a === null ? '–' : a.toFixed(1))).join(' / ') + ' A' : null;
  const allocation = k.allocation ? `${k.allocation.amps} A · ${k.allocation.reason}${k.allocation.detail ? ` (${k.allocation.detail})` : ''}` : null;
  return h(
    'section',
    { class: 'connector', 'data-connector': String(k.connectorId) },
    h('div', { class: 'row' }, h('strong', {}, `#${k.connectorId}`), h('span', { class: `badge ${badgeClass(k.status)}`, 'data-role': 'status' }, k.status), h('span', { class: 'power' }, kw(k.powerW))),
    h(
      'dl',
      {},
      currents ? h('div', {}, h('dt', {}, 'Current'), h('dd', {}, currents)) : null,
      k.session ? h('div', {}, h('dt', {}, 'Session'), h('dd', { 'data-role': 'session' }, `${k.session.idTag} · ${kwh(k.session.energyWh)}`)) : null,
      h('div', {}, h('dt', {}, 'Limit'), h('dd', {}, allocation ?? 'not balanced')),
    ),
    options.mayCommand && c.online ? commands(c, k, options) : null,
  );
}

function commands(c: Charger, k: Connector, options: CardOptions): HTMLElement {
  const base = `/api/chargers/${encodeURIComponent(c.id)}/connectors/${k.connectorId}`;
  const run = async (button: HTMLButtonElement, path: string, body: unknown) => {
    button.disabled = true;
    try {
      const result = await post(path, body);
      options.notify(`${c.id} #${k.connectorId}: ${result.reason}`, result.accepted);
    } catch {
      options.onUnauthorized();
    } finally {
      button.disabled = false;
    }
  };
  if (k.session) {
    const stop: HTMLButtonElement = h('button', { type: 'button', class: 'danger', onclick: () => void run(stop, `${base}/stop`, {}) }, 'Stop');
    return h('div', { class: 'actions' }, stop);
  }
  const idTag = h('input', { type: 'text', placeholder: 'idTag', maxlength: '20', 'aria-label': `idTag for ${c.id} connector ${k.connectorId}`, value: localStorage.getItem('chargegate.idTag') ?? '' });
  const start: HTMLButtonElement = h('button', {
    type: 'button',
    onclick: () => {
      if (!idTag.value) return options.notify('enter the idTag to charge with', false);
      localStorage.setItem('chargegate.idTag', idTag.value);
      void run(start, `${base}/start`, { idTag: idTag.value });
    },
  }, 'Start');
  const unlock: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', onclick: () => void run(unlock, `${base}/unlock`, {}) }, 'Unlock');
  return h('div', { class: 'actions' }, idTag, start, unlock);
}

function badgeClass(status: string): string {
  if (/Charging/.test(status)) return 'charging';
  if (/Available/.test(status)) return 'ok';
  if (/Faulted|Offline|Unavailable|Never/.test(status)) return 'bad';
  return 'warn';
}
