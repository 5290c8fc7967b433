/**
 * Home Assistant MQTT discovery (pure): the retained config messages that make one device per
 * charger appear in Home Assistant with no typing. One message per entity,
 * `<discoveryPrefix>/<component>/<node>/<object>/config`, which every Home Assistant version
 * with MQTT discovery understands; an empty retained message removes the entity.
 *
 * The device block is said in full once per device (issue #19, memory). Home Assistant's MQTT
 * docs, "Sharing of device configuration" (source/_integrations/mqtt.markdown; also its
 * developers' blog of 21 July 2023, "The naming of MQTT entities changes…"): "one entity can
 * include the full device configuration and other entities can link to that device by only
 * setting mandatory fields", which are "at least one of `connection` and `identifiers` as well
 * as the `name`". The device registry merges what each config says: the MQTT integration's
 * device_info_from_specifications passes on only the fields a config has, so a linking config
 * leaves the maker, model, firmware and serial number the full one set. The origin (`o`) is
 * optional; Home Assistant only logs it when an entity is added or its config changes
 * (home-assistant/core#98782), so it goes with the full config alone.
 * So: the device's first config (the charger's `connected` binary sensor, the site's
 * `site_limit` number: both exist whatever the options) carries the full device and the
 * origin; every other config `dev: { ids, name }`. The name is on each one because a config
 * Home Assistant reads before the full one would otherwise create a device without a name, and
 * without it Home Assistant logs, per config, "MQTT device information always needs to include
 * a name … the device name must be included in each entity's device configuration"
 * (mqtt/entity.py, _set_entity_name); the full one is published first, but a broker that hands
 * out its retained store (a restarted Home Assistant, another subscriber) need not keep that
 * order. A heap snapshot of a 1,000-charger site had the retained configs at 17.4 MB of its
 * 92 MB live heap (35 per charger, about 480 bytes each); this takes a typical charger's configs
 * from 16,423 to 12,958 bytes (−21 %; with a configuration URL from 17,611 to 12,991, −26 %; the
 * scale bench's charger, whose boot says less, 15,643 to 13,025, −17 %): docs/performance.md.
 */
import { CHARGE_MODES } from '../balancer/solar.js';
import { abbreviated } from './ha-abbreviations.js';
import type { ChargerInfo } from '../store/ports.js';
import { PHASES, type Topics } from './topics.js';

export interface DiscoveredCharger {
  id: string;
  /** From its BootNotification; a charger that never booted shows as "unknown" maker and model. */
  info?: ChargerInfo;
  connectors: number;
  phases: 1 | 3;
  /** Upper bound of the settable limit, in A. */
  maxCurrentA: number;
  /** A connector reported the car's state of charge: its SoC sensor is announced. */
  socReported?: boolean;
  /** Charge modes run (a site: section): a select per connector. */
  chargeModes?: boolean;
  /** The tariff's currency: a session cost sensor per connector (src/cost); none without a tariff. */
  currency?: string;
  /** The charger switches between 1 and 3 phases (chargers.list[].phaseSwitching): a phases-in-use sensor per connector. */
  phaseSwitching?: boolean;
}

/** What the site device shows (only with a `site:` section). */
export interface DiscoveredSite {
  /** The supply's fuse, A per phase: the site limit number's maximum. */
  maxCurrentA: number;
  phases: 1 | 3;
  /** A grid meter is configured: its current per phase is shown. */
  gridMeter: boolean;
}

/** Where the dashboard is (the device's "Visit" link in Home Assistant), when chargegate knows an address for it. */
export interface DiscoveryOptions {
  configurationUrl?: string;
}

export interface DiscoveryMessage {
  topic: string;
  /** The JSON config, or '' to remove the entity. */
  payload: string;
}

export type Component = 'sensor' | 'binary_sensor' | 'switch' | 'number' | 'button' | 'event' | 'select';

export interface Entity {
  component: Component;
  object: string;
  config: Record<string, unknown>;
}

/**
 * Home Assistant's node and object ids allow [a-zA-Z0-9_-] only; a charger id with other
 * characters keeps its readable part and gets a short hash so that two ids never collide.
 */
