/**
 * createApp(config, deps) → { start(), stop() }: builds every part from the frozen config and
 * the few things only main.ts may know (logger destination, clock). No globals.
 */
import { createBalancer, type Balancer } from './balancer/loop.js';
import { chargerModel, siteModel, siteProblems } from './balancer/site.js';
import { createChargerCaps, heldCapsIn } from './control/charger-caps.js';
import type { ChargerModel } from './balancer/model.js';
import { ConfigError } from './config/errors.js';
import { fileURLToPath } from 'node:url';
import { createSiteCommands } from './control/site-commands.js';
import { createOcppCommands } from './control/ocpp-commands.js';
import { localKeyContext, ownedKeysInterceptor, ownedVariablesInterceptor } from './control/owned-keys-interceptor.js';
import { createUserProfiles, type UserProfiles } from './control/user-profiles.js';
import { validatorFor } from './ocpp/validate.js';
import { createCostService } from './cost/service.js';
import { tariffOf } from './cost/options.js';
import { EventBus } from './events.js';
import { createGridMeter, createSolarMeters } from './meters/index.js';
import { createChargeModes, type ChargeModes } from './control/charge-modes.js';
import { createPlans, type Plans, type PlansDeps } from './plan/service.js';
import { chargerOf } from './balancer/allocate.js';
import type { CostService } from './cost/service.js';
import type { Config } from './config/schema.js';
import { createChargerQueries } from './gateway/charger-queries.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { startLocalListPush } from './gateway/local-list-push.js';
import { listEntry, mergedList, sameEntries } from './gateway/local-lists.js';
import { decideIdTag } from './gateway/authorize.js';
import { createOperatorView, type OperatorView } from './http/index.js';
import { createChargerSetup, type ChargerSetup } from './setup/index.js';
import { loadProfiles } from './setup/profiles.js';
import type { Logger } from './log.js';
import { createMqtt, type Mqtt } from './mqtt/index.js';
import { createLocalCa, type LocalCa } from './security/local-ca.js';
import { openSqliteStore } from './store/sqlite.js';
import type { Upstream } from './upstream/upstream.js';
import { createUpstreams, type Upstreams } from './upstream/upstreams.js';
import { cloudList, type AuthEntry, type Store } from './store/ports.js';
import { VERSION } from './version.js';
import { createTransfers, type Transfers } from './transfers/service.js';
import { chargerFiles } from './transfers/serve.js';
import { interceptTransfers } from './transfers/commands.js';
import { cloudFiles } from './transfers/cloud.js';
import { diagnosticsBundle } from './transfers/bundle.js';
import { ocppVersionOf, type Registry } from './gateway/registry.js';

export interface AppDeps {
  logger: Logger;
  now?: () => Date;
  /** Folder of the built dashboard; default: web/ beside this module (dist/web). */
  webRoot?: string;
}

export interface App {
  gateway: Gateway;
  events: EventBus;
  store: Store;
  /** Telemetry and commands over MQTT; undefined when `mqtt.broker` is off. */
  mqtt: Mqtt | undefined;
  /** Local load balancing; undefined without a `site:` section (then nothing is balanced). */
  balancer: Balancer | undefined;
  /** The charge mode per connector (off, now, minsolar, solar); undefined without a `site:` section. */
  chargeModes: ChargeModes | undefined;
  plans: Plans;
  /** The primary cloud upstream (outbox, dead letters, link state); undefined when `upstream.mode` is none. */
  upstream: Upstream | undefined;
  /** The primary and its mirrors (upstream.mirrors), side by side. */
  upstreams: Upstreams | undefined;
  /** The HTTP API, dashboard and /metrics. */
  http: OperatorView;
  /** Vendor profiles, automatic setup after boot, effective quirks per charger. */
  setup: ChargerSetup;
  /** Firmware files served to the chargers, diagnostics uploads received (docs/firmware.md). */
  transfers: Transfers;
  /**
   * Starts listening; resolves with the bound OCPP ports (plain ws:// unless ocpp.plain is false,
   * wss:// with ocpp.tls) and the HTTP API's, once it listens.
   */
  start(): Promise<{ ocppPort?: number; ocppTlsPort?: number; httpPort?: number }>;
  stop(): Promise<void>;
}

