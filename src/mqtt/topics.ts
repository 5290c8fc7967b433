/**
 * The topic layout, in one place (pure: no I/O, no clock). Every topic chargegate publishes or
 * listens to is built or parsed here; docs/mqtt.md's topic table describes the same layout.
 *
 *   <prefix>/status                                   online | offline (gateway availability)
 *   <prefix>/chargers/<id>/…                          per charger
 *   <prefix>/chargers/<id>/connectors/<n>/…           per connector
 *   <prefix>/site/…, <prefix>/gateway/…               site and gateway
 *   <prefix>/upstream/<name>/state                    each cloud upstream (primary, mirrors), JSON
 *   …/<command>/set  →  …/<command>/result            commands and their answers
 *   <prefix>/chargers/<id>/ocpp/<Action>/set          any OCPP 1.6 command, its payload the OCPP request
 */
import { COMMAND_ACTIONS, type CommandAction } from '../control/actions.js';

/**
 * A charger id as one topic level. OCPP identities may contain `+`, a wildcard that a topic
 * name must not contain [MQTT-4.7.1-1]; `%` is not allowed in identities, so `%2B` cannot be
 * confused with anything an identity spells.
 */
export function idLevel(chargerId: string): string {
  return chargerId.replace(/\+/g, '%2B');
}

export function idFromLevel(level: string): string {
  return level.replace(/%2B/g, '+');
}

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/**
 * Whether a topic name matches a subscription's topic filter (MQTT 3.1.1 §4.7): `+` is one
 * level (an empty one too), `#` the rest, its parent level included [MQTT-4.7.1-2], and a filter
 * that starts with a wildcard never matches a topic that starts with `$` [MQTT-4.7.2-1]. The
 * filter is taken as valid (aedes checks it before any SUBSCRIBE is handled). It allocates
 * nothing: the retained store (retained-store.ts) runs it over every retained topic for each
 * filter of a SUBSCRIBE, 60 per charger.
 */
export function matchesFilter(filter: string, topic: string): boolean {
  const first = filter.charCodeAt(0);
  if ((first === HASH || first === PLUS) && topic.charCodeAt(0) === DOLLAR) return false;
  let f = 0; // where the filter's current level starts
  let t = 0; // where the topic's current level starts; -1 once the topic has no more levels
  for (;;) {
    const fEnd = levelEnd(filter, f);
    const single = fEnd - f === 1 ? filter.charCodeAt(f) : -1;
    if (single === HASH) return true;
    if (t < 0) return false;
    const tEnd = levelEnd(topic, t);
    if (single !== PLUS) {
      if (fEnd - f !== tEnd - t) return false;
      for (let i = f, j = t; i < fEnd; i++, j++) if (filter.charCodeAt(i) !== topic.charCodeAt(j)) return false;
    }
    if (fEnd === filter.length) return tEnd === topic.length;
    f = fEnd + 1;
    t = tEnd === topic.length ? -1 : tEnd + 1;
  }
}

function levelEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) === SLASH) return i;
  return s.length;
}

export class Topics {
  constructor(readonly prefix: string) {}

  /** The gateway's own availability: online while chargegate runs (its last will says offline). */
  get status(): string {
    return `${this.prefix}/status`;
  }

  /** The level every topic of one charger starts with (Home Assistant's topic base `~` in its discovery configs). */
  chargerBase(chargerId: string): string {
    return `${this.prefix}/chargers/${idLevel(chargerId)}`;
  }

  charger(chargerId: string, leaf: ChargerLeaf): string {
    return `${this.chargerBase(chargerId)}/${leaf}`;
  }

  connector(chargerId: string, connectorId: number, leaf: ConnectorLeaf): string {
    return `${this.prefix}/chargers/${idLevel(chargerId)}/connectors/${connectorId}/${leaf}`;
  }