export function nodeId(chargerId: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(chargerId)) return `chargegate_${chargerId}`;
  return `chargegate_${chargerId.replace(/[^A-Za-z0-9_-]/g, '_')}_${fnv1a(chargerId)}`;
}

export function discoveryMessages(charger: DiscoveredCharger, topics: Topics, discoveryPrefix: string, version: string, options: DiscoveryOptions = {}): DiscoveryMessage[] {
  const node = nodeId(charger.id);
  const device = chargerDevice(charger, options);
  const origin = chargegateOrigin(version);
  const base = topics.chargerBase(charger.id);
  const availability = { ...chargerAvailability(topics, charger.id), payload_available: 'online', payload_not_available: 'offline' };
  // The full device and the origin on the device's first config only (see the top of this file).
  const linked = { identifiers: device.identifiers, name: device.name };
  return deviceFirst(chargerEntities(charger, topics), DEVICE_ENTITY).map(({ component, object, config }) => ({
    topic: `${discoveryPrefix}/${component}/${node}/${object}/config`,
    // In Home Assistant's short form (ha-abbreviations.ts): the configs were half of a large site's retained data.
    payload: JSON.stringify(
      abbreviated(
        {
          ...config,
          unique_id: `${node}_${object}`,
          ...(GATEWAY_ONLY.has(object) ? { availability_topic: topics.status, payload_available: 'online', payload_not_available: 'offline' } : availability),
          ...(object === DEVICE_ENTITY ? { device, origin } : { device: linked }),
        },
        base,
      ),
    ),
  }));
}

/** A charger's device in Home Assistant's registry: one per charger, named by its id. */
export function chargerDevice(charger: DiscoveredCharger, options: DiscoveryOptions = {}) {
  return {
    identifiers: [nodeId(charger.id)],
    name: charger.id,
    manufacturer: charger.info?.vendor ?? 'unknown',
    model: charger.info?.model ?? 'unknown (not booted yet)',
    ...(charger.info?.firmwareVersion ? { sw_version: charger.info.firmwareVersion } : {}),
    ...(charger.info?.serialNumber ? { serial_number: charger.info.serialNumber } : {}),
    ...(options.configurationUrl ? { configuration_url: options.configurationUrl } : {}),
  };
}

export function chargegateOrigin(version: string) {
  return { name: 'chargegate', sw_version: version };
}

/**
 * An entity is available while chargegate runs and the charger is connected to it; the
 * connection itself and whether chargegate controls the charger only need chargegate (a
 * charger that lost its link may still charge, uncontrolled: that must stay visible, GATEWAY_ONLY).
 */
export function chargerAvailability(topics: Topics, chargerId: string) {
  return { availability: [{ topic: topics.status }, { topic: topics.charger(chargerId, 'connected') }], availability_mode: 'all' };
}

/** The site's own device: its limit (a number), what is left per phase and the grid meter's currents and power. */
export function siteDiscoveryMessages(site: DiscoveredSite, topics: Topics, discoveryPrefix: string, version: string, options: DiscoveryOptions = {}): DiscoveryMessage[] {
  const node = SITE_NODE;
  const device = siteDevice(version, options);
  const availability = { availability_topic: topics.status, payload_available: 'online', payload_not_available: 'offline' };
  // As for a charger: the full device and the origin on the site limit only (see the top of this file).
  const linked = { identifiers: device.identifiers, name: device.name };
  const origin = chargegateOrigin(version);
  return deviceFirst(siteEntities(site, topics), SITE_DEVICE_ENTITY).map(({ component, object, config }) => ({
    topic: `${discoveryPrefix}/${component}/${node}/${object}/config`,
    payload: JSON.stringify(abbreviated({ ...config, unique_id: `${node}_${object}`, ...availability, ...(object === SITE_DEVICE_ENTITY ? { device, origin } : { device: linked }) })),
  }));
}

export function siteDevice(version: string, options: DiscoveryOptions = {}) {
  return { identifiers: [SITE_NODE], name: 'chargegate site', manufacturer: 'chargegate', model: 'site load balancing', sw_version: version, ...(options.configurationUrl ? { configuration_url: options.configurationUrl } : {}) };
}

