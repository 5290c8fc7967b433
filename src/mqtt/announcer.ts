/**
 * Publishes the Home Assistant discovery configs in the configured format
 * (`mqtt.homeAssistant.format`) and, once after the format changed, moves Home Assistant's
 * entities from the old format's topics to the new one's (device-discovery.ts: flags, the new
 * config, then the old topics emptied), so that they keep their ids, names and history.
 */
import { discoveryMessages, nodeId, removalMessages, SITE_NODE, siteDiscoveryMessages, type DiscoveredCharger, type DiscoveredSite, type DiscoveryOptions } from './discovery.js';
import { chargerDeviceMessage, chargerMigration, deviceTopic, everyEntityOf, siteDeviceMessage, siteMigration, type DiscoveryFormat, type FormatMigration } from './device-discovery.js';
import type { FormatChoice } from './discovery-format.js';
import type { Publisher } from './publisher.js';
import type { Topics } from './topics.js';

export interface AnnouncerDeps {
  publisher: Pick<Publisher, 'config' | 'clear' | 'event'>;
  topics: Topics;
  discoveryPrefix: string;
  version: string;
  options: DiscoveryOptions;
  format: DiscoveryFormat;
  /** The format whose topics the devices known at start are moved from (discovery-format.ts), or undefined: nothing to move. */
  moveFrom: DiscoveryFormat | undefined;
}

export interface Announcer {
  charger(charger: DiscoveredCharger): void;
  site(site: DiscoveredSite): void;
  /** A charger removed from the config: its entities go, in either format. */
  retire(charger: DiscoveredCharger): void;
  /** Every device known at start is announced: later ones are new and have nothing to move. */
  settled(): void;
  /** Devices moved from the previous format so far. */
  readonly migrated: number;
}

export function createAnnouncer(deps: AnnouncerDeps): Announcer {
  const { publisher, topics, discoveryPrefix: prefix, version, options, format } = deps;
  let moving = deps.moveFrom !== undefined && deps.moveFrom !== format;
  /** The devices moved in this run: each once, before its first config in the new format. */
  const moved = new Set<string>();

  function publish(node: string, migration: () => FormatMigration, configs: () => { topic: string; payload: string }[]): void {
    const move = moving && !moved.has(node) ? migration() : undefined;
    if (move) {
      moved.add(node);
      for (const flag of move.flags) publisher.event(flag.topic, flag.payload);
    }
    for (const m of configs()) publisher.config(m.topic, m.payload);
    for (const topic of move?.clears ?? []) publisher.clear(topic);
  }

  return {
    charger(charger) {
      publish(
        nodeId(charger.id),
        () => chargerMigration(format, charger, topics, prefix),
        () => (format === 'device' ? [chargerDeviceMessage(charger, topics, prefix, version, options)] : discoveryMessages(charger, topics, prefix, version, options)),
      );
    },
    site(site) {
      publish(
        SITE_NODE,
        () => siteMigration(format, site, topics, prefix),
        () => (format === 'device' ? [siteDeviceMessage(site, topics, prefix, version, options)] : siteDiscoveryMessages(site, topics, prefix, version, options)),
      );
    },
    retire(charger) {
      for (const m of removalMessages(everyEntityOf(charger), topics, prefix)) publisher.clear(m.topic);
      publisher.clear(deviceTopic(prefix, nodeId(charger.id)));
    },
    settled() {
      moving = false;
    },
    get migrated() {
      return moved.size;
    },
  };
}

/** From this many chargers a site per entity is told about device configs at start (memory: docs/performance.md). */
export const LARGE_SITE_CHARGERS = 100;

/** The start log's hint for a large site that still publishes one config per entity, or undefined. */
export function formatAdvice(format: DiscoveryFormat, chargers: number): string | undefined {
  if (format !== 'entity' || chargers < LARGE_SITE_CHARGERS) return undefined;
  return 'a large site: with Home Assistant 2024.11 or later, mqtt.homeAssistant.format: device publishes one discovery config per charger instead of one per entity, a third of the bytes and a fraction of the broker\'s memory (docs/mqtt.md, Home Assistant)';
}

/** The start log's line on the discovery format: which one, and why (so that a user whose Home Assistant shows no entities finds the setting). */
export function formatLine(choice: Pick<FormatChoice, 'format' | 'source'>): string {
  const what = choice.format === 'device' ? 'one config per charger (Home Assistant 2024.11 or later; for an older one set mqtt.homeAssistant.format: entity)' : 'one config per entity';
  const why = choice.source === 'config' ? 'as mqtt.homeAssistant.format says' : choice.source === 'kept' ? 'as this install published before (mqtt.homeAssistant.format not set)' : 'a new install (mqtt.homeAssistant.format not set)';
  return `Home Assistant discovery: ${what}, ${why}`;
}
