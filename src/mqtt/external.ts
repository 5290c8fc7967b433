/**
 * A connection to an external broker (Mosquitto, EMQX, Home Assistant's add-on) through
 * MQTT.js. The last will marks chargegate offline when the connection dies; MQTT.js reconnects
 * every second.
 *
 * It speaks MQTT 5 for one reason: a retained command must never be carried out, and in MQTT
 * 3.1.1 a subscriber cannot tell one. The broker clears the retain flag on messages it forwards
 * to existing subscriptions [MQTT-3.3.1-9] and sets it only when it replays its retained store
 * [MQTT-3.3.1-8]; so a command published retained while chargegate is connected would arrive
 * looking like any other, be carried out, and stay on the broker to replay later. MQTT 5's
 * "Retain As Published" subscription option [MQTT-3.3.1-12] keeps the publisher's flag. A broker
 * that refuses MQTT 5 (CONNACK 0x01, unacceptable protocol version) gets MQTT 3.1.1, with a
 * warning: a retained command is then still refused when it is replayed, not when it is sent.
 */
import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import type { ExternalOptions } from './options.js';
import type { InboundMessage, MqttTransport, PublishOptions } from './transport.js';

export interface ExternalBrokerDeps {
  options: Pick<ExternalOptions, 'url' | 'username' | 'password' | 'clientId' | 'ca'>;
  /** Topics to subscribe to at every connect: the command topics and Home Assistant's status. */
  subscriptions: string[];
  /** The availability topic: the last will publishes "offline" there. */
  statusTopic: string;
  logger: Logger;
  reconnectMs?: number;
}

export function createExternalBroker({ options, subscriptions, statusTopic, logger, reconnectMs = 1000 }: ExternalBrokerDeps): MqttTransport {
  const log = logger.child({ component: 'mqtt-client', broker: redactUrl(options.url) });
  const connectListeners: (() => void)[] = [];
  const messageListeners: ((m: InboundMessage) => void)[] = [];
  let client: MqttClient | undefined;
  let everConnected = false;
  let protocolVersion: 4 | 5 = 5;

  function connectClient(): void {
    const clientOptions: IClientOptions = {
      protocolVersion,
      clientId: options.clientId ?? `chargegate-${randomBytes(4).toString('hex')}`,
      clean: true,
      reconnectPeriod: reconnectMs,
      connectTimeout: 10_000,
      // Telemetry while disconnected is not queued: the retained state is republished on connect.
      queueQoSZero: false,
      // No cache of 65,536 packet-id Buffers in mqtt-packet (about 7 MB of heap; broker.ts).
      writeCache: false,
      will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
    };
    const c = connect(options.url, clientOptions);
    client = c;
    c.on('connect', () => {
      // A CONNACK that arrives while stop() ends this client (or after it was replaced): the
      // gateway is going, its store may be closed already; nothing is started on it.
      if (client !== c) return;
      log.info(everConnected ? 'reconnected to the MQTT broker' : 'connected to the MQTT broker');
      everConnected = true;
      c.subscribe(subscriptions, { qos: 1, ...(protocolVersion === 5 ? { rap: true } : {}) }, (err) => {
        if (err) log.error({ err: err.message }, 'MQTT subscribe failed: commands will not be received');
      });
      connectListeners.forEach((listener) => listener());
    });
    c.on('message', (topic, payload, packet) => {
      // MQTT 5 with Retain As Published: retain is the publisher's flag, also on a live message;
      // MQTT 3.1.1: set only on messages from the broker's retained store [MQTT-3.3.1-8].
      const message: InboundMessage = { topic, payload, retained: packet.retain };
      for (const listener of messageListeners) {
        try {
          listener(message);
        } catch (err) {
          log.error({ topic, err: (err as Error).message }, 'MQTT message handler failed');
        }
      }
    });
    c.on('offline', () => log.warn('MQTT broker unreachable; retrying'));
    // Connection errors carry no secrets (MQTT.js does not put passwords in messages).
    c.on('error', (err) => {
      if (protocolVersion === 5 && isUnsupportedVersion(err) && !everConnected) {
        log.warn('the MQTT broker does not speak MQTT 5: using MQTT 3.1.1, where a command published retained while chargegate is connected cannot be told apart (it is refused when the broker replays it)');
        protocolVersion = 4;
        client = undefined;
        c.end(true);
        connectClient();
        return;
      }
      log.warn({ err: err.message }, 'MQTT connection error');
    });
  }

  return {
    get connected() {
      return client?.connected ?? false;
    },
    async start() {
      connectClient();
    },
    publish(topic: string, payload: string, { qos, retain }: PublishOptions) {
      if (!client?.connected) return;
      client.publish(topic, payload, { qos, retain }, (err) => {
        if (err) log.debug({ topic, err: err.message }, 'MQTT publish not delivered');
      });
    },
    onConnect: (listener) => void connectListeners.push(listener),
    onMessage: (listener) => void messageListeners.push(listener),
    async stop(lastWords) {
      const c = client;
      if (!c) return;
      client = undefined;
      // Not connected (the broker away, or its CONNACK not yet in): close the socket now. A
      // graceful end would queue its DISCONNECT for a connection that may come later, and leave
      // the socket open after stop() returned.
      if (!c.connected) return void (await c.endAsync(true));
      if (lastWords) {
        await new Promise<void>((resolve) => c.publish(lastWords.topic, lastWords.payload, { qos: 1, retain: true }, () => resolve()));
      }
      await c.endAsync();
    },
  };
}

/** CONNACK 0x01 (an MQTT 3.1.1 broker) or 0x84 (MQTT 5's "unsupported protocol version"). */
function isUnsupportedVersion(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 1 || code === 0x84;
}

/** mqtt://user:secret@host → mqtt://host, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
