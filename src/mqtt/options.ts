/**
 * The `mqtt:` section resolved into what runs (pure: no I/O, no clock), and the checks that
 * span several keys, which the JSON schema cannot express. The loader calls
 * `mqttConfigProblems`; `resolveMqttOptions` turns a valid section into one of three modes.
 */
import type { Problem } from '../config/errors.js';
import type { MqttConfig } from '../config/schema.js';
import type { DiscoveryFormat } from './discovery-format.js';

export type BrokerMode = 'embedded' | 'external' | 'off';

export interface MqttUserOptions {
  username: string;
  password: string;
  mayCommand: boolean;
}

interface CommonOptions {
  prefix: string;
  /** Milliseconds between two publishes of one state topic; 0 = every change. */
  throttleMs: number;
  showIdTag: boolean;
  startIdTag?: string;
  /** Home Assistant discovery prefix, or undefined when discovery is off. */
  discoveryPrefix?: string;
  /** How the discovery configs are published (device-discovery.ts), as set; undefined: not set (discovery-format.ts chooses). */
  discoveryFormat?: DiscoveryFormat;
}

export interface EmbeddedOptions extends CommonOptions {
  mode: 'embedded';
  host: string;
  port: number;
  tls?: { port: number; cert: string; key: string };
  websocket?: { port: number };
  users: readonly MqttUserOptions[];
  /** What a client that gives no user name may do. */
  anonymous: 'read' | 'none';
  /** The largest MQTT packet a client may send, in bytes, fixed header included (before and after CONNECT). */
  maxPacketSize: number;
  /** Wrong passwords one client address may present per minute (src/security/guess-throttle.ts). */
  maxAuthFailures: number;
  /** A user (besides command users) whose Home Assistant birth message is accepted. */
  homeAssistantUser?: string;
}

export interface ExternalOptions extends CommonOptions {
  mode: 'external';
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
  ca?: string;
}

export type MqttOptions = EmbeddedOptions | ExternalOptions | { mode: 'off' };

export function brokerMode(mqtt: Pick<MqttConfig, 'broker' | 'url'>): BrokerMode {
  return mqtt.broker ?? (mqtt.url ? 'external' : 'embedded');
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function resolveMqttOptions(mqtt: MqttConfig): MqttOptions {
  const mode = brokerMode(mqtt);
  if (mode === 'off') return { mode };
  const common: CommonOptions = {
    prefix: mqtt.prefix,
    throttleMs: Math.round(mqtt.throttle * 1000),
    showIdTag: mqtt.showIdTag,
    ...(mqtt.startIdTag ? { startIdTag: mqtt.startIdTag } : {}),
    ...(mqtt.homeAssistant.discovery ? { discoveryPrefix: mqtt.homeAssistant.prefix, ...(mqtt.homeAssistant.format !== undefined ? { discoveryFormat: mqtt.homeAssistant.format } : {}) } : {}),
  };
  if (mode === 'external') {
    return {
      ...common,
      mode,
      url: mqtt.url ?? '',
      ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
      ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
      ...(mqtt.clientId !== undefined ? { clientId: mqtt.clientId } : {}),
      ...(mqtt.ca !== undefined ? { ca: mqtt.ca } : {}),
    };
  }
  return {
    ...common,
    mode,
    host: mqtt.host,
    port: mqtt.port,
    ...(mqtt.tls ? { tls: { port: mqtt.tls.port, cert: mqtt.tls.cert, key: mqtt.tls.key } } : {}),
    ...(mqtt.websocket ? { websocket: { port: mqtt.websocket.port } } : {}),
    users: mqtt.users.map((u) => ({ username: u.username, password: u.password, mayCommand: u.access === 'command' })),
    anonymous: mqtt.anonymous ?? (isLoopback(mqtt.host) ? 'read' : 'none'),
    maxPacketSize: mqtt.maxPacketSize,
    maxAuthFailures: mqtt.maxAuthFailures,
    ...(mqtt.homeAssistant.user !== undefined ? { homeAssistantUser: mqtt.homeAssistant.user } : {}),
  };
}

type RawMqtt = Partial<Record<keyof MqttConfig, unknown>>;

/**
 * Problems across keys of a schema-valid `mqtt:` section (an invalid one already has its own).
 * Security by default: a broker reachable from the network must have users.
 */
export function mqttConfigProblems(root: unknown): Problem[] {
  const mqtt = (root as { mqtt?: RawMqtt } | undefined)?.mqtt;
  if (!mqtt || typeof mqtt !== 'object') return [];
  const mode = brokerMode({ broker: mqtt.broker as BrokerMode | undefined, url: mqtt.url as string | undefined });
  const problems: Problem[] = [];
  const at = (key: string, text: string) => problems.push({ path: ['mqtt', key], text });
  const users = Array.isArray(mqtt.users) ? (mqtt.users as { username?: unknown }[]) : [];
  const homeAssistant = (mqtt.homeAssistant ?? {}) as { user?: unknown };

  if (mode === 'external') {
    if (!mqtt.url) at('broker', 'broker: external needs mqtt.url (e.g. mqtt://broker.local:1883)');
    for (const key of ['tls', 'websocket', 'anonymous'] as const) {
      if (mqtt[key] !== undefined) at(key, `only for the embedded broker (this config connects to ${String(mqtt.url ?? 'an external broker')}); remove it`);
    }
    if (users.length > 0) at('users', 'only for the embedded broker; an external broker has its own users (set mqtt.username and mqtt.password)');
    if (homeAssistant.user !== undefined) {
      problems.push({ path: ['mqtt', 'homeAssistant', 'user'], text: `only for the embedded broker; on an external broker its ACLs decide who may publish ${String((mqtt.homeAssistant as { prefix?: unknown } | undefined)?.prefix ?? 'homeassistant')}/status` });
    }
  }
  if (mode === 'embedded') {
    if (mqtt.url !== undefined) at('url', 'is only used with broker: external; remove it or set broker: external');
    for (const key of ['username', 'password', 'clientId', 'ca'] as const) {
      if (mqtt[key] !== undefined) at(key, 'is only used with an external broker (mqtt.url); users of the embedded broker go in mqtt.users');
    }
    const host = typeof mqtt.host === 'string' ? mqtt.host : '127.0.0.1';
    if (!isLoopback(host) && users.length === 0) {
      at('host', `the embedded broker listens beyond loopback on ${host}: add mqtt.users (or listen on 127.0.0.1)`);
    }
    if (!isLoopback(host) && mqtt.anonymous === 'read') {
      at('anonymous', `anonymous: read on ${host} lets anyone on the network read the site; use a read user instead`);
    }
    if (typeof homeAssistant.user === 'string' && !users.some((u) => u?.username === homeAssistant.user)) {
      problems.push({ path: ['mqtt', 'homeAssistant', 'user'], text: `no user ${JSON.stringify(homeAssistant.user)} in mqtt.users (Home Assistant must log in as a configured user)` });
    }
  }
  const seen = new Map<string, number>();
  users.forEach((user, index) => {
    if (typeof user?.username !== 'string') return;
    const first = seen.get(user.username);
    if (first === undefined) seen.set(user.username, index);
    else problems.push({ path: ['mqtt', 'users', index, 'username'], text: `duplicate user ${JSON.stringify(user.username)} (also at mqtt.users[${first}])` });
  });
  return problems;
}
