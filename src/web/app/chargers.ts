/** The site overview: a card per charger, a row per connector, and its command buttons. */
import { post } from './api.js';
import { h, kw, kwh, time } from './dom.js';
import type { Charger, Connector, Limit } from './types.js';

export interface CardOptions {
  mayCommand: boolean;
  /** Shows the outcome of a command to the person who pressed the button. */
  notify(text: string, ok: boolean): void;
  onUnauthorized(): void;
}

export function chargerCard(c: Charger, options: CardOptions): HTMLElement {
  return h(
    'article',
    { class: `card ${c.online ? 'online' : 'offline'}${c.controlled === false ? ' uncontrolled' : ''}`, id: `charger-${c.id}`, 'data-charger': c.id },
    h('header', {}, h('h3', {}, h('a', { href: `#/chargers/${encodeURIComponent(c.id)}`, 'data-role': 'open', title: `${c.id}: configuration, status history and actions` }, c.id)), h('span', { class: `badge ${badgeClass(c.status)}` }, c.status)),
    c.vendor ? h('p', { class: 'muted' }, `${c.vendor} ${c.model ?? ''}${c.maxCurrentA ? ` · max ${c.maxCurrentA} A` : ''}`) : null,
    // Its limits below are only a plan while this shows: the charger may draw its maximum.
    c.controlled === false
      ? h('p', { class: 'alert', 'data-role': 'control', role: 'status' }, `uncontrolled: ${c.uncontrolledWhy ?? 'reason unknown'}`, c.uncontrolledSince ? h('span', { class: 'since' }, ` · since ${time(c.uncontrolledSince)}`) : null)
      : null,
    c.lastSecurityEvent
      ? h('p', { class: 'muted', 'data-role': 'security' }, `security event: ${c.lastSecurityEvent.type}${c.lastSecurityEvent.techInfo ? ` (${c.lastSecurityEvent.techInfo})` : ''}`, h('span', { class: 'since' }, ` · ${time(c.lastSecurityEvent.timestamp)}`))
      : null,
    c.firmware
      ? h('p', { class: /Failed$/.test(c.firmware.status) ? 'alert' : 'muted', 'data-role': 'firmware' }, `firmware ${c.firmware.status}`, h('span', { class: 'since' }, ` · ${time(c.firmware.at)}`))
      : null,
    c.diagnostics
      ? h(
          'p',
          { class: c.diagnostics.status === 'UploadFailed' || c.diagnostics.lastFile?.forwardResult?.startsWith('failed') ? 'alert' : 'muted', 'data-role': 'diagnostics' },
          `diagnostics ${c.diagnostics.status}`,
          c.diagnostics.lastFile ? ` · ${c.diagnostics.lastFile.fileName}${c.diagnostics.lastFile.forwardResult ? ` (${c.diagnostics.lastFile.forwardResult})` : ''}` : '',
          h('span', { class: 'since' }, ` · ${time(c.diagnostics.at)}`),
        )
      : null,
    c.registration && (c.registration.state === 'pending' || c.registration.state === 'refused')
      ? h('p', { class: 'alert', 'data-role': 'registration' }, `registration ${c.registration.state}${c.registration.reason ? `: ${c.registration.reason}` : ''}`, c.registration.since ? h('span', { class: 'since' }, ` · since ${time(c.registration.since)}`) : null)
      : null,
    c.setup ? setupLine(c.setup) : null,
    ...c.connectors.map((k) => connectorRow(c, k, options)),
  );
}

/** "setup done · profile ABB Terra AC · stackLevelZeroOnly (profile)": where its quirks come from. */
function setupLine(s: NonNullable<Charger['setup']>): HTMLElement | null {
  const quirks = Object.entries(s.quirks)
    .filter(([, q]) => q.value)
    .map(([name, q]) => `${name} (${q.source})`);
  if (s.state === 'off' && !s.profile && quirks.length === 0) return null; // nothing to say
  return h(
    'p',
    { class: s.state === 'failed' ? 'alert' : 'muted', 'data-role': 'setup' },
    `setup ${s.state}${s.reason ? `: ${s.reason}` : ''}`,
    s.profile ? ` · profile ${s.profile.name}` : '',
    quirks.length > 0 ? ` · ${quirks.join(', ')}` : '',
  );
}

function connectorRow(c: Charger, k: Connector, options: CardOptions): HTMLElement {
  const currents = k.currentA ? k.currentA.map((a) => a.toFixed(1)).join(' / ') + ' A' : null;
  return h(
    'section',
    { class: 'connector', 'data-connector': String(k.connectorId) },
    h('div', { class: 'row' }, h('strong', {}, `#${k.connectorId}`), h('span', { class: `badge ${badgeClass(k.status)}`, 'data-role': 'status' }, k.status), h('span', { class: 'power' }, kw(k.powerW))),
    h(
      'dl',
      {},
      currents ? h('div', {}, h('dt', {}, 'Current'), h('dd', {}, currents)) : null,
      k.session ? h('div', {}, h('dt', {}, 'Session'), h('dd', { 'data-role': 'session' }, `${k.session.idTag} · ${kwh(k.session.energyWh)}`)) : null,
      h('div', {}, h('dt', {}, 'Limit'), k.limit ? limitCell(k.limit) : h('dd', {}, 'not balanced')),
      k.limit ? h('div', {}, h('dt', {}, 'Why'), h('dd', { 'data-role': 'reason' }, `${k.limit.reason}${k.limit.detail ? ` (${k.limit.detail})` : ''}`)) : null,
    ),
    options.mayCommand && c.online ? commands(c, k, options) : null,
  );
}

const amps = (a: number) => `${Math.round(a * 10) / 10} A`;

/**
 * "16 A planned · 10 A accepted", and "→ 12 A sent" while a new limit waits for its answer:
 * the plan is what chargegate wants, the accepted limit what the charger agreed to. An accepted
 * limit that differs from the plan with nothing on its way is marked.
 */
function limitCell(l: Limit): HTMLElement {
  const settled = l.inFlightA === null;
  const differs = l.acceptedA === null || Math.abs(l.acceptedA - l.plannedA) >= 0.05;
  return h(
    'dd',
    { 'data-role': 'limit' },
    h('span', { 'data-role': 'planned' }, `${amps(l.plannedA)} planned`),
    ' · ',
    h('span', { 'data-role': 'accepted', class: settled && differs ? 'mismatch' : '' }, l.acceptedA === null ? 'none accepted' : `${amps(l.acceptedA)} accepted`),
    l.inFlightA !== null ? h('span', { 'data-role': 'in-flight', class: 'in-flight', title: 'sent to the charger, not answered yet' }, ` · → ${amps(l.inFlightA)} sent…`) : null,
    l.measuredA !== null ? h('span', { 'data-role': 'measured', class: 'muted' }, ` · drawing ${amps(l.measuredA)}`) : null,
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
