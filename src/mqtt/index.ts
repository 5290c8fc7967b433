/**
 * MQTT for chargegate, composed from its parts: a transport (the embedded broker, or a client
 * of an external one), the mirror (bus → retained state, events, discovery), and the command
 * handler (…/set → OCPP commands or the balancer → …/result).
 */
import type { Config } from '../config/schema.js';
import type { SiteCommands } from '../control/site-commands.js';
import type { EventBus } from '../events.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Logger } from '../log.js';
import type { MetaStore, SessionStore } from '../store/ports.js';
import type { Registry } from '../gateway/registry.js';
import { chooseDiscoveryFormat, type DiscoveryFormat } from './discovery-format.js';
import type { CostService } from '../cost/service.js';
import { createBirthCoalescer } from './birth.js';
import { createEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import type { OcppCommands } from '../control/ocpp-commands.js';
import { createCommandRunner } from './commands.js';
import type { ChargeModes } from '../control/charge-modes.js';
import type { Plans } from '../plan/service.js';
import { createExternalBroker } from './external.js';
import { createInboundHandler } from './inbound.js';
import type { DiscoveredSite } from './discovery.js';
import { createMirror, type Mirror } from './mirror.js';
import type { LatestLookup } from './file-mirror.js';
import { resolveMqttOptions, type EmbeddedOptions, type ExternalOptions } from './options.js';
import { Publisher } from './publisher.js';
import { Topics } from './topics.js';
import type { MqttTransport } from './transport.js';

export interface MqttDeps {
  config: Config;
  gateway: Pick<Gateway, 'registry' | 'commands'>;
  sessions: Pick<SessionStore, 'list'>;
  events: EventBus;
  /** The site commands, shared with the HTTP API. */
  control: SiteCommands;
  /** Every OCPP command, through the shared door (src/control/ocpp-commands.ts). */
  ocpp?: OcppCommands;
  logger: Logger;
  version: string;
  /** Milliseconds, for the throttle. */
  nowMs?: () => number;
  /** The app's clock (session durations). */
  now?: () => Date;
  /** Firmware and diagnostics status per charger (src/transfers): …/firmware and …/diagnostics. */
  fileStates?: LatestLookup;
  /** The charge modes, when load balancing runs: …/mode/set and Home Assistant's select. */
  modes?: Pick<ChargeModes, 'set' | 'list'>;
  /** The charging plans (src/plan): …/plan/set and …/plan. */
  plans?: Pick<Plans, 'set' | 'clear' | 'list'>;
  /** The tariff (src/cost): price and session costs mirrored, the price feed on <prefix>/tariff/prices/set. */
  cost?: CostService;
  /** Where the discovery format last published is kept (a change of format moves the entities once). */
  meta?: MetaStore;
}

const FORMAT_KEY = 'ha_discovery_format';

/**
 * The format published before: as kept, or, where nothing was kept (a chargegate from before
 * the format setting), per entity if this store has seen a charger (its configs were published),
 * none on a fresh store (a new install).
 */
function previousFormat(meta: MetaStore, registry: Pick<Registry, 'list'>): DiscoveryFormat | undefined {
  const kept = meta.get(FORMAT_KEY);
  return kept === 'entity' || kept === 'device' ? kept : registry.list().length > 0 ? 'entity' : undefined;
}

/** The discovery format of this start (discovery-format.ts) and where it is kept; without a store, as if each start were a new install. */
function discoveryFormat(configured: DiscoveryFormat | undefined, meta: MetaStore | undefined, registry: Pick<Registry, 'list'>, brokerKeepsRetained: boolean) {
  const choice = chooseDiscoveryFormat(configured, meta ? previousFormat(meta, registry) : undefined, brokerKeepsRetained);
  return { discoveryFormat: choice, ...(meta ? { rememberDiscoveryFormat: (format: DiscoveryFormat) => meta.set(FORMAT_KEY, format) } : {}) };
}

export interface Mqtt {
  readonly mode: 'embedded' | 'external';
  readonly topics: Topics;
  /** Ports the embedded broker listens on (undefined with an external broker). */
  readonly ports: EmbeddedBroker['ports'] | undefined;
  readonly mirror: Mirror;
  readonly publisher: Publisher;
  /** Discovery republishes after Home Assistant's birth message (coalesced, rate-limited). */
  readonly discoveryRepublished: number;
  /** Birth messages the last republish answered (the ones accepted since the one before). */
  readonly discoveryBirthsInLastRepublish: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** undefined when `mqtt.broker` is off. */
export function createMqtt(deps: MqttDeps): Mqtt | undefined {
  const options = resolveMqttOptions(deps.config.mqtt);
  if (options.mode === 'off') return undefined;
  const logger = deps.logger.child({ component: 'mqtt' });
  const topics = new Topics(options.prefix);
  const transport = options.mode === 'embedded' ? embedded(options, topics, logger) : external(options, topics, logger);
  const nowMs = deps.nowMs ?? (() => performance.now());
  const publisher = new Publisher({ transport, throttleMs: options.throttleMs, nowMs });
  const { registry } = deps.gateway;
  const configured = new Set(deps.config.chargers.list.map((c) => c.id));
  const mirror = createMirror({
    events: deps.events,
    registry,
    sessions: deps.sessions,
    chargers: deps.config.chargers.list,
    allowUnknown: deps.config.chargers.allowUnknown,
    topics,
    publisher,
    showIdTag: options.showIdTag,
    ...(options.discoveryPrefix !== undefined ? { discoveryPrefix: options.discoveryPrefix } : {}),
    ...(options.discoveryPrefix !== undefined ? discoveryFormat(options.discoveryFormat, deps.meta, registry, options.mode === 'external') : {}),
    version: deps.version,
    logger,
    ...(deps.fileStates ? { fileStates: deps.fileStates } : {}),
    ...discoveredSite(deps.config),
    ...(deps.modes ? { chargeModes: deps.modes.list } : {}),
    ...(deps.cost ? { cost: deps.cost } : {}),
    ...(deps.plans ? { plans: deps.plans.list } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  const run = createCommandRunner({ control: deps.control, ...(deps.ocpp ? { ocpp: deps.ocpp } : {}), ...(deps.modes ? { modes: deps.modes } : {}), ...(deps.plans ? { plans: deps.plans } : {}), ...(options.startIdTag ? { startIdTag: options.startIdTag } : {}), ...(deps.cost ? { tariff: deps.cost } : {}) });
  const birth = createBirthCoalescer({ republish: () => mirror.republishDiscovery(), nowMs, logger });
  transport.onMessage(
    createInboundHandler({
      topics,
      publisher,
      run,
      onDiscoveryBirth: () => birth.trigger(),
      ...(options.discoveryPrefix !== undefined ? { discoveryPrefix: options.discoveryPrefix } : {}),
      ...(options.mode === 'embedded' && options.homeAssistantUser !== undefined ? { homeAssistantUser: options.homeAssistantUser } : {}),
      clearRetainedCommands: options.mode === 'external',
      logger,
    }),
  );
  let started = false;
  let stopped = false;
  transport.onConnect(() => {
    if (stopped) return; // a connection completing during stop(): the mirror's stores may be closed
    if (!started) {
      started = true;
      mirror.start();
    } else {
      // A broker that restarted may have lost its retained store: say everything again.
      publisher.stateNow(topics.status, 'online');
      publisher.republishAll();
      mirror.republishDiscovery(); // the publisher keeps no discovery configs: made again
    }
  });

  return {
    mode: options.mode,
    topics,
    ports: 'ports' in transport ? (transport as EmbeddedBroker).ports : undefined,
    mirror,
    publisher,
    get discoveryRepublished() {
      return birth.republished;
    },
    get discoveryBirthsInLastRepublish() {
      return birth.lastBatch;
    },
    async start() {
      await transport.start();
      const where = options.mode === 'embedded' ? { listen: `mqtt://${options.host}:${(transport as EmbeddedBroker).ports.mqtt}`, users: options.users.length, anonymous: options.anonymous } : { broker: options.url.replace(/\/\/[^@/]*@/, '//') };
      logger.info({ ...where, prefix: options.prefix, discovery: options.discoveryPrefix ?? 'off' }, options.mode === 'embedded' ? 'MQTT broker listening' : 'MQTT connecting to the external broker');
    },
    async stop() {
      stopped = true;
      birth.stop();
      mirror.stop();
      publisher.stop();
      await transport.stop({ topic: topics.status, payload: 'offline' });
    },
  };
}

function embedded(options: EmbeddedOptions, topics: Topics, logger: Logger): MqttTransport {
  return createEmbeddedBroker({ options, topics, logger });
}

function external(options: ExternalOptions, topics: Topics, logger: Logger): MqttTransport {
  const subscriptions = [...topics.commandFilters, ...(options.discoveryPrefix !== undefined ? [`${options.discoveryPrefix}/status`] : [])];
  return createExternalBroker({ options, subscriptions, statusTopic: topics.status, logger });
}

/** The site device and the dashboard link for Home Assistant, from the config. */
function discoveredSite(config: Config): { site?: DiscoveredSite; configurationUrl?: string } {
  const site = config.site;
  const url = dashboardUrl(config);
  return {
    ...(site ? { site: { maxCurrentA: site.supply.maxCurrent, phases: site.supply.phases, gridMeter: site.meter !== undefined } } : {}),
    ...(url ? { configurationUrl: url } : {}),
  };
}

/**
 * The dashboard's address as others reach it: firmware.publicUrl (the base URL chargers reach
 * the HTTP port by), else http.host when it names one address; a wildcard host names none.
 */
export function dashboardUrl(config: Config): string | undefined {
  if (config.firmware.publicUrl) return config.firmware.publicUrl.replace(/\/?$/, '/');
  const host = config.http.host;
  if (!host || host === '0.0.0.0' || host === '::' || config.http.port === 0) return undefined;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}/`;
}
