/**
 * Where each OCPP 1.6 message goes when a cloud upstream is configured, as one pure function of
 * action × direction × link state (issue 3, "In both modes"). Chargers never wait on an absent
 * cloud: chargegate answers them itself and the cloud hears later, or the cloud answers within
 * a short timeout and chargegate decides on its own otherwise.
 */
import type { ChargerAction16, CentralAction16 } from '../ocpp/v16/actions.js';

export type LinkState = 'online' | 'offline';
export type UpstreamMode = 'aggregate' | 'transparent';

/** What happens to a message a charger sent. */
export type ChargerRoute =
  /** Answered by chargegate only (the cloud sees chargegate's own). */
  | 'local'
  /** Answered by chargegate, and a copy is sent to the cloud when online (not queued). */
  | 'local-and-mirror'
  /** The cloud is asked with a short timeout; chargegate decides if it does not answer. */
  | 'ask-cloud'
  /** Answered by chargegate; the message is committed to the outbox and delivered in order. */
  | 'local-and-queue'
  /** Answered by chargegate; only the latest per connector is kept queued. */
  | 'local-and-queue-latest'
  /** Relayed to the cloud and its answer returned. */
  | 'relay'
  /** Refused with a reason (Rejected), because the cloud cannot be asked. */
  | 'reject';

export function routeFromCharger(action: ChargerAction16, mode: UpstreamMode, link: LinkState): ChargerRoute {
  switch (action) {
    case 'StartTransaction':
    case 'StopTransaction':
    case 'MeterValues':
      // 1.6 §3.7: transaction messages are queued and delivered in chronological order.
      return 'local-and-queue';
    case 'StatusNotification':
      return 'local-and-queue-latest';
    case 'Authorize':
      return link === 'online' ? 'ask-cloud' : 'local';
    case 'DataTransfer':
      return link === 'online' ? 'relay' : 'reject';
    case 'Heartbeat':
      return 'local';
    case 'BootNotification':
    case 'FirmwareStatusNotification':
    case 'DiagnosticsStatusNotification':
      // Aggregate: the cloud sees chargegate as the one charge point; it boots itself.
      if (mode === 'aggregate') return 'local';
      return link === 'online' ? 'local-and-mirror' : 'local';
  }
}

/** What happens to a command the cloud sent. */
export type CloudRoute =
  /** Sent to the charger(s) it maps to; the answer relayed. */
  | 'to-charger'
  /** Answered by chargegate from what it keeps (local list, cache, its own configuration). */
  | 'chargegate'
  /** Cannot be mapped onto the site: CALLERROR NotSupported with a description. */
  | 'not-supported';

export function routeFromCloud(action: CentralAction16, mode: UpstreamMode): CloudRoute {
  switch (action) {
    case 'SendLocalList':
    case 'GetLocalListVersion':
    case 'ClearCache':
      return 'chargegate';
    case 'GetConfiguration':
    case 'ChangeConfiguration':
    case 'TriggerMessage':
      // Aggregate: chargegate's own keys and messages, and the chargers' behind <chargerId>/<key>.
      return mode === 'aggregate' ? 'chargegate' : 'to-charger';
    case 'Reset':
    case 'UpdateFirmware':
    case 'GetDiagnostics':
    case 'DataTransfer':
      // One site is not one firmware, one log or one vendor: only per charger.
      return mode === 'aggregate' ? 'not-supported' : 'to-charger';
    default:
      return 'to-charger';
  }
}
