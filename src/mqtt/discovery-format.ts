/** `entity`: one retained config per entity (every Home Assistant version); `device`: one per device (2024.11+, device-discovery.ts). */
export const DISCOVERY_FORMATS = ['entity', 'device'] as const;
export type DiscoveryFormat = (typeof DISCOVERY_FORMATS)[number];
