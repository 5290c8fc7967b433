/**
 * Where each OCPP 1.6 message goes when a cloud upstream is configured, as pure functions of
 * action × direction × mode × link state (issue 3, "In both modes"; issue 20: the one authority:
 * upstream.ts and cloud-calls.ts ask here and decide nothing of their own). Chargers never wait
 * on an absent cloud: chargegate answers them itself and the cloud hears later, or the cloud
 * answers within a short timeout and chargegate decides on its own otherwise.
 */
import type { ChargerAction16, CentralAction16 } from '../ocpp/v16/actions.js';

export type LinkState = 'online' | 'offline';
export type UpstreamMode = 'aggregate' | 'transparent';

/** What happens to a message a charger sent. */
export type ChargerRoute =
  /** Answered by chargegate only (the cloud sees chargegate's own, or nothing). */
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

/**
 * `connectorId`: the connector a StatusNotification or MeterValues is about, where it matters:
 * in aggregate mode a charger's connector 0 (the charger itself, its own meter) is no connector
 * of the site's charge point, whose connector 0 is chargegate's own (1.6 §4.9).
 */
export function routeFromCharger(action: ChargerAction16, mode: UpstreamMode, link: LinkState, connectorId?: number): ChargerRoute {
  switch (action) {
    case 'StartTransaction':
    case 'StopTransaction':
      // 1.6 §3.7: transaction messages are queued and delivered in chronological order.
      return 'local-and-queue';
    case 'MeterValues':
      // Transaction messages too (§3.7), but a charger's own meter is not the site's.
      if (mode === 'aggregate' && connectorId === 0) return 'local';
      return 'local-and-queue';
    case 'StatusNotification':
      if (mode === 'aggregate' && connectorId === 0) return 'local';
      // A status is a state, not an event: the cloud needs the latest (1.6 §4.9).
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
    case 'LogStatusNotification':
    case 'SignedFirmwareStatusNotification':
      // Aggregate: the cloud sees chargegate as the one charge point; it boots itself. The
      // security whitepaper's log and signed firmware statuses (use cases N01, L01) answer a GetLog or
      // SignedUpdateFirmware the cloud can only have sent in transparent mode.
      if (mode === 'aggregate') return 'local';
      return link === 'online' ? 'local-and-mirror' : 'local';
    case 'SecurityEventNotification':
      // Security whitepaper use case A04: security events are queued while the charge point is offline, so
      // the cloud hears each one in order: queued like a transaction message. Aggregate: the
      // cloud's charge point is chargegate; a charger's event is not chargegate's own, and
      // rewriting it as one would lose which charger it was: kept locally (API, MQTT).
      return mode === 'aggregate' ? 'local' : 'local-and-queue';
    case 'SignCertificate':
      // Use cases A02/A03 (SignCertificate.req): the CSMS has the charger's certificate signed. Transparent and online: the cloud
      // decides (it sends CertificateSigned itself); else chargegate's local CA, if configured.
      return mode === 'transparent' && link === 'online' ? 'relay' : 'local';
  }
}

/** The routes that commit the message to the outbox (and answer the charger once it is durable). */
export function isQueued(route: ChargerRoute): boolean {
  return route === 'local-and-queue' || route === 'local-and-queue-latest';
}

/** What happens to a command the cloud sent. */
export type CloudRoute =
  /** Sent to the charger(s) it maps to; the answer relayed. */
  | 'to-charger'
  /** Answered by chargegate from what it keeps (local list, cache, its own configuration). */
  | 'chargegate'
  /** Kept by chargegate as the load balancer's limits (cloud-caps.ts), never sent to a charger. */
  | 'local-controller'
  /** Cannot be mapped onto the site: CALLERROR NotSupported with a description. */
  | 'not-supported';

/** `balancer`: the site has a load balancer, so chargegate is its Local Controller (1.6 §3.13.4). */
export function routeFromCloud(action: CentralAction16, mode: UpstreamMode, balancer: boolean): CloudRoute {
  switch (action) {
    case 'SetChargingProfile':
    case 'ClearChargingProfile':
    case 'GetCompositeSchedule':
      // §3.13.4: the cloud's profiles become the balancer's limits; on a charger they would
      // outrank the balancer's own (§3.13.2) and the standing limits could exceed the supply.
      return balancer ? 'local-controller' : 'to-charger';
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
    case 'DataTransfer':
      // Aggregate: a Reset of the site resets every charger; a DataTransfer goes where
      // upstream.dataTransfer says (cloud-calls.ts, data-transfer.ts).
      return mode === 'aggregate' ? 'chargegate' : 'to-charger';
    case 'UpdateFirmware':
    case 'GetDiagnostics':
      // Aggregate: chargegate is the charge point; it fetches the firmware into its store
      // (installing it on chargers is the operator's) and uploads a diagnostics bundle of the
      // site (src/transfers/cloud.ts). Transparent: to the charger, its location rewritten.
      return mode === 'aggregate' ? 'chargegate' : 'to-charger';
    case 'SignedUpdateFirmware':
    case 'GetLog':
    case 'InstallCertificate':
    case 'DeleteCertificate':
    case 'GetInstalledCertificateIds':
    case 'CertificateSigned':
      // One site is not one vendor, one signed firmware or one certificate store: only per
      // charger. (chargegate's own certificates toward the cloud are its configuration.)
      return mode === 'aggregate' ? 'not-supported' : 'to-charger';
    case 'ExtendedTriggerMessage':
      // The whitepaper's ExtendedTriggerMessage.req: TriggerMessage's messages and two more; aggregate answers the
      // common ones as chargegate itself, like TriggerMessage (cloud-calls.ts).
      return mode === 'aggregate' ? 'chargegate' : 'to-charger';
    default:
      return 'to-charger';
  }
}
