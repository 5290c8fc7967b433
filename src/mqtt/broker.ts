/**
 * The embedded MQTT 3.1.1 broker (aedes): the only module that imports aedes. chargegate
 * publishes into it directly (no client, no socket); clients connect over TCP, and optionally
 * TLS and WebSocket. Security: users from the config (passwords kept as hashes, compared in
 * constant time), anonymous clients read-only or refused, clients may write only command
 * topics (and Home Assistant's status topic), and only command users may read or write
 * command topics (access.ts). Robustness (issue 13): no packet larger than
 * `mqtt.maxPacketSize` is ever buffered (packet-guard.ts), no error of the broker or of a
 * client can end the process, and no flood of publishes can exhaust the stack (see `start`).
 */
import { createGuessThrottle } from '../security/guess-throttle.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { corkPerTurn } from './cork-per-turn.js';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { writeToStream } from 'mqtt-packet';
import type { Logger } from '../log.js';
import { forwardAllowed, publishDecision, subscribeDecision, type Sender } from './access.js';
import { Fifo } from './fifo.js';
import { LogLimiter } from './log-limit.js';
import type { EmbeddedOptions } from './options.js';
import { guardPacketSize } from './packet-guard.js';
import { RetainedStorePersistence } from './retained-store.js';
import type { Topics } from './topics.js';
import type { InboundMessage, MqttTransport, PublishOptions } from './transport.js';

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3. */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/**
 * chargegate's own publishes handed to aedes at once; the rest wait in order. aedes' message
 * router (mqemitter) runs at most 100 at a time and queues the others; a long queue is memory
 * nobody bounds, and it delays what clients publish. This keeps room for them.
 */
const MAX_IN_FLIGHT = 64;

/**
 * A publish that a client may not make but that MQTT 3.1.1 lets the server acknowledge and
 * drop [MQTT-3.3.5-2]: it goes to this topic instead, which no client may subscribe to, which
 * `#` and `+` never match [MQTT-4.7.2-1], and which authorizeForward never delivers.
 */
const DROPPED = '$chargegate/dropped';

