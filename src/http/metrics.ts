/**
 * /metrics in the Prometheus text format, from a registry of our own (never prom-client's
 * global one: two apps in one process, as in tests, must not share counters). Counters follow
 * the bus; gauges are read when Prometheus scrapes. Metrics of optional parts (balancer,
 * upstream, MQTT) appear only while those parts run.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { CENTRAL_INITIATED_16, CHARGER_INITIATED_16, SECURITY_CENTRAL_16 } from '../ocpp/v16/actions.js';
import { CENTRAL_INITIATED_201, CHARGER_INITIATED_201 } from '../ocpp/v201/actions.js';
import type { EventBus } from '../events.js';
import type { Registry as ChargerRegistry } from '../gateway/registry.js';
import type { OutboxStore, SessionStore } from '../store/ports.js';
import { upstreamMode } from './api/site.js';
import type { UpstreamSummary } from '../upstream/upstream.js';
import type { PeersLookup } from './peers.js';
import type { SiteView } from './site-view.js';

export interface MetricsDeps {
  config: Config;
  events: EventBus;
  registry: ChargerRegistry;
  sessions: Pick<SessionStore, 'list'>;
  site: SiteView;
  outbox: Pick<OutboxStore, 'count' | 'oldestAt' | 'deadLetterCount'>;
  peers: PeersLookup;
  now: () => Date;
  /** Clients on the live feed, for chargegate_dashboard_clients. */
  liveClients: () => number;
}

export interface Metrics {
  readonly contentType: string;
  text(): Promise<string>;
  close(): void;
}

/** Every action of OCPP 1.6 (with its security extension) and 2.0.1: the labels of chargegate_ocpp_messages_total. */
const OCPP_ACTIONS: ReadonlySet<string> = new Set([...CHARGER_INITIATED_16, ...CENTRAL_INITIATED_16, ...SECURITY_CENTRAL_16, ...CHARGER_INITIATED_201, ...CENTRAL_INITIATED_201]);

