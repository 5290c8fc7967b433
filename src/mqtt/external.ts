/**
 * A connection to an external broker (Mosquitto, EMQX, Home Assistant's add-on) through
 * MQTT.js, speaking MQTT 3.1.1 like the embedded broker so nothing depends on MQTT 5. The last
 * will marks chargegate offline when the connection dies; MQTT.js reconnects every second.
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

  return {
    get connected() {
      return client?.connected ?? false;
    },
    async start() {
      const clientOptions: IClientOptions = {
        protocolVersion: 4,
        clientId: options.clientId ?? `chargegate-${randomBytes(4).toString('hex')}`,
        clean: true,
        reconnectPeriod: reconnectMs,
        connectTimeout: 10_000,
        // Telemetry while disconnected is not queued: the retained state is republished on connect.
        queueQoSZero: false,
        will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
        ...(options.username !== undefined ? { username: options.username } : {}),
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
      };
      const c = connect(options.url, clientOptions);
      client = c;
      c.on('connect', () => {
        log.info(everConnected ? 'reconnected to the MQTT broker' : 'connected to the MQTT broker');
        everConnected = true;
        c.subscribe(subscriptions, { qos: 1 }, (err) => {
          if (err) log.error({ err: err.message }, 'MQTT subscribe failed: commands will not be received');
        });
        connectListeners.forEach((listener) => listener());
      });
      c.on('message', (topic, payload, packet) => {
        // [MQTT-3.3.1-8]: retain is set only on messages from the broker's retained store.
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
      c.on('error', (err) => log.warn({ err: err.message }, 'MQTT connection error'));
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
      if (lastWords && c.connected) {
        await new Promise<void>((resolve) => c.publish(lastWords.topic, lastWords.payload, { qos: 1, retain: true }, () => resolve()));
      }
      await c.endAsync();
    },
  };
}

/** mqtt://user:secret@host → mqtt://host, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
