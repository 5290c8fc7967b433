/**
 * Home Assistant MQTT discovery (pure): the retained config messages that make one device per
 * charger appear in Home Assistant with no typing. One message per entity,
 * `<discoveryPrefix>/<component>/<node>/<object>/config`, which every Home Assistant version
 * with MQTT discovery understands; an empty retained message removes the entity.
 */
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
  /** The tariff's currency: a session cost sensor per connector (src/cost); none without a tariff. */
  currency?: string;
}

export interface DiscoveryMessage {
  topic: string;
  /** The JSON config, or '' to remove the entity. */
  payload: string;
}

type Component = 'sensor' | 'binary_sensor' | 'switch' | 'number' | 'button';

interface Entity {
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

export function discoveryMessages(charger: DiscoveredCharger, topics: Topics, discoveryPrefix: string, version: string): DiscoveryMessage[] {
  const node = nodeId(charger.id);
  const device = {
    identifiers: [node],
    name: charger.id,
    manufacturer: charger.info?.vendor ?? 'unknown',
    model: charger.info?.model ?? 'unknown (not booted yet)',
    ...(charger.info?.firmwareVersion ? { sw_version: charger.info.firmwareVersion } : {}),
    ...(charger.info?.serialNumber ? { serial_number: charger.info.serialNumber } : {}),
  };
  const origin = { name: 'chargegate', sw_version: version };
  // An entity is available while chargegate runs and the charger is connected to it; the
  // connection itself and whether chargegate controls the charger only need chargegate (a
  // charger that lost its link may still charge, uncontrolled: that must stay visible).
  const availability = {
    availability: [{ topic: topics.status }, { topic: topics.charger(charger.id, 'connected') }],
    availability_mode: 'all',
    payload_available: 'online',
    payload_not_available: 'offline',
  };
  return entities(charger, topics).map(({ component, object, config }) => ({
    topic: `${discoveryPrefix}/${component}/${node}/${object}/config`,
    payload: JSON.stringify({
      ...config,
      unique_id: `${node}_${object}`,
      ...(GATEWAY_ONLY.has(object) ? { availability_topic: topics.status, payload_available: 'online', payload_not_available: 'offline' } : availability),
      device,
      origin,
    }),
  }));
}

/** The same topics with empty payloads: Home Assistant removes the entities (and the device with its last one). */
export function removalMessages(charger: DiscoveredCharger, topics: Topics, discoveryPrefix: string): DiscoveryMessage[] {
  return discoveryMessages(charger, topics, discoveryPrefix, '').map(({ topic }) => ({ topic, payload: '' }));
}

/** Entities available whenever chargegate runs (see `availability` above). */
const GATEWAY_ONLY = new Set(['connected', 'controlled', 'uncontrolled_reason']);

/** The mirror's "no value" payload (`none`) as Home Assistant's own, which makes the state unknown. */
const NONE_AS_UNKNOWN = "{{ 'None' if value == 'none' else value }}";

function entities(charger: DiscoveredCharger, topics: Topics): Entity[] {
  const id = charger.id;
  const list: Entity[] = [
    { component: 'binary_sensor', object: 'connected', config: { name: 'Connected', device_class: 'connectivity', entity_category: 'diagnostic', state_topic: topics.charger(id, 'connected'), payload_on: 'online', payload_off: 'offline' } },
    { component: 'sensor', object: 'status', config: { name: 'Charger status', icon: 'mdi:ev-station', state_topic: topics.charger(id, 'status') } },
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
  for (let n = 1; n <= charger.connectors; n++) list.push(...connectorEntities(charger, n, topics));
  return list;
}

function connectorEntities(charger: DiscoveredCharger, n: number, topics: Topics): Entity[] {
  const id = charger.id;
  // One connector: plain names ("Power"); several: "Connector 2 power".
  const name = (what: string) => (charger.connectors === 1 ? what : `Connector ${n} ${what.toLowerCase()}`);
  const object = (what: string) => `c${n}_${what}`;
  const measurement = (what: string, leaf: Parameters<Topics['connector']>[2], deviceClass: string, unit: string) => ({
    component: 'sensor' as const,
    object: object(what.toLowerCase().replace(/\s+/g, '_')),
    config: { name: name(what), state_topic: topics.connector(id, n, leaf), device_class: deviceClass, unit_of_measurement: unit, state_class: 'measurement' },
  });
  const list: Entity[] = [
    { component: 'sensor', object: object('status'), config: { name: name('Status'), icon: 'mdi:ev-plug-type2', state_topic: topics.connector(id, n, 'status') } },
    measurement('Power', 'power', 'power', 'W'),
    {
      component: 'sensor',
      object: object('energy'),
      config: { name: name('Energy'), state_topic: topics.connector(id, n, 'energy'), device_class: 'energy', unit_of_measurement: 'Wh', state_class: 'total_increasing' },
    },
    ...PHASES.slice(0, charger.phases).map((phase) => measurement(`Current ${phase}`, `current/${phase}`, 'current', 'A')),
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
      config: {
        name: name('Current limit'),
        icon: 'mdi:current-ac',
        state_topic: topics.connector(id, n, 'limit'),
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
    ...(charger.currency
      ? [{ component: 'sensor' as const, object: object('session_cost'), config: { name: name('Session cost'), state_topic: topics.connector(id, n, 'session/cost'), device_class: 'monetary', unit_of_measurement: charger.currency, state_class: 'total' } }]
      : []),
    { component: 'button', object: object('start'), config: { name: name('Start charging'), icon: 'mdi:play', command_topic: topics.connectorCommand(id, n, 'start'), payload_press: '{}', qos: 1 } },
    { component: 'button', object: object('stop'), config: { name: name('Stop charging'), icon: 'mdi:stop', command_topic: topics.connectorCommand(id, n, 'stop'), payload_press: '{}', qos: 1 } },
  ];
  return list;
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