export function createApp(config: Config, deps: AppDeps): App {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger;
  // Before the store opens: a CA that cannot be used is a configuration error, nothing to close.
  const localCa = createConfiguredCa(config, logger);
  const store = openSqliteStore(config.storage.dir);
  seedAuthorizationList(store, config);
  const events = new EventBus((event, err) => logger.error({ event, err }, 'an event listener failed'));
  const gateway = createGateway({ options: config, store, events, logger, now, ...(localCa ? { localCa } : {}) });
  // The tariff (src/cost, docs/cost.md): session costs, the monthly report, the price feed, and
  // the price site.prices compares with its threshold: one source of prices for the site.
  const tariff = tariffOf(config, Intl.DateTimeFormat().resolvedOptions().timeZone);
  const cost = tariff ? createCostService({ tariff, ...feedOptions(config), store, events, logger, now }) : undefined;
  const balancer = createSiteBalancer(config, { events, gateway, store, logger, now, ...(cost ? { tariffPrice: cost.priceAt } : {}) });
  // Vendor profiles and automatic setup after boot: the effective quirks reach the balancer
  // through 'charger.quirks' (docs/chargers.md).
  const setup = createChargerSetup({ config, events, commands: gateway.commands, registry: gateway.registry, chargers: store.chargers, meta: store.meta, profiles: loadProfiles(), logger, now });
  // Firmware files and diagnostics uploads through the box (src/transfers, docs/firmware.md).
  let httpPort: number | undefined;
  const transfers = createTransfers({
    storageDir: config.storage.dir,
    firmware: config.firmware,
    diagnostics: config.diagnostics,
    store,
    events,
    localAddressOf: (id) => gateway.registry.connection(id)?.localAddress,
    httpPort: () => httpPort,
    logger,
    now,
  });
  const files = cloudFiles({
    transfers,
    proxy: config.firmware.proxy,
    bundle: () => siteDiagnostics(config, gateway.registry, store, now),
    // Recorded as the charger's, and told to the cloud as the charger's (transparent: 1.6 §4.5).
    downloadFailed: (chargerId) => {
      const at = now().toISOString();
      void store.durably(() => store.transfers.addStatus({ chargerId, kind: 'firmware', status: 'DownloadFailed', at }));
      events.emit('charger.fileStatus', { chargerId, kind: 'firmware', status: 'DownloadFailed', at });
      upstreams?.port.notification(chargerId, 'FirmwareStatusNotification', { status: 'DownloadFailed' });
    },
    logger,
    now,
  });
  const upstreams = createUpstreams({ config, store, events, gateway, logger, now, version: VERSION, balancer: () => balancer, files });
  const upstream = upstreams?.primary;
  if (upstreams) gateway.attachUpstream(upstreams.port);
  // The config's list and the cloud's of the charger's channel, merged (gateway/local-lists.ts).
  const listChannel = (id: string) => upstream?.port.listChannel(id);
  const stopLocalListPush = startLocalListPush({
    events,
    view: (id) => {
      const channel = listChannel(id);
      return { version: store.auth.generation(), entries: mergedList(store.auth.list('config'), channel === undefined ? [] : store.auth.list(cloudList(channel))) };
    },
    channelOf: listChannel,
    commands: gateway.commands,
    chargers: config.chargers.list.filter((c) => c.pushLocalList).map((c) => c.id),
    // Connected and booted: an unbooted charger gets its list once it boots (the boot push).
    online: (id) => gateway.registry.connection(id) !== undefined && gateway.registry.get(id)?.booted === true,
    logger,
  });
  // Without a site: section a cap is the charger's own profile (control/charger-caps.ts).
  const chargerCaps = balancer
    ? undefined
    : createChargerCaps({ commands: gateway.commands, registry: gateway.registry, events, logger, chargerModel: (id) => configuredModel(config, id), held: heldCapsIn(store, logger) });
  // One meaning of "stop", "max current"… for MQTT and HTTP; caps and the site limit kept on disk.
  const knowsCharger = (id: string) => config.chargers.list.some((c) => c.id === id) || (config.chargers.allowUnknown && gateway.registry.get(id) !== undefined);
  const control = createSiteCommands({
    commands: gateway.commands,
    sessions: store.sessions,
    knowsCharger,
    checkRemoteStart: (chargerId, connectorId) => gateway.checkRemoteStart(chargerId, connectorId),
    // Without a cloud chargegate decides the idTag itself: a start it would refuse is refused now.
    idTagStatus: (idTag) => (upstreams ? undefined : localIdTagStatus(config, store, idTag, now())),
    limits: () => balancer ?? chargerCaps,
    store,
    events,
    now,
  });
  // Every OCPP command from a local user, through one door (chargegate answers where it owns
  // what the command changes: src/control/ocpp-commands.ts).
  const ocpp = createOcppCommands({
    commands: gateway.commands,
    validator: validatorFor('ocpp1.6'),
    validator201: validatorFor('ocpp2.0.1'),
    versionOf: (id) => ocppVersionOf(gateway.registry.get(id)?.protocol) ?? config.chargers.list.find((c) => c.id === id)?.ocpp,
    knowsCharger,
    logger,
  });
  ocpp.intercept('ChangeConfiguration', ownedKeysInterceptor(localKeyContext(config)));
  ocpp.intercept('SetVariables', ownedVariablesInterceptor(localKeyContext(config)));
  // A local user's charging profiles become the balancer's caps (without a site: section they go to the charger).
  const userProfiles = balancer ? createSiteUserProfiles(config, { balancer, gateway, store, events, logger, now }) : undefined;
  // Charge modes and solar surplus: each mode's cap goes to the balancer like any cap (the fuse wins).
  const chargeModes = balancer ? createSiteChargeModes(config, { balancer, events, store, knowsCharger, logger, now }) : undefined;
  // Charging plans: the cheapest slots by a deadline, a cap of their own (the fuse still wins).
  const plans = createSitePlans(config, { limits: () => balancer ?? chargerCaps, events, store, knowsCharger, logger, now, ...(cost ? { cost } : {}) });
  userProfiles?.register(ocpp);
  interceptTransfers(ocpp, transfers);
  // Questions whose answers come in several frames (ReportChargingProfiles) or that chargegate asks itself (GetTransactionStatus on a reconnect).
  const queries = createChargerQueries({ commands: gateway.commands, store, events, logger, now, reportTimeoutMs: config.ocpp.callTimeout * 1000 });
  const mqtt = createMqtt({
    config,
    gateway,
    sessions: store.sessions,
    meta: store.meta,
    events,
    control,
    ocpp,
    fileStates: (id) => transfers.latest(id),
    ...(chargeModes ? { modes: chargeModes } : {}),
    plans,
    ...(cost ? { cost } : {}),
    logger,
    version: VERSION,
    now,
  });
  const http = createOperatorView({
    config,
    gateway,
    store,
    events,
    control,
    ocpp,
    transfers: { service: transfers, chargerFiles: chargerFiles(transfers, config.diagnostics.maxBytes, logger) },
    setup: (id) => setup.view(id),
    chargingProfiles: (id) => userProfiles?.view(id),
    caps: (id) => (balancer ?? chargerCaps)?.caps(id) ?? [],
    ...(chargeModes ? { modes: chargeModes } : {}),
    plans,
    queries,
    peers: () => ({ ...(balancer ? { limits: balancer } : {}), ...(mqtt ? { mqttPublished: () => mqtt.publisher.published } : {}), ...(upstreams ? { upstream: true, upstreams: () => upstreams.summaries() } : {}) }),
    logger,
    now,
    version: VERSION,
    webRoot: deps.webRoot ?? fileURLToPath(new URL('./web/', import.meta.url)),
    ...(cost ? { cost } : {}),
  });
  let stopped = false;

  const app: App = {
    gateway,
    events,
    store,
    mqtt,
    balancer,
    chargeModes,
    plans,
    upstream,
    upstreams,
    http,
    setup,
    transfers,
    async start() {
      cost?.start();
      await startMqtt(mqtt, config, logger);
      const ports = await gateway.start();
      queries.start();
      balancer?.start();
      chargerCaps?.start();
      control.restore();
      userProfiles?.start();
      chargeModes?.start();
      plans.start();
      setup.start();
      upstreams?.start();
      const web = await startHttp(http, config, logger);
      httpPort = web?.port;
      const endpoint = (scheme: string, host: string, port: number) => `${scheme}://${host}:${port}${config.ocpp.path}/<chargerId>`;
      logger.info(
        {
          ...(ports.plain !== undefined ? { ocpp: endpoint('ws', config.ocpp.host, ports.plain) } : {}),
          ...(ports.tls !== undefined ? { ocppTls: endpoint('wss', config.ocpp.tls?.host ?? config.ocpp.host, ports.tls) } : {}),
          ...(web ? { dashboard: web.url } : {}),
          dataDir: config.storage.dir,
          authorizationMode: config.authorization.mode,
        },
        'chargegate is listening',
      );
      return { ...(ports.plain !== undefined ? { ocppPort: ports.plain } : {}), ...(ports.tls !== undefined ? { ocppTlsPort: ports.tls } : {}), ...(web ? { httpPort: web.port } : {}) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopLocalListPush();
      setup.stop();
      await http.stop();
      await mqtt?.stop();
      userProfiles?.stop();
      chargeModes?.stop();
      plans.stop();
      queries.stop();
      await balancer?.stop();
      chargerCaps?.stop();
      await upstreams?.stop();
      await gateway.stop();
      cost?.stop();
      store.close();
      logger.info('chargegate stopped');
    },
  };
  return app;
}

/**
 * A configured broker that cannot start stops chargegate; in demo mode (no config file) a busy
 * port 1883 is only a warning: the demo is about chargers, and MQTT can be fixed in a file later.
 */
async function startMqtt(mqtt: Mqtt | undefined, config: Config, logger: Logger): Promise<void> {
  if (!mqtt) return;
  try {
    await mqtt.start();
  } catch (err) {
    if (!config.demo) throw err;
    logger.warn({ err: (err as Error).message }, 'MQTT is off for this demo run');
  }
}

/** Like MQTT: a busy HTTP port stops a configured chargegate, but only warns in demo mode. */
async function startHttp(http: OperatorView, config: Config, logger: Logger): Promise<{ url: string; port: number } | undefined> {
  try {
    return await http.start();
  } catch (err) {
    if (!config.demo) throw err;
    logger.warn({ err: (err as Error).message }, 'the dashboard and HTTP API are off for this demo run');
    return undefined;
  }
}

/** The load balancer and its grid meter, only when the config describes the site. */
function createSiteBalancer(config: Config, deps: { events: EventBus; gateway: Gateway; store: Store; logger: Logger; now: () => Date; tariffPrice?: (atMs: number) => number | undefined }): Balancer | undefined {
  const site = siteModel(config);
  if (!site) return undefined;
  const problems = siteProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  const meter = createGridMeter(config, deps.logger, deps.now);
  return createBalancer({ config, site, ...deps, ...(meter ? { meter } : {}), timeZone: config.site?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone });
}

/** The config's authorization list's decision on an idTag (gateway/authorize.ts), as the charger would hear it. */
function localIdTagStatus(config: Config, store: Store, idTag: string, now: Date): string {
  const entry = listEntry(store.auth, undefined, idTag);
  const parent = entry?.parentIdTag ? listEntry(store.auth, undefined, entry.parentIdTag) : undefined;
  return decideIdTag(config.authorization.mode, entry, parent, now).status;
}

/** A configured charger's phases, connectors and quirks (undefined for one only seen). */
function configuredModel(config: Config, chargerId: string): ChargerModel | undefined {
  const c = config.chargers.list.find((x) => x.id === chargerId);
  return c ? chargerModel(c) : undefined;
}

/** The feed's validity and, with tariff.feed.url, what to fetch how often (docs/cost.md). */
function feedOptions(config: Config): Pick<Parameters<typeof createCostService>[0], 'feedValidityS' | 'poll'> {
  const feed = config.tariff?.feed;
  if (!feed) return {};
  return { feedValidityS: feed.validity, ...(feed.url ? { poll: { url: feed.url, intervalMs: feed.interval * 1000, ...(feed.header ? { header: feed.header } : {}) } } : {}) };
}

/** The charging plans: the car's power from the charger's model, the deadline read in the tariff's zone. */
function createSitePlans(config: Config, deps: { limits: PlansDeps['limits']; events: EventBus; store: Store; knowsCharger: (id: string) => boolean; logger: Logger; now: () => Date; cost?: CostService }): Plans {
  const site = siteModel(config);
  const modelOf = (id: string) => (site ? chargerOf(site, id) : configuredModel(config, id));
  const voltage = config.site?.supply.voltage ?? 230;
  return createPlans({
    limits: deps.limits,
    events: deps.events,
    store: deps.store,
    ...(deps.cost ? { prices: { priceAt: deps.cost.priceAt, currency: deps.cost.currency } } : {}),
    timeZone: config.tariff?.timeZone ?? config.site?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    powerW: (id) => {
      const m = modelOf(id);
      return m ? m.phases * voltage * m.maxCurrent : 0;
    },
    knowsCharger: deps.knowsCharger,
    connectors: (id) => modelOf(id)?.connectors ?? 1,
    recheckMs: 15_000,
    logger: deps.logger,
    now: deps.now,
  });
}

/** The charge modes, with the PV and battery readings they follow when configured (started and stopped with them). */
function createSiteChargeModes(config: Config, deps: { balancer: Balancer; events: EventBus; store: Store; knowsCharger: (id: string) => boolean; logger: Logger; now: () => Date }): ChargeModes {
  const site = config.site!;
  const { pv, battery } = createSolarMeters(config, deps.logger, deps.now);
  const watts = (m: typeof pv) => () => {
    const r = m?.latest();
    return r ? { watts: r.currentsA[0], at: r.at } : undefined;
  };
  const modes = createChargeModes({
    site: siteModel(config)!,
    limits: deps.balancer,
    drawA: (chargerId, connectorId) => deps.balancer.drawA(chargerId, connectorId),
    events: deps.events,
    store: deps.store,
    settings: {
      voltage: site.supply.voltage,
      startDelayMs: site.solar.startDelay * 1000,
      stopDelayMs: site.solar.stopDelay * 1000,
      metering: site.solar.metering,
      batteryFirst: site.solar.batteryFirst,
      phaseSwitchDelayMs: site.solar.phaseSwitchDelay * 1000,
      defaultMode: site.solar.defaultMode,
      meterTimeoutMs: site.failsafe.meterTimeout * 1000,
      recheckMs: site.balancing.recheckInterval * 1000,
    },
    hasGridMeter: site.meter !== undefined,
    ...(pv ? { pv: watts(pv) } : {}),
    ...(battery ? { battery: watts(battery) } : {}),
    knowsCharger: deps.knowsCharger,
    logger: deps.logger,
    now: deps.now,
  });
  return {
    ...modes,
    start() {
      pv?.start();
      battery?.start();
      modes.start();
    },
    stop() {
      modes.stop();
      void pv?.stop();
      void battery?.stop();
    },
  };
}

/** A local user's kept charging profiles, per charger (configured or seen before), as the balancer's caps. */
function createSiteUserProfiles(config: Config, deps: { balancer: Balancer; gateway: Gateway; store: Store; events: EventBus; logger: Logger; now: () => Date }): UserProfiles {
  const supply = config.site!.supply;
  const configured = (id: string) => config.chargers.list.find((c) => c.id === id);
  return createUserProfiles({
    balancer: () => deps.balancer,
    chargers: [...new Set([...config.chargers.list.map((c) => c.id), ...deps.store.chargers.list().map((c) => c.id)])],
    connectorCount: (id) => configured(id)?.connectors ?? Math.max(1, ...(deps.gateway.registry.get(id)?.connectors.keys() ?? [])),
    chargerPhases: (id) => configured(id)?.phases ?? supply.phases,
    supply: { voltage: supply.voltage, phases: supply.phases, maxCurrent: supply.maxCurrent },
    store: deps.store,
    events: deps.events,
    now: deps.now,
    logger: deps.logger,
  });
}

/** The config's authorization list is the local list's source of truth at start. */
/**
 * authorization.list, re-read at each start as its own source: the cloud's lists and versions
 * are not touched (gateway/local-lists.ts). Written only when it changed, so an unchanged config
 * does not make chargers with pushLocalList take their list again.
 */
function seedAuthorizationList(store: Store, config: Config): void {
  const entries: AuthEntry[] = config.authorization.list.map((e) => ({
    idTag: e.idTag,
    status: e.status,
    ...(e.expiryDate ? { expiryDate: e.expiryDate } : {}),
    ...(e.parentIdTag ? { parentIdTag: e.parentIdTag } : {}),
  }));
  if (!sameEntries(store.auth.list('config'), entries)) store.auth.replaceAll('config', entries, 0);
}

/** security.localCa: the CA that signs chargers' CSRs (OCPP 1.6 security extension); a bad certificate or key is a config error. */
function createConfiguredCa(config: Config, logger: Logger): LocalCa | undefined {
  const c = config.security.localCa;
  if (!c) return undefined;
  try {
    const ca = createLocalCa({ certPem: c.cert, keyPem: c.key, validityDays: c.validityDays, ...(c.organization ? { organization: c.organization } : {}) });
    logger.info({ validityDays: c.validityDays }, 'local CA ready: it signs chargers\' certificates when the cloud does not');
    return ca;
  } catch (err) {
    throw new ConfigError([`security.localCa: ${(err as Error).message}`]);
  }
}

/** chargegate's own diagnostics bundle (aggregate GetDiagnostics): what a support engineer asks for first. */
function siteDiagnostics(config: Config, registry: Registry, store: Store, now: () => Date): Record<string, unknown> {
  const ids = [...new Set([...config.chargers.list.map((c) => c.id), ...registry.list().map((c) => c.id)])].sort();
  const chargers = ids.map((id) => {
    const live = registry.get(id);
    return {
      id,
      online: live?.online ?? false,
      ...(live?.boot ? { boot: live.boot } : {}),
      ...(live?.firmwareStatus ? { firmwareStatus: live.firmwareStatus } : {}),
      ...(live?.diagnosticsStatus ? { diagnosticsStatus: live.diagnosticsStatus } : {}),
      connectors: [...(live?.connectors.values() ?? [])].map((c) => ({ connectorId: c.connectorId, status: c.status, errorCode: c.errorCode, ...(c.info ? { info: c.info } : {}), since: c.timestamp })),
    };
  });
  return diagnosticsBundle({
    version: VERSION,
    at: now().toISOString(),
    config,
    chargers,
    securityEvents: Object.fromEntries(ids.map((id) => [id, store.security.list(id, 20)])),
    diagnosticsFiles: store.transfers.diagnosticsFiles(undefined, 20),
  });
}
