/**
 * The OCPP-J endpoint chargers connect to: HTTP upgrade, identity from the URL, subprotocol
 * negotiation, Basic auth, pings, and one OcppSession per connection. It listens on plain ws://
 * (security profile 1), on wss:// (profiles 2 and 3, ocpp/tls-listener.ts), or both side by
 * side while chargers migrate; one upgrade handler serves both and tells the owner which
 * transport (and which client certificate) a connection came with.
 * It knows nothing of the gateway: what to answer comes from the callbacks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../log.js';
import type { OcppVersion } from './errors.js';
import type { GuessThrottle } from '../security/guess-throttle.js';
import { basicAuthPassword, chooseSubprotocol, identityFromPath } from './identity.js';
import type { InboundLimits } from './inbound-gate.js';
import { clip, createLogBudget } from './log-budget.js';
import { OcppSession, type SessionOptions } from './session.js';
import { createTlsListener, type TlsListener, type TlsListenerOptions } from './tls-listener.js';

/**
 * Why a charger was refused, for the installer's log (issue 14 point 7). The charger itself is
 * told only "authentication failed" for the auth kinds, so probing learns nothing.
 */
export type RefusalKind = 'bad-path' | 'bad-id' | 'bad-subprotocol' | 'no-subprotocol' | 'unknown-id' | 'missing-password' | 'wrong-password' | 'security-profile' | 'too-many-failures';

/** `security-profile`: the charger's securityProfile was not met (plain ws:// for 2 or 3, no or a wrong client certificate for 3). */
export type AuthDecision = { ok: true } | { ok: false; status: 401 | 403 | 404; reason: string; refusal: Extract<RefusalKind, 'unknown-id' | 'missing-password' | 'wrong-password' | 'security-profile'> };

/** The client certificate a charger presented on wss:// (only asked for when a client CA is set). */
export interface ClientCertificate {
  /** It chains to the configured client CA and is within its validity. */
  trusted: boolean;
  /** Why it is not trusted (OpenSSL's code, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED). */
  error?: string;
  /** The subject's commonName: the charge point's identity (1.6 security whitepaper, profile 3). */
  commonName?: string;
  fingerprint256: string;
}

/** How a connection reached us: plain ws://, or wss:// with or without a client certificate. */
export type Transport = { secure: false } | { secure: true; clientCertificate?: ClientCertificate };

/** What the owner wants for each new connection's session. */
export type SessionHooks = Pick<SessionOptions, 'handler' | 'rescue' | 'onProtocolError' | 'onCall' | 'outboundCodec' | 'repairAnswer'>;

export interface AcceptedConnection {
  identity: string;
  protocol: OcppVersion;
  /** The charger offered no Sec-WebSocket-Protocol and is spoken to as OCPP 1.6 (requireSubprotocol off). */
  protocolAssumed: boolean;
  remoteAddress: string;
  /** The address of chargegate the charger reached (its network can reach chargegate's other ports there too). */
  localAddress?: string;
  /** Came over wss:// (TLS). */
  secure: boolean;
  session: OcppSession;
  logger: Logger;
  close(code?: number, reason?: string): void;
}

export interface OcppServerOptions {
  /** The plain ws:// listener; undefined: none (every charger uses wss://). */
  plain?: { host: string; port: number };
  /** The wss:// listener and its certificate files; undefined: none. */
  tls?: { host: string; port: number } & TlsListenerOptions;
  path: string;
  /** Server preference order (OCPP-J 1.6 §3.1.2, OCPP-J 2.0.1 §3.2): newest first. */
  protocols: readonly OcppVersion[];
  /**
   * The version one charger should be spoken to in when it offers several (its config entry);
   * undefined: the server's order. A charger that offers only another supported one gets that.
   */
  preferredProtocol?(identity: string): OcppVersion | undefined;
  /**
   * false: a charger that offers no Sec-WebSocket-Protocol at all (Grizzl-E, older 1.6
   * firmware) is taken as OCPP 1.6 instead of refused. One that offers only others is refused.
   */
  requireSubprotocol: boolean;
  maxFrameBytes: number;
  pingIntervalMs: number;
  callTimeoutMs: number;
  /** How many of one charger's CALLs are handled at once and how fast (ocpp/inbound-gate.ts). */
  inboundLimits: InboundLimits;
  logger: Logger;
  authenticate(identity: string, password: Buffer | null, transport: Transport): AuthDecision;
  /** Wrong passwords per client address (ocpp.maxAuthFailures a minute, src/security/guess-throttle.ts). */
  guesses?: GuessThrottle;
  sessionHooks(identity: string, protocol: OcppVersion, logger: Logger): SessionHooks;
  onOpen(connection: AcceptedConnection): void;
  onClose(connection: AcceptedConnection, code: number, reason: string): void;
}

