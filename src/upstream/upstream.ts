/**
 * The cloud upstream: implements the gateway's UpstreamPort, owns the outbox, the id map and
 * one link + courier per upstream connection (channel): one in aggregate mode (chargegate is
 * the charge point), one per configured charger in transparent mode (the Local Controller of
 * OCPP 1.6 §3.13.4).
 */
import type { Config } from '../config/schema.js';
import type { EventBus } from '../events.js';
import type { IdTagInfo } from '../gateway/authorize.js';
import type { Commands } from '../gateway/commands.js';
import type { Registry } from '../gateway/registry.js';
import type { PendingStart, UpstreamPort } from '../gateway/upstream-port.js';
import type { Logger } from '../log.js';
import type { BootNotificationRequest, StartTransactionResponse } from '../ocpp/v16/types.js';
import type { ConnectorState, DeadLetter, OutboxMessage, Store } from '../store/ports.js';
import { cloudCallHandler } from './cloud-calls.js';
import { createCloudCaps, type CapSink } from './cloud-caps.js';
import { SameConnectors, VirtualConnectors, type ConnectorMapping } from './connectors.js';
import { Courier, type Prepared } from './courier.js';
import { TransactionIdMap } from './idmap.js';
import { UpstreamLink, type LinkState } from './link.js';
import { upstreamMode } from './options.js';
import { Outbox } from './outbox.js';
import { ownChargePoint } from './own-charge-point.js';
import { routeFromCharger, type UpstreamMode } from './routing.js';

export interface UpstreamDeps {
  config: Config;
  store: Store;
  events: EventBus;
  gateway: { registry: Registry; commands: Commands };
  logger: Logger;
  now: () => Date;
  version: string;
  /** The load balancer, when the site has one: the cloud's charging profiles become its limits (cloud-caps.ts). */
  balancer?: () => CapSink | undefined;
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
}

interface Channel {
  name: string;
  link: UpstreamLink;
  courier: Courier;
}

