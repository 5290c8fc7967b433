/**
 * The MQTT mirror: listens to the event bus and keeps the broker's retained state, events and
 * Home Assistant discovery in step with the site. Never called by the gateway core, and never
 * slows it: a bus listener only queues the event; the work happens on the next turn of the
 * event loop, in batches.
 */
import type { ChargerConfig } from '../config/schema.js';
import { mirrorSecurity } from './security-mirror.js';
import { mirrorCost } from './cost-mirror.js';
import { mirrorPlans } from './plan-mirror.js';
import { mirrorFiles, publishFileStates, type LatestLookup } from './file-mirror.js';
import { allocationDelta, type ConnectorLimit, type EventBus, type EventName, type GatewayEvents, type PlanState } from '../events.js';
import { rolledUpStatus } from '../gateway/charger-status.js';
import { ocppVersionOf, type Registry } from '../gateway/registry.js';
import type { Logger } from '../log.js';
import type { ChargerInfo, ConnectorState, SessionRecord, SessionStore } from '../store/ports.js';
import type { DiscoveredCharger, DiscoveredSite } from './discovery.js';
import { createAnnouncer, formatAdvice, formatLine } from './announcer.js';
import type { DiscoveryFormat, FormatChoice } from './discovery-format.js';
import type { Publisher } from './publisher.js';
import { eachReading } from './telemetry.js';
import { PHASES, type ChargerEventKind, type Topics } from './topics.js';

export interface MirrorDeps {
  events: EventBus;
  registry: Registry;
  sessions: Pick<SessionStore, 'list'>;
  chargers: readonly ChargerConfig[];
  /** Unknown chargers may connect (demo): none of the chargers the store remembers counts as removed. */
  allowUnknown: boolean;
  topics: Topics;
  publisher: Publisher;
  showIdTag: boolean;
  discoveryPrefix?: string;
  /** One discovery config per entity or per device (device-discovery.ts), why, and what is moved from (discovery-format.ts). Without it: per entity, nothing moved. */
  discoveryFormat?: FormatChoice;
  /** Keeps the format published now (the store's meta table), once every device known at start has it. */
  rememberDiscoveryFormat?: (format: DiscoveryFormat) => void;
  version: string;
  logger: Logger;
  /** Firmware and diagnostics status per charger (src/transfers), when known. */
  fileStates?: LatestLookup;
  /** The site device in Home Assistant (only with a `site:` section). */
  site?: DiscoveredSite;
  /** The dashboard's address, linked from every device in Home Assistant. */
  configurationUrl?: string;
  /** Charge modes run (a site: section): Home Assistant gets the mode select, …/mode is mirrored (each connector's now, at start). */
  chargeModes?: () => readonly { chargerId: string; connectorId: number; mode: string }[];
  /** The tariff (src/cost): its price and the session costs are mirrored, discovery gets a session cost sensor. */
  cost?: { currency: string; priceNow(): number | undefined };
  /** The charging plans (src/plan): …/plan is mirrored. */
  plans?: () => readonly PlanState[];
  /** The clock of session durations (the app's). */
  now?: () => Date;
}

/** How often a running session's topic is published again, so its duration moves without a message from the charger. */
export const SESSION_REFRESH_MS = 60_000;

/** Events waiting for the mirror; beyond this, new ones are dropped (and counted) rather than eat memory. */
const MAX_QUEUED = 100_000;

interface ActiveSession {
  record: SessionRecord;
  energyWh: number;
}

export interface Mirror {
  /** Publishes the whole current state (and discovery); then follows the bus. */
  start(): void;
  /** Publishes everything again: after a reconnect, or when Home Assistant restarts. */
  republishDiscovery(): void;
  stop(): void;
  /** Events dropped because the queue was full (should stay 0). */
  readonly dropped: number;
}

