/**
 * What differs between the two upstream modes, chosen once by createUpstream (upstream.ts), the
 * way mqtt/index.ts chooses its transport:
 * - aggregate (aggregate.ts): the cloud sees the site as one charge point, chargegate itself:
 *   one connection, one connector numbering over the site, chargegate's own configuration keys,
 *   boot and connector 0;
 * - transparent (transparent.ts): the cloud sees each configured charger as itself, chargegate
 *   being their Local Controller (OCPP 1.6 §3.13.4): one connection per charger, numbers unchanged.
 * Everything else (the outbox, the id map, the couriers, and where each message goes, which is
 * routing.ts) is the same in both, so nothing outside these files asks which mode is in force.
 */
import type { Config } from '../config/schema.js';
import type { Commands } from '../gateway/commands.js';
import type { Registry } from '../gateway/registry.js';
import type { BootNotificationRequest } from '../ocpp/v16/types.js';
import type { ConnectorState, Store } from '../store/ports.js';
import type { OwnChargePoint } from './cloud-calls.js';
import type { ConnectorMapping } from './connectors.js';
import type { UpstreamLink } from './link.js';
import type { UpstreamMode } from './routing.js';
import type { SiteFacts } from './v201/site-device-model.js';

/** One connection to the cloud, as the mode defines it. */
export interface ChannelSpec {
  /** The channel's name: its outbox rows and id map entries are filed under it. */
  readonly name: string;
  /** The charge point identity the cloud sees (the last path segment), and its Basic auth password. */
  readonly identity: string;
  readonly password?: string;
  /** Sent after every (re)connect (1.6 §4.2), and when the cloud triggers one. */
  boot(): BootNotificationRequest;
  /**
   * Whether boot() says what the charge point really is. While it does not (transparent: a charger
   * that never booted), the channel is not opened: it opens at the charger's first boot.
   */
  bootKnown(): boolean;
}

/** What the aggregate charge point needs of its channel to answer for itself. */
export interface OwnChannel {
  readonly spec: ChannelSpec;
  readonly link: Pick<UpstreamLink, 'ready' | 'heartbeatIntervalS'>;
  /** Queues the status of every connector (or of one, by its cloud number) for the cloud. */
  announce(cloudConnectorId?: number): void;
  /** A call sent now, written in the cloud's OCPP version (wire.ts): its answer as 1.6's. */
  call(action: string, payload: unknown): Promise<unknown>;
}

export interface Mode {
  readonly name: UpstreamMode;
  /** A charger's connector ↔ the number the cloud knows it by. */
  readonly connectors: ConnectorMapping;
  /** The connections to open. */
  readonly channels: readonly ChannelSpec[];
  /** The channel a charger's messages go up on (it may not exist: transparent, an unconfigured charger). */
  channelOf(chargerId: string): string;
  /** The chargers behind a channel: what a command for its connector 0 reaches. */
  chargersOf(channel: string): string[];
  /**
   * The charger that is a channel's whole charge point, addressed as connector 0 (ReserveNow,
   * GetCompositeSchedule, CancelReservation); undefined where connector 0 is the site (aggregate).
   */
  chargePointOf(channel: string): string | undefined;
  /** What chargegate says of its own connector 0 after every accepted boot (1.6 §4.9); undefined: nothing, it is a charger's. */
  ownStatus(at: string): ConnectorState | undefined;
  /** The cloud connectors that turn Unavailable when a charger disconnects from chargegate. */
  unavailableWhenGone(channel: string, chargerId: string): number[];
  /**
   * Whether a charger's own status (its connector 0, 1.6 §4.9) is told as its connectors'
   * (aggregate: the site's charge point has no place for one charger's connector 0); else it
   * goes up as the charger's own (transparent).
   */
  readonly chargerStatusOnConnectors: boolean;
  /**
   * Whether a channel's boot stands for its chargers' (transparent: the channel is the charger's
   * own registration, so the cloud's Pending or Rejected is passed down to the charger's boot).
   */
  readonly bootPassedDown: boolean;
  /** The charge point chargegate is itself (its keys, its triggered messages); undefined: the cloud's calls go to the charger. */
  ownChargePoint(channel: OwnChannel): OwnChargePoint | undefined;
  /** Aggregate: what the site station is, for its 2.0.1 device model (v201/site-device-model.ts); absent in transparent mode. */
  siteFacts?(link: Pick<UpstreamLink, 'heartbeatIntervalS'>): Omit<SiteFacts, 'balancer'>;
}

export interface ModeDeps {
  config: Config;
  store: Store;
  gateway: { registry: Registry; commands: Commands };
  version: string;
}
