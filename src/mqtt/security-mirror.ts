/**
 * The OCPP 1.6 security extension on MQTT: per charger, non-retained events (a security event is
 * a thing that happened, not a state to show a late subscriber):
 *   <prefix>/chargers/<id>/event/security          a SecurityEventNotification (or InvalidCsr)
 *   <prefix>/chargers/<id>/event/certificate       what came of a CSR the local CA answered
 *   <prefix>/chargers/<id>/event/log-status        LogStatusNotification
 *   <prefix>/chargers/<id>/event/firmware-status   SignedFirmwareStatusNotification
 */
import type { GatewayEvents } from '../events.js';
import type { ChargerEventKind, Topics } from './topics.js';

type Listen = <K extends 'security.event' | 'security.certificate' | 'charger.transferStatus'>(name: K, handle: (payload: GatewayEvents[K]) => void) => void;

export function mirrorSecurity(listen: Listen, topics: Topics, publisher: { event(topic: string, payload: string): void }): void {
  const publish = (chargerId: string, kind: ChargerEventKind, body: object) => publisher.event(topics.event(chargerId, kind), JSON.stringify(body));
  listen('security.event', ({ chargerId, ...event }) => publish(chargerId, 'security', event));
  listen('security.certificate', ({ chargerId, ...outcome }) => publish(chargerId, 'certificate', outcome));
  listen('charger.transferStatus', ({ chargerId, kind, ...status }) => publish(chargerId, kind === 'log' ? 'log-status' : 'firmware-status', status));
}
