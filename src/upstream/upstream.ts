/**
 * The cloud upstream: implements the gateway's UpstreamPort, owns the outbox, the id map and
 * one link + courier per upstream connection (channel). The mode is chosen once, here: what
 * differs between aggregate (chargegate is the charge point, one channel) and transparent (one
 * channel per configured charger, chargegate their Local Controller, OCPP 1.6 §3.13.4) is in
 * aggregate.ts and transparent.ts behind mode.ts; where each message goes is routing.ts's to say.
 */
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events.js';
import type { IdTagInfo } from '../gateway/authorize.js';
import type { Commands } from '../gateway/commands.js';
import type { Registry } from '../gateway/registry.js';
import type { RemoteStartVerdict } from '../gateway/remote-start.js';
import type { PendingStart, UpstreamPort } from '../gateway/upstream-port.js';
import type { Logger } from '../log.js';
import type { ChargerAction16 } from '../ocpp/v16/actions.js';
import type { SignCertificateResponse, StartTransactionResponse, StopTransactionRequest } from '../ocpp/v16/types.js';
import type { ConnectorState, DeadLetter, OutboxMessage, Store } from '../store/ports.js';
import { adoptQueued } from './adopt.js';
import { aggregateMode } from './aggregate.js';
import { channelPassword, keepChannelKey, upstreamProfile } from './authorization-key.js';
import { cloudCallHandler } from './cloud-calls.js';
import type { CloudFiles } from '../transfers/cloud.js';
import { createCloudCaps, type CapSink } from './cloud-caps.js';
import { Courier, type Prepared } from './courier.js';
import { correctionDataTransfer, withCloudTransactionId, type StopPayload } from './stop-correction.js';
import { TransactionIdMap } from './idmap.js';
import { UpstreamLink, type LinkState } from './link.js';
import type { ChannelSpec, Mode } from './mode.js';
import { upstreamMode } from './options.js';
import { Outbox } from './outbox.js';
import { isQueued, routeFromCharger, type ChargerRoute, type UpstreamMode } from './routing.js';
import { transparentMode } from './transparent.js';
import { mirrorCall } from './mirror-policy.js';
import { wire16, type Wire, type WireContext } from './wire.js';
import { wire201 } from './v201/wire.js';
import { OcppCallError } from '../ocpp/errors.js';
import type { CallHandler } from '../ocpp/session.js';

export interface UpstreamDeps {
  config: Config;
  store: Store;
  events: EventBus;
  gateway: { registry: Registry; commands: Commands; checkRemoteStart(chargerId: string, connectorId: number): RemoteStartVerdict };
  logger: Logger;
  now: () => Date;
  version: string;
  /** The load balancer, when the site has one: the cloud's charging profiles become its limits (cloud-caps.ts). */
  balancer?: () => CapSink | undefined;
  /** Firmware and diagnostics through chargegate (src/transfers/cloud.ts). */
  files?: CloudFiles;
  /** Which upstream this is (default: the primary). `config.upstream` holds its own keys (upstreams.ts). */
  role?: UpstreamRole;
}

/**
 * The primary decides (authorization, StartTransaction's idTagInfo, commands, charging profiles,
 * the local list); a mirror receives every message and commands only within its allow-list
 * (mirror-policy.ts).
 */
export type UpstreamRole = { name: string; kind: 'primary' } | { name: string; kind: 'mirror'; commands: readonly string[] };

/** One upstream as the API, MQTT and metrics show it, side by side with the others. */
export interface UpstreamSummary {
  name: string;
  role: 'primary' | 'mirror';
  mode: UpstreamMode;
  /** Without credentials. */
  url: string;
  online: boolean;
  outboxDepth: number;
  deadLetters: number;
  /** The last thing that went wrong on its links (unreachable, closed, boot refused), if any. */
  lastError?: { message: string; at: string };
  /** A mirror's allow-list. */
  commands?: string[];
}

export interface Upstream {
  readonly mode: UpstreamMode;
  port: UpstreamPort;
  start(): void;
  stop(): Promise<void>;
  /** Messages given up, newest first (the API and MQTT show them; 'upstream.deadLetter' tells as they happen). */
  deadLetters(limit?: number): DeadLetter[];
  /** True while every upstream connection is connected and booted. */
  online(): boolean;
  outboxDepth(): number;
  summary(): UpstreamSummary;
}

interface Channel {
  spec: ChannelSpec;
  name: string;
  link: UpstreamLink;
  courier: Courier;
}