export function createMetrics(deps: MetricsDeps): Metrics {
  const register = new Registry();
  const ageS = (iso: string | undefined) => (iso ? Math.max(0, (deps.now().getTime() - Date.parse(iso)) / 1000) : undefined);
  collectDefaultMetrics({ register, prefix: 'chargegate_' });

  new Gauge({
    name: 'chargegate_chargers_connected',
    help: 'Chargers connected now.',
    registers: [register],
    collect() {
      this.set(deps.registry.list().filter((c) => c.online).length);
    },
  });
  new Gauge({
    name: 'chargegate_sessions_active',
    help: 'Charging sessions running now.',
    registers: [register],
    collect() {
      this.set(deps.sessions.list({ state: 'active' }).length);
    },
  });
  // Counted here and handed to the counter when scraped: prom-client's inc() with labels hashes
  // them into a new string and returns a new object per call, and this counts every CALL of the
  // site (issue #19).
  // A CALL is counted before its action is checked (an unknown one gets NotImplemented): a name
  // that is no OCPP 1.6 or 2.0.1 action is counted as "unknown", so that a charger sending
  // made-up names cannot grow the metric, and this map, without bound.
  const messageCounts = new Map<string, Map<string, number>>();
  const countMessage = (direction: string, action: string): void => {
    let byAction = messageCounts.get(direction);
    if (!byAction) messageCounts.set(direction, (byAction = new Map()));
    const label = OCPP_ACTIONS.has(action) ? action : 'unknown';
    byAction.set(label, (byAction.get(label) ?? 0) + 1);
  };
  new Counter({
    name: 'chargegate_ocpp_messages_total',
    help: 'OCPP CALLs, by action and direction (in: from a charger; out: a command to one).',
    labelNames: ['action', 'direction'],
    registers: [register],
    collect() {
      this.reset();
      for (const [direction, byAction] of messageCounts) for (const [action, n] of byAction) this.inc({ action, direction }, n);
    },
  });
  const leniencies = new Counter({
    name: 'chargegate_ocpp_leniencies_total',
    help: 'Deviations from OCPP 1.6 and 2.0.1 chargegate tolerated, and what the 2.0.1 edge could not carry over (docs/chargers.md "Field tolerance"), by charger and kind: unknown-property, long-string, number-string, string-number, enum-mapped, sample-dropped, single-item-list, filled-in, salvaged, quarantined, no-subprotocol, translation-lost, translation-mapped.',
    labelNames: ['charger', 'kind'],
    registers: [register],
  });
  const feedPolls = new Counter({ name: 'chargegate_tariff_feed_polls_total', help: 'Fetches of tariff.feed.url, by result (ok; failed: a bad status, no JSON, prices that do not parse, a timeout: the last good prices stay).', labelNames: ['result'], registers: [register] });
  const callErrors = new Counter({ name: 'chargegate_ocpp_callerrors_total', help: 'CALLERRORs, by error code and direction (in: a charger sent a bad frame and got one; out: a charger answered a command with one).', labelNames: ['code', 'direction'], registers: [register] });

  // Receive time of each charger's latest MeterValues (ms): the age says whether its data is live.
  const meterReceivedAt = new Map<string, number>();
  new Gauge({
    name: 'chargegate_meter_data_age_seconds',
    help: 'Seconds since the latest meter data: source "site" is the grid meter (when it reports), else a charger with a running session.',
    labelNames: ['source'],
    registers: [register],
    collect() {
      this.reset();
      const site = ageS(deps.site.gridAt);
      if (site !== undefined) this.set({ source: 'site' }, site);
      for (const s of deps.sessions.list({ state: 'active' })) {
        const at = meterReceivedAt.get(s.chargerId);
        const age = at === undefined ? undefined : Math.max(0, (deps.now().getTime() - at) / 1000);
        if (age !== undefined) this.set({ source: s.chargerId }, age);
      }
    },
  });

  new Gauge({
    name: 'chargegate_dashboard_clients',
    help: 'Dashboards (live-feed clients) open now.',
    registers: [register],
    collect() {
      this.set(deps.liveClients());
    },
  });

  // Counted from the start, shown with the balancer's metrics (optionalMetrics registers it):
  // every profile write lands in the charger's flash, and a write that fails again and again
  // is how a charger that ignores its limits shows.
  const profileWrites = new Counter({
    name: 'chargegate_profile_writes_total',
    help: 'SetChargingProfile sent by the load balancer, by charger, profile purpose and result (accepted, rejected, callerror, timeout, offline).',
    labelNames: ['charger', 'purpose', 'result'],
    registers: [],
  });

  const unsubscribe = [
    deps.events.on('balancer.profile', (e) => profileWrites.inc({ charger: e.chargerId, purpose: e.purpose, result: e.result })),
    deps.events.on('ocpp.call', (e) => countMessage(e.direction, e.action)),
    deps.events.on('tariff.feedPoll', (e) => feedPolls.inc({ result: e.ok ? 'ok' : 'failed' })),
    deps.events.on('ocpp.error', (e) => callErrors.inc({ code: e.code, direction: e.direction })),
    deps.events.on('ocpp.leniency', (e) => leniencies.inc({ charger: e.chargerId, kind: e.kind })),
    deps.events.on('meter.values', (e) => void meterReceivedAt.set(e.chargerId, deps.now().getTime())),
  ];

  const optional = optionalMetrics(register, deps, ageS, profileWrites);
  return {
    contentType: register.contentType,
    async text() {
      optional.sync();
      return register.metrics();
    },
    close() {
      for (const off of unsubscribe) off();
      register.clear();
    },
  };
}