export function createMirror(deps: MirrorDeps): Mirror {
  const { topics, publisher, registry } = deps;
  const log = deps.logger.child({ component: 'mqtt-mirror' });
  const configured = new Map(deps.chargers.map((c) => [c.id, c]));
  const sessions = new Map<string, ActiveSession>();
  const lastStatus = new Map<string, ConnectorState>();
  /** Connectors announced to Home Assistant per charger. */
  const announced = new Map<string, number>();
  /** Chargers that reported a state of charge: their SoC sensors are announced. */
  const socSeen = new Set<string>();
  const discoveryOptions = deps.configurationUrl ? { configurationUrl: deps.configurationUrl } : {};
  const formatChoice: FormatChoice = deps.discoveryFormat ?? { format: 'entity', source: 'config', moveFrom: undefined, previous: undefined };
  const { format } = formatChoice;
  const announcer =
    deps.discoveryPrefix === undefined
      ? undefined
      : createAnnouncer({ publisher, topics, discoveryPrefix: deps.discoveryPrefix, version: deps.version, options: discoveryOptions, format, moveFrom: formatChoice.moveFrom });
  /** The limits and reason last mirrored per charger and connector (as published). */
  const lastLimits = new Map<string, Map<number, MirroredLimit>>();
  /** Whether chargegate controls each charger, and why not, as last published. */
  const lastControl = new Map<string, { controlled: string; reason: string }>();
  const queue: (() => void)[] = [];
  const unsubscribe: (() => void)[] = [];
  let draining = false;
  let dropped = 0;
  const nowMs = () => (deps.now ? deps.now() : new Date()).getTime();
  /** One timer for every running session (their topics are published again together). */
  let refresh: NodeJS.Timeout | undefined;
  let stopped = false;

  const key = (chargerId: string, connectorId: number) => `${chargerId}\u0000${connectorId}`;

  function listen<K extends EventName>(name: K, handle: (payload: GatewayEvents[K]) => void): void {
    unsubscribe.push(
      deps.events.on(name, (payload) => {
        if (queue.length >= MAX_QUEUED) {
          if (dropped++ % 10_000 === 0) log.warn({ dropped }, 'MQTT mirror is behind: events dropped');
          return;
        }
        queue.push(() => handle(payload));
        if (!draining) {
          draining = true;
          setImmediate(drain);
        }
      }),
    );
  }

  function drain(): void {
    draining = false;
    // Events queued while draining wait for the next turn: the OCPP path keeps its share.
    for (const job of queue.splice(0, queue.length)) {
      try {
        job();
      } catch (err) {
        log.error({ err: (err as Error).message }, 'MQTT mirror failed on an event');
      }
    }
  }

  // ---- discovery -----------------------------------------------------------------------

  function describe(chargerId: string): DiscoveredCharger {
    const conf = configured.get(chargerId);
    const live = registry.get(chargerId);
    const seen = Math.max(0, ...[...(live?.connectors.keys() ?? [])]);
    const boot = live?.boot;
    const info: ChargerInfo | undefined = boot ? { vendor: boot.vendor, model: boot.model, ...(boot.firmwareVersion ? { firmwareVersion: boot.firmwareVersion } : {}), ...(boot.serialNumber ? { serialNumber: boot.serialNumber } : {}) } : undefined;
    return {
      id: chargerId,
      ...(info ? { info } : {}),
      connectors: Math.max(conf?.connectors ?? 1, seen),
      phases: conf?.phases ?? 3,
      maxCurrentA: conf?.maxCurrent ?? 32,
      socReported: socSeen.has(chargerId),
      ...(deps.chargeModes ? { chargeModes: true } : {}),
      ...(deps.cost ? { currency: deps.cost.currency } : {}),
      // As the balancer reads it (balancer/site.ts): a 1-phase charger has nothing to switch.
      ...(conf?.phaseSwitching === 'numberPhases' && conf.phases === 3 ? { phaseSwitching: true } : {}),
    };
  }

  function announce(chargerId: string): void {
    const charger = describe(chargerId);
    announced.set(chargerId, charger.connectors);
    announcer?.charger(charger);
  }

  function announceSite(): void {
    if (deps.site) announcer?.site(deps.site);
  }

  /** A charger removed from the config: its entities and its retained state go. */
  function retire(chargerId: string): void {
    const charger = describe(chargerId);
    announcer?.retire(charger);
    for (const topic of topics.chargerStateTopics(chargerId, charger.connectors)) publisher.clear(topic);
    lastLimits.delete(chargerId);
    lastControl.delete(chargerId);
    log.info({ chargerId }, 'charger no longer configured: its MQTT topics and Home Assistant entities were removed');
  }

  function ensureAnnounced(chargerId: string, connectorId = 0): void {
    const count = announced.get(chargerId);
    if (count === undefined || connectorId > count) announce(chargerId);
  }

  // ---- state -----------------------------------------------------------------------------

  function connected(chargerId: string, online: boolean): void {
    ensureAnnounced(chargerId);
    publisher.state(topics.charger(chargerId, 'connected'), online ? 'online' : 'offline', 1);
    if (!online) for (let n = 1; n <= (announced.get(chargerId) ?? 1); n++) noFlow(chargerId, n);
  }

  /**
   * 0 W and 0 A on a connector whose session ended or whose charger went offline
   * (gateway/live-flows.ts); its voltage is unknown then (`none`: Home Assistant shows unknown),
   * since nothing measures it. Energy is a total and stays.
   */
  function noFlow(chargerId: string, connectorId: number): void {
    publisher.state(topics.connector(chargerId, connectorId, 'power'), '0', 0);
    for (const phase of PHASES) publisher.state(topics.connector(chargerId, connectorId, `current/${phase}`), '0', 0);
    for (const phase of PHASES) publisher.state(topics.connector(chargerId, connectorId, `voltage/${phase}`), NONE, 0);
  }

  /** @param replay true for the snapshot at start: a stored fault is not news. */
  function status(state: ConnectorState, replay = false): void {
    const { chargerId, connectorId } = state;
    ensureAnnounced(chargerId, connectorId);
    const previous = lastStatus.get(key(chargerId, connectorId));
    lastStatus.set(key(chargerId, connectorId), state);
    const available = state.status === 'Unavailable' ? 'OFF' : 'ON';
    // The charger's status is its connectors' rolled up (gateway/charger-status.ts): Charging
    // while a connector charges, though connector 0 still says Available.
    const rolled = rolledUpStatus(new Map([...(registry.get(chargerId)?.connectors ?? []), [connectorId, state]]).values());
    publisher.state(topics.charger(chargerId, 'status'), rolled, 1);
    publisher.state(topics.charger(chargerId, 'available'), rolled === 'Unavailable' ? 'OFF' : 'ON', 1);
    if (connectorId === 0) {
      publisher.state(topics.charger(chargerId, 'error'), state.errorCode, 1);
    } else {
      publisher.state(topics.connector(chargerId, connectorId, 'status'), state.status, 1);
      publisher.state(topics.connector(chargerId, connectorId, 'error'), state.errorCode, 1);
      publisher.state(topics.connector(chargerId, connectorId, 'available'), available, 1);
    }
    const faulty = state.status === 'Faulted' || state.errorCode !== 'NoError';
    const wasFaulty = previous !== undefined && (previous.status === 'Faulted' || previous.errorCode !== 'NoError');
    if (faulty && !replay && (!wasFaulty || previous?.errorCode !== state.errorCode)) {
      publisher.event(
        topics.event(chargerId, 'fault'),
        JSON.stringify({ connectorId, status: state.status, errorCode: state.errorCode, info: state.info, vendorErrorCode: state.vendorErrorCode, at: state.timestamp }),
      );
    }
  }

  function meterValues(e: GatewayEvents['meter.values']): void {
    if (e.connectorId === 0) return; // the charger's main meter: not mapped to a connector's topics
    ensureAnnounced(e.chargerId, e.connectorId);
    eachReading(e.samples, (leaf, value) => {
      // Outside a session (a late reading of an ended one, or one while idle) only the
      // register counts: power, current, voltage and SoC keep saying no session (live-flows.ts).
      if (e.outsideSession && leaf !== 'energy') return;
      if (leaf === 'soc' && !socSeen.has(e.chargerId)) {
        socSeen.add(e.chargerId);
        announce(e.chargerId);
      }
      publisher.state(topics.connector(e.chargerId, e.connectorId, leaf), String(value), 0);
      if (leaf === 'energy') sessionEnergy(e.chargerId, e.connectorId, value);
    });
  }

  function sessionEnergy(chargerId: string, connectorId: number, registerWh: number): void {
    const active = sessions.get(key(chargerId, connectorId));
    if (!active) return;
    active.energyWh = Math.max(0, registerWh - active.record.meterStart);
    publishSession(active.record, active.energyWh);
  }

  function publishSession(record: SessionRecord, energyWh: number): void {
    publisher.state(topics.connector(record.chargerId, record.connectorId, 'session'), JSON.stringify(sessionJson(record, energyWh, deps.showIdTag, nowMs())), 1);
    if (record.state === 'active') refreshLater();
  }

  /**
   * Home Assistant renders the session duration when a message arrives: while a session runs
   * its topic is published again each minute (on the minute, one timer for all of them), with
   * `durationS` moved on; none runs: no timer.
   */
  function refreshLater(): void {
    if (refresh !== undefined || stopped) return;
    refresh = setTimeout(refreshSessions, SESSION_REFRESH_MS - (nowMs() % SESSION_REFRESH_MS));
    refresh.unref?.();
  }

  function refreshSessions(): void {
    refresh = undefined;
    for (const active of sessions.values()) publishSession(active.record, active.energyWh);
  }

  function sessionStarted(record: SessionRecord): void {
    ensureAnnounced(record.chargerId, record.connectorId);
    sessions.set(key(record.chargerId, record.connectorId), { record, energyWh: 0 });
    publishSession(record, 0);
    publisher.event(topics.event(record.chargerId, 'session-started'), JSON.stringify(sessionJson(record, 0, deps.showIdTag, nowMs())));
  }

  function sessionEnded(record: SessionRecord, event: ChargerEventKind = 'session-ended'): void {
    const k = key(record.chargerId, record.connectorId);
    const current = sessions.get(k);
    if (current?.record.transactionId === record.transactionId) sessions.delete(k);
    const energyWh = record.energyWh ?? 0;
    // The connector's session topic belongs to its running session: a superseded one that ends
    // (or is corrected) later is told on the event topic only.
    if (!current || current.record.transactionId === record.transactionId) {
      publishSession(record, energyWh);
      if (event === 'session-ended') noFlow(record.chargerId, record.connectorId);
    }
    publisher.event(topics.event(record.chargerId, event), JSON.stringify(sessionJson(record, energyWh, deps.showIdTag, nowMs())));
  }

  function sessionCorrected(e: GatewayEvents['session.corrected']): void {
    sessionEnded(e.session, 'session-corrected');
  }

  /** The effective quirks set, comma-separated, or none (docs/chargers.md). */
  function quirks(e: GatewayEvents['charger.quirks']): void {
    const set = Object.entries(e.quirks).filter(([, on]) => on).map(([name]) => name);
    publisher.state(topics.charger(e.chargerId, 'quirks'), set.length > 0 ? set.join(',') : NONE, 1);
  }

  /** Automatic setup: its state (with the reason when failed or cut short) and the vendor profile. */
  function setup(e: GatewayEvents['charger.setup']): void {
    publisher.state(topics.charger(e.chargerId, 'setup'), e.reason ? `${e.state}: ${e.reason}` : e.state, 1);
    publisher.state(topics.charger(e.chargerId, 'profile'), e.profile ?? NONE, 1);
  }

  /** accepted | pending | refused | offline, with the reason when pending or refused (gateway/registration.ts). */
  function registration(e: GatewayEvents['charger.registration']): void {
    publisher.state(topics.charger(e.chargerId, 'registration'), e.reason ? `${e.state}: ${e.reason}` : e.state, 1);
  }

  function boot(e: GatewayEvents['charger.boot']): void {
    announce(e.chargerId);
    publisher.state(topics.charger(e.chargerId, 'info'), JSON.stringify({ ...e.info, bootedAt: e.at, ocpp: ocppVersionOf(registry.get(e.chargerId)?.protocol) }), 1);
    publisher.event(topics.event(e.chargerId, 'boot'), JSON.stringify({ ...e.info, at: e.at }));
  }

  /**
   * Per connector its planned limit and why, the limit the charger accepted and the one in
   * flight; per charger whether chargegate controls it; for the site its limit in force and
   * what is left per phase. The balancer says so again whenever any value changes (the
   * measured current too, which is not mirrored here: current/L1… carry it), so a connector or
   * charger whose published values are the same is skipped before its topics are even built.
   */
  /** Connectors whose phases topic says 1 or 3 (phase switching). */
  const switching = new Set<string>();

  /** What changed since the last allocation (all of it the first time): on a large site a few of many. */
  let allocationChanges = allocationDelta();

  function allocation(e: GatewayEvents['allocation.changed']): void {
    const { connectors, chargers } = allocationChanges(e);
    for (const c of connectors) connectorLimit(c.chargerId, c);
    for (const c of chargers) {
      const controlled = c.controlled ? 'true' : 'false';
      const reason = c.controlled ? NONE : (c.why ?? 'unknown');
      const last = lastControl.get(c.chargerId);
      if (last && last.controlled === controlled && last.reason === reason) continue;
      lastControl.set(c.chargerId, { controlled, reason });
      if (last?.controlled !== controlled) publisher.state(topics.charger(c.chargerId, 'controlled'), controlled, 1);
      if (last?.reason !== reason) publisher.state(topics.charger(c.chargerId, 'uncontrolledReason'), reason, 1);
    }
    site({ limitA: e.siteLimit.amps, availableA: e.load.map((amps) => Math.max(0, e.siteLimit.amps - amps)) });
  }

  function connectorLimit(chargerId: string, c: ConnectorLimit): void {
    let byConnector = lastLimits.get(chargerId);
    if (!byConnector) lastLimits.set(chargerId, (byConnector = new Map()));
    const now = mirroredLimit(c);
    const last = byConnector.get(c.connectorId);
    if (last && last.planned === now.planned && last.reason === now.reason && last.accepted === now.accepted && last.inFlight === now.inFlight) return;
    byConnector.set(c.connectorId, now);
    if (last?.planned !== now.planned) publisher.state(topics.connector(chargerId, c.connectorId, 'limit'), now.planned, 1);
    if (last?.reason !== now.reason) publisher.state(topics.connector(chargerId, c.connectorId, 'limitReason'), now.reason, 1);
    if (last?.accepted !== now.accepted) publisher.state(topics.connector(chargerId, c.connectorId, 'limitAccepted'), now.accepted, 1);
    if (last?.inFlight !== now.inFlight) publisher.state(topics.connector(chargerId, c.connectorId, 'limitInFlight'), now.inFlight, 1);
  }

  /** A local user's cap (what the "Current limit" number shows; the allocation under it is `limit`). */
  function cap(e: GatewayEvents['limit.cap']): void {
    const value = e.amps === null ? NONE : String(round1(e.amps));
    publisher.state(e.connectorId === 0 ? topics.charger(e.chargerId, 'cap') : topics.connector(e.chargerId, e.connectorId, 'cap'), value, 1);
  }

  function site(e: GatewayEvents['site.state']): void {
    if (e.powerW !== undefined) publisher.state(topics.site('power'), String(Math.round(e.powerW)), 0);
    if (e.limitA !== undefined) publisher.state(topics.site('limit'), e.limitA === null ? 'none' : String(e.limitA), 1);
    e.availableA?.slice(0, 3).forEach((a, i) => publisher.state(topics.site(`available/${PHASES[i]!}`), String(round1(a)), 0));
    if (e.grid?.powerW !== undefined) publisher.state(topics.site('grid/power'), String(Math.round(e.grid.powerW)), 0);
    e.grid?.currentA?.slice(0, 3).forEach((a, i) => publisher.state(topics.site(`grid/current/${PHASES[i]!}`), String(round1(a)), 0));
  }

  function upstream(e: GatewayEvents['upstream.state']): void {
    publisher.state(topics.gateway('upstream'), e.online ? 'online' : 'offline', 1);
    publisher.state(topics.gateway('outbox'), String(e.outboxDepth), 1);
    publisher.state(topics.gateway('deadLetters'), String(e.deadLetters), 1);
  }

  /** Every upstream side by side (the primary keeps its gateway/… topics too). */
  function upstreamSummary(e: GatewayEvents['upstream.summary']): void {
    publisher.state(topics.upstream(e.name), JSON.stringify(e), 1);
  }

  /** The state as the registry and the store know it now (at start: every charger offline). */
  function snapshot(): void {
    const known = new Set([...configured.keys(), ...registry.list().map((c) => c.id)]);
    for (const chargerId of known) {
      if (!configured.has(chargerId) && !deps.allowUnknown) {
        retire(chargerId);
        continue;
      }
      announce(chargerId);
      const live = registry.get(chargerId);
      publisher.state(topics.charger(chargerId, 'connected'), live?.online ? 'online' : 'offline', 1);
      if (live?.boot) publisher.state(topics.charger(chargerId, 'info'), JSON.stringify({ vendor: live.boot.vendor, model: live.boot.model, serialNumber: live.boot.serialNumber, firmwareVersion: live.boot.firmwareVersion, bootedAt: live.boot.at, ocpp: ocppVersionOf(live.protocol) }), 1);
      for (const state of live?.connectors.values() ?? []) status(state, true);
      const byConnector = new Map<number, GatewayEvents['meter.values']['samples']>();
      for (const sample of live?.latest.values() ?? []) byConnector.set(sample.connectorId, [...(byConnector.get(sample.connectorId) ?? []), sample]);
      for (const [connectorId, samples] of byConnector) meterValues({ chargerId, connectorId, samples });
      // Offline (every charger, at start): what a broker retained from before says 0 W, 0 A now.
      if (!live?.online) for (let n = 1; n <= (announced.get(chargerId) ?? 1); n++) noFlow(chargerId, n);
      if (deps.fileStates) publishFileStates(chargerId, deps.fileStates, topics, publisher);
    }
    for (const record of deps.sessions.list({ state: 'active' })) {
      if (!known.has(record.chargerId) || (!configured.has(record.chargerId) && !deps.allowUnknown)) continue;
      sessions.set(key(record.chargerId, record.connectorId), { record, energyWh: 0 });
      const register = registry.latestValue(record.chargerId, record.connectorId, 'Energy.Active.Import.Register');
      const energyWh = register === undefined ? 0 : Math.max(0, register - record.meterStart);
      sessions.get(key(record.chargerId, record.connectorId))!.energyWh = energyWh;
      publishSession(record, energyWh);
    }
  }

  return {
    get dropped() {
      return dropped;
    },
    start() {
      publisher.stateNow(topics.status, 'online');
      announceSite();
      snapshot();
      if (announcer) {
        // Every device known now is in the new format: the move (if any) is done, and remembered.
        announcer.settled();
        log.info({ format, source: formatChoice.source }, formatLine(formatChoice));
        if (announcer.migrated > 0 && formatChoice.previous !== undefined) log.info({ format, devices: announcer.migrated }, 'Home Assistant discovery moved to the configured format; the entities keep their ids');
        else if (announcer.migrated > 0) log.info({ format, devices: announcer.migrated, from: formatChoice.moveFrom }, 'Home Assistant discovery: a new install; configs an earlier install may have left on the broker in the other format are cleared');
        const advice = formatAdvice(format, announced.size);
        if (advice) log.info({ chargers: announced.size, format }, advice);
        deps.rememberDiscoveryFormat?.(format);
      }
      // The modes were set before this broker connection (an external broker connects late).
      for (const m of deps.chargeModes?.() ?? []) publisher.state(topics.connector(m.chargerId, m.connectorId, 'mode'), m.mode, 1);
      listen('charger.connected', (e) => connected(e.chargerId, true));
      listen('charger.disconnected', (e) => connected(e.chargerId, false));
      listen('charger.boot', boot);
      listen('charger.quirks', quirks);
      listen('charger.setup', setup);
      listen('charger.registration', registration);
      listen('connector.status', (e) => status(e));
      listen('meter.values', meterValues);
      listen('session.started', sessionStarted);
      listen('session.ended', (record) => sessionEnded(record));
      listen('session.corrected', sessionCorrected);
      allocationChanges = allocationDelta();
      listen('allocation.changed', allocation);
      listen('charger.limits', (e) => e.connectors.forEach((c) => connectorLimit(e.chargerId, c)));
      listen('limit.cap', cap);
      // Retained: Home Assistant's select shows the mode after its own restart.
      listen('connector.mode', (e) => {
        publisher.state(topics.connector(e.chargerId, e.connectorId, 'mode'), e.mode, 1);
        // Phase switching: 1 or 3 while a session runs on a charger that switches, then none
        // (as wired); nothing at all for connectors that never switched.
        const key = `${e.chargerId}/${e.connectorId}`;
        if (e.phases === undefined && !switching.delete(key)) return;
        if (e.phases !== undefined) switching.add(key);
        publisher.state(topics.connector(e.chargerId, e.connectorId, 'phases'), e.phases === undefined ? NONE : String(e.phases), 1);
      });
      listen('site.state', site);
      listen('upstream.state', upstream);
      listen('upstream.summary', upstreamSummary);
      listen('upstream.dataTransfer', (e) => publisher.event(topics.gatewayEvent('data-transfer'), JSON.stringify(e)));
      mirrorSecurity(listen, topics, publisher);
      if (deps.cost) mirrorCost(listen, topics, publisher, deps.cost.priceNow);
      if (deps.plans) mirrorPlans(listen, topics, publisher, deps.plans);
      if (deps.fileStates) mirrorFiles(listen, deps.fileStates, topics, publisher);
    },
    republishDiscovery() {
      announceSite();
      for (const chargerId of announced.keys()) announce(chargerId);
    },
    stop() {
      stopped = true;
      clearTimeout(refresh);
      refresh = undefined;
      unsubscribe.splice(0).forEach((off) => off());
      queue.length = 0;
    },
  };
}

