/**
 * Firmware and diagnostics on MQTT (docs/mqtt.md), retained states a late subscriber sees:
 *   <prefix>/chargers/<id>/firmware      {"status", "at"}: the latest FirmwareStatusNotification
 *   <prefix>/chargers/<id>/diagnostics   {"status", "at", "lastFile"?}: the latest
 *                                         DiagnosticsStatusNotification and file received
 */
import type { GatewayEvents } from '../events.js';
import type { LatestTransfers } from '../transfers/service.js';
import type { Topics } from './topics.js';

type Listen = <K extends 'charger.fileStatus' | 'diagnostics.file'>(name: K, handle: (payload: GatewayEvents[K]) => void) => void;

export type LatestLookup = (chargerId: string) => LatestTransfers;

export function publishFileStates(chargerId: string, latest: LatestLookup, topics: Topics, publisher: { state(topic: string, payload: string, qos: 0 | 1): void }, only?: 'firmware' | 'diagnostics'): void {
  const now = latest(chargerId);
  for (const kind of ['firmware', 'diagnostics'] as const) {
    const value = now[kind];
    if (value && (only === undefined || only === kind)) publisher.state(topics.charger(chargerId, kind), JSON.stringify(value), 1);
  }
}

export function mirrorFiles(listen: Listen, latest: LatestLookup, topics: Topics, publisher: { state(topic: string, payload: string, qos: 0 | 1): void }): void {
  listen('charger.fileStatus', ({ chargerId, kind }) => publishFileStates(chargerId, latest, topics, publisher, kind));
  listen('diagnostics.file', ({ chargerId }) => publishFileStates(chargerId, latest, topics, publisher, 'diagnostics'));
}
