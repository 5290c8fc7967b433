/** GET /api/site, /api/site/history, /api/upstream: the site against its supply, and the cloud link. */
import type { Config } from '../../config/schema.js';
import type { OutboxStore } from '../../store/ports.js';
import type { LoadHistoryStore } from '../../store/ports.js';
import { HISTORY_RANGES, historyFor, SAMPLE_INTERVAL_MS, type LoadHistory } from '../load-history.js';
import type { PeersLookup } from '../peers.js';
import { route, type Route } from '../route.js';
import type { SiteView } from '../site-view.js';
import { controlView, limitView } from '../views.js';

export const NO_BALANCING = 'load balancing not configured';
export const NO_UPSTREAM = 'no upstream configured';

export interface SiteDeps {
  config: Config;
  outbox: Pick<OutboxStore, 'count' | 'oldestAt' | 'deadLetterCount' | 'deadLetters'>;
  site: SiteView;
  history: LoadHistory;
  /** The downsampled history that survives a restart (migration 13). */
  storedHistory: Pick<LoadHistoryStore, 'list'>;
  now: () => Date;
  peers: PeersLookup;
}

export function siteSummary(deps: SiteDeps) {
  const supply = deps.config.site?.supply;
  const allocation = deps.site.allocation;
  const balancing = deps.peers().limits !== undefined;
  return {
    balancing,
    ...(balancing ? {} : { message: NO_BALANCING }),
    supply: supply ? { maxCurrentA: supply.maxCurrent, phases: supply.phases, voltageV: supply.voltage, marginA: supply.margin } : null,
    /** The limit in force and what set it (lower than the fuse under a schedule or demand response). */
    limit: allocation?.siteLimit ?? (supply ? { amps: supply.maxCurrent, source: 'supply' } : null),
    /** A per site phase L1, L2, L3 given to the chargers. */
    allocatedA: allocation?.load ?? null,
    /** Set while the grid meter is stale and the worst is assumed. */
    failsafe: allocation?.failsafe ?? null,
    allocatedAt: allocation?.at ?? null,
    /** Per connector the balancer's plan beside the limit the charger accepted (see views.ts LimitView). */
    connectors: allocation ? allocation.connectors.map((c) => ({ chargerId: c.chargerId, connectorId: c.connectorId, ...limitView(c, allocation.at) })) : [],
    /** Per charger whether chargegate controls its current; an uncontrolled one is counted at its maximum. */
    chargers: deps.site.controls().map((c) => ({ chargerId: c.chargerId, ...controlView(c) })),
    grid: deps.site.site?.grid ?? null,
    gridAt: deps.site.gridAt ?? null,
    load: deps.history.latest() ?? null,
  };
}

export function upstreamSummary(deps: Pick<SiteDeps, 'config' | 'site' | 'outbox' | 'peers'>) {
  if (upstreamMode(deps.config) === 'none') return { configured: false, message: NO_UPSTREAM };
  const state = deps.site.upstream;
  const outbox = deps.outbox;
  return {
    configured: true,
    mode: upstreamMode(deps.config),
    /** null until the link reported its state. */
    online: state?.online ?? null,
    // The store is the truth for what waits: right even before the link's first report.
    outboxDepth: outbox.count(),
    oldestQueuedAt: outbox.oldestAt() ?? null,
    deadLetterCount: outbox.deadLetterCount(),
    deadLetters: outbox.deadLetters(20),
    updatedAt: state?.at ?? null,
    /** The primary and every mirror side by side (GET /api/upstreams). */
    upstreams: deps.peers().upstreams?.() ?? [],
  };
}

export function upstreamMode(config: Config): 'aggregate' | 'transparent' | 'none' {
  return config.upstream.mode ?? (config.upstream.url ? 'aggregate' : 'none');
}

export function siteRoutes(deps: SiteDeps): Route[] {
  return [
    route({
      method: 'GET',
      path: '/api/site',
      access: 'read',
      tag: 'site',
      summary:
        'The supply, the limit in force, grid meter readings; per connector the planned limit beside the one the charger accepted, the one in flight and ' +
        'the current it draws (plannedA, acceptedA, inFlightA, measuredA, reason, detail); per charger whether chargegate controls it (controlled, uncontrolledWhy, uncontrolledSince).',
      response: 'Site',
      handle: () => ({ json: siteSummary(deps) }),
    }),
    route({
      method: 'GET',
      path: '/api/site/history',
      access: 'read',
      tag: 'site',
      summary:
        `Load per phase against the limit over a range, oldest first: 4h (default) one sample every ${SAMPLE_INTERVAL_MS / 1000} s since chargegate started and ` +
        '1-minute means before that; 1d 1-minute means; 7d 15-minute means. Kept across restarts (a day of minutes, a week of quarter hours).',
      query: { range: { type: 'enum', values: HISTORY_RANGES, description: 'How far back: 4h (default), 1d or 7d.' } },
      handle: ({ query }) => ({ json: historyFor(query.range ?? '4h', deps.now().getTime(), (resolutionS, fromMs) => deps.storedHistory.list(resolutionS, fromMs), deps.history.toArray()) }),
    }),
    route({
      method: 'GET',
      path: '/api/upstream',
      access: 'read',
      tag: 'site',
      summary: 'The link to the cloud CSMS: online, outbox depth and oldest message, the latest 20 dead letters.',
      handle: () => ({ json: upstreamSummary(deps) }),
    }),
    route({
      method: 'GET',
      path: '/api/upstreams',
      access: 'read',
      tag: 'site',
      summary:
        'Every upstream side by side, the primary first then each mirror (upstream.mirrors): name, role, mode, url (without credentials), online, outbox depth, ' +
        'dead letters, the last error on its links, and a mirror\'s allowed commands. Empty without an upstream.',
      handle: () => ({ json: { upstreams: deps.peers().upstreams?.() ?? [] } }),
    }),
  ];
}