/**
 * A client that stops reading its socket holds up every delivery to it, and aedes waits for
 * its socket to drain before it frees the message's slot: after this long it is disconnected
 * (aedes' default is 60 s, during which its frozen slots hold up everybody).
 */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Before a client has authenticated it may send one packet, its CONNECT [MQTT-3.1.0-1], and it
 * has this long to do so (aedes' default is 30 s). A CONNECT holds a client id, a user name, a
 * password and perhaps a will: 16 KiB is plenty, and keeps what a crowd of unauthenticated
 * sockets can make the broker hold small (mqtt.maxPacketSize applies after CONNECT).
 */
const MAX_CONNECT_BYTES = 16 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

export interface EmbeddedBroker extends MqttTransport {
  /** Bound ports, known once start() resolved (a configured port 0 becomes a real one). */
  readonly ports: { mqtt: number; tls?: number; websocket?: number };
}

export interface EmbeddedBrokerDeps {
  options: Pick<EmbeddedOptions, 'host' | 'port' | 'tls' | 'websocket' | 'users' | 'anonymous' | 'discoveryPrefix' | 'homeAssistantUser' | 'maxPacketSize' | 'maxAuthFailures'>;
  topics: Topics;
  logger: Logger;
}

export function createEmbeddedBroker({ options, topics, logger }: EmbeddedBrokerDeps): EmbeddedBroker {
  const log = logger.child({ component: 'mqtt-broker' });
  // mqtt-packet (which writes aedes' packets) builds, on its first write, a 2-byte Buffer for each
  // of the 65,536 packet ids and keeps them for the life of the process: about 7 MB of heap,
  // a tenth of what a 1,000-charger site keeps alive (a heap snapshot, issue #19). A packet id
  // written as two fresh bytes costs nothing measurable. The setting is mqtt-packet's own and global.
  writeToStream.cacheNumbers = false;
  const { maxPacketSize } = options;
  /** Refusals: once per client and kind, 20 lines a minute at most. */
  const refusalLog = new LogLimiter({ perWindow: 20, windowMs: 60_000, maxKeys: 10_000 });
  /** Errors of clients, connections, servers and the broker: 20 lines a minute at most. */
  const errorLog = new LogLimiter({ perWindow: 20, windowMs: 60_000, maxKeys: 0 });
  const now = () => performance.now();
  const users = new Map(options.users.map((u) => [u.username, { digest: digest(u.password), mayCommand: u.mayCommand }]));
  const senders = new WeakMap<Client, Sender>();
  /** Each connection's client address, for the guess throttle (aedes' Client does not carry it). */
  const addressOf = new WeakMap<object, string>();
  const guesses = createGuessThrottle(options.maxAuthFailures, now, (address) =>
    log.warn({ remoteAddress: address, perMinute: options.maxAuthFailures }, 'too many wrong MQTT passwords from one address: its CONNECTs are refused for a while (mqtt.maxAuthFailures)'),
  );
  const recentDuplicates = new WeakMap<Client, Set<number>>();
  const connectListeners: (() => void)[] = [];
  const messageListeners: ((m: InboundMessage) => void)[] = [];
  const servers: { close(cb: () => void): void }[] = [];
  const ports: { mqtt: number; tls?: number; websocket?: number } = { mqtt: 0 };
  let aedes: Aedes | undefined;
  /**
   * Publishes leave in order. aedes takes a different number of asynchronous steps for a
   * retained or a QoS 1 message (storing it, queueing it for offline sessions) than for a plain
   * QoS 0 one, so a message can overtake an earlier one of another kind; a subscriber then
   * drops the earlier one as a duplicate (its broker counter is lower): moscajs/aedes#994.
   * Messages of the same kind (retain, qos) take the same steps and stay in order, so they go
   * out together; a message of another kind waits until those are done.
   */
  const waiting = new Fifo<{ packet: PublishPacket; done?: () => void }>();
  /**
   * aedes' persistence, whose retained store is the one copy of every retained message
   * (retained-store.ts: one Map entry and a small record per topic; issue #19). aedes hands a
   * new subscriber the retained messages from a lazy, read-ahead stream over that live store: a
   * value read into the stream, then replaced by a newer one (which the subscriber gets at once,
   * live), still went out after it, so Home Assistant could show a session or a status that had
   * already changed, until the next change. authorizeForward drops such a stale retained copy
   * (isStale): the subscriber already has the newer value.
   */
  let persistence: RetainedStorePersistence | undefined;
  let inFlight = 0;
  let inFlightKind = '';
  let releasePlanned = false;

  const kindOf = (packet: PublishPacket) => `${packet.retain ? 'r' : '-'}${packet.qos}`;

  function enqueue(packet: PublishPacket, done?: () => void): void {
    waiting.push(done ? { packet, done } : { packet });
    if (waiting.length === 1 && !releasePlanned) release();
  }

  /** On a later turn of the event loop: a publish that completes at once never recurses into the next. */
  function planRelease(): void {
    if (releasePlanned || waiting.length === 0) return;
    releasePlanned = true;
    setImmediate(() => {
      releasePlanned = false;
      release();
    });
  }

  function release(): void {
    while (waiting.length > 0) {
      const head = waiting.peek()!;
      if (!aedes || aedes.closed) {
        waiting.takeAll().forEach((entry) => entry.done?.());
        return;
      }
      const kind = kindOf(head.packet);
      if (inFlight > 0 && kind !== inFlightKind) return; // the last one of the current kind releases it
      if (inFlight >= MAX_IN_FLIGHT) return; // the next one to complete releases it
      waiting.take();
      inFlight++;
      inFlightKind = kind;
      aedes.publish(head.packet, (err) => {
        if (err) logError('MQTT publish failed', { topic: head.packet.topic, err: err.message }, 'warn');
        try {
          head.done?.();
        } finally {
          inFlight--;
          planRelease();
        }
      });
    }
  }

  /** An error a client or the network can cause as often as it likes: logged, rate-limited. */
  function logError(message: string, fields: Record<string, unknown>, level: 'debug' | 'warn' | 'error' = 'warn'): void {
    // A line that would not be written must not use up the budget of those that would.
    if (!log.isLevelEnabled(level)) return;
    const suppressed = errorLog.take(undefined, now());
    if (suppressed === undefined) return;
    log[level]({ ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
  }

  /** A refusal, logged once per client and kind (20 a minute at most, whatever the clients do). */
  function logRefusal(client: Client | null, kind: string, fields: Record<string, unknown>, message: string, username = client ? senders.get(client)?.username : undefined): void {
    const suppressed = refusalLog.take(`${kind}\u0000${username ?? ''}\u0000${client?.id ?? ''}`, now());
    if (suppressed === undefined) return;
    log.warn({ clientId: client?.id, username, kind, ...fields, ...(suppressed > 0 ? { suppressed } : {}) }, message);
  }

  /**
   * A hook aedes calls from its packet handlers: a throw there would escape from a socket's
   * 'readable' event and end the process, so it becomes a refusal instead.
   */
  function guarded<F extends (...args: any[]) => void>(name: string, hook: F): F {
    return ((...args: unknown[]) => {
      const done = args.at(-1) as (...result: unknown[]) => void;
      let called = false;
      const once = (...result: unknown[]) => {
        if (called) return;
        called = true;
        done(...result);
      };
      try {
        hook(...args.slice(0, -1), once);
      } catch (err) {
        logError('MQTT broker hook failed', { hook: name, err: (err as Error).message }, 'error');
        once(new Error(`${name} failed`), null);
      }
    }) as F;
  }

  function authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void {
    if (username === undefined || username === '') {
      if (options.anonymous === 'read') {
        senders.set(client, { mayCommand: false });
        return done(null, true);
      }
      return done(authError('anonymous clients are not allowed: connect with a user name and password', NOT_AUTHORIZED), false);
    }
    // An address out of guesses is refused before its password is looked at, the right one too:
    // a guesser must not learn which guess was right (docs/security.md).
    const address = addressOf.get(client.conn) ?? '';
    if (guesses.waitMs(address) > 0) {
      logRefusal(client, 'guessing', { remoteAddress: address }, 'MQTT client refused: too many wrong passwords from its address (mqtt.maxAuthFailures)', username);
      return done(authError('too many wrong passwords from this address; try again later', NOT_AUTHORIZED), false);
    }
    const user = users.get(username);
    const given = digest(password ?? Buffer.alloc(0));
    // Compare even for an unknown user, so timing does not tell which user names exist.
    const matches = timingSafeEqual(given, user?.digest ?? digest('\0unknown')) && user !== undefined;
    if (!matches) {
      // Guessing passwords is one more thing a client may repeat at will: rate-limited too.
      guesses.failed(address);
      logRefusal(client, 'authentication', {}, 'MQTT client refused: unknown user or wrong password', username);
      return done(authError('bad user name or password', BAD_USERNAME_OR_PASSWORD), false);
    }
    senders.set(client, { username, mayCommand: user.mayCommand });
    done(null, true);
  }

  function authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    // A will of a client that is gone (client null) has no sender left to authorize it.
    if (client === null) {
      logRefusal(null, 'will', { topic: packet.topic }, 'MQTT will of a client that is gone: not published');
      return done(new Error('a will without its client is not published'));
    }
    const sender = senders.get(client) ?? { mayCommand: false };
    const decision = publishDecision(packet.topic, sender, topics, options.discoveryPrefix, options.homeAssistantUser);
    if (decision.action === 'disconnect') {
      // 3.1.1 has no way to refuse a PUBLISH but closing the connection or dropping it [MQTT-3.3.5-2].
      logRefusal(client, 'write', { topic: packet.topic }, 'MQTT client wrote outside the command topics: disconnected');
      return done(new Error(decision.reason));
    }
    // Commands and birth messages are never stored: a retained command would replay to every new
    // subscriber. chargegate still learns that it was sent retained, and refuses to act on it.
    const retained = packet.retain;
    packet.retain = false;
    if (decision.action === 'drop') {
      logRefusal(client, decision.kind, { topic: packet.topic, reason: decision.reason }, 'MQTT publish refused: acknowledged and dropped (not delivered, not acted on)');
      packet.topic = DROPPED;
      return done(null);
    }
    if (!isRetransmission(client, packet)) {
      const message: InboundMessage = { topic: packet.topic, payload: packet.payload as Buffer, retained, sender };
      setImmediate(() => {
        for (const listener of messageListeners) {
          try {
            listener(message);
          } catch (err) {
            logError('MQTT message handler failed', { topic: message.topic, err: (err as Error).message }, 'error');
          }
        }
      });
    }
    done(null);
  }

  function authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
    const topic = typeof subscription?.topic === 'string' ? subscription.topic : '';
    const sender = senders.get(client) ?? { mayCommand: false };
    const decision = topic.startsWith(DROPPED.split('/')[0]!) ? { action: 'refuse' as const, kind: 'system-topics' as const, reason: `${topic} is reserved` } : subscribeDecision(topic, sender);
    if (decision.action === 'accept') return done(null, subscription);
    logRefusal(client, decision.kind, { filter: topic, reason: decision.reason }, 'MQTT subscription refused (SUBACK 0x80)');
    // A null subscription is answered with the Failure return code 0x80 (3.1.1 §3.9.3).
    done(null, null);
  }

  function authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    if (packet.topic === DROPPED) return null;
    if (packet.retain && isStale(packet)) return null;
    return forwardAllowed(packet.topic, senders.get(client), topics) ? packet : null;
  }

  /**
   * A retained copy (handed out at a SUBSCRIBE) of a value replaced or cleared since it was read:
   * the store now holds another message for the topic, or none. aedes builds the packet it
   * delivers from the one the store's stream yielded, payload included, so "the same message"
   * is "the same payload": equal strings (chargegate's own), the same Buffer (a client's).
   * A packet with an empty payload is a removal passing live (the store never holds one).
   */
  function isStale(packet: AedesPublishPacket): boolean {
    if (!persistence || packet.payload.length === 0) return false;
    return !persistence.isCurrent(packet.topic, packet.payload);
  }

  /** A QoS 1/2 PUBLISH resent with DUP set, whose first copy was already handed on [MQTT-3.3.1-1]. */
  function isRetransmission(client: Client, packet: PublishPacket): boolean {
    if (packet.qos === 0 || packet.messageId === undefined) return false;
    let recent = recentDuplicates.get(client);
    if (!recent) recentDuplicates.set(client, (recent = new Set()));
    const seen = packet.dup && recent.has(packet.messageId);
    recent.add(packet.messageId);
    if (recent.size > 64) recent.delete(recent.values().next().value!);
    return seen;
  }

  async function listen(server: Server | HttpServer | TlsServer, port: number, what: string): Promise<number> {
    server.listen(port, options.host);
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([err]) => Promise.reject(withContext(err as Error, what, port)))]);
    // Later errors (EMFILE when accepting, …) would end the process with no listener.
    server.on('error', (err: Error) => logError('MQTT listener error', { listener: what, err: err.message }, 'error'));
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  /** Every connection, whatever its transport, enters the broker here, behind the packet size guard. */
  function accept(broker: Aedes, conn: Parameters<Aedes['handle']>[0], remoteAddress: string | undefined, req?: Parameters<Aedes['handle']>[1]): void {
    if (remoteAddress !== undefined) addressOf.set(conn, remoteAddress);
    guardPacketSize(conn, { maxBytes: maxPacketSize, maxConnectBytes: MAX_CONNECT_BYTES }, (verdict) => {
      const fields = 'tooLarge' in verdict ? { declared: verdict.tooLarge, limit: maxPacketSize, connectLimit: MAX_CONNECT_BYTES } : { problem: verdict.malformed };
      logError('MQTT packet over mqtt.maxPacketSize (or malformed): connection closed before reading it', { remoteAddress, ...fields }, 'warn');
    });
    // An error on a socket aedes has not taken yet, or after it let go, must not be unhandled.
    conn.on('error', () => undefined);
    // TCP and TLS clients: a turn's packets in one write (cork-per-turn.ts).
    if (conn instanceof Socket) corkPerTurn(conn);
    try {
      broker.handle(conn, req);
    } catch (err) {
      logError('MQTT connection could not be set up', { remoteAddress, err: (err as Error).message }, 'error');
      conn.destroy();
    }
  }

  function withContext(err: Error, what: string, port: number): Error {
    const e = err as NodeJS.ErrnoException;
    const wrapped = new Error(`the embedded MQTT broker cannot listen for ${what} on ${options.host}:${port}: ${e.code ?? e.message}`) as NodeJS.ErrnoException;
    if (e.code) wrapped.code = e.code;
    return wrapped;
  }

  return {
    ports,
    get connected() {
      return aedes !== undefined && !aedes.closed;
    },
    async start() {
      persistence = new RetainedStorePersistence();
      const broker = await Aedes.createBroker({
        persistence,
        authenticate: guarded('authenticate', authenticate),
        authorizePublish: guarded('authorizePublish', authorizePublish),
        authorizeSubscribe: guarded('authorizeSubscribe', authorizeSubscribe),
        authorizeForward: (client, packet) => {
          try {
            return authorizeForward(client, packet);
          } catch (err) {
            logError('MQTT broker hook failed', { hook: 'authorizeForward', err: (err as Error).message }, 'error');
            return null;
          }
        },
        drainTimeout: DRAIN_TIMEOUT_MS,
        connectTimeout: CONNECT_TIMEOUT_MS,
      });
      aedes = broker;
      // aedes closes the connection of a client that errs and says so here; a flood of them is rate-limited.
      broker.on('clientError', (client, err) => logError('MQTT client error: disconnected', { clientId: client?.id, err: err?.message }, 'debug'));
      broker.on('connectionError', (client, err) => logError('MQTT connection error: disconnected', { clientId: client?.id, err: err?.message }, 'debug'));
      // Persistence errors surface as 'error' (not in aedes' types); unhandled, they would end the process.
      (broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => logError('MQTT broker error', { err: err?.message }, 'error'));
      // aedes' router (mqemitter) runs a queued message as soon as the one before it is done,
      // and a message that no listener defers (no subscriber, or only a `#` subscriber that
      // skips `$` topics) is done at once: a queue of tens of thousands then ran down in one
      // synchronous chain, "Maximum call stack size exceeded", thrown from a timer where no one
      // can catch it, and the whole gateway ended (issue 13). A listener on every topic that
      // answers on the next turn of the event loop makes every message asynchronous, so the
      // stack never grows with the queue. (`#` matches `$` topics inside the router: only
      // subscriptions apply [MQTT-4.7.2-1].)
      (broker as unknown as { mq: { on(topic: string, listener: (packet: unknown, done: () => void) => void): void } }).mq.on('#', (_packet, done) => void setImmediate(done));
      try {
        ports.mqtt = await listen(createServer((socket) => accept(broker, socket, socket.remoteAddress)), options.port, 'MQTT');
        if (options.tls) {
          const tls = createTlsServer({ cert: options.tls.cert, key: options.tls.key }, (socket) => accept(broker, socket, socket.remoteAddress));
          // A failed handshake destroys the socket; it is worth a (rate-limited) line, never an exception.
          tls.on('tlsClientError', (err: Error, socket) => logError('MQTT TLS handshake failed', { remoteAddress: socket.remoteAddress, err: err.message }, 'debug'));
          ports.tls = await listen(tls, options.tls.port, 'MQTT over TLS');
        }
        if (options.websocket) ports.websocket = await listenWebSocket(broker, options.websocket.port);
      } catch (err) {
        await this.stop();
        throw err;
      }
      connectListeners.forEach((listener) => listener());
    },
    publish(topic: string, payload: string, { qos, retain }: PublishOptions) {
      if (!aedes || aedes.closed) return;
      // The string itself goes to aedes (mqtt-packet writes a string payload as UTF-8) and into
      // its retained store: no copy. A `Buffer.from` copy of a small payload is a slice of
      // Node's shared 8 KiB pool, and each retained one (27 state values and 33 discovery
      // configs per charger) kept its whole slab alive: about 25 MB of slabs at 1,000
      // chargers, plus a Buffer object per topic (docs/performance.md, issue #19).
      enqueue({ cmd: 'publish', topic, payload, qos, retain, dup: false });
    },
    onConnect: (listener) => void connectListeners.push(listener),
    onMessage: (listener) => void messageListeners.push(listener),
    async stop(lastWords) {
      const broker = aedes;
      if (!broker || broker.closed) return;
      if (lastWords) {
        await new Promise<void>((resolve) => enqueue({ cmd: 'publish', topic: lastWords.topic, payload: lastWords.payload, qos: 1, retain: true, dup: false }, resolve));
      }
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };

  /** MQTT over WebSocket at /mqtt, subprotocol "mqtt" (what browser clients such as MQTT.js use). */
  async function listenWebSocket(broker: Aedes, port: number): Promise<number> {
    // A WebSocket message is buffered whole before it is handed on: the same limit applies to
    // it (one MQTT packet per message, as MQTT.js sends; a fixed header is at most 5 bytes).
    const wss = new WebSocketServer({ noServer: true, maxPayload: maxPacketSize + 5, handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : false) });
    const http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect to /mqtt with the mqtt subprotocol\n'));
    http.on('upgrade', (req, socket, head) => {
      socket.on('error', () => undefined);
      if (req.url?.split('?')[0] !== '/mqtt') return void socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => accept(broker, createWebSocketStream(ws), req.socket.remoteAddress, req));
    });
    wss.on('error', (err: Error) => logError('MQTT WebSocket error', { err: err.message }, 'error'));
    servers.push({ close: (cb) => wss.close(() => cb()) });
    return listen(http, port, 'MQTT over WebSocket');
  }
}

function digest(secret: string | Buffer): Buffer {
  return createHash('sha256').update(secret).digest();
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * The bench's baseline: a bare aedes broker (no authentication, no ordering queue) on a
 * loopback port, and its publish function, so `npm run bench` can compare chargegate's MQTT
 * path with the most aedes can do on the same machine in the same run.
 */
export async function startBareAedes(): Promise<{ port: number; publish(topic: string, payload: Buffer, done: () => void, retain?: boolean): void; onSubscribe(listener: (topics: string[], clientId: string) => void): void; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    publish: (topic, payload, done, retain = false) => broker.publish({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false }, () => done()),
    onSubscribe: (listener) => void broker.on('subscribe', (subscriptions, client) => listener(subscriptions.map((s) => s.topic), client?.id ?? '')),
    close: () => new Promise<void>((resolve) => broker.close(() => server.close(() => resolve()))),
  };
}
