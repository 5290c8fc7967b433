/**
 * The embedded MQTT 3.1.1 broker (aedes): the only module that imports aedes. chargegate
 * publishes into it directly (no client, no socket); clients connect over TCP, and optionally
 * TLS and WebSocket. Security: users from the config (passwords kept as hashes, compared in
 * constant time), anonymous clients read-only or refused, and clients may write only command
 * topics (and Home Assistant's status topic).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../log.js';
import { writeVerdict, type Sender } from './access.js';
import type { EmbeddedOptions } from './options.js';
import type { Topics } from './topics.js';
import type { InboundMessage, MqttTransport, PublishOptions } from './transport.js';

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3. */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export interface EmbeddedBroker extends MqttTransport {
  /** Bound ports, known once start() resolved (a configured port 0 becomes a real one). */
  readonly ports: { mqtt: number; tls?: number; websocket?: number };
}

export interface EmbeddedBrokerDeps {
  options: Pick<EmbeddedOptions, 'host' | 'port' | 'tls' | 'websocket' | 'users' | 'anonymous' | 'discoveryPrefix'>;
  topics: Topics;
  logger: Logger;
}

export function createEmbeddedBroker({ options, topics, logger }: EmbeddedBrokerDeps): EmbeddedBroker {
  const log = logger.child({ component: 'mqtt-broker' });
  const users = new Map(options.users.map((u) => [u.username, { digest: digest(u.password), mayCommand: u.mayCommand }]));
  const senders = new WeakMap<Client, Sender>();
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
  const waiting: { packet: PublishPacket; done?: () => void }[] = [];
  let inFlight = 0;
  let inFlightKind = '';

  const kindOf = (packet: PublishPacket) => `${packet.retain ? 'r' : '-'}${packet.qos}`;

  function enqueue(packet: PublishPacket, done?: () => void): void {
    waiting.push(done ? { packet, done } : { packet });
    if (waiting.length === 1) release();
  }

  function release(): void {
    while (waiting.length > 0) {
      const head = waiting[0]!;
      if (!aedes || aedes.closed) {
        waiting.splice(0).forEach((entry) => entry.done?.());
        return;
      }
      const kind = kindOf(head.packet);
      if (inFlight > 0 && kind !== inFlightKind) return; // the last one of the current kind releases it
      waiting.shift();
      inFlight++;
      inFlightKind = kind;
      aedes.publish(head.packet, (err) => {
        if (err) log.warn({ topic: head.packet.topic, err: err.message }, 'MQTT publish failed');
        head.done?.();
        if (--inFlight === 0) setImmediate(release);
      });
    }
  }

  function authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthenticateError | null, success: boolean | null) => void): void {
    if (username === undefined || username === '') {
      if (options.anonymous === 'read') {
        senders.set(client, { mayCommand: false });
        return done(null, true);
      }
      return done(authError('anonymous clients are not allowed: connect with a user name and password', NOT_AUTHORIZED), false);
    }
    const user = users.get(username);
    const given = digest(password ?? Buffer.alloc(0));
    // Compare even for an unknown user, so timing does not tell which user names exist.
    const matches = timingSafeEqual(given, user?.digest ?? digest('\0unknown')) && user !== undefined;
    if (!matches) {
      log.warn({ clientId: client.id, username }, 'MQTT client refused: unknown user or wrong password');
      return done(authError('bad user name or password', BAD_USERNAME_OR_PASSWORD), false);
    }
    senders.set(client, { username, mayCommand: user.mayCommand });
    done(null, true);
  }

  function authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const verdict = writeVerdict(packet.topic, topics, options.discoveryPrefix);
    // 3.1.1 has no way to refuse a PUBLISH but closing the connection [MQTT-3.3.5-2]. A will
    // of a client that is gone (client null) has no sender left to authorize it.
    if (verdict === 'refused' || client === null) {
      log.warn({ clientId: client?.id, topic: packet.topic }, 'MQTT client wrote outside the command topics: disconnected');
      return done(new Error(`clients may write only command topics (${topics.prefix}/…/set), not ${packet.topic}`));
    }
    if (!isRetransmission(client, packet)) {
      const message: InboundMessage = { topic: packet.topic, payload: packet.payload as Buffer, retained: packet.retain, sender: senders.get(client) ?? { mayCommand: false } };
      setImmediate(() => messageListeners.forEach((listener) => listener(message)));
    }
    // Commands are never stored: a retained command would replay to every new subscriber.
    packet.retain = false;
    done(null);
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
    servers.push(server);
    return (server.address() as AddressInfo).port;
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
      const broker = await Aedes.createBroker({ authenticate, authorizePublish });
      aedes = broker;
      broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'MQTT client error'));
      broker.on('connectionError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'MQTT connection error'));
      // Persistence errors surface as 'error' (not in aedes' types); unhandled, they would end the process.
      (broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => log.error({ err: err.message }, 'MQTT broker error'));
      try {
        ports.mqtt = await listen(createServer((socket) => broker.handle(socket)), options.port, 'MQTT');
        if (options.tls) {
          const tls = createTlsServer({ cert: options.tls.cert, key: options.tls.key }, (socket) => broker.handle(socket));
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
      enqueue({ cmd: 'publish', topic, payload: Buffer.from(payload), qos, retain, dup: false });
    },
    onConnect: (listener) => void connectListeners.push(listener),
    onMessage: (listener) => void messageListeners.push(listener),
    async stop(lastWords) {
      const broker = aedes;
      if (!broker || broker.closed) return;
      if (lastWords) {
        await new Promise<void>((resolve) => enqueue({ cmd: 'publish', topic: lastWords.topic, payload: Buffer.from(lastWords.payload), qos: 1, retain: true, dup: false }, resolve));
      }
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };

  /** MQTT over WebSocket at /mqtt, subprotocol "mqtt" (what browser clients such as MQTT.js use). */
  async function listenWebSocket(broker: Aedes, port: number): Promise<number> {
    const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : false) });
    const http = createHttpServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('MQTT over WebSocket: connect to /mqtt with the mqtt subprotocol\n'));
    http.on('upgrade', (req, socket, head) => {
      if (req.url?.split('?')[0] !== '/mqtt') return void socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => broker.handle(createWebSocketStream(ws), req));
    });
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
export async function startBareAedes(): Promise<{ port: number; publish(topic: string, payload: Buffer, done: () => void): void; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    publish: (topic, payload, done) => broker.publish({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, () => done()),
    close: () => new Promise<void>((resolve) => broker.close(() => server.close(() => resolve()))),
  };
}
