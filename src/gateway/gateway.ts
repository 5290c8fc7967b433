/**
 * The gateway core: accepts chargers on the OCPP server, answers them as their central system
 * and keeps the registry current. No globals: everything it uses is passed in.
 */
import { createGuessThrottle } from '../security/guess-throttle.js';
import { recordConnections } from './connection-history.js';
import type { EventBus } from '../events.js';
import type { OcppVersion } from '../ocpp/errors.js';
import type { Logger } from '../log.js';
import { createOcppServer, type AcceptedConnection, type OcppServer, type OcppServerOptions } from '../ocpp/server.js';
import type { Store } from '../store/ports.js';
import type { AuthorizationMode } from './authorize.js';
import { createBootGuard } from './boot-guard.js';
import { createCommands, type Commands } from './commands.js';
import { createCredentialCheck, type ChargerCredential } from './credentials.js';
import type { DataTransferHandler, HandlerContext } from './handlers/context.js';
import type { LocalCaPort } from './local-ca-port.js';
import { dispatch16 } from './handlers/index.js';
import { edge201 } from './edge201/index.js';
import { createRequestPairs } from './edge201/requests.js';
import { validatorFor } from '../ocpp/validate.js';
import { createAnswerRepair, createLeniencyNotes, createRescue, type ValidationMode } from './tolerance.js';
import { createOrphanWatch } from './orphan-watch.js';
import { connectorFacts, remoteStartVerdict, type RemoteStartVerdict } from './remote-start.js';
import { registrationOf } from './registration.js';
import { Registry } from './registry.js';
import type { UpstreamPort } from './upstream-port.js';

export interface GatewayOptions {
  ocpp: {
    host: string;
    port: number;
    /** The plain ws:// listener on host:port; false: wss:// only. */
    plain: boolean;
    /** The wss:// listener (security profiles 2 and 3); file paths already resolved. */
    tls?: { host?: string | undefined; port: number; certFile: string; keyFile: string; clientCaFile?: string | undefined; reloadInterval: number } | undefined;
    path: string;
    maxFrameBytes: number;
    /** Seconds; 0 disables pings. */
    pingInterval: number;
    /** Seconds to wait for a charger's answer to a command. */
    callTimeout: number;
    /** Seconds, given to chargers in BootNotification.conf. */
    heartbeatInterval: number;
    /** Seconds a charger may stay unbooted before it is asked for a BootNotification; 0: never. */
    bootTimeout: number;
    /** Seconds a session superseded by a later start on its connector waits for its own Stop. */
    orphanGrace: number;
    /** One charger's CALLs handled at once, per second on average, and at once after a quiet spell. */
    maxCallsInFlight: number;
    callRate: number;
    callBurst: number;
    /** Wrong charger passwords one client address may present per minute (src/security/guess-throttle.ts). */
    maxAuthFailures: number;
    /** The default field tolerance (gateway/tolerance.ts); chargers.list[].validation overrides it. */
    validation: ValidationMode;
    /** false: a charger offering no Sec-WebSocket-Protocol is taken as OCPP 1.6. */
    requireSubprotocol: boolean;
  };
  chargers: {
    allowUnknown: boolean;
    /** SetNetworkProfile to 2.0.1 chargers (network-profile.ts); per charger in the list. Default false. */
    allowSetNetworkProfile?: boolean;
    list: readonly (ChargerCredential & { validation?: ValidationMode | undefined; connectors?: number; ocpp?: '1.6' | '2.0.1' | undefined; allowSetNetworkProfile?: boolean | undefined })[];
  };
  authorization: { mode: AuthorizationMode };
}

/** chargers.list[].ocpp → the subprotocol. */
const VERSION_BY_NAME: Record<string, OcppVersion> = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1' };

export interface GatewayDeps {
  options: GatewayOptions;
  store: Store;
  events: EventBus;
  logger: Logger;
  now: () => Date;
  /** Signs chargers' CSRs when the cloud does not (security.localCa); absent: SignCertificate is relayed or Rejected. */
  localCa?: LocalCaPort;
}

