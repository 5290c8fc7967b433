/**
 * The operator's view: the HTTP API, the live feed, the dashboard's files and /metrics on one
 * port, composed from the gateway's registry, commands and store, and the bus.
 */
import { randomInt } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/ports.js';
import { chargerCommandRoutes } from './api/charger-commands.js';
import { chargerRoutes } from './api/chargers.js';
import { chargingProfileRoutes } from './api/charging-profiles.js';
import { commandRoutes } from './api/commands.js';
import { chargeModeRoutes } from './api/charge-modes.js';
import type { ChargeModes } from '../control/charge-modes.js';
import { planRoutes } from './api/plans.js';
import type { Plans } from '../plan/service.js';
import { firmwareRoutes } from './api/firmware.js';
import { ocppRoutes } from './api/ocpp.js';
import { securityRoutes } from './api/security.js';
import { sessionRoutes } from './api/sessions.js';
import { costRoutes } from './api/cost.js';
import type { CostService } from '../cost/service.js';
import { siteRoutes } from './api/site.js';
import { deviceModelRoutes } from './api/device-model.js';
import { statusHistoryRoutes } from './api/status-history.js';
import { createAuth } from './auth.js';
import { loginRoutes } from './api/login.js';
import { createLogins } from './logins.js';
import { LiveFeed } from './live.js';
import { BUCKETS, LoadHistory, SAMPLE_INTERVAL_MS } from './load-history.js';
import { createMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { resolveHttpOptions } from './options.js';
import type { PeersLookup } from './peers.js';
import type { SiteCommands } from '../control/site-commands.js';
import type { OcppCommands } from '../control/ocpp-commands.js';
import { route, type Route } from './route.js';
import { createHttpServer } from './server.js';
import { createGuessThrottle } from '../security/guess-throttle.js';
import { SiteView } from './site-view.js';
import { loadStaticFiles } from './static.js';
import { loadSample, type ViewDeps } from './views.js';
import type { SetupView } from '../setup/index.js';
import type { ChannelLimitsView } from '../upstream/cloud-caps.js';
import type { Transfers } from '../transfers/service.js';
import type { ChargerQueries } from '../gateway/charger-queries.js';
import type { ChargerFileHandler } from '../transfers/serve.js';

export interface OperatorViewDeps {
  config: Config;
  gateway: Pick<Gateway, 'registry' | 'commands'>;
  store: Pick<Store, 'sessions' | 'upstream' | 'security' | 'statusHistory' | 'deviceModel' | 'loadHistory' | 'dashboardLogins' | 'durably'>;
  events: EventBus;
  peers: PeersLookup;
  /** Per charger: vendor profile, automatic setup, effective quirks (src/setup). */
  setup?: (chargerId: string) => SetupView;
  /** A local user's charging profiles kept as the balancer's caps (src/control/user-profiles.ts); undefined: none kept. */
  chargingProfiles?: (chargerId: string) => ChannelLimitsView | undefined;
  /** The caps the balancer holds on a charger, by source. */
  caps?: (chargerId: string) => { connectorId?: number; source: string; amps: number }[];
  /** Questions to chargers whose answers chargegate collects (src/gateway/charger-queries.ts). */
  queries?: ChargerQueries;
  /** Firmware files and diagnostics uploads (src/transfers), and the chargers' capability URLs. */
  transfers?: { service: Transfers; chargerFiles: ChargerFileHandler };
  /** The site commands, shared with MQTT. */
  control: SiteCommands;
  /** Every OCPP command, through the shared door (src/control/ocpp-commands.ts). */
  ocpp: OcppCommands;
  /** The charge modes per connector; undefined without a site: section. */
  modes?: ChargeModes;
  /** The charging plans per connector (src/plan); undefined when no charger can be capped. */
  plans?: Plans;
  logger: Logger;
  now: () => Date;
  version: string;
  /** Folder of the built dashboard (index.html and its files). */
  webRoot?: string;
  /** How often the live feed sends coalesced changes, ms (tests shorten it). */
  liveFlushMs?: number;
  /** The tariff and session costs (src/cost); undefined without a tariff: section. */
  cost?: CostService;
}

export interface OperatorView {
  /** Resolves with the base URL, e.g. http://127.0.0.1:8080 */
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  /** Takes a load sample now (the timer does it every SAMPLE_INTERVAL_MS). */
  sampleLoad(): void;
  readonly history: LoadHistory;
  readonly live: LiveFeed;
  /** Bytes of the dashboard's files as served (gzip where smaller). */
  readonly pageBytes: () => number;
  /** The route table the server matches (for `npm run fuzz`, which drives its parsing directly). */
  readonly routes: readonly Route[];
}

export function createOperatorView(deps: OperatorViewDeps): OperatorView {
  const options = resolveHttpOptions(deps.config.http, hostname());
  const logger = deps.logger.child({ component: 'http' });
  const site = new SiteView(deps.events, deps.now);
  const history = new LoadHistory();
  const transfers = deps.transfers?.service;
  const views: ViewDeps = {
    config: deps.config,
    registry: deps.gateway.registry,
    sessions: deps.store.sessions,
    site,
    ...(deps.setup ? { setup: deps.setup } : {}),
    ...(transfers ? { transfers: (id: string) => transfers.latest(id) } : {}),
    ...(deps.queries ? { transactionQueues: (id: string) => deps.queries!.queues(id) } : {}),
  };
  const siteDeps = { config: deps.config, site, history, storedHistory: deps.store.loadHistory, now: deps.now, peers: deps.peers, outbox: deps.store.upstream.outbox };
  const live = new LiveFeed({ events: deps.events, views, site: siteDeps, logger, ...(deps.liveFlushMs !== undefined ? { flushMs: deps.liveFlushMs } : {}) });
  const metrics = createMetrics({ ...views, outbox: deps.store.upstream.outbox, events: deps.events, peers: deps.peers, now: deps.now, liveClients: () => live.clientCount });
  const logins = createLogins({ store: deps.store, tokenFor: (role) => (role === 'command' ? options.token : options.readToken), now: deps.now });
  const tooManyGuesses = (address: string) =>
    logger.warn({ remoteAddress: address, perMinute: options.maxAuthFailures }, 'too many wrong tokens from one address: its tokens are refused with 429 for a while (http.maxAuthFailures)');
  const auth = createAuth(options, logins, createGuessThrottle(options.maxAuthFailures, () => deps.now().getTime(), tooManyGuesses));
  const staticFiles = loadStaticFiles(deps.webRoot);

  const routes: Route[] = [
    ...chargerRoutes(views),
    ...sessionRoutes({ sessions: deps.store.sessions, timeZone: deps.config.site?.timeZone ?? 'UTC', ...(deps.cost ? { costOf: (s) => deps.cost!.costOf(s) } : {}) }),
    ...costRoutes({ config: deps.config, cost: deps.cost, sessions: deps.store.sessions, timeZone: deps.config.tariff?.timeZone ?? deps.config.site?.timeZone ?? 'UTC', now: deps.now }),
    ...siteRoutes(siteDeps),
    ...commandRoutes({ control: deps.control }),
    ...loginRoutes({ auth, logins }),
    ...chargeModeRoutes({ modes: deps.modes }),
    ...planRoutes({ plans: deps.plans }),
    ...securityRoutes({ views, security: deps.store.security }),
    ...statusHistoryRoutes({ views, statusHistory: deps.store.statusHistory }),
    ...deviceModelRoutes({ views, deviceModel: deps.store.deviceModel }),
    ...ocppRoutes({ ocpp: deps.ocpp }),
    // A random positive int32: unlike a counter, no clash with a reservation an earlier run made.
    ...chargerCommandRoutes({ ocpp: deps.ocpp, now: deps.now, reservationId: () => randomInt(1, 2 ** 31 - 1) }),
    ...chargingProfileRoutes({ views, chargingProfiles: deps.chargingProfiles ?? (() => undefined), caps: deps.caps ?? (() => []), ...(deps.queries ? { queries: deps.queries } : {}) }),
    ...(transfers ? firmwareRoutes({ transfers, views }) : []),
    route({
      method: 'GET',
      path: '/api/events',
      access: 'read',
      tag: 'live',
      summary: 'Server-sent events: snapshot (chargers, site, upstream) on connect, then charger, site, session, upstream and load events.',
      produces: ['text/event-stream'],
      handle({ req, res }) {
        // A HEAD gets the head and its end: a stream's head alone is never flushed, so the
        // client waited for ever while a live client was kept (found by `npm run fuzz`).
        if (req.method === 'HEAD') return { text: '', contentType: 'text/event-stream; charset=utf-8' };
        live.attach(res);
        return { streaming: true };
      },
    }),
    route({
      method: 'GET',
      path: '/api/whoami',
      access: 'public',
      tag: 'meta',
      summary: 'Whether a token is needed, what the presented one (or the login cookie) may do (read, command or none), and whether it came from the cookie.',
      handle: ({ req }) => {
        const credential = auth.credentialOf(req);
        return { json: { authRequired: options.authRequired, role: credential.role, remembered: credential.via === 'cookie' } };
      },
    }),
    route({
      method: 'GET',
      path: '/metrics',
      access: 'read',
      tag: 'meta',
      summary: 'Prometheus metrics.',
      produces: ['text/plain'],
      handle: async () => ({ text: await metrics.text(), contentType: metrics.contentType }),
    }),
  ];
  const openApi = JSON.stringify(openApiDocument([...routes, openApiRoute()], deps.version, options.authRequired));
  function openApiRoute(): Route {
    return route({ method: 'GET', path: '/api/openapi.json', access: 'public', tag: 'meta', summary: 'This document.', handle: () => ({ text: openApi, contentType: 'application/json' }) });
  }
  routes.push(openApiRoute());

  const server = createHttpServer({
    host: options.host,
    port: options.port,
    routes,
    auth,
    staticFiles,
    timeouts: options.timeouts,
    connectionLimits: options.connectionLimits,
    guard: { hostNames: options.hostNames, allowedOrigins: options.allowedOrigins },
    ...(deps.transfers ? { chargerFiles: deps.transfers.chargerFiles } : {}),
    logger,
  });
  let sampler: NodeJS.Timeout | undefined;
  const sampleLoad = () => {
    const sample = loadSample(views, deps.now());
    history.push(sample);
    live.load(sample);
    // Into the 1-minute and 15-minute buckets, so the chart has its history after a restart.
    deps.store.durably(() => deps.store.loadHistory.add(sample, BUCKETS)).catch((err: Error) => logger.warn({ err: err.message }, 'load history not stored'));
  };

  return {
    history,
    live,
    sampleLoad,
    routes,
    pageBytes: () => [...staticFiles.files.values()].reduce((sum, f) => sum + Math.min(f.bytes, f.gzipBytes), 0),
    async start() {
      const port = await server.listen();
      sampleLoad();
      sampler = setInterval(sampleLoad, SAMPLE_INTERVAL_MS);
      sampler.unref();
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      return { url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port };
    },
    async stop() {
      clearInterval(sampler);
      live.close();
      metrics.close();
      await server.close();
    },
  };
}

