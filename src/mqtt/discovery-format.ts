/** `entity`: one retained config per entity (every Home Assistant version); `device`: one per device (2024.11+, device-discovery.ts). */
export const DISCOVERY_FORMATS = ['entity', 'device'] as const;
export type DiscoveryFormat = (typeof DISCOVERY_FORMATS)[number];

/** The format a new install publishes when `mqtt.homeAssistant.format` is not set. */
export const NEW_INSTALL_FORMAT: DiscoveryFormat = 'device';

/** Which format is published at this start, why, and which format's topics are moved from. */
export interface FormatChoice {
  format: DiscoveryFormat;
  /** config: set in the config; kept: unset, what this install published before; new: unset, a new install. */
  source: 'config' | 'kept' | 'new';
  /**
   * The format whose topics are moved from at this start (flagged, then emptied after the new
   * configs: device-discovery.ts), or undefined. `previous` says whether it is a move of
   * entities this install published, or only a sweep (see below).
   */
  moveFrom: DiscoveryFormat | undefined;
  /** The format this install published before (its store's memory), if any. */
  previous: DiscoveryFormat | undefined;
}

/**
 * Pure. `configured`: `mqtt.homeAssistant.format` as set (undefined: not set). `previous`: what
 * this install published before, from its store (undefined: a new install).
 * `brokerKeepsRetained`: the broker outlives chargegate (an external one). The embedded
 * broker starts empty with chargegate, so nothing of an earlier install can be on it.
 *
 * - Set in the config: that format; a different previous one is moved from.
 * - Not set: an install keeps the format it publishes (an upgrade changes nothing in Home
 *   Assistant); a new install publishes one config per device, Home Assistant's newer way
 *   (2024.11, two years old in December 2026), which needs a third of the bytes and a fraction
 *   of the broker's memory (docs/performance.md, "Device-based discovery").
 * - A new install on a broker that keeps retained messages sweeps the other format's topics:
 *   a box reinstalled with an empty disk, on the site's broker, would otherwise leave the old
 *   install's configs retained, and Home Assistant would keep those and refuse the new ones
 *   with the same ids as a conflict. Flags and empty payloads on topics that hold nothing
 *   change nothing, in the broker or in Home Assistant.
 */
export function chooseDiscoveryFormat(configured: DiscoveryFormat | undefined, previous: DiscoveryFormat | undefined, brokerKeepsRetained: boolean): FormatChoice {
  const format = configured ?? previous ?? NEW_INSTALL_FORMAT;
  const source = configured !== undefined ? 'config' : previous !== undefined ? 'kept' : 'new';
  const moveFrom = previous !== undefined ? (previous !== format ? previous : undefined) : brokerKeepsRetained ? otherFormat(format) : undefined;
  return { format, source, moveFrom, previous };
}

function otherFormat(format: DiscoveryFormat): DiscoveryFormat {
  return format === 'entity' ? 'device' : 'entity';
}