  /** Non-retained events: boot, fault, session-started, session-ended, session-corrected, and the security extension's. */
  event(chargerId: string, kind: ChargerEventKind): string {
    return `${this.prefix}/chargers/${idLevel(chargerId)}/event/${kind}`;
  }

  site(leaf: SiteLeaf): string {
    return `${this.prefix}/site/${leaf}`;
  }

  gateway(leaf: GatewayLeaf): string {
    return `${this.prefix}/gateway/${leaf}`;
  }

  /** One upstream's state, JSON (the primary's name or a mirror's; names are [A-Za-z0-9_-], safe as a level). */
  upstream(name: string): string {
    return `${this.prefix}/upstream/${name}/state`;
  }

  /** Non-retained events of the gateway itself: data-transfer (the cloud's DataTransfer, upstream.dataTransfer: mqtt). */
  gatewayEvent(kind: 'data-transfer'): string {
    return `${this.prefix}/gateway/event/${kind}`;
  }

  chargerCommand(chargerId: string, command: ChargerCommandName): string {
    return `${this.prefix}/chargers/${idLevel(chargerId)}/${command}/set`;
  }

  connectorCommand(chargerId: string, connectorId: number, command: ConnectorCommandName): string {
    return `${this.prefix}/chargers/${idLevel(chargerId)}/connectors/${connectorId}/${command}/set`;
  }

  /** Any OCPP 1.6 command to a charger, its payload the OCPP request. */
  ocppCommand(chargerId: string, action: CommandAction): string {
    return `${this.prefix}/chargers/${idLevel(chargerId)}/ocpp/${action}/set`;
  }

  get siteLimitCommand(): string {
    return `${this.prefix}/site/limit/set`;
  }

  /** The tariff's price per kWh now, retained (src/cost). */
  get tariffPrice(): string {
    return `${this.prefix}/tariff/price`;
  }

  /** The dynamic price feed: a JSON list of { from, to?, price } (docs/cost.md). */
  get tariffPricesCommand(): string {
    return `${this.prefix}/tariff/prices/set`;
  }

  /** Filters an MQTT client subscribes to in order to receive every command topic. */
  get commandFilters(): string[] {
    return [`${this.prefix}/chargers/+/+/set`, `${this.prefix}/chargers/+/connectors/+/+/set`, `${this.prefix}/chargers/+/ocpp/+/set`, this.siteLimitCommand, this.tariffPricesCommand];
  }

  /** Any topic under the prefix ending in /set is a command topic (an unknown one gets a rejection). */
  isCommandTopic(topic: string): boolean {
    return topic.startsWith(`${this.prefix}/`) && topic.endsWith('/set');
  }

  /** Where the answer to a command goes: the command topic with /set replaced by /result. */
  resultTopic(commandTopic: string): string {
    return commandTopic.replace(/\/set$/, '/result');
  }

  /** What a command topic addresses, or a reason why it addresses nothing chargegate knows. */
  parseCommand(topic: string): CommandAddress | { unknown: string } {
    if (!this.isCommandTopic(topic)) return { unknown: 'not a command topic' };
    const levels = topic.slice(this.prefix.length + 1).split('/');
    if (levels.join('/') === 'site/limit/set') return { target: 'site', command: 'limit' };
    if (levels.join('/') === 'tariff/prices/set') return { target: 'tariff', command: 'prices' };
    if (levels[0] !== 'chargers' || !levels[1]) return { unknown: `unknown command topic (commands are ${this.prefix}/chargers/<id>/…/set and ${this.prefix}/site/limit/set)` };
    const chargerId = idFromLevel(levels[1]);
    if (levels.length === 4) {
      const command = levels[2]!;
      if (!isOneOf(command, CHARGER_COMMANDS)) return { unknown: `unknown charger command "${command}" (known: ${CHARGER_COMMANDS.join(', ')})` };
      return { target: 'charger', chargerId, command };
    }
    if (levels.length === 5 && levels[2] === 'ocpp') {
      const action = levels[3]!;
      if (!isOneOf(action, COMMAND_ACTIONS)) return { unknown: `unknown OCPP command "${action}" (known: ${COMMAND_ACTIONS.join(', ')})` };
      return { target: 'ocpp', chargerId, action };
    }
    if (levels.length === 6 && levels[2] === 'connectors') {
      const connectorId = Number(levels[3]);
      if (!/^[1-9]\d{0,2}$/.test(levels[3]!)) return { unknown: `connector must be a number from 1, got "${levels[3]}"` };
      const command = levels[4]!;
      if (!isOneOf(command, CONNECTOR_COMMANDS)) return { unknown: `unknown connector command "${command}" (known: ${CONNECTOR_COMMANDS.join(', ')})` };
      return { target: 'connector', chargerId, connectorId, command };
    }
    return { unknown: 'unknown command topic' };
  }

