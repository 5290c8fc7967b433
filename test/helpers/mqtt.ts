/**
 * An MQTT client for tests, as a user's tool would be (MQTT.js, MQTT 3.1.1): it records every
 * message it receives, and lets a test wait for the one it expects.
 */
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Test } from 'tap';
import { silentLogger } from '../../src/log.js';
import { createEmbeddedBroker, type EmbeddedBroker } from '../../src/mqtt/broker.js';
import type { EmbeddedOptions } from '../../src/mqtt/options.js';
import { Topics } from '../../src/mqtt/topics.js';
import { PATIENCE_MS } from './patience.js';

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

export interface TestClient {
  client: MqttClient;
  received: Received[];
  /** The latest payload seen on a topic. */
  latest(topic: string): string | undefined;
  /** Resolves with the first message (already received, or to come) on `topic` that matches. */
  waitFor(topic: string, match?: (payload: string) => boolean, ms?: number): Promise<Received>;
  publish(topic: string, payload: string, options?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  subscribe(filter: string | string[]): Promise<void>;
  end(): Promise<void>;
}

export async function connectClient(t: Test, url: string, options: IClientOptions = {}): Promise<TestClient> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  client.on('message', (topic, payload, packet) => {
    received.push({ topic, payload: payload.toString(), retain: packet.retain });
    for (const w of waiters) w();
  });
  const end = () => client.endAsync(true).then(() => undefined);
  t.teardown(end);
  return {
    client,
    received,
    latest: (topic) => received.filter((m) => m.topic === topic).at(-1)?.payload,
    waitFor(topic, match = () => true, ms = PATIENCE_MS) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find((m) => m.topic === topic && match(m.payload));
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no message on ${topic} matching within ${ms} ms (last: ${received.filter((m) => m.topic === topic).at(-1)?.payload ?? 'none'})`));
        }, ms);
        if (!check()) waiters.add(check);
      });
    },
    publish: (topic, payload, o = {}) => client.publishAsync(topic, payload, { qos: o.qos ?? 1, retain: o.retain ?? false }).then(() => undefined),
    subscribe: (filter) => client.subscribeAsync(filter, { qos: 1 }).then(() => undefined),
    end,
  };
}

/**
 * A grid meter as a home has it in MQTT: every 100 ms, `net()` (A per site phase, import
 * positive) published as W per phase on `topics` (L1, L2, L3). Returns the highest net current
 * seen on each phase at those readings: what the main fuse carried.
 */
export async function publishGridMeter(t: Test, url: string, topics: readonly string[], voltage: number, net: () => readonly number[]): Promise<number[]> {
  const worst = [-Infinity, -Infinity, -Infinity];
  const meter = await connectClient(t, url);
  const timer = setInterval(() => {
    const g = net();
    g.forEach((a, p) => (worst[p] = Math.max(worst[p]!, a)));
    topics.forEach((topic, p) => void meter.publish(topic, String(g[p]! * voltage)).catch(() => undefined));
  }, 100);
  t.teardown(() => clearInterval(timer));
  return worst;
}

/**
 * chargegate's embedded broker on its own (no gateway), on a free port of 127.0.0.1, with these
 * users and no anonymous access; stopped when the test ends.
 */
export async function startEmbeddedBroker(t: Test, users: EmbeddedOptions['users']): Promise<{ broker: EmbeddedBroker; url: string }> {
  const broker = createEmbeddedBroker({
    options: { host: '127.0.0.1', port: 0, users, anonymous: 'none', discoveryPrefix: 'homeassistant', maxPacketSize: 1024 * 1024, maxAuthFailures: 10 },
    topics: new Topics('chargegate'),
    logger: silentLogger(),
  });
  await broker.start();
  t.teardown(() => broker.stop());
  return { broker, url: `mqtt://127.0.0.1:${broker.ports.mqtt}` };
}