/** Registered on the first scrape that finds the part running. */
function optionalMetrics(register: Registry, deps: MetricsDeps, ageS: (iso: string | undefined) => number | undefined, profileWrites: Counter) {
  let balancer = false;
  let upstream = false;
  let published = 0;

  function addBalancer(): void {
    new Gauge({
      name: 'chargegate_allocation_amps',
      help: 'Current the balancer allocated to the chargers on each site phase, A.',
      labelNames: ['phase'],
      registers: [register],
      collect() {
        deps.site.allocation?.load.forEach((amps, i) => this.set({ phase: `L${i + 1}` }, amps));
      },
    });
    new Gauge({
      name: 'chargegate_site_limit_amps',
      help: 'The site limit in force, A per phase.',
      registers: [register],
      collect() {
        const limit = deps.site.allocation?.siteLimit.amps ?? deps.config.site?.supply.maxCurrent;
        if (limit !== undefined) this.set(limit);
      },
    });
    new Gauge({
      name: 'chargegate_site_failsafe',
      help: '1 while the grid meter is stale and the balancer assumes the worst.',
      registers: [register],
      collect() {
        this.set(deps.site.allocation?.failsafe ? 1 : 0);
      },
    });
    new Gauge({
      name: 'chargegate_charger_controlled',
      help: '1 while chargegate controls the charger\'s current; 0 while it does not (it refused, ignored or never answered its limits, has not booted, or has no smart charging) and is counted at its maximum.',
      labelNames: ['charger'],
      registers: [register],
      collect() {
        this.reset();
        for (const c of deps.site.controls()) this.set({ charger: c.chargerId }, c.controlled ? 1 : 0);
      },
    });
    register.registerMetric(profileWrites);
  }

  function addUpstream(): void {
    const gauge = (name: string, help: string, read: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers: [register],
        collect() {
          const value = read();
          if (value !== undefined) this.set(value);
        },
      });
    gauge('chargegate_upstream_online', '1 while the link to the cloud CSMS is up.', () => (deps.site.upstream ? Number(deps.site.upstream.online) : undefined));
    gauge('chargegate_outbox_depth', 'Messages waiting in the upstream outbox.', () => deps.outbox.count());
    gauge('chargegate_outbox_oldest_age_seconds', 'Age of the oldest message in the outbox (0 when empty).', () => ageS(deps.outbox.oldestAt()) ?? 0);
    gauge('chargegate_outbox_dead_letters', 'Messages given up for good (see /api/upstream).', () => deps.outbox.deadLetterCount());
    // The same per upstream, the primary and each mirror (upstream.mirrors), labelled by name.
    const perUpstream = (name: string, help: string, read: (u: UpstreamSummary) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['upstream', 'role'],
        registers: [register],
        collect() {
          this.reset();
          for (const u of deps.peers().upstreams?.() ?? []) this.set({ upstream: u.name, role: u.role }, read(u));
        },
      });
    perUpstream('chargegate_upstreams_online', '1 while the upstream\'s links are up, per upstream.', (u) => Number(u.online));
    perUpstream('chargegate_upstreams_outbox_depth', 'Messages waiting in the upstream\'s own outbox, per upstream.', (u) => u.outboxDepth);
    perUpstream('chargegate_upstreams_dead_letters', 'Messages the upstream gave up for good, per upstream.', (u) => u.deadLetters);
  }

  let mqttPublished: Counter | undefined;
  function addMqtt(): Counter {
    return new Counter({ name: 'chargegate_mqtt_published_total', help: 'MQTT messages published (rate() gives the publish rate).', registers: [register] });
  }

  return {
    /** Called before each scrape. */
    sync() {
      const peers = deps.peers();
      // The balancer runs when its control port is there; an allocation on the bus says so too.
      if (!balancer && (peers.limits || deps.site.allocation)) {
        balancer = true;
        addBalancer();
      }
      if (!upstream && upstreamMode(deps.config) !== 'none') {
        upstream = true;
        addUpstream();
      }
      if (peers.mqttPublished) {
        mqttPublished ??= addMqtt();
        // The publisher keeps a running count; the counter follows it forward.
        const now = peers.mqttPublished();
        if (now > published) mqttPublished.inc(now - published);
        published = now;
      }
    },
  };
}