/** The site device's entities: its limit (a number), what is left per phase and the grid meter's currents and power. */
export function siteEntities(site: DiscoveredSite, topics: Topics): Entity[] {
  const phases = PHASES.slice(0, site.phases);
  const current = (object: string, name: string, topic: string): Entity => ({ component: 'sensor', object, config: { name, state_topic: topic, device_class: 'current', unit_of_measurement: 'A', state_class: 'measurement' } });
  return [
    {
      component: 'number',
      object: 'site_limit',
      config: {
        name: 'Site limit',
        icon: 'mdi:transmission-tower',
        state_topic: topics.site('limit'),
        value_template: noneAs(site.maxCurrentA),
        command_topic: topics.siteLimitCommand,
        // A number sends a bare value; the site limit command takes A and seconds (the longest it allows).
        command_template: SITE_LIMIT_COMMAND,
        device_class: 'current',
        unit_of_measurement: 'A',
        min: 0,
        max: site.maxCurrentA,
        step: 1,
        mode: 'box',
        qos: 1,
      },
    },
    ...phases.map((p) => current(`available_${p.toLowerCase()}`, `Available current ${p}`, topics.site(`available/${p}`))),
    ...(site.gridMeter ? phases.map((p) => current(`grid_current_${p.toLowerCase()}`, `Grid current ${p}`, topics.site(`grid/current/${p}`))) : []),
    // W, import positive (export negative): the meter's own power, or A × the supply voltage (meters/grid-power.ts).
    ...(site.gridMeter ? [{ component: 'sensor', object: 'grid_power', config: { name: 'Grid power', state_topic: topics.site('grid/power'), device_class: 'power', unit_of_measurement: 'W', state_class: 'measurement' } } satisfies Entity] : []),
  ];
}

export const SITE_NODE = 'chargegate_site';
/** The entity whose config carries a charger's full device block and the origin: it exists for every charger. */
export const DEVICE_ENTITY = 'connected';
/** The same for the site device. */
export const SITE_DEVICE_ENTITY = 'site_limit';

/**
 * The device's full config first: published first, it makes the device with its maker and
 * model before the entities that only link to it join (the mirror publishes a list in order,
 * and the broker keeps the order of messages of one kind, broker.ts).
 */
function deviceFirst(list: Entity[], object: string): Entity[] {
  const at = list.findIndex((e) => e.object === object);
  return at <= 0 ? list : [list[at]!, ...list.slice(0, at), ...list.slice(at + 1)];
}
/** The site limit command's longest duration (a week, command-parse.ts). */
export const SITE_LIMIT_COMMAND = '{"amps": {{ value }}, "duration": 604800}';

/** OCPP 1.6 ChargePointStatus (§7.7): the enum sensors' options (2.0.1 chargers' statuses are translated to these at the edge). */
export const STATUSES = ['Available', 'Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', 'Faulted'] as const;
/** A car is plugged in (OCPP 1.6 §4.9: the connector is occupied). */
const PLUGGED = ['Preparing', 'Charging', 'SuspendedEVSE', 'SuspendedEV', 'Finishing'];

/** The templates Home Assistant renders (Jinja); test/helpers/ha-discovery.ts knows each one. */
export const TEMPLATES = {
  noneAsUnknown: "{{ 'None' if value == 'none' else value }}",
  charging: "{{ 'ON' if value == 'Charging' else 'OFF' }}",
  plugged: `{{ 'ON' if value in ${JSON.stringify(PLUGGED).replace(/"/g, "'").replace(/,/g, ', ')} else 'OFF' }}`,
  problem: "{{ 'OFF' if value == 'NoError' else 'ON' }}",
  // A state is at most 255 characters in Home Assistant.
  text: '{{ value[:255] }}',
  sessionEnergy: '{{ value_json.energyWh }}',
  // Seconds since the session started, to its end once it ended (updated with each session message).
  sessionDuration: "{{ ((as_timestamp(value_json.stoppedAt) if value_json.stoppedAt is defined else as_timestamp(now())) - as_timestamp(value_json.startedAt)) | round(0) }}",
  // The plan topic carries the plan's JSON (src/plan, events.ts PlanState) or `none`.
  planStatus: "{{ 'none' if value == 'none' else value_json.status }}",
  planAttributes: "{{ '{}' if value == 'none' else value }}",
  planFinish: "{{ 'None' if value == 'none' or value_json.expectedFinish is none else value_json.expectedFinish }}",
} as const;