/** A charger's message on its way up: its channel, and where routing.ts sends it. */
interface Upward {
  channel: Channel;
  route: ChargerRoute;
}

type StagedMessage = Omit<OutboxMessage, 'seq' | 'attempts' | 'createdAt' | 'channel' | 'coalesceKey'>;

const statusKey = (cloudConnectorId: number) => `status/${cloudConnectorId}`;
/** A charger's own status that makes it unusable as a whole (1.6 §4.9, connector 0). */
const isDown = (own: ConnectorState | undefined): own is ConnectorState => own?.status === 'Unavailable' || own?.status === 'Faulted';

export function createUpstream(deps: UpstreamDeps): Upstream | undefined {
  const configured = upstreamMode(deps.config);
  if (configured === 'none') return undefined;
  // The one place the mode is looked at: from here on, `mode` says what differs.
  const mode: Mode = configured === 'aggregate' ? aggregateMode(deps) : transparentMode(deps);
  const { config, store, events, now } = deps;
  const { connectors } = mode;
  const u = config.upstream;
  const role: UpstreamRole = deps.role ?? { name: u.name, kind: 'primary' };
  const primary = role.kind === 'primary';
  const log = deps.logger.child({ component: 'upstream', upstream: role.name });
  // The one place the cloud's OCPP version is looked at (wire.ts): from here on, `wire` says what differs.
  const wire: Wire =
    u.ocpp === '2.0.1'
      ? wire201({
          store,
          upstream: role.name,
          logger: log,
          now,
          statusOf: (chargerId, connectorId) => deps.gateway.registry.get(chargerId)?.connectors.get(connectorId)?.status,
          chargersOf: (channel) => mode.chargersOf(channel),
          holds: (channel, match) => outbox.holds(channel, match),
          send: (channel, action, payload) => {
            const link = channels.get(channel)?.link;
            return link ? link.call(action, payload) : Promise.reject(new Error(`no channel ${channel}`));
          },
          count: (channel, kind, action, detail) => events.emit('ocpp.leniency', { chargerId: channel, kind, action, detail }),
          chargePointOf: (channel) => mode.chargePointOf(channel),
          site: (name) => {
            const facts = mode.siteFacts;
            if (!facts) return undefined;
            // Read when the CSMS asks: the link is made after the wire's handler.
            const link = () => channels.get(name)!.link;
            return { facts: () => ({ ...facts(link()), balancer: caps.active() }), setHeartbeatInterval: (s) => link().setHeartbeatInterval(s) };
          },
        })
      : wire16;
  // Messages queued for the other OCPP version (upstream.ocpp changed): rewritten for this one before anything is sent.
  adoptQueued({ store, upstream: role.name, wire, channels: mode.channels.map((c) => c.name), events, logger: log, now });
  const outbox = new Outbox({ store, events, logger: log, now, maxMessages: u.outbox.maxMessages });
  const idmap = new TransactionIdMap(store, wire.namesTransactions);
  const answerTimeoutMs = u.answerTimeout * 1000;
  const channels = new Map<string, Channel>();
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
  // The cloud's charging profiles, kept and followed as the balancer's limits (when there is one).
  const supply = config.site?.supply;
  const caps = createCloudCaps({
    chargePointOf: (channel) => mode.chargePointOf(channel),
    channels: mode.channels.map((c) => c.name),
    connectors,
    supply: { voltage: supply?.voltage ?? 230, phases: supply?.phases ?? 3, maxCurrent: supply?.maxCurrent ?? 32 },
    chargerPhases: (id) => config.chargers.list.find((c) => c.id === id)?.phases ?? supply?.phases ?? 3,
    // Charging profiles are the primary's alone (mirror-policy.ts): a mirror's never reach the balancer.
    balancer: () => (primary ? deps.balancer?.() : undefined),
    store,
    idmap,
    events,
    now,
    logger: log,
  });

  const channelFor = (chargerId: string): Channel | undefined => channels.get(mode.channelOf(chargerId));

  /** Queues a message in the cloud's terms (wire.ts); returns the seq of the last row written (0: none). */
  function stage(channel: Channel, message: StagedMessage & { coalesceKey?: string }, origin?: WireContext['origin']): number {
    let seq = 0;
    for (const m of wire.encode(message, { channel: channel.name, ready: channel.link.ready, ...(origin ? { origin } : {}) })) seq = outbox.stage({ ...m, channel: channel.name });
    return seq;
  }

  /** A call sent at once in the cloud's terms, its answer read back as 1.6's; rejected when the cloud's version has no counterpart. */
  function callNow<T>(channel: Channel, action: string, payload: unknown): Promise<T> {
    const call = wire.request(action, payload, channel.name);
    if (!call) return Promise.reject(new Error(`${action} has no counterpart in the cloud's OCPP version`));
    return channel.link.call(call.action, call.payload).then((answer) => call.answer(answer) as T);
  }

  // ---- what goes up ------------------------------------------------------------------------

  function statusMessage(state: ConnectorState, cloudConnectorId: number): StagedMessage {
    const payload = {
      connectorId: cloudConnectorId,
      status: state.status,
      errorCode: state.errorCode,
      timestamp: state.timestamp,
      ...(state.info ? { info: state.info } : {}),
      ...(state.vendorErrorCode ? { vendorErrorCode: state.vendorErrorCode } : {}),
    };
    return { action: 'StatusNotification', kind: 'status', payload };
  }

  /** chargegate's own word on a connector (after a boot, a disconnect, a trigger): only the latest is worth sending. */
  function stageStatus(channel: Channel, state: ConnectorState, cloudConnectorId: number): void {
    stage(channel, { ...statusMessage(state, cloudConnectorId), coalesceKey: statusKey(cloudConnectorId) }, { chargerId: state.chargerId, connectorId: state.connectorId });
  }

  /**
   * Aggregate: a charger Unavailable or Faulted as a whole (its connector 0) makes each of its
   * connectors so at the site's charge point, with the charger's errorCode and info; its
   * connectors' own statuses count again once it is Available.
   */
  function withChargerStatus(state: ConnectorState, own = deps.gateway.registry.get(state.chargerId)?.connectors.get(0)): ConnectorState {
    if (!mode.chargerStatusOnConnectors || state.connectorId === 0 || !isDown(own)) return state;
    const { info, vendorErrorCode } = own;
    return { chargerId: state.chargerId, connectorId: state.connectorId, status: own.status, errorCode: own.errorCode, timestamp: own.timestamp > state.timestamp ? own.timestamp : state.timestamp, ...(info ? { info } : {}), ...(vendorErrorCode ? { vendorErrorCode } : {}) };
  }

  /** Aggregate: a charger's own status, told as each of its connectors' (withChargerStatus). */
  function chargerStatus(own: ConnectorState): void {
    const channel = channelFor(own.chargerId);
    if (!channel || !queues(upward(own.chargerId, 'StatusNotification', 1))) return;
    const live = deps.gateway.registry.get(own.chargerId);
    // Available after Available (a boot's usual connector 0): its connectors' statuses are their own, unchanged.
    if (!isDown(own) && !isDown(live?.connectors.get(0))) return;
    for (const c of connectors.connectorsOf(channel.name)) {
      if (c.chargerId !== own.chargerId) continue;
      const state = live?.connectors.get(c.connectorId);
      // A connector not heard of yet: the charger's Unavailable or Faulted is all there is to tell.
      if (!state && !isDown(own)) continue;
      stageStatus(channel, withChargerStatus(state ?? { chargerId: c.chargerId, connectorId: c.connectorId, status: own.status, errorCode: own.errorCode, timestamp: own.timestamp }, own), c.virtual);
    }
  }

  /** After every accepted boot: chargegate's own connector 0 and the latest status of each connector (1.6 §4.2, §4.9). */
  function announceStatuses(channel: Channel, only?: number): void {
    void store
      .durably(() => {
        const at = now().toISOString();
        const own = only === undefined || only === 0 ? mode.ownStatus(at) : undefined;
        if (own) stageStatus(channel, own, 0);
        for (const c of connectors.connectorsOf(channel.name)) {
          if (only !== undefined && only !== c.virtual) continue;
          const live = deps.gateway.registry.get(c.chargerId);
          const state = live?.connectors.get(c.connectorId);
          const online = live?.online ?? false;
          // A charger chargegate cannot reach is Unavailable to the cloud, whatever it last said.
          if (!online) stageStatus(channel, { chargerId: c.chargerId, connectorId: c.connectorId, status: 'Unavailable', errorCode: 'NoError', timestamp: at }, c.virtual);
          else if (state) stageStatus(channel, withChargerStatus(state), c.virtual);
        }
      })
      .catch((err: unknown) => log.error({ err }, 'could not queue the status for the cloud'));
  }

  function prepare(message: OutboxMessage): Prepared {
    const asStored = wire.prepare(message);
    if (asStored) return asStored;
    if (message.localTransactionId === undefined || message.action === 'StartTransaction') return { payload: message.payload };
    const mapped = idmap.get(message.localTransactionId);
    if (mapped?.state === 'mapped' && mapped.cloudTransactionId !== undefined) {
      return { payload: withCloudTransactionId(message.action, message.payload, mapped.cloudTransactionId) };
    }
    if (mapped?.state === 'dead') return { unsendable: `its StartTransaction (transaction ${message.localTransactionId}) was given up, so the cloud has no transactionId for it` };
    return { unsendable: `the cloud never assigned a transactionId for transaction ${message.localTransactionId}` };
  }

  function onAnswer(channel: Channel, message: OutboxMessage, cloudAnswer: unknown): (() => void) | undefined {
    // In 1.6's terms whatever the cloud speaks (wire.ts): a 2.0.1 Started's idTokenInfo is the Start's idTagInfo.
    const { action, answer, idTag: answeredIdTag } = wire.answer16(message, cloudAnswer);
    if (action === 'StartTransaction' && message.localTransactionId !== undefined) {
      const { transactionId, idTagInfo } = answer as { transactionId: number; idTagInfo?: StartTransactionResponse['idTagInfo'] };
      const persistId = idmap.learn(message.localTransactionId, channel.name, transactionId);
      // A mirror's idTagInfo is logged, never acted on: the primary decides (and fills the cache).
      if (!primary) {
        if (idTagInfo && idTagInfo.status !== 'Accepted') log.info({ transactionId: message.localTransactionId, status: idTagInfo.status }, 'the mirror answered StartTransaction with a non-Accepted idTagInfo (recorded only: the primary decides)');
        return persistId;
      }
      const idTag = answeredIdTag ?? (message.payload as { idTag: string }).idTag;
      const inTime = outbox.answered(message.seq, answer);
      // A 2.0.1 CSMS may leave idTokenInfo out (E01): nothing to decide or remember then.
      if (!idTagInfo) return persistId;
      if (!inTime && idTagInfo.status !== 'Accepted') void stopLateInvalid(message.localTransactionId, idTagInfo.status);
      return () => {
        persistId();
        store.upstream.idTagCache.put(idTag, idTagInfo, now().toISOString());
      };
    }
    if (action === 'StopTransaction' && primary) {
      const info = (answer as { idTagInfo?: IdTagInfo }).idTagInfo;
      const idTag = answeredIdTag ?? (message.payload as { idTag?: string }).idTag;
      if (info && idTag) return () => store.upstream.idTagCache.put(idTag, info, now().toISOString());
    }
    return undefined;
  }

  /** 1.6 §9.1.25 StopTransactionOnInvalidId: the cloud's late answer ends a session the charger was told was fine. */
  async function stopLateInvalid(localTransactionId: number, status: string): Promise<void> {
    const session = store.sessions.get(localTransactionId);
    const context = { transactionId: localTransactionId, status };
    if (!session || session.state !== 'active') return log.info(context, 'late non-Accepted idTagInfo from the cloud for a session that already ended');
    if (session.authStatus !== 'Accepted') return;
    if (!u.stopTransactionOnInvalidId) return log.warn(context, 'late non-Accepted idTagInfo from the cloud; the session goes on (stopTransactionOnInvalidId is false)');
    log.warn({ ...context, chargerId: session.chargerId }, 'late non-Accepted idTagInfo from the cloud: stopping the session');
    try {
      const answer = await deps.gateway.commands.RemoteStopTransaction(session.chargerId, { transactionId: localTransactionId });
      log.info({ ...context, answer: answer.status }, 'RemoteStopTransaction for a late Invalid answered');
    } catch (err) {
      log.error({ ...context, err: (err as Error).message }, 'could not stop the session of a late Invalid idTag');
    }
  }

  // ---- channels ------------------------------------------------------------------------------

  function emitState(): void {
    events.emit('upstream.summary', summary());
    if (!primary) return;
    events.emit('upstream.state', {
      online: online(),
      outboxDepth: outbox.depth,
      deadLetters: store.upstream.outbox.deadLetterCount(),
      ...(outbox.depth > 0 ? { oldestAt: store.upstream.outbox.oldestAt() } : {}),
    } as { online: boolean; outboxDepth: number; deadLetters: number; oldestAt?: string });
  }

  function addChannel(spec: ChannelSpec): void {
    const { name } = spec;
    const channelLog = log.child({ channel: name });
    const channel = { spec, name } as Channel;
    // The link is created below; the charge point reads it only when the cloud calls.
    const own = mode.ownChargePoint({
      spec,
      get link() {
        return channel.link;
      },
      announce: (cloudConnectorId) => announceStatuses(channel, cloudConnectorId),
      call: (action, payload) => callNow(channel, action, payload),
    });
    const chargePoint = mode.chargePointOf(name);
    const profile = upstreamProfile(u, spec.password);
    channel.link = new UpstreamLink({
      url: u.url!,
      identity: spec.identity,
      // Read at each connect: the cloud's AuthorizationKey, once it set one, is the password (authorization-key.ts).
      get password() {
        return channelPassword(store.meta, name, spec.password);
      },
      ...(u.ca !== undefined ? { ca: u.ca } : {}),
      ...(u.cert !== undefined && u.key !== undefined ? { cert: u.cert, key: u.key } : {}),
      callTimeoutMs: u.callTimeout * 1000,
      // The cloud is one peer, not trusted to be well-behaved: a CSMS in a loop (or a stolen
      // account) must not take the gateway's CPU from the chargers and the balancer. The rate
      // does that; the in-flight bound is high, as a forwarded call holds its slot while a
      // silent charger keeps it waiting (at most its queue, MAX_QUEUED_CALLS + 1).
      inboundLimits: { maxInFlight: u.maxCallsInFlight, ratePerSecond: u.callRate, burst: u.callBurst },
      backoff: { initialMs: u.reconnect.initialDelay * 1000, maxMs: u.reconnect.maxDelay * 1000 },
      protocol: wire.protocol,
      bootPayload: () => wire.boot({ ...spec.boot() }),
      logger: channelLog,
      handler: wire.handler(guarded(cloudCallHandler({
        mode: mode.name,
        channel: name,
        connectors,
        chargers: () => mode.chargersOf(name),
        chargePoint,
        commands: deps.gateway.commands,
        registry: deps.gateway.registry,
        checkRemoteStart: (chargerId, connectorId) => deps.gateway.checkRemoteStart(chargerId, connectorId),
        store,
        idmap,
        onLocalListChanged: () => deps.events.emit('localList.changed', { channel: name }),
        ownedKeys: {
          balanced: config.site !== undefined,
          sampleInterval: config.chargers.setup.meterValueSampleInterval,
          ...(profile !== undefined ? { upstreamProfile: profile } : {}),
        },
        dataTransfer: u.dataTransfer,
        publishDataTransfer: (req) => events.emit('upstream.dataTransfer', { channel: name, ...req, at: now().toISOString() }),
        keepUpstreamKey: async (key) => {
          await store.durably(() => keepChannelKey(store.meta, name, key, spec.password));
          // As the whitepaper's charge point does: reconnect with the new key once this answer is out.
          setImmediate(() => channel.link.reconnect('the cloud set a new AuthorizationKey'));
        },
        logger: channelLog,
        caps,
        ...(own ? { own } : {}),
        ...(deps.files ? { files: deps.files } : {}),
        report: (action, payload) => {
          if (!channel.link.ready) return channelLog.info({ action, status: payload.status }, 'status not sent: the cloud is not connected');
          callNow(channel, action, payload).catch((err: unknown) => channelLog.warn({ action, err: (err as Error).message }, 'status not taken by the cloud'));
        },
      }), channelLog), name),
      onState: (state: LinkState) => {
        if (state === 'accepted') {
          announceStatuses(channel);
          channel.courier.wake();
          if (mode.bootPassedDown) askChargersToBoot(name);
        }
        emitState();
      },
    });
    channel.courier = new Courier({
      channel: name,
      outbox,
      logger: channelLog,
      retry: { attempts: u.transactionMessageAttempts, retryIntervalS: u.transactionMessageRetryInterval },
      ready: () => channel.link.ready,
      call: (action, payload) => channel.link.call(action, payload),
      prepare,
      onAnswer: (message, answer) => onAnswer(channel, message, answer),
      onGivenUp: (message) => {
        if (message.action === 'StartTransaction' && message.localTransactionId !== undefined) {
          const local = message.localTransactionId;
          void store.durably(() => idmap.markDead(local));
        }
        emitState();
      },
      sleep,
    });
    channels.set(name, channel);
  }

  /** A mirror's CALLs pass its allow-list first (mirror-policy.ts); the primary's go straight through. */
  function guarded(handler: CallHandler, channelLog: Logger): CallHandler {
    if (role.kind === 'primary') return handler;
    const { name, commands } = role;
    return (action, payload) => {
      const verdict = mirrorCall(name, commands, action);
      if (verdict.allowed) return handler(action, payload);
      channelLog.warn({ action }, 'command from an upstream mirror refused: not in its upstream.mirrors[].commands');
      if ('answer' in verdict) return verdict.answer;
      throw new OcppCallError(verdict.error, verdict.description);
    };
  }

  /**
   * The cloud now accepts a channel whose chargers may have been told Pending or Rejected: each
   * one connected and not yet booted is asked for its BootNotification now (TriggerMessage, the one
   * call an unbooted charger gets, 1.6 §5.17) instead of at the end of the interval it was given.
   */
  function askChargersToBoot(channel: string): void {
    for (const chargerId of mode.chargersOf(channel)) {
      const live = deps.gateway.registry.get(chargerId);
      if (!live?.online || live.booted) continue;
      deps.gateway.commands.send(chargerId, 'TriggerMessage', { requestedMessage: 'BootNotification' }).catch((err: unknown) => {
        log.debug({ chargerId, err: (err as Error).message }, 'TriggerMessage BootNotification after the cloud accepted the channel failed');
      });
    }
  }

  for (const spec of mode.channels) addChannel(spec);

  /** The channels opened: a channel waits for its charger's first boot (ChannelSpec.bootKnown) and does not count until then. */
  const opened = new Set<Channel>();
  let running = false;
  function open(channel: Channel): void {
    if (!running || opened.has(channel)) return;
    if (!channel.spec.bootKnown()) {
      log.info({ channel: channel.name }, 'the charger has never booted: its channel to the cloud opens at its first BootNotification (the cloud learns what it really is)');
      return;
    }
    opened.add(channel);
    channel.link.start();
  }

  const online = () => opened.size > 0 && [...opened].every((c) => c.link.ready);

  function summary(): UpstreamSummary {
    const errors = [...channels.values()].flatMap((c) => (c.link.lastError ? [c.link.lastError] : []));
    const lastError = errors.sort((a, b) => a.at.localeCompare(b.at)).at(-1);
    return {
      name: role.name,
      role: role.kind,
      mode: mode.name,
      url: withoutCredentials(u.url!),
      online: online(),
      outboxDepth: outbox.depth,
      deadLetters: store.upstream.outbox.deadLetterCount(),
      ...(lastError ? { lastError } : {}),
      ...(role.kind === 'mirror' ? { commands: [...role.commands] } : {}),
    };
  }

  /** Where a charger's message goes: asked of routing.ts, with the state of its channel's link. */
  function upward(chargerId: string, action: ChargerAction16, connectorId?: number): Upward | undefined {
    const channel = channelFor(chargerId);
    if (!channel) return undefined;
    return { channel, route: routeFromCharger(action, mode.name, channel.link.ready ? 'online' : 'offline', connectorId) };
  }

  const queues = (up: Upward | undefined): up is Upward => up !== undefined && isQueued(up.route);

  /** Stages a queued message as its route says: in order, or only the latest of its `latestKey`. */
  function enqueue(up: Upward, message: StagedMessage, latestKey?: string, origin?: WireContext['origin']): number {
    return stage(up.channel, up.route === 'local-and-queue-latest' && latestKey !== undefined ? { ...message, coalesceKey: latestKey } : message, origin);
  }

  /** Sends a copy when the route says mirror (the link is up); never queued. */
  function mirror(up: Upward | undefined, action: ChargerAction16, payload: (channel: Channel) => unknown): void {
    if (up?.route !== 'local-and-mirror') return;
    callNow(up.channel, action, payload(up.channel)).catch(() => undefined);
  }

  // ---- the port the gateway calls ------------------------------------------------------------

  const port: UpstreamPort = {
    unknownIdTagOffline: u.offline.unknownIdTag,
    listChannel: (chargerId) => channelFor(chargerId)?.name,
    bootVerdict: (chargerId) => (mode.bootPassedDown ? channelFor(chargerId)?.link.bootRefusal : undefined),
    async authorize(chargerId, idTag) {
      // A mirror is never asked: its answer could not decide anything (the primary's does).
      if (!primary) return null;
      const up = upward(chargerId, 'Authorize');
      if (up?.route !== 'ask-cloud') return null;
      const asked = callNow<{ idTagInfo: IdTagInfo }>(up.channel, 'Authorize', { idTag }).then((answer) => {
        // Late or not, the answer is remembered for offline use (1.6 §3.5.2).
        store.durably(() => store.upstream.idTagCache.put(idTag, answer.idTagInfo, now().toISOString())).catch(() => undefined);
        return answer.idTagInfo;
      });
      return withTimeout(asked, answerTimeoutMs).catch(() => null);
    },
    cachedIdTag(idTag) {
      if (!primary) return undefined;
      const cached = store.upstream.idTagCache.get(idTag);
      return cached as IdTagInfo | undefined;
    },
    transactionStarted(session): PendingStart {
      const up = upward(session.chargerId, 'StartTransaction');
      // A reservation ends when its transaction starts (1.6 §5.13): the cloud's id is then free.
      const channel = channelFor(session.chargerId);
      if (channel && session.reservationId !== undefined) store.upstream.reservations.remove(channel.name, session.reservationId);
      if (!queues(up)) return { cloudIdTagInfo: async () => undefined };
      idmap.open(session.transactionId, up.channel.name);
      const payload = {
        connectorId: connectors.toCloud(session.chargerId, session.connectorId),
        idTag: session.idTag,
        meterStart: session.meterStart,
        timestamp: session.startedAt,
        ...(session.reservationId !== undefined ? { reservationId: session.reservationId } : {}),
      };
      const seq = enqueue(up, { action: 'StartTransaction', kind: 'start', payload, localTransactionId: session.transactionId });
      if (!primary) return { cloudIdTagInfo: async () => undefined };
      const answer = outbox.awaitAnswer(seq, answerTimeoutMs);
      return { cloudIdTagInfo: () => answer.then((a) => (a as StartTransactionResponse | undefined)?.idTagInfo) };
    },
    meterValues(chargerId, request, localTransactionId) {
      const up = upward(chargerId, 'MeterValues', request.connectorId);
      if (!queues(up)) return;
      const inTransaction = localTransactionId !== undefined && idmap.get(localTransactionId) !== undefined;
      const payload = { connectorId: connectors.toCloud(chargerId, request.connectorId), meterValue: request.meterValue };
      enqueue(up, { action: 'MeterValues', kind: 'meter', payload, ...(inTransaction ? { localTransactionId } : {}) });
    },
    transactionStopped(chargerId, request, session) {
      const up = upward(chargerId, 'StopTransaction');
      if (!queues(up)) return;
      // A session that began before the cloud was configured: its Start goes up first.
      if (!idmap.get(session.transactionId)) port.transactionStarted(session);
      enqueue(up, { action: 'StopTransaction', kind: 'stop', payload: stopPayload(request), localTransactionId: session.transactionId });
    },
    stopCorrected(chargerId, request, session) {
      const up = upward(chargerId, 'StopTransaction');
      if (!queues(up)) return;
      const payload = stopPayload(request);
      // Still queued: the cloud will only ever see the real Stop. Else it is told by DataTransfer (stop-correction.ts).
      if (outbox.amend(up.channel.name, 'StopTransaction', session.transactionId, payload)) {
        log.info({ chargerId, transactionId: session.transactionId }, 'the estimated Stop still queued for the cloud was replaced by the real one');
        return;
      }
      log.info({ chargerId, transactionId: session.transactionId }, 'the cloud already had the estimated Stop: the real one goes up as a DataTransfer');
      enqueue(up, { action: 'DataTransfer', kind: 'other', payload: correctionDataTransfer(payload), localTransactionId: session.transactionId });
    },
    status(state) {
      if (state.connectorId === 0 && mode.chargerStatusOnConnectors) return chargerStatus(state);
      const up = upward(state.chargerId, 'StatusNotification', state.connectorId);
      if (!queues(up)) return;
      // Connector 0 reaches here only where it is the charger's own charge point (transparent).
      const cloudConnectorId = state.connectorId === 0 ? 0 : connectors.toCloud(state.chargerId, state.connectorId);
      enqueue(up, statusMessage(withChargerStatus(state), cloudConnectorId), statusKey(cloudConnectorId), { chargerId: state.chargerId, connectorId: state.connectorId });
    },
    reservationEnded(chargerId, reservationId, how) {
      // As after its transaction started (transactionStarted): the cloud's id is free, CancelReservation has nothing to reach.
      const channel = channelFor(chargerId);
      if (!channel || store.upstream.reservations.get(channel.name, reservationId)?.chargerId !== chargerId) return;
      store.upstream.reservations.remove(channel.name, reservationId);
      // A 2.0.1 cloud hears how (H05 ReservationStatusUpdate); the 1.6 wire has no such call. Not queued: while
      // the link is down the reservation's end is only logged (the cloud's own expiry time tells it the same).
      if (!channel.link.ready || !wire.request('ReservationStatusUpdate', {}, channel.name)) return;
      callNow(channel, 'ReservationStatusUpdate', { reservationId, reservationUpdateStatus: how }).catch((err: unknown) => log.warn({ chargerId, reservationId, err: (err as Error).message }, 'ReservationStatusUpdate not taken by the cloud'));
    },
    securityEvent(event) {
      const up = upward(event.chargerId, 'SecurityEventNotification');
      if (!queues(up)) return;
      const payload = { type: event.type, timestamp: event.timestamp, ...(event.techInfo !== undefined ? { techInfo: event.techInfo } : {}) };
      enqueue(up, { action: 'SecurityEventNotification', kind: 'other', payload });
    },
    booted(chargerId) {
      mirror(upward(chargerId, 'BootNotification'), 'BootNotification', (channel) => channel.spec.boot());
    },
    notification(chargerId, action, payload) {
      mirror(upward(chargerId, action), action, () => ({ ...payload }));
    },
    async dataTransfer(chargerId, request) {
      const up = upward(chargerId, 'DataTransfer');
      // The charger takes one answer: the primary's.
      if (up?.route !== 'relay' || !primary) return null;
      return withTimeout(callNow(up.channel, 'DataTransfer', request), answerTimeoutMs).catch(() => null) as never;
    },
    async signCertificate(chargerId, request) {
      const up = upward(chargerId, 'SignCertificate');
      if (up?.route !== 'relay' || !primary) return null;
      // Like DataTransfer: the charger never waits on a slow cloud longer than answerTimeout.
      return withTimeout(callNow<SignCertificateResponse>(up.channel, 'SignCertificate', request), answerTimeoutMs).catch((err: unknown) => {
        log.warn({ chargerId, err: (err as Error).message }, 'SignCertificate not answered by the cloud');
        return null;
      });
    },
  };

  // A charger that goes away is Unavailable to the cloud where the mode says so (aggregate: its virtual connectors).
  const unsubscribe = [
    events.on('charger.boot', ({ chargerId }) => {
      const channel = channelFor(chargerId);
      if (channel) open(channel);
    }),
    events.on('charger.disconnected', ({ chargerId }) => {
      const channel = channelFor(chargerId);
      if (!channel) return;
      for (const n of mode.unavailableWhenGone(channel.name, chargerId)) announceStatuses(channel, n);
    }),
  ];
  let stateTimer: NodeJS.Timeout | undefined;
  let lastDepth = -1;

  return {
    mode: mode.name,
    port,
    start() {
      log.info({ mode: mode.name, url: u.url, channels: [...channels.keys()], queued: outbox.depth }, 'connecting to the cloud CSMS');
      if (primary) caps.start();
      running = true;
      for (const c of channels.values()) open(c);
      stateTimer = setInterval(() => {
        if (outbox.depth !== lastDepth) emitState();
        lastDepth = outbox.depth;
      }, 2000);
      stateTimer.unref();
      emitState();
    },
    async stop() {
      running = false;
      if (stateTimer) clearInterval(stateTimer);
      if (primary) caps.stop();
      for (const off of unsubscribe) off();
      for (const c of channels.values()) c.courier.stop();
      wire.close?.();
      await Promise.all([...channels.values()].map((c) => c.link.stop()));
      outbox.flush();
    },
    deadLetters: (limit) => store.upstream.outbox.deadLetters(limit),
    online,
    outboxDepth: () => outbox.depth,
    summary,
  };
}

function stopPayload(request: StopTransactionRequest): StopPayload {
  return {
    meterStop: request.meterStop,
    timestamp: request.timestamp,
    ...(request.idTag ? { idTag: request.idTag } : {}),
    ...(request.reason ? { reason: request.reason } : {}),
    ...(request.transactionData ? { transactionData: request.transactionData } : {}),
  };
}

/** A URL as shown to users: any user:password@ in it removed. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