/** A session as published: idTags identify people, so they are left out unless mqtt.showIdTag. */
export function sessionJson(record: SessionRecord, energyWh: number, showIdTag: boolean, nowMs: number): Record<string, unknown> {
  return {
    transactionId: record.transactionId,
    connectorId: record.connectorId,
    state: record.state,
    startedAt: record.startedAt,
    meterStart: record.meterStart,
    energyWh,
    durationS: sessionDurationS(record, nowMs),
    ...(showIdTag ? { idTag: record.idTag } : {}),
    ...(record.stoppedAt ? { stoppedAt: record.stoppedAt } : {}),
    ...(record.stopReason ? { stopReason: record.stopReason } : {}),
    // Set only where a session's life was unusual: superseded by a later start, closed by
    // chargegate's estimate (estimated: true), or corrected by a late real Stop.
    ...(record.supersededBy !== undefined ? { supersededBy: record.supersededBy } : {}),
    ...(record.closedBy === 'gateway' ? { closedBy: 'gateway', estimated: true } : {}),
    ...(record.correctedAt ? { correctedAt: record.correctedAt } : {}),
  };
}

/** Whole seconds from its start to its stop, or to now while it runs; 0 for a clock behind its start or a time that does not parse. */
export function sessionDurationS(record: Pick<SessionRecord, 'startedAt' | 'stoppedAt'>, nowMs: number): number {
  const end = record.stoppedAt !== undefined ? Date.parse(record.stoppedAt) : nowMs;
  const seconds = Math.round((end - Date.parse(record.startedAt)) / 1000);
  return Number.isFinite(seconds) ? Math.max(0, seconds) : 0;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * What a state topic says when there is no value: an empty payload cannot say it, since an
 * empty retained message deletes the topic [MQTT-3.3.1-10]. The site limit says `none` too.
 */
export const NONE = 'none';

/** A connector's limit topics as published (A per phase to 0.1 A, OCPP's resolution; or `none`). */
interface MirroredLimit {
  planned: string;
  reason: string;
  accepted: string;
  inFlight: string;
}

function mirroredLimit(c: ConnectorLimit): MirroredLimit {
  const amps = (a: number | undefined) => (a === undefined ? NONE : String(round1(a)));
  return { planned: amps(c.amps), reason: c.detail ? `${c.reason}: ${c.detail}` : c.reason, accepted: amps(c.accepted), inFlight: amps(c.inFlight) };
}