/** A plan's status (events.ts PlanState) and `none` (no plan): the plan sensor's options. */
export const PLAN_STATUSES = ['none', 'waiting', 'charging', 'reached', 'unreachable'] as const;

/** 'none' (no cap, no limit) shows as the maximum: nothing holds the charger below it. */
export function noneAs(max: number): string {
  return `{{ ${max} if value == 'none' else value }}`;
}

/** An event entity's state: the event's JSON with its type (Home Assistant needs event_type, one of event_types). */
export function eventTemplate(type: string): string {
  return `{{ dict(value_json, event_type='${type}') | tojson }}`;
}

/** The same topics with empty payloads: Home Assistant removes the entities (and the device with its last one). */
export function removalMessages(charger: DiscoveredCharger, topics: Topics, discoveryPrefix: string): DiscoveryMessage[] {
  return discoveryMessages(charger, topics, discoveryPrefix, '').map(({ topic }) => ({ topic, payload: '' }));
}

/** Entities available whenever chargegate runs (see `availability` above). */
export const GATEWAY_ONLY = new Set(['connected', 'controlled', 'uncontrolled_reason']);

/** The mirror's "no value" payload (`none`) as Home Assistant's own, which makes the state unknown. */
const NONE_AS_UNKNOWN = TEMPLATES.noneAsUnknown;

/** A charger's entities, whatever the discovery format. */
export function chargerEntities(charger: DiscoveredCharger, topics: Topics): Entity[] {
  const id = charger.id;
  const list: Entity[] = [
    { component: 'binary_sensor', object: 'connected', config: { name: 'Connected', device_class: 'connectivity', entity_category: 'diagnostic', state_topic: topics.charger(id, 'connected'), payload_on: 'online', payload_off: 'offline' } },
    { component: 'sensor', object: 'status', config: { name: 'Charger status', icon: 'mdi:ev-station', state_topic: topics.charger(id, 'status'), device_class: 'enum', options: [...STATUSES] } },
    { component: 'binary_sensor', object: 'error', config: { name: 'Error', device_class: 'problem', state_topic: topics.charger(id, 'error'), value_template: TEMPLATES.problem } },
    { component: 'sensor', object: 'error_code', config: { name: 'Error code', icon: 'mdi:alert-circle-outline', entity_category: 'diagnostic', state_topic: topics.charger(id, 'error') } },
    ...(
      [
        ['session_started', 'Session started', 'session-started', 'started'],
        ['session_ended', 'Session ended', 'session-ended', 'ended'],
        ['fault', 'Fault', 'fault', 'fault'],
      ] as const
    ).map(([object, name, kind, type]): Entity => ({ component: 'event', object, config: { name, state_topic: topics.event(id, kind), event_types: [type], value_template: eventTemplate(type) } })),
    {
      component: 'switch',
      object: 'available',
      config: { name: 'Available', icon: 'mdi:power-plug', state_topic: topics.charger(id, 'available'), command_topic: topics.chargerCommand(id, 'available'), payload_on: 'ON', payload_off: 'OFF', qos: 1 },
    },
    { component: 'button', object: 'reset', config: { name: 'Restart', device_class: 'restart', entity_category: 'config', command_topic: topics.chargerCommand(id, 'reset'), payload_press: 'soft', qos: 1 } },
    // A problem sensor ("Load control: Problem") rather than a plain on/off: an uncontrolled
    // charger is one to act on, and Home Assistant shows and alerts on problems as such.
    {
      component: 'binary_sensor',
      object: 'controlled',
      config: { name: 'Load control', device_class: 'problem', state_topic: topics.charger(id, 'controlled'), payload_on: 'false', payload_off: 'true' },
    },
    {
      component: 'sensor',
      object: 'uncontrolled_reason',
      config: { name: 'Uncontrolled reason', icon: 'mdi:alert-circle-outline', entity_category: 'diagnostic', state_topic: topics.charger(id, 'uncontrolledReason'), value_template: NONE_AS_UNKNOWN },
    },
  ];
  for (let n = 1; n <= charger.connectors; n++) {
    list.push(...connectorEntities(charger, n, topics));
    if (charger.chargeModes) list.push(modeSelect(charger, n, topics));
  }
  return list;
}