export function createUpstream(deps: UpstreamDeps): Upstream | undefined {
  const configured = upstreamMode(deps.config);
  if (configured === 'none') return undefined;
  const mode: UpstreamMode = configured;
  const { config, store, events, now } = deps;
  const u = config.upstream;
  const log = deps.logger.child({ component: 'upstream' });
  const outbox = new Outbox({ store, events, logger: log, now, maxMessages: u.outbox.maxMessages });
  const idmap = new TransactionIdMap(store);
  const answerTimeoutMs = u.answerTimeout * 1000;
  const connectorCount = (id: string) => config.chargers.list.find((c) => c.id === id)?.connectors ?? deps.gateway.registry.get(id)?.connectors.size ?? 1;
  const connectors: ConnectorMapping =
    mode === 'aggregate' ? new VirtualConnectors(store, u.connectors, config.chargers.list) : new SameConnectors(connectorCount);
  const channels = new Map<string, Channel>();
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
  // The cloud's charging profiles, kept and followed as the balancer's limits (when there is one).
  const supply = config.site?.supply;
  const caps = createCloudCaps({
    mode,
    channels: mode === 'aggregate' ? [u.identity!] : config.chargers.list.map((c) => c.id),
    connectors,
    supply: { voltage: supply?.voltage ?? 230, phases: supply?.phases ?? 3, maxCurrent: supply?.maxCurrent ?? 32 },
    chargerPhases: (id) => config.chargers.list.find((c) => c.id === id)?.phases ?? supply?.phases ?? 3,
    balancer: () => deps.balancer?.(),
    store,
    idmap,
    events,
    now,
    logger: log,
  });

  const chargersOf = (channel: string): string[] =>
    mode === 'transparent' ? [channel] : [...new Set([...config.chargers.list.map((c) => c.id), ...deps.gateway.registry.list().map((c) => c.id)])];
  const channelFor = (chargerId: string): Channel | undefined => channels.get(mode === 'aggregate' ? u.identity! : chargerId);

  function stage(channel: Channel, message: Omit<OutboxMessage, 'seq' | 'attempts' | 'createdAt' | 'channel'>): number {
    return outbox.stage({ ...message, channel: channel.name });
  }

  // ---- what goes up ------------------------------------------------------------------------

  function stageStatus(channel: Channel, state: ConnectorState, cloudConnectorId: number): void {
    const payload = {
      connectorId: cloudConnectorId,
      status: state.status,
      errorCode: state.errorCode,
      timestamp: state.timestamp,
      ...(state.info ? { info: state.info } : {}),
      ...(state.vendorErrorCode ? { vendorErrorCode: state.vendorErrorCode } : {}),
    };
    stage(channel, { action: 'StatusNotification', kind: 'status', payload, coalesceKey: `status/${cloudConnectorId}` });
  }

  /** After every accepted boot: connector 0 and the latest status of each connector (1.6 §4.2, §4.9). */
  function announceStatuses(channel: Channel, only?: number): void {
    void store
      .durably(() => {
        const at = now().toISOString();
        if (mode === 'aggregate' && (only === undefined || only === 0)) {
          stageStatus(channel, { chargerId: '', connectorId: 0, status: 'Available', errorCode: 'NoError', timestamp: at }, 0);
        }
        for (const c of connectors.connectorsOf(channel.name)) {
          if (only !== undefined && only !== c.virtual) continue;
          const live = deps.gateway.registry.get(c.chargerId);
          const state = live?.connectors.get(c.connectorId);
          const online = live?.online ?? false;
          // A charger chargegate cannot reach is Unavailable to the cloud, whatever it last said.
          if (!online) stageStatus(channel, { chargerId: c.chargerId, connectorId: c.connectorId, status: 'Unavailable', errorCode: 'NoError', timestamp: at }, c.virtual);
          else if (state) stageStatus(channel, state, c.virtual);
        }
      })
      .catch((err: unknown) => log.error({ err }, 'could not queue the status for the cloud'));
  }

  function prepare(message: OutboxMessage): Prepared {
    if (message.localTransactionId === undefined || message.action === 'StartTransaction') return { payload: message.payload };
    const mapped = idmap.get(message.localTransactionId);
    if (mapped?.state === 'mapped' && mapped.cloudTransactionId !== undefined) {
      return { payload: { ...(message.payload as object), transactionId: mapped.cloudTransactionId } };
    }
    if (mapped?.state === 'dead') return { unsendable: `its StartTransaction (transaction ${message.localTransactionId}) was given up, so the cloud has no transactionId for it` };
    return { unsendable: `the cloud never assigned a transactionId for transaction ${message.localTransactionId}` };
  }

  function onAnswer(channel: Channel, message: OutboxMessage, answer: unknown): (() => void) | undefined {
    if (message.action === 'StartTransaction' && message.localTransactionId !== undefined) {
      const { transactionId, idTagInfo } = answer as StartTransactionResponse;
      const persistId = idmap.learn(message.localTransactionId, channel.name, transactionId);
      const idTag = (message.payload as { idTag: string }).idTag;
      const inTime = outbox.answered(message.seq, answer);
      if (!inTime && idTagInfo.status !== 'Accepted') void stopLateInvalid(message.localTransactionId, idTagInfo.status);
      return () => {
        persistId();
        store.upstream.idTagCache.put(idTag, idTagInfo, now().toISOString());
      };
    }
    if (message.action === 'StopTransaction') {
      const info = (answer as { idTagInfo?: IdTagInfo }).idTagInfo;
      const idTag = (message.payload as { idTag?: string }).idTag;
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
    events.emit('upstream.state', {
      online: online(),
      outboxDepth: outbox.depth,
      deadLetters: store.upstream.outbox.deadLetterCount(),
      ...(outbox.depth > 0 ? { oldestAt: store.upstream.outbox.oldestAt() } : {}),
    } as { online: boolean; outboxDepth: number; deadLetters: number; oldestAt?: string });
  }

  function addChannel(name: string, identity: string, password: string | undefined, bootPayload: () => BootNotificationRequest): void {
    const channelLog = log.child({ channel: name });
    const channel = {} as Channel;
    channel.name = name;
    channel.link = new UpstreamLink({
      url: u.url!,
      identity,
      ...(password !== undefined ? { password } : {}),
      ...(u.ca !== undefined ? { ca: u.ca } : {}),
      callTimeoutMs: u.callTimeout * 1000,
      backoff: { initialMs: u.reconnect.initialDelay * 1000, maxMs: u.reconnect.maxDelay * 1000 },
      bootPayload,
      logger: channelLog,
      handler: cloudCallHandler({
        mode,
        channel: name,
        connectors,
        chargers: () => chargersOf(name),
        commands: deps.gateway.commands,
        registry: deps.gateway.registry,
        store,
        idmap,
        onLocalListChanged: () => deps.events.emit('localList.changed', { version: store.auth.version() }),
        logger: channelLog,
        caps,
        ...(mode === 'aggregate' ? { own: ownCharger(channel) } : {}),
      }),
      onState: (state: LinkState) => {
        if (state === 'accepted') {
          announceStatuses(channel);
          channel.courier.wake();
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

  function ownCharger(channel: Channel) {
    return ownChargePoint({
      commands: deps.gateway.commands,
      chargers: () => chargersOf(channel.name),
      toCharger: (virtual) => connectors.toCharger(channel.name, virtual),
      ownKeys: () => [
        { key: 'HeartbeatInterval', readonly: true, value: String(channel.link.heartbeatIntervalS) },
        { key: 'NumberOfConnectors', readonly: true, value: String(connectors.connectorsOf(channel.name).length) },
        { key: 'TransactionMessageAttempts', readonly: true, value: String(u.transactionMessageAttempts) },
        { key: 'TransactionMessageRetryInterval', readonly: true, value: String(u.transactionMessageRetryInterval) },
        { key: 'StopTransactionOnInvalidId', readonly: true, value: String(u.stopTransactionOnInvalidId) },
        { key: 'AllowOfflineTxForUnknownId', readonly: true, value: String(u.offline.unknownIdTag === 'accept') },
        { key: 'LocalAuthListEnabled', readonly: true, value: 'true' },
        { key: 'AuthorizationCacheEnabled', readonly: true, value: 'true' },
        { key: 'SupportedFeatureProfiles', readonly: true, value: 'Core,LocalAuthListManagement,Reservation,RemoteTrigger,SmartCharging' },
      ],
      sendOwn: (message, connectorId) => {
        if (!channel.link.ready) return false;
        if (message === 'StatusNotification') announceStatuses(channel, connectorId);
        else if (message === 'Heartbeat') channel.link.call('Heartbeat', {}).catch(() => undefined);
        else channel.link.call('BootNotification', aggregateBoot()).catch(() => undefined);
        return true;
      },
    });
  }

  const aggregateBoot = (): BootNotificationRequest => ({
    chargePointVendor: 'chargegate',
    chargePointModel: 'site gateway',
    chargePointSerialNumber: u.identity!.slice(0, 25),
    firmwareVersion: deps.version.slice(0, 50),
  });

  const chargerBoot = (chargerId: string) => (): BootNotificationRequest => {
    const rec = store.chargers.get(chargerId);
    return {
      chargePointVendor: (rec?.vendor ?? 'unknown').slice(0, 20),
      chargePointModel: (rec?.model ?? 'unknown').slice(0, 20),
      ...(rec?.serialNumber ? { chargePointSerialNumber: rec.serialNumber.slice(0, 25) } : {}),
      ...(rec?.firmwareVersion ? { firmwareVersion: rec.firmwareVersion.slice(0, 50) } : {}),
    };
  };

  if (mode === 'aggregate') addChannel(u.identity!, u.identity!, u.password, aggregateBoot);
  else for (const c of config.chargers.list) addChannel(c.id, c.upstream?.identity ?? c.id, c.upstream?.password, chargerBoot(c.id));

  const online = () => channels.size > 0 && [...channels.values()].every((c) => c.link.ready);
  const linkOnline = (chargerId: string) => (channelFor(chargerId)?.link.ready ? 'online' : 'offline');

  // ---- the port the gateway calls ------------------------------------------------------------

  const port: UpstreamPort = {
    unknownIdTagOffline: u.offline.unknownIdTag,
    async authorize(chargerId, idTag) {
      const channel = channelFor(chargerId);
      if (!channel || routeFromCharger('Authorize', mode, linkOnline(chargerId)) !== 'ask-cloud') return null;
      const asked = channel.link.call<{ idTagInfo: IdTagInfo }>('Authorize', { idTag }).then((answer) => {
        // Late or not, the answer is remembered for offline use (1.6 §3.5.2).
        store.durably(() => store.upstream.idTagCache.put(idTag, answer.idTagInfo, now().toISOString())).catch(() => undefined);
        return answer.idTagInfo;
      });
      return withTimeout(asked, answerTimeoutMs).catch(() => null);
    },
    cachedIdTag(idTag) {
      const cached = store.upstream.idTagCache.get(idTag);
      return cached as IdTagInfo | undefined;
    },
    transactionStarted(session): PendingStart {
      const channel = channelFor(session.chargerId);
      if (!channel) return { cloudIdTagInfo: async () => undefined };
      idmap.open(session.transactionId, channel.name);
      const payload = {
        connectorId: connectors.toCloud(session.chargerId, session.connectorId),
        idTag: session.idTag,
        meterStart: session.meterStart,
        timestamp: session.startedAt,
        ...(session.reservationId !== undefined ? { reservationId: session.reservationId } : {}),
      };
      const seq = stage(channel, { action: 'StartTransaction', kind: 'start', payload, localTransactionId: session.transactionId });
      const answer = outbox.awaitAnswer(seq, answerTimeoutMs);
      return { cloudIdTagInfo: () => answer.then((a) => (a as StartTransactionResponse | undefined)?.idTagInfo) };
    },
    meterValues(chargerId, request, localTransactionId) {
      const channel = channelFor(chargerId);
      // Aggregate: a charger's connector 0 (its own meter) is no connector of the site's charge point.
      if (!channel || (mode === 'aggregate' && request.connectorId === 0)) return;
      const inTransaction = localTransactionId !== undefined && idmap.get(localTransactionId) !== undefined;
      const payload = { connectorId: connectors.toCloud(chargerId, request.connectorId), meterValue: request.meterValue };
      stage(channel, { action: 'MeterValues', kind: 'meter', payload, ...(inTransaction ? { localTransactionId } : {}) });
    },
    transactionStopped(chargerId, request, session) {
      const channel = channelFor(chargerId);
      if (!channel) return;
      // A session that began before the cloud was configured: its Start goes up first.
      if (!idmap.get(session.transactionId)) port.transactionStarted(session);
      const payload = {
        meterStop: request.meterStop,
        timestamp: request.timestamp,
        ...(request.idTag ? { idTag: request.idTag } : {}),
        ...(request.reason ? { reason: request.reason } : {}),
        ...(request.transactionData ? { transactionData: request.transactionData } : {}),
      };
      stage(channel, { action: 'StopTransaction', kind: 'stop', payload, localTransactionId: session.transactionId });
    },
    status(state) {
      const channel = channelFor(state.chargerId);
      if (!channel || (mode === 'aggregate' && state.connectorId === 0)) return;
      stageStatus(channel, state, state.connectorId === 0 ? 0 : connectors.toCloud(state.chargerId, state.connectorId));
    },
    booted(chargerId, info) {
      const channel = channelFor(chargerId);
      if (!channel || routeFromCharger('BootNotification', mode, linkOnline(chargerId)) !== 'local-and-mirror') return;
      channel.link.call('BootNotification', chargerBoot(chargerId)()).catch(() => undefined);
      void info;
    },
    notification(chargerId, action, payload) {
      const channel = channelFor(chargerId);
      if (!channel || routeFromCharger(action, mode, linkOnline(chargerId)) !== 'local-and-mirror') return;
      channel.link.call(action, { status: payload.status }).catch(() => undefined);
    },
    async dataTransfer(chargerId, request) {
      const channel = channelFor(chargerId);
      if (!channel || routeFromCharger('DataTransfer', mode, linkOnline(chargerId)) !== 'relay') return null;
      return withTimeout(channel.link.call('DataTransfer', request), answerTimeoutMs).catch(() => null) as never;
    },
  };

  // A charger that goes away is Unavailable to the cloud (aggregate: its virtual connectors).
  const unsubscribe = [
    events.on('charger.disconnected', ({ chargerId }) => {
      const channel = channelFor(chargerId);
      if (!channel || mode !== 'aggregate') return;
      for (const c of connectors.connectorsOf(channel.name)) if (c.chargerId === chargerId) announceStatuses(channel, c.virtual);
    }),
  ];
  let stateTimer: NodeJS.Timeout | undefined;
  let lastDepth = -1;

  return {
    mode,
    port,
    start() {
      log.info({ mode, url: u.url, channels: [...channels.keys()], queued: outbox.depth }, 'connecting to the cloud CSMS');
      caps.start();
      for (const c of channels.values()) c.link.start();
      stateTimer = setInterval(() => {
        if (outbox.depth !== lastDepth) emitState();
        lastDepth = outbox.depth;
      }, 2000);
      stateTimer.unref();
      emitState();
    },
    async stop() {
      if (stateTimer) clearInterval(stateTimer);
      caps.stop();
      for (const off of unsubscribe) off();
      for (const c of channels.values()) c.courier.stop();
      await Promise.all([...channels.values()].map((c) => c.link.stop()));
      outbox.flush();
    },
    deadLetters: (limit) => store.upstream.outbox.deadLetters(limit),
    online,
    outboxDepth: () => outbox.depth,
  };
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