export interface Gateway {
  registry: Registry;
  commands: Commands;
  /** The same commands, queued on each connection ahead of everyone else's: the balancer's limits (session.ts CallOptions). */
  limitCommands: Commands;
  /** Register a DataTransfer handler for a vendorId (else chargers get UnknownVendorId). */
  onDataTransfer(vendorId: string, handler: DataTransferHandler): void;
  /** Whether a RemoteStartTransaction may go to this connector (remote-start.ts): every door asks this. */
  checkRemoteStart(chargerId: string, connectorId: number): RemoteStartVerdict;
  /** Connects the cloud upstream (before start): handlers then stage messages for it and ask it. */
  attachUpstream(port: UpstreamPort): void;
  /** Starts listening; resolves with the bound ports (plain ws:// and wss://, each when configured). */
  start(): Promise<{ plain?: number; tls?: number }>;
  stop(): Promise<void>;
  readonly server: OcppServer;
  /**
   * What each charger's session is told to do (the same the server gives every connection):
   * for driving the real handlers over an in-memory session, as `npm run fuzz` does.
   */
  readonly sessionHooks: OcppServerOptions['sessionHooks'];
}

export function createGateway({ options, store, events, logger, now, localCa }: GatewayDeps): Gateway {
  const registry = new Registry();
  const dataTransfer = new Map<string, DataTransferHandler>();
  const credentials = createCredentialCheck(options.chargers.list, options.chargers.allowUnknown);
  let upstream: UpstreamPort | undefined;
  const settings = { heartbeatInterval: options.ocpp.heartbeatInterval, authorizationMode: options.authorization.mode };
  const bootGuard = createBootGuard({ bootTimeoutMs: options.ocpp.bootTimeout * 1000 });
  const noteLeniency = createLeniencyNotes(events);
  const requests201 = createRequestPairs();
  const validationOf = (identity: string): ValidationMode => options.chargers.list.find((c) => c.id === identity)?.validation ?? options.ocpp.validation;
  const factSources = {
    registry,
    sessions: store.sessions,
    configuredConnectors: (id: string) => options.chargers.list.find((c) => c.id === id)?.connectors,
  };
  const orphans = createOrphanWatch({ store, events, logger, now, graceMs: options.ocpp.orphanGrace * 1000, upstream: () => upstream });

  // What the store remembers is shown (offline) until the chargers come back.
  for (const rec of store.chargers.list()) {
    const live = registry.ensure(rec.id);
    if (rec.protocol) live.protocol = rec.protocol;
    if (rec.vendor && rec.model && rec.lastBootAt) {
      live.boot = { vendor: rec.vendor, model: rec.model, at: rec.lastBootAt, ...(rec.firmwareVersion ? { firmwareVersion: rec.firmwareVersion } : {}), ...(rec.serialNumber ? { serialNumber: rec.serialNumber } : {}) };
    }
  }
  for (const state of store.chargers.connectors()) registry.ensure(state.chargerId).connectors.set(state.connectorId, state);
  recordConnections(events, store.statusHistory, logger);

  const tls = options.ocpp.tls;
  const sessionHooks: OcppServerOptions['sessionHooks'] = (identity, protocol, chargerLogger) => {
    const ctx: HandlerContext = { chargerId: identity, logger: chargerLogger, now, store, registry, events, settings, dataTransfer, ...(upstream ? { upstream } : {}), ...(localCa ? { localCa } : {}) };
    // A 2.0.1 charger's frames and commands are translated at its edge (edge201/); the rest is the same.
    const entry = options.chargers.list.find((c) => c.id === identity);
    const networkProfile = { allowed: entry?.allowSetNetworkProfile ?? options.chargers.allowSetNetworkProfile ?? false, securityProfile: entry?.securityProfile ?? 1 };
    const edge = protocol === 'ocpp2.0.1' ? edge201(ctx, noteLeniency, { validation: validationOf(identity), requests: requests201, networkProfile, reportIdleMs: options.ocpp.callTimeout * 1000 }) : undefined;
    const handle = edge?.handler ?? ((action: string, payload: unknown) => dispatch16(ctx, action, payload));
    const repairAnswer = createAnswerRepair({ chargerId: identity, mode: validationOf(identity), validator: validatorFor(protocol), logger: chargerLogger, note: noteLeniency });
    return {
      handler: (action, payload) => {
        registry.ensure(identity).lastMessageAtMs = now().getTime();
        return handle(action, payload);
      },
      rescue: edge?.rescue ?? createRescue({ chargerId: identity, mode: validationOf(identity), validator: validatorFor(protocol), logger: chargerLogger, store, now, note: noteLeniency }),
      ...(edge?.outboundCodec ? { outboundCodec: edge.outboundCodec } : {}),
      ...(repairAnswer ? { repairAnswer } : {}),
      onProtocolError: (info) => {
        events.emit('ocpp.error', { chargerId: identity, ...info });
        // A BootNotification answered with a CALLERROR: the charger cannot boot (issue 14 point 4).
        if (info.action === 'BootNotification' && info.direction === 'in') {
          const live = registry.ensure(identity);
          if (!live.booted) {
            live.bootRefused = { code: info.code, description: info.description, at: now().toISOString() };
            events.emit('charger.registration', { chargerId: identity, ...registrationOf(live) });
          }
        }
      },
      onCall: (action, direction) => events.emit('ocpp.call', { chargerId: identity, action, direction }),
    };
  };

  const server = createOcppServer({
    ...(options.ocpp.plain ? { plain: { host: options.ocpp.host, port: options.ocpp.port } } : {}),
    ...(tls
      ? {
          tls: {
            host: tls.host ?? options.ocpp.host,
            port: tls.port,
            certFile: tls.certFile,
            keyFile: tls.keyFile,
            ...(tls.clientCaFile !== undefined ? { clientCaFile: tls.clientCaFile } : {}),
            reloadIntervalMs: tls.reloadInterval * 1000,
          },
        }
      : {}),
    path: options.ocpp.path,
    // Newest first: a charger that offers both speaks 2.0.1 unless its entry says otherwise.
    protocols: ['ocpp2.0.1', 'ocpp1.6'],
    preferredProtocol: (identity) => VERSION_BY_NAME[options.chargers.list.find((c) => c.id === identity)?.ocpp ?? ''],
    requireSubprotocol: options.ocpp.requireSubprotocol,
    maxFrameBytes: options.ocpp.maxFrameBytes,
    pingIntervalMs: options.ocpp.pingInterval * 1000,
    callTimeoutMs: options.ocpp.callTimeout * 1000,
    inboundLimits: { maxInFlight: options.ocpp.maxCallsInFlight, ratePerSecond: options.ocpp.callRate, burst: options.ocpp.callBurst },
    logger,
    authenticate: (identity, password, transport) => credentials.authenticate(identity, password, transport),
    guesses: createGuessThrottle(options.ocpp.maxAuthFailures, () => now().getTime(), (address) =>
      logger.warn({ remoteAddress: address, perMinute: options.ocpp.maxAuthFailures }, 'too many wrong charger passwords from one address: its connections are refused with 429 for a while (ocpp.maxAuthFailures)'),
    ),
    sessionHooks,
    onOpen(conn: AcceptedConnection) {
      const live = registry.ensure(conn.identity);
      const at = now().toISOString();
      if (conn.protocolAssumed) noteLeniency(conn.identity, conn.logger, 'no-subprotocol', 'no Sec-WebSocket-Protocol offered: spoken to as OCPP 1.6 (set ocpp.requireSubprotocol to refuse it)');
      Object.assign(live, { online: true, connection: conn, protocol: conn.protocol, connectedAt: at });
      // Kept with its boot info, so the API and MQTT name its version while it is offline and after a restart.
      if (store.chargers.get(conn.identity)?.protocol !== conn.protocol) store.chargers.recordProtocol(conn.identity, conn.protocol);
      // Before anyone can send it a command: unbooted, its calls are held (boot-guard.ts).
      bootGuard.connected(conn, live, at);
      events.emit('charger.connected', { chargerId: conn.identity, protocol: conn.protocol, remoteAddress: conn.remoteAddress, at });
      events.emit('charger.registration', { chargerId: conn.identity, ...registrationOf(live) });
    },
    onClose(conn, code, reason) {
      bootGuard.disconnected(conn);
      const live = registry.ensure(conn.identity);
      if (live.connection !== conn) return;
      const at = now().toISOString();
      live.online = false;
      delete live.connection;
      delete live.awaitingBootSince;
      live.disconnectedAt = at;
      // Offline: nothing it said about power and current holds any longer (energy, a total, stays).
      registry.forgetFlows(conn.identity);
      store.chargers.touch(conn.identity, live.lastMessageAtMs !== undefined ? new Date(live.lastMessageAtMs).toISOString() : at);
      delete live.bootRefused;
      events.emit('charger.disconnected', { chargerId: conn.identity, code, reason, at });
      events.emit('charger.registration', { chargerId: conn.identity, ...registrationOf(live) });
    },
  });

  return {
    registry,
    server,
    sessionHooks,
    commands: createCommands(registry, logger),
    limitCommands: createCommands(registry, logger, { urgent: true }),
    onDataTransfer: (vendorId, handler) => void dataTransfer.set(vendorId, handler),
    checkRemoteStart: (chargerId, connectorId) => remoteStartVerdict(chargerId, connectorId, connectorFacts(factSources, chargerId, connectorId)),
    attachUpstream: (port) => {
      upstream = port;
    },
    start: () => {
      orphans.start();
      return server.listen();
    },
    stop: () => {
      orphans.stop();
      bootGuard.stop();
      return server.close();
    },
  };
}