function connectorEntities(charger: DiscoveredCharger, n: number, topics: Topics): Entity[] {
  const id = charger.id;
  // One connector: plain names ("Power"); several: "Connector 2 power".
  const name = (what: string) => (charger.connectors === 1 ? what : `Connector ${n} ${what.toLowerCase()}`);
  const object = (what: string) => `c${n}_${what}`;
  const measurement = (what: string, leaf: Parameters<Topics['connector']>[2], deviceClass: string, unit: string, template?: string) => ({
    component: 'sensor' as const,
    object: object(what.toLowerCase().replace(/\s+/g, '_')),
    config: { name: name(what), state_topic: topics.connector(id, n, leaf), device_class: deviceClass, unit_of_measurement: unit, state_class: 'measurement', ...(template ? { value_template: template } : {}) },
  });
  const status = topics.connector(id, n, 'status');
  const list: Entity[] = [
    { component: 'sensor', object: object('status'), config: { name: name('Status'), icon: 'mdi:ev-plug-type2', state_topic: status, device_class: 'enum', options: [...STATUSES] } },
    { component: 'binary_sensor', object: object('charging'), config: { name: name('Charging'), device_class: 'battery_charging', state_topic: status, value_template: TEMPLATES.charging } },
    { component: 'binary_sensor', object: object('plugged_in'), config: { name: name('Plugged in'), device_class: 'plug', state_topic: status, value_template: TEMPLATES.plugged } },
    { component: 'binary_sensor', object: object('error'), config: { name: name('Error'), device_class: 'problem', state_topic: topics.connector(id, n, 'error'), value_template: TEMPLATES.problem } },
    measurement('Power', 'power', 'power', 'W'),
    {
      component: 'sensor',
      object: object('energy'),
      config: { name: name('Energy'), state_topic: topics.connector(id, n, 'energy'), device_class: 'energy', unit_of_measurement: 'Wh', state_class: 'total_increasing' },
    },
    ...PHASES.slice(0, charger.phases).map((phase) => measurement(`Current ${phase}`, `current/${phase}`, 'current', 'A')),
    // `none` between sessions (nothing measures it then): unknown in Home Assistant.
    ...PHASES.slice(0, charger.phases).map((phase) => measurement(`Voltage ${phase}`, `voltage/${phase}`, 'voltage', 'V', NONE_AS_UNKNOWN)),
    ...(charger.socReported ? [measurement('SoC', 'soc', 'battery', '%')] : []),
    {
      component: 'sensor',
      object: object('session_duration'),
      config: { name: name('Session duration'), state_topic: topics.connector(id, n, 'session'), value_template: TEMPLATES.sessionDuration, device_class: 'duration', unit_of_measurement: 's', state_class: 'measurement' },
    },
    {
      component: 'sensor',
      object: object('session_energy'),
      config: {
        name: name('Session energy'),
        state_topic: topics.connector(id, n, 'session'),
        value_template: '{{ value_json.energyWh }}',
        json_attributes_topic: topics.connector(id, n, 'session'),
        device_class: 'energy',
        unit_of_measurement: 'Wh',
        // Each session starts again from 0: Home Assistant reads a drop as a new cycle.
        state_class: 'total_increasing',
      },
    },
    {
      component: 'number',
      object: object('limit'),
      // It shows the cap a person set (none: the charger's maximum), not the allocation under
      // it, which moves on its own: a value set does not snap back (issue #18).
      config: {
        name: name('Current limit'),
        icon: 'mdi:current-ac',
        state_topic: topics.connector(id, n, 'cap'),
        value_template: noneAs(charger.maxCurrentA),
        command_topic: topics.connectorCommand(id, n, 'maxcurrent'),
        device_class: 'current',
        unit_of_measurement: 'A',
        min: 0,
        max: charger.maxCurrentA,
        step: 1,
        mode: 'box',
        qos: 1,
      },
    },
    {
      component: 'sensor',
      object: object('limit_accepted'),
      config: {
        name: name('Accepted limit'),
        icon: 'mdi:current-ac',
        state_topic: topics.connector(id, n, 'limitAccepted'),
        value_template: NONE_AS_UNKNOWN,
        device_class: 'current',
        unit_of_measurement: 'A',
        state_class: 'measurement',
      },
    },
    {
      component: 'sensor',
      object: object('allocated'),
      config: { name: name('Allocated current'), icon: 'mdi:current-ac', state_topic: topics.connector(id, n, 'limit'), value_template: NONE_AS_UNKNOWN, device_class: 'current', unit_of_measurement: 'A', state_class: 'measurement' },
    },
    { component: 'sensor', object: object('limit_reason'), config: { name: name('Limit reason'), icon: 'mdi:information-outline', state_topic: topics.connector(id, n, 'limitReason'), value_template: TEMPLATES.text } },
    { component: 'button', object: object('unlock'), config: { name: name('Unlock'), icon: 'mdi:lock-open-variant', command_topic: topics.connectorCommand(id, n, 'unlock'), payload_press: '{}', qos: 1 } },
    ...(charger.currency
      ? [{ component: 'sensor' as const, object: object('session_cost'), config: { name: name('Session cost'), state_topic: topics.connector(id, n, 'session/cost'), device_class: 'monetary', unit_of_measurement: charger.currency, state_class: 'total' } }]
      : []),
    ...planEntities(charger, n, topics),
    // `1`/`3` while phase switching holds the connector on that many phases, `none` otherwise.
    ...(charger.phaseSwitching
      ? [{ component: 'sensor' as const, object: object('phases'), config: { name: name('Phases in use'), icon: 'mdi:sine-wave', state_topic: topics.connector(id, n, 'phases'), value_template: NONE_AS_UNKNOWN, state_class: 'measurement' } }]
      : []),
    { component: 'button', object: object('start'), config: { name: name('Start charging'), icon: 'mdi:play', command_topic: topics.connectorCommand(id, n, 'start'), payload_press: '{}', qos: 1 } },
    { component: 'button', object: object('stop'), config: { name: name('Stop charging'), icon: 'mdi:stop', command_topic: topics.connectorCommand(id, n, 'stop'), payload_press: '{}', qos: 1 } },
  ];
  return list;
}

