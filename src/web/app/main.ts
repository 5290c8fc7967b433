/** The dashboard: loads what is there, then follows the live feed. */
import { download, get, liveFeed, login, logout, Unauthorized } from './api.js';
import { drawLoadChart } from './chart.js';
import { openChargerPage, type ChargerPage } from './charger-page.js';
import { chargerCard } from './chargers.js';
import { HomeView } from './home.js';
import { startOfDay } from './home-model.js';
import { byId, h, time } from './dom.js';
import { sessionRows, SHOWN_SESSIONS } from './sessions.js';
import type { Charger, LoadSample, Session, Site, Snapshot, Upstream, UpstreamEntry, Plan } from './types.js';

const state = {
  role: 'none' as 'none' | 'read' | 'command',
  chargers: new Map<string, Charger>(),
  sessions: new Map<number, Session>(),
  samples: [] as LoadSample[],
  /** The chart's range (GET /api/site/history?range=): 4h, 1d or 7d. */
  range: '4h',
  windowS: 4 * 3600,
  maxSamples: 960,
  /** The charger page shown (#/chargers/<id>), if one is. */
  page: undefined as { id: string; view: ChargerPage } | undefined,
  signedIn: false,
  /** The home view at the top; built once the role is known. */
  home: undefined as HomeView | undefined,
  /** Sessions that started today (local time), for today's energy and cost. */
  today: new Map<number, Session>(),
  midnight: startOfDay(new Date()),
};

function renderTotals(): void {
  state.home?.totals(state.chargers.values(), state.today.values(), state.midnight);
}

/** Today's sessions with their cost so far, again now and then: the day rolls over, costs grow. */
async function refreshToday(): Promise<void> {
  const midnight = startOfDay(new Date());
  const answer = await get<{ sessions: Session[] }>(`/api/sessions?from=${encodeURIComponent(midnight.toISOString())}&limit=1000`);
  state.midnight = midnight;
  state.today = new Map(answer.sessions.map((s) => [s.transactionId, s]));
  renderTotals();
}

function keepToday(s: Session): void {
  if (Date.parse(s.startedAt) < state.midnight.getTime()) return;
  const known = state.today.get(s.transactionId)?.cost;
  state.today.set(s.transactionId, known && !s.cost ? { ...s, cost: known } : s);
  renderTotals();
}

function notify(text: string, ok: boolean): void {
  const box = byId('notice');
  box.textContent = text;
  box.className = ok ? 'notice ok' : 'notice bad';
  box.hidden = false;
}

function showLogin(message?: string): void {
  state.signedIn = false;
  byId('login').hidden = false;
  byId('app').hidden = true;
  byId('charger-page').hidden = true;
  if (message) byId('login-error').textContent = message;
}

function renderCharger(c: Charger): void {
  state.chargers.set(c.id, c);
  const card = chargerCard(c, { mayCommand: state.role === 'command', notify, onUnauthorized: () => showLogin('your token was refused') });
  const old = document.getElementById(`charger-${c.id}`);
  if (old) old.replaceWith(card);
  else {
    const list = byId('chargers');
    const next = [...list.children].find((el) => (el as HTMLElement).dataset.charger! > c.id);
    list.insertBefore(card, next ?? null);
  }
  if (state.page?.id === c.id) state.page.view.update(c);
  state.home?.update(c);
  renderTotals();
  byId('charger-count').textContent = `${[...state.chargers.values()].filter((x) => x.online).length} of ${state.chargers.size} online`;
}

/** #/chargers/<id> shows a charger's page; anything else the overview. */
function route(): void {
  if (!state.signedIn) return;
  const match = /^#\/chargers\/(.+)$/.exec(location.hash);
  const id = match ? decodeURIComponent(match[1]!) : undefined;
  byId('app').hidden = id !== undefined;
  byId('charger-page').hidden = id === undefined;
  if (state.page?.id === id) return;
  state.page?.view.close();
  state.page = undefined;
  if (id === undefined) return;
  const view = openChargerPage(byId('charger-page'), id, { mayCommand: state.role === 'command', notify, onUnauthorized: () => showLogin('your token was refused') });
  state.page = { id, view };
  const known = state.chargers.get(id);
  if (known) view.update(known);
  window.scrollTo(0, 0);
}