  /** Every retained state topic a charger with these connectors and phases can have (to clear them when it is removed). */
  chargerStateTopics(chargerId: string, connectors: number): string[] {
    const topics = CHARGER_LEAVES.map((leaf) => this.charger(chargerId, leaf));
    for (let n = 1; n <= connectors; n++) {
      for (const leaf of CONNECTOR_LEAVES) topics.push(this.connector(chargerId, n, leaf));
    }
    return topics;
  }
}

export const PHASES = ['L1', 'L2', 'L3'] as const;
export type Phase = (typeof PHASES)[number];

const CHARGER_LEAVES = ['connected', 'status', 'error', 'available', 'info', 'controlled', 'uncontrolledReason', 'cap', 'quirks', 'setup', 'profile', 'registration', 'firmware', 'diagnostics'] as const;
export type ChargerLeaf = (typeof CHARGER_LEAVES)[number];

const CONNECTOR_LEAVES = [
  'status',
  'error',
  'available',
  'power',
  'energy',
  'current/L1',
  'current/L2',
  'current/L3',
  'voltage/L1',
  'voltage/L2',
  'voltage/L3',
  'soc',
  'session',
  'session/cost',
  'limit',
  'cap',
  'limitReason',
  'limitAccepted',
  'limitInFlight',
  'mode',
  'plan',
  'phases',
] as const;
export type ConnectorLeaf = (typeof CONNECTOR_LEAVES)[number];

export type SiteLeaf = 'power' | 'limit' | `available/${Phase}` | 'grid/power' | `grid/current/${Phase}`;
export type GatewayLeaf = 'upstream' | 'outbox' | 'deadLetters';
/** security, certificate, log-status, firmware-status: the OCPP 1.6 security extension (security-mirror.ts). */
export type ChargerEventKind = 'boot' | 'fault' | 'session-started' | 'session-ended' | 'session-corrected' | 'security' | 'certificate' | 'log-status' | 'firmware-status';

/** configuration and trigger: ChangeConfiguration and TriggerMessage by name, through the OCPP door. */
export const CHARGER_COMMANDS = ['available', 'maxcurrent', 'reset', 'configuration', 'trigger'] as const;
export const CONNECTOR_COMMANDS = ['start', 'stop', 'maxcurrent', 'available', 'unlock', 'mode', 'plan'] as const;
export type ChargerCommandName = (typeof CHARGER_COMMANDS)[number];
export type ConnectorCommandName = (typeof CONNECTOR_COMMANDS)[number];

export type CommandAddress =
  | { target: 'charger'; chargerId: string; command: ChargerCommandName }
  | { target: 'connector'; chargerId: string; connectorId: number; command: ConnectorCommandName }
  | { target: 'site'; command: 'limit' }
  | { target: 'tariff'; command: 'prices' }
  | { target: 'ocpp'; chargerId: string; action: CommandAction };

function isOneOf<T extends string>(value: string, list: readonly T[]): value is T {
  return (list as readonly string[]).includes(value);
}
