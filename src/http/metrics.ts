/**
 * /metrics in the Prometheus text format, from a registry of our own (never prom-client's
 * global one: two apps in one process, as in tests, must not share counters). Counters follow
 * the bus; gauges are read when Prometheus scrapes. Metrics of optional parts (balancer,
 * upstream, MQTT) appear only while those parts run.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events.js';
import type { Registry as ChargerRegistry } from '../gateway/registry.js';
import type { OutboxStore, SessionStore } from '../store/ports.js';
import { upstreamMode } from './api/site.js';
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
  const messages = new Counter({ name: 'chargegate_ocpp_messages_total', help: 'OCPP CALLs, by action and direction (in: from a charger; out: a command to one).', labelNames: ['action', 'direction'], registers: [register] });
  const callErrors = new Counter({ name: 'chargegate_ocpp_callerrors_total', help: 'CALLERRORs, by error code and direction (in: a charger sent a bad frame and got one; out: a charger answered a command with one).', labelNames: ['code', 'direction'], registers: [register] });

  // Receive time of each charger's latest MeterValues: the age says whether its data is live.
  const meterReceivedAt = new Map<string, string>();
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
        const age = ageS(meterReceivedAt.get(s.chargerId));
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

  const unsubscribe = [
    deps.events.on('ocpp.call', (e) => messages.inc({ action: e.action, direction: e.direction })),
    deps.events.on('ocpp.error', (e) => callErrors.inc({ code: e.code, direction: e.direction })),
    deps.events.on('meter.values', (e) => void meterReceivedAt.set(e.chargerId, deps.now().toISOString())),
  ];

  const optional = optionalMetrics(register, deps, ageS);
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
function optionalMetrics(register: Registry, deps: MetricsDeps, ageS: (iso: string | undefined) => number | undefined) {
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
  }

  let mqttPublished: Counter | undefined;
  function addMqtt(): Counter {
    return new Counter({ name: 'chargegate_mqtt_published_total', help: 'MQTT messages published (rate() gives the publish rate).', registers: [register] });
  }

  return {
    /** Called before each scrape. */
    sync() {
      const peers = deps.peers();
      if (!balancer && peers.limits) {
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
