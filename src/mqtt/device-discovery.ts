/**
 * Home Assistant's device-based discovery (pure): one retained config per device,
 * `<discoveryPrefix>/device/<node>/config`, that carries the device, the origin, the options its
 * entities share and each entity as a component (`cmps`, keyed by the same object id the
 * per-entity format puts in its topic). Home Assistant 2024.11 and later read it
 * (homeassistant/components/mqtt/discovery.py: a device topic's object id becomes each
 * component's node id, so `device/chargegate_CP1` with component `status` is the discovery id
 * `chargegate_CP1 status`, the very one of `sensor/chargegate_CP1/status`).
 *
 * What it saves (issue #19): a charger's 33–36 retained messages become one, and the device,
 * the origin and the availability are said once instead of in every config
 * (docs/performance.md, "Device-based discovery"). What Home Assistant merges into each
 * component from the body ("shared options", _merge_common_device_options): availability,
 * availability_mode, availability_topic, payload_(not_)available, state_topic, command_topic.
 * The topic base `~` is not among them and is replaced per component after the merge, so each
 * component says its own `~`, and the shared availability names full topics.
 *
 * Changing format keeps the entities (their ids, names, history and settings): Home Assistant's
 * migration ("migrate_discovery", its MQTT docs, "Migration from single component to
 * device-based discovery", and back) is: the old topics get `{"migr_discvry": true}`, which
 * unloads their entities and keeps them in the registry; the new configs follow; then the old
 * topics are emptied (retained), which no longer removes anything.
 */
import { abbreviated } from './ha-abbreviations.js';
import {
  chargegateOrigin,
  chargerAvailability,
  chargerDevice,
  chargerEntities,
  discoveryMessages,
  GATEWAY_ONLY,
  nodeId,
  siteDevice,
  siteDiscoveryMessages,
  siteEntities,
  SITE_NODE,
  type DiscoveredCharger,
  type DiscoveredSite,
  type DiscoveryMessage,
  type DiscoveryOptions,
  type Entity,
} from './discovery.js';
import type { Topics } from './topics.js';
import type { DiscoveryFormat } from './discovery-format.js';

export { DISCOVERY_FORMATS, type DiscoveryFormat } from './discovery-format.js';

/** Home Assistant's migration request, in its short form (discovery.py accepts `migr_discvry`). */
export const MIGRATE_PAYLOAD = '{"migr_discvry":true}';

export function deviceTopic(discoveryPrefix: string, node: string): string {
  return `${discoveryPrefix}/device/${node}/config`;
}

export function chargerDeviceMessage(charger: DiscoveredCharger, topics: Topics, discoveryPrefix: string, version: string, options: DiscoveryOptions = {}): DiscoveryMessage {
  const node = nodeId(charger.id);
  const base = topics.chargerBase(charger.id);
  // The entities that need only chargegate say their own availability (a list: a component's
  // availability_topic next to the inherited list would be refused as both at once).
  const own = (object: string) => (GATEWAY_ONLY.has(object) ? { availability: [{ topic: topics.status }] } : {});
  return {
    topic: deviceTopic(discoveryPrefix, node),
    payload: devicePayload({ device: chargerDevice(charger, options), origin: chargegateOrigin(version), ...chargerAvailability(topics, charger.id) }, chargerEntities(charger, topics), node, base, own),
  };
}

export function siteDeviceMessage(site: DiscoveredSite, topics: Topics, discoveryPrefix: string, version: string, options: DiscoveryOptions = {}): DiscoveryMessage {
  return {
    topic: deviceTopic(discoveryPrefix, SITE_NODE),
    payload: devicePayload({ device: siteDevice(version, options), origin: chargegateOrigin(version), availability_topic: topics.status }, siteEntities(site, topics), SITE_NODE, undefined, () => ({})),
  };
}

function devicePayload(body: Record<string, unknown>, entities: readonly Entity[], node: string, base: string | undefined, own: (object: string) => Record<string, unknown>): string {
  const cmps: Record<string, unknown> = {};
  for (const { component, object, config } of entities) cmps[object] = { p: component, ...abbreviated({ ...config, unique_id: `${node}_${object}`, ...own(object) }, base) };
  return JSON.stringify({ ...abbreviated(body), cmps });
}

/**
 * What moves Home Assistant from one format to the other for one device: `flags` (not
 * retained) before the new config, `clears` (empty retained) after it. The old format's topics
 * are those of every entity the device may have had (as for a removal), so none is left behind.
 */
export interface FormatMigration {
  flags: DiscoveryMessage[];
  clears: string[];
}

export function chargerMigration(to: DiscoveryFormat, charger: DiscoveredCharger, topics: Topics, discoveryPrefix: string): FormatMigration {
  const old = to === 'device' ? discoveryMessages(everyEntityOf(charger), topics, discoveryPrefix, '').map((m) => m.topic) : [deviceTopic(discoveryPrefix, nodeId(charger.id))];
  return migration(old);
}

export function siteMigration(to: DiscoveryFormat, site: DiscoveredSite, topics: Topics, discoveryPrefix: string): FormatMigration {
  const old = to === 'device' ? siteDiscoveryMessages({ ...site, phases: 3, gridMeter: true }, topics, discoveryPrefix, '').map((m) => m.topic) : [deviceTopic(discoveryPrefix, SITE_NODE)];
  return migration(old);
}

/**
 * A charger as it may have been under another config: every optional entity (three phases, the
 * SoC, phase switching, the charge mode select, the session cost; the cost's topic does not
 * depend on its currency). A move or a removal that empties these leaves none behind.
 */
export function everyEntityOf(charger: DiscoveredCharger): DiscoveredCharger {
  return { ...charger, phases: 3, socReported: true, phaseSwitching: true, chargeModes: true, currency: charger.currency ?? 'EUR' };
}

function migration(oldTopics: string[]): FormatMigration {
  return { flags: oldTopics.map((topic) => ({ topic, payload: MIGRATE_PAYLOAD })), clears: oldTopics };
}