function renderSite(site: Site): void {
  const parts: string[] = [];
  if (site.limit) parts.push(`limit ${site.limit.amps} A per phase (${site.limit.source})`);
  if (site.allocatedA) parts.push(`allocated ${site.allocatedA.map((a) => a.toFixed(1)).join(' / ')} A`);
  if (site.failsafe) parts.push(`FAILSAFE: ${site.failsafe}`);
  const uncontrolled = (site.chargers ?? []).filter((c) => c.controlled === false).map((c) => c.chargerId);
  if (uncontrolled.length) parts.push(`uncontrolled, counted at their maximum: ${uncontrolled.join(', ')}`);
  if (!site.balancing) parts.push(site.message ?? 'load balancing not configured');
  byId('site-summary').textContent = parts.join(' · ');
}

function renderUpstream(u: Upstream): void {
  const box = byId('upstream');
  if (!u.configured) {
    box.replaceChildren(h('p', { class: 'muted' }, u.message ?? 'no upstream configured'));
    return;
  }
  const status = u.online === null || u.online === undefined ? 'unknown' : u.online ? 'online' : 'offline';
  box.replaceChildren(
    h(
      'dl',
      {},
      h('div', {}, h('dt', {}, 'Cloud link'), h('dd', {}, h('span', { class: `badge ${u.online ? 'ok' : 'bad'}` }, status))),
      h('div', {}, h('dt', {}, 'Outbox'), h('dd', {}, `${u.outboxDepth ?? 0} waiting${u.oldestQueuedAt ? `, oldest ${time(u.oldestQueuedAt)}` : ''}`)),
      h('div', {}, h('dt', {}, 'Dead letters'), h('dd', {}, String(u.deadLetterCount ?? 0))),
    ),
    ...(u.upstreams && u.upstreams.length > 1 ? [upstreamTable(u.upstreams)] : []),
  );
}

