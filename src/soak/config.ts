/**
 * The site the soak runs: its chargegate config (a real one: passwords, MQTT users, an HTTP
 * token, aggregate upstream) and the chargers' ids, passwords and misbehaviours. Pure.
 */
import type { Misbehaviour } from '../sim/misbehaviour.js';

export const CHARGER_MAX_A = 16;
/** Ids of the attackers' own chargers: configured, but no car ever plugs into them. */
export const FLOOD_CHARGER = 'FLOOD-1';
export const JUNK_CHARGER = 'JUNK-1';

export interface SoakPorts {
  ocpp: number;
  http: number;
  mqtt: number;
  cloud: number;
}

export interface SoakSecrets {
  httpToken: string;
  mqttRead: { username: string; password: string };
  mqttCommand: { username: string; password: string };
}

export interface SiteSpec {
  supplyA: number;
  marginA: number;
  chargers: { id: string; password: string; misbehave?: Misbehaviour }[];
}

export const SECRETS: SoakSecrets = {
  httpToken: 'soak-admin-token-0123456789',
  mqttRead: { username: 'soak-reader', password: 'reader-secret-1' },
  mqttCommand: { username: 'soak-commander', password: 'commander-secret-1' },
};

export const chargerPassword = (id: string): string => `pw-${id}-secret`;

/**
 * Which chargers misbehave. The kinds, in the order they are handed out: answers late (still
 * controlled), then those chargegate cannot limit: ignores its limits, silent, drops the
 * connection on a profile, never boots, rejects profiles, CALLERROR on profiles. One of each
 * per 200 chargers, at least one; and at most as many uncontrollable ones as half the supply
 * can carry at their maximum, since they draw it whenever they charge.
 */
export function misbehaviours(chargers: number, supplyA: number): Misbehaviour[] {
  const each = Math.max(1, Math.round(chargers / 200));
  const uncontrollable: Misbehaviour[] = [{ kind: 'ignore' }, { kind: 'silent' }, { kind: 'disconnect' }, { kind: 'noboot' }, { kind: 'reject' }, { kind: 'callerror' }];
  const room = Math.floor(supplyA / 2 / CHARGER_MAX_A);
  const out: Misbehaviour[] = [];
  for (let i = 0; i < each; i++) out.push({ kind: 'late', delaySeconds: 20 });
  for (const k of uncontrollable) for (let i = 0; i < each; i++) out.push(k);
  return out.slice(0, Math.min(Math.floor(chargers / 2), each + room));
}

/** Kinds that leave a charger drawing up to its maximum whatever it is told. */
export const uncontrollable = (m: Misbehaviour | undefined): boolean => m !== undefined && m.kind !== 'late';

/**
 * The site: one ampere per phase per charger (at least 64 A) for the balancer to share, so
 * that it must (200 chargers of 16 A on 200 A), plus a margin kept free for the uncontrollable
 * chargers: what they can draw together, as an installer who knows them sets it. chargegate
 * counts them while they charge, but an idle one counts nothing, and while chargegate is down
 * (killed) it starts a session that nobody counts: only the margin keeps the fuse then.
 * `marginA` overrides it (0: see what happens without).
 */
export function siteSpec(chargers: number, marginA?: number): SiteSpec {
  const shared = Math.max(64, chargers);
  const bad = misbehaviours(chargers, shared);
  // Spread the misbehaving chargers through the id range rather than bunching them at the start.
  const stride = Math.max(1, Math.floor(chargers / Math.max(1, bad.length)));
  const list = Array.from({ length: chargers }, (_, i) => {
    const id = `SOAK-${String(i + 1).padStart(3, '0')}`;
    const m = i % stride === 0 ? bad[i / stride] : undefined;
    return { id, password: chargerPassword(id), ...(m ? { misbehave: m } : {}) };
  });
  const margin = marginA ?? list.filter((c) => uncontrollable(c.misbehave)).length * CHARGER_MAX_A;
  return { supplyA: shared + margin, marginA: margin, chargers: list };
}

/** The gateway's config as an object (the caller writes it as YAML). */
export function gatewayConfig(site: SiteSpec, ports: SoakPorts, dataDir: string): Record<string, unknown> {
  const charger = (id: string, password: string) => ({ id, password, maxCurrent: CHARGER_MAX_A, phases: 3, connectors: 1 });
  return {
    ocpp: { host: '127.0.0.1', port: ports.ocpp, path: '/ocpp', pingInterval: 10, callTimeout: 30, bootTimeout: 15 },
    chargers: {
      allowUnknown: false,
      list: [...site.chargers.map((c) => charger(c.id, c.password)), charger(FLOOD_CHARGER, chargerPassword(FLOOD_CHARGER)), charger(JUNK_CHARGER, chargerPassword(JUNK_CHARGER))],
    },
    // Every session has its own idTag, unknown to the list: the cloud authorizes it, and while
    // the cloud is away the offline rule accepts it (1.6 AllowOfflineTxForUnknownId).
    authorization: { mode: 'list' },
    storage: { dir: dataDir },
    log: { level: 'warn' },
    site: {
      supply: { maxCurrent: site.supplyA, phases: 3, voltage: 230, margin: site.marginA },
    },
    http: { host: '127.0.0.1', port: ports.http, token: SECRETS.httpToken },
    mqtt: {
      broker: 'embedded',
      host: '127.0.0.1',
      port: ports.mqtt,
      anonymous: 'none',
      users: [
        { username: SECRETS.mqttCommand.username, password: SECRETS.mqttCommand.password, access: 'command' },
        { username: SECRETS.mqttRead.username, password: SECRETS.mqttRead.password, access: 'read' },
      ],
    },
    upstream: {
      mode: 'aggregate',
      url: `ws://127.0.0.1:${ports.cloud}/ocpp`,
      identity: 'SOAK-SITE',
      callTimeout: 10,
      transactionMessageRetryInterval: 2,
      reconnect: { initialDelay: 0.5, maxDelay: 5 },
      offline: { unknownIdTag: 'accept' },
    },
  };
}