/** The connector's charging plan (src/plan): its status with the plan as attributes, and when it expects the energy in the car. */
function planEntities(charger: DiscoveredCharger, n: number, topics: Topics): Entity[] {
  const name = (what: string) => (charger.connectors === 1 ? what : `Connector ${n} ${what.toLowerCase()}`);
  const topic = topics.connector(charger.id, n, 'plan');
  return [
    {
      component: 'sensor',
      object: `c${n}_plan`,
      config: {
        name: name('Charging plan'),
        icon: 'mdi:calendar-clock',
        state_topic: topic,
        value_template: TEMPLATES.planStatus,
        device_class: 'enum',
        options: [...PLAN_STATUSES],
        // Next slot, expected finish and cost, the target, the reason: the plan's JSON as it is.
        json_attributes_topic: topic,
        json_attributes_template: TEMPLATES.planAttributes,
      },
    },
    { component: 'sensor', object: `c${n}_plan_finish`, config: { name: name('Plan expected finish'), icon: 'mdi:clock-end', state_topic: topic, value_template: TEMPLATES.planFinish, device_class: 'timestamp' } },
  ];
}

/** 32-bit FNV-1a as 8 hex digits: stable, dependency-free, good enough to tell ids apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** The charge mode (src/balancer/solar.ts) as a select; its options are the mode names the command takes. */
function modeSelect(charger: DiscoveredCharger, n: number, topics: Topics): Entity {
  return {
    component: 'select',
    object: `c${n}_mode`,
    config: {
      name: charger.connectors === 1 ? 'Charge mode' : `Connector ${n} charge mode`,
      icon: 'mdi:solar-power',
      state_topic: topics.connector(charger.id, n, 'mode'),
      command_topic: topics.connectorCommand(charger.id, n, 'mode'),
      options: [...CHARGE_MODES],
      qos: 1,
    },
  };
}