/** With mirrors: each upstream on its own row, side by side. */
function upstreamTable(list: UpstreamEntry[]): HTMLTableElement {
  const head = h('tr', {}, ...['Upstream', 'Role', 'Link', 'Outbox', 'Dead letters', 'Last error'].map((c) => h('th', {}, c)));
  const rows = list.map((u) =>
    h(
      'tr',
      { 'data-upstream': u.name },
      h('td', { title: u.url }, u.name),
      h('td', {}, u.role === 'mirror' ? `mirror${u.commands?.length ? ` (may: ${u.commands.join(', ')})` : ''}` : 'primary'),
      h('td', {}, h('span', { class: `badge ${u.online ? 'ok' : 'bad'}` }, u.online ? 'online' : 'offline')),
      h('td', {}, String(u.outboxDepth)),
      h('td', {}, String(u.deadLetters)),
      h('td', { class: 'muted' }, u.lastError ? `${u.lastError.message} (${time(u.lastError.at)})` : ''),
    ),
  );
  return h('table', { class: 'upstreams' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function renderSessions(): void {
  byId('sessions-body').replaceChildren(...sessionRows([...state.sessions.values()]));
}

function drawChart(): void {
  drawLoadChart(byId<HTMLElement>('load-chart') as unknown as SVGSVGElement, state.samples, state.windowS);
}

function onEvent(event: string, data: unknown): void {
  switch (event) {
    case 'snapshot': {
      const s = data as Snapshot;
      state.chargers.clear();
      byId('chargers').replaceChildren();
      s.chargers.forEach(renderCharger);
      if (state.page && !state.chargers.has(state.page.id)) state.page.view.update(undefined);
      renderSite(s.site);
      renderUpstream(s.upstream);
      state.home?.reloadPlans();
      break;
    }
    case 'charger':
      renderCharger(data as Charger);
      break;
    case 'site':
      renderSite(data as Site);
      break;
    case 'upstream':
      renderUpstream(data as Upstream);
      break;
    case 'plan':
      state.home?.plan(data as { chargerId: string; connectorId: number; plan: Plan | null });
      break;
    case 'session': {
      const s = data as Session;
      // The live record has no cost: keep the one known, and ask for the final one when it ends.
      const known = state.sessions.get(s.transactionId)?.cost;
      state.sessions.set(s.transactionId, known && !s.cost ? { ...s, cost: known } : s);
      renderSessions();
      keepToday(s);
      if (s.state === 'completed') {
        get<Session>(`/api/sessions/${s.transactionId}`)
          .then((full) => {
            state.sessions.set(full.transactionId, full);
            renderSessions();
            keepToday(full);
          })
          .catch(() => undefined);
      }
      break;
    }
    case 'load': {
      state.samples.push(data as LoadSample);
      // The range's own samples, then the live ones: older than the range they drop out.
      const from = Date.parse((data as LoadSample).at) - state.windowS * 1000;
      while (state.samples.length > 0 && (Date.parse(state.samples[0]!.at) < from || state.samples.length > state.maxSamples)) state.samples.shift();
      drawChart();
      break;
    }
  }
}

/** The chart's history for a range (4h, 1d, 7d), kept across chargegate's restarts. */
async function loadRange(range: string): Promise<void> {
  const history = await get<{ windowS: number; samples: LoadSample[] }>(`/api/site/history?range=${range}`);
  state.range = range;
  state.windowS = history.windowS;
  state.samples = history.samples;
  state.maxSamples = Math.max(960, history.samples.length + 960);
  for (const b of byId('load-range').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.range === range));
  drawChart();
}

async function start(): Promise<void> {
  const who = await get<{ authRequired: boolean; role: 'none' | 'read' | 'command' }>('/api/whoami');
  state.role = who.role;
  if (who.authRequired && who.role === 'none') return showLogin();
  byId('login').hidden = true;
  state.signedIn = true;
  byId('app').hidden = false;
  route();
  byId('logout').hidden = !who.authRequired;
  byId('role').textContent = who.role === 'command' ? '' : 'read-only';
  const unauthorized = () => showLogin('your sign-in was refused');
  state.home = new HomeView(byId('home-chargers'), { mayCommand: who.role === 'command', notify, onUnauthorized: unauthorized });
  try {
    await state.home.load();
    await refreshToday();
    setInterval(() => void refreshToday().catch(() => undefined), 60_000);
    await loadRange(state.range);
    const recent = await get<{ sessions: Session[] }>(`/api/sessions?limit=${SHOWN_SESSIONS}`);
    for (const s of recent.sessions) state.sessions.set(s.transactionId, s);
    renderSessions();
  } catch (err) {
    if (err instanceof Unauthorized) return showLogin('your token was refused');
    notify(`could not load: ${(err as Error).message}`, false);
  }
  liveFeed(onEvent, (live) => {
    const badge = byId('live');
    badge.textContent = live ? 'live' : 'reconnecting…';
    badge.className = `badge ${live ? 'ok' : 'warn'}`;
  }, () => showLogin('your token was refused'));
}

byId<HTMLFormElement>('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  login(byId<HTMLInputElement>('token').value.trim())
    .then((ok) => (ok ? location.reload() : showLogin('that token was refused')))
    .catch((err: Error) => showLogin(`could not sign in: ${err.message}`));
});
window.addEventListener('hashchange', route);
for (const b of byId('load-range').querySelectorAll('button')) {
  b.addEventListener('click', () => void loadRange(b.dataset.range!).catch((err: Error) => notify(`could not load the history: ${err.message}`, false)));
}
byId('logout').addEventListener('click', () => {
  logout().finally(() => location.reload());
});
byId('csv').addEventListener('click', () => {
  download('/api/sessions?format=csv', 'chargegate-sessions.csv').catch((err: Error) => notify(`download failed: ${err.message}`, false));
});
start().catch((err: Error) => notify(`chargegate is not reachable: ${err.message}`, false));