export interface OcppServer {
  /** Starts listening; resolves with the bound ports (useful with port 0), one per listener. */
  listen(): Promise<{ plain?: number; tls?: number }>;
  close(): Promise<void>;
  readonly connections: ReadonlyMap<string, AcceptedConnection>;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 426: 'Upgrade Required', 429: 'Too Many Requests' };

/** Frames above the configured limit get a CALLERROR; far above it, ws closes the socket (1009). */
const HARD_LIMIT_FACTOR = 4;

export function createOcppServer(opts: OcppServerOptions): OcppServer {
  const log = opts.logger;
  const connections = new Map<string, AcceptedConnection>();
  /** Marks a connection as replaced, so its later close event is not reported twice. */
  const replacers = new WeakMap<AcceptedConnection, () => void>();
  /**
   * Whether a frame or a pong came since the last ping, per socket. An object per connection
   * that its listeners hold, so a frame sets a field instead of a WeakMap entry (issue #19).
   */
  const liveness = new WeakMap<WebSocket, { alive: boolean }>();
  const chosen = new WeakMap<IncomingMessage, string>();
  const refusalLog = createLogBudget(5, 60_000);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(opts.maxFrameBytes * HARD_LIMIT_FACTOR, 1 << 20),
    // Echo the charger's own spelling of the chosen protocol ("OCPP1.6"): a client accepts
    // only a token it offered (RFC 6455 §4.1), and the choice itself is case-insensitive.
    handleProtocols: (offered, req) => {
      const protocol = chosen.get(req)?.toLowerCase();
      return [...offered].find((o) => o.toLowerCase() === protocol) ?? false;
    },
    perMessageDeflate: false,
  });
  const notWebSocket = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
    res.end(`chargegate OCPP endpoint: connect with a WebSocket to ${opts.path}/<chargerId>\n`);
  };
  const listeners: { server: Server; host: string; port: number; kind: 'plain' | 'tls' }[] = [];
  if (opts.plain) listeners.push({ server: createServer(notWebSocket), ...opts.plain, kind: 'plain' });
  let tls: TlsListener | undefined;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const remoteAddress = req.socket.remoteAddress ?? '';
    // One log line per refusal, its `refusal` field saying which kind (RefusalKind); the
    // charger gets `told`, which for a failed authentication does not say why.
    const refuse = (status: number, refusal: RefusalKind, told: string, extra: Record<string, string> = {}, logged: Record<string, unknown> = {}) => {
      // Truncated and at most a few lines per source a minute: a flood of bad upgrades must not
      // fill the disk. Failed logins have their own budget, so a flood of bad paths cannot hide them.
      const auth = status === 401;
      const budget = refusalLog.take(auth ? `auth ${remoteAddress}` : remoteAddress, Date.now());
      if (budget.suppressed > 0) log.warn({ remoteAddress, suppressed: budget.suppressed }, 'more connections from this address were refused and not logged');
      if (budget.log) log.warn({ status, refusal, ...logged, reason: clip(String(logged.reason ?? told)), url: clip(req.url), remoteAddress }, auth ? 'authentication failed' : 'connection refused');
      const body = told + '\n';
      const headers = { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...extra };
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
    };
    const id = identityFromPath(req.url ?? '', opts.path);
    if (!id.ok) return id.reason.startsWith('path') ? refuse(404, 'bad-path', id.reason) : refuse(400, 'bad-id', id.reason);
    const identity = id.identity;
    const offered = req.headers['sec-websocket-protocol'];
    const none = offered === undefined || offered.trim() === '';
    const preferred = opts.preferredProtocol?.(identity);
    const order = preferred && opts.protocols.includes(preferred) ? [preferred, ...opts.protocols.filter((p) => p !== preferred)] : opts.protocols;
    let protocol = chooseSubprotocol(offered, order) as OcppVersion | null;
    if (!protocol && none && !opts.requireSubprotocol && opts.protocols.includes('ocpp1.6')) {
      // OCPP-J 1.6 §3.1.2 requires the header, yet Grizzl-E and older 1.6 firmware send none.
      // Nothing is echoed back: RFC 6455 §4.2.2 lets a server answer with a subprotocol only
      // from the client's list (ws then sends no header). A blank header would make ws refuse
      // the handshake as malformed, so it is dropped like an absent one.
      delete req.headers['sec-websocket-protocol'];
      protocol = 'ocpp1.6';
    }
    if (!protocol) {
      const supported = `supported: ${opts.protocols.join(', ')}`;
      return none
        ? refuse(400, 'no-subprotocol', `no supported OCPP subprotocol offered in Sec-WebSocket-Protocol (${supported})`, {}, { chargerId: identity, reason: `no Sec-WebSocket-Protocol header (ocpp.requireSubprotocol is on; ${supported})` })
        : refuse(400, 'bad-subprotocol', `no supported OCPP subprotocol offered in Sec-WebSocket-Protocol (${supported})`, {}, { chargerId: identity, offered: clip(offered) });
    }
    // An address out of password guesses is refused before its password is looked at, the
    // right one too: a guesser must not learn which guess was right (docs/security.md).
    const wait = opts.guesses?.waitMs(remoteAddress) ?? 0;
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return refuse(429, 'too-many-failures', 'too many failed logins from this address', { 'Retry-After': String(seconds) }, { chargerId: identity, reason: `more than ocpp.maxAuthFailures wrong passwords a minute from this address: refused for ${seconds} s` });
    }
    const transport = transportOf(req.socket as TLSSocket);
    const password = basicAuthPassword(req.headers.authorization, identity);
    const decision = opts.authenticate(identity, password, transport);
    if (!decision.ok) {
      if (decision.refusal === 'wrong-password') opts.guesses?.failed(remoteAddress);
      // The log says why (unknown id, missing or wrong password, profile 2 over plain ws://, a
      // certificate for another charger); the charger is told only that it failed, so probing
      // cannot learn which charger ids exist or how they are configured.
      // ("credentials", not "authorization": the logger redacts that key, and this holds no secret.)
      const credentials = req.headers.authorization === undefined ? 'absent' : password === null ? `not Basic credentials for ${identity}` : 'Basic';
      return refuse(decision.status, decision.refusal, 'authentication failed', decision.status === 401 ? { 'WWW-Authenticate': 'Basic realm="chargegate"' } : {}, { chargerId: identity, reason: decision.reason, credentials, secure: transport.secure });
    }
    chosen.set(req, protocol);
    const assumed = none;
    const localAddress = req.socket.localAddress;
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, identity, protocol, remoteAddress, assumed, transport.secure, localAddress));
  };

  function accept(ws: WebSocket, identity: string, protocol: OcppVersion, remoteAddress: string, protocolAssumed: boolean, secure: boolean, localAddress?: string): void {
    const logger = log.child({ chargerId: identity });
    let replaced = false;
    const previous = connections.get(identity);
    const hooks = opts.sessionHooks(identity, protocol, logger);
    const session = new OcppSession({
      ...hooks,
      version: protocol,
      role: 'central',
      logger,
      callTimeoutMs: opts.callTimeoutMs,
      maxFrameBytes: opts.maxFrameBytes,
      socket: { send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason), pause: () => ws.pause(), resume: () => ws.resume() },
      inboundLimits: opts.inboundLimits,
    });
    const connection: AcceptedConnection = {
      identity,
      protocol,
      protocolAssumed,
      remoteAddress,
      ...(localAddress ? { localAddress } : {}),
      secure,
      session,
      logger,
      close: (code = 1000, reason = '') => ws.close(code, reason),
    };
    replacers.set(connection, () => {
      replaced = true;
    });
    if (previous) {
      // The charger reconnected before we noticed the old socket die: the newest wins, and the
      // old one is closed as "replaced" before the new one is announced, so listeners never
      // see the new connection go away.
      logger.info('a new connection with the same identity replaces the old one');
      replacers.get(previous)?.();
      previous.session.closed('replaced by a new connection');
      previous.close(1000, 'replaced by a new connection');
      opts.onClose(previous, 1000, 'replaced by a new connection');
    }
    connections.set(identity, connection);
    const live = { alive: true };
    liveness.set(ws, live);
    ws.on('pong', () => {
      live.alive = true;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      live.alive = true;
      if (isBinary) logger.debug('binary frame received; read as UTF-8 text');
      session.receive(data.toString('utf8'));
    });
    ws.on('error', (err) => logger.warn({ err }, 'websocket error'));
    ws.on('close', (code: number, reasonBuf: Buffer) => {
      const reason = reasonBuf.toString();
      session.closed(reason || `closed (${code})`);
      if (replaced) return;
      if (connections.get(identity) === connection) connections.delete(identity);
      logger.info({ code, reason }, 'charger disconnected');
      opts.onClose(connection, code, reason);
    });
    logger.info({ protocol, remoteAddress, tls: secure }, 'charger connected');
    opts.onOpen(connection);
  }

  let pinger: NodeJS.Timeout | null = null;
  if (opts.pingIntervalMs > 0) {
    pinger = setInterval(() => {
      for (const ws of wss.clients) {
        let live = liveness.get(ws);
        if (!live) liveness.set(ws, (live = { alive: true }));
        if (!live.alive) {
          // No pong and no frame since the last ping: the TCP connection is dead.
          ws.terminate();
          continue;
        }
        live.alive = false;
        ws.ping();
      }
    }, opts.pingIntervalMs);
    pinger.unref();
  }

  return {
    connections,
    listen: async () => {
      if (opts.tls && !tls) {
        // The files are read here rather than at creation, so a file gone since the config was
        // checked fails the start with its name, like a busy port.
        tls = createTlsListener(opts.tls, log, notWebSocket);
        listeners.push({ server: tls.server, host: opts.tls.host, port: opts.tls.port, kind: 'tls' });
      }
      const ports: { plain?: number; tls?: number } = {};
      for (const l of listeners) {
        l.server.on('upgrade', onUpgrade);
        ports[l.kind] = await listenOn(l.server, l.port, l.host);
      }
      return ports;
    },
    close: async () => {
      if (pinger) clearInterval(pinger);
      for (const ws of wss.clients) ws.close(1001, 'chargegate is shutting down');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 2000);
        force.unref();
        wss.close(() => {
          clearTimeout(force);
          resolve();
        });
      });
      tls?.stopWatching();
      for (const { server } of listeners) {
        server.closeAllConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Plain or TLS, and the client certificate when one was asked for and given. */
function transportOf(socket: TLSSocket): Transport {
  if (socket.encrypted !== true) return { secure: false };
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return { secure: true };
  const cn = peer.subject?.CN;
  return {
    secure: true,
    clientCertificate: {
      trusted: socket.authorized,
      ...(socket.authorizationError ? { error: String(socket.authorizationError) } : {}),
      // Several CNs in one subject name nobody in particular: treated as none.
      ...(typeof cn === 'string' ? { commonName: cn } : {}),
      fingerprint256: peer.fingerprint256,
    },
  };
}
