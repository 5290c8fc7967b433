/**
 * The site the soak runs: its chargegate config (a real one: passwords, MQTT users, an HTTP
 * token, aggregate upstream) and the chargers' ids, passwords and misbehaviours. Pure.
 *
 * The supply is tight on purpose (one ampere per phase per charger, at least 48 A) so that
 * the balancer must share: 200 chargers of 16 A on 3 × 200 A. The margin covers what the
 * chargers that ignore their limits overdraw before chargegate flags them (three MeterValues,
 * `site.failsafe.overdrawSamples`), as an installer who knows such chargers would set it.
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
 * One charger in 200 of each misbehaviour (at least one each): silent, answers late, CALLERROR
 * on profiles, rejects them, ignores them, never boots, drops the connection on a profile.
 * Six of the seven kinds leave a charger uncontrolled, drawing its maximum whenever it
 * charges: more of them and a tight site is mostly theirs.
 */
export function misbehaviours(chargers: number): Misbehaviour[] {
  const each = Math.max(1, Math.round(chargers / 200));
  const kinds: Misbehaviour[] = [
    { kind: 'silent' },
    { kind: 'late', delaySeconds: 20 },
    { kind: 'callerror' },
    { kind: 'reject' },
    { kind: 'ignore' },
    { kind: 'noboot' },
    { kind: 'disconnect' },
  ];
  const out: Misbehaviour[] = [];
  for (const k of kinds) for (let i = 0; i < each && out.length < Math.floor(chargers / 2); i++) out.push(k);
  return out;
}

export function siteSpec(chargers: number): SiteSpec {
  const bad = misbehaviours(chargers);
  // Spread the misbehaving chargers through the id range rather than bunching them at the start.
  const stride = Math.max(1, Math.floor(chargers / Math.max(1, bad.length)));
  const list = Array.from({ length: chargers }, (_, i) => {
    const id = `SOAK-${String(i + 1).padStart(3, '0')}`;
    const m = i % stride === 0 ? bad[i / stride] : undefined;
    return { id, password: chargerPassword(id), ...(m ? { misbehave: m } : {}) };
  });
  const ignoring = bad.filter((m) => m.kind === 'ignore').length;
  return { supplyA: Math.max(48, chargers), marginA: ignoring * CHARGER_MAX_A, chargers: list };
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
