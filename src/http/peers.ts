/**
 * The other parts of chargegate the operator's view shows when they run. Asked at each use,
 * because they are optional (no site: section, no upstream, MQTT off) and may start later.
 */
import type { LimitControl } from '../control/ports.js';
import type { UpstreamSummary } from '../upstream/upstream.js';

export interface Peers {
  /** The load balancer's control port, when load balancing runs. */
  limits?: LimitControl;
  /** Messages MQTT has published so far, when MQTT runs. */
  mqttPublished?: () => number;
  /** Every upstream (the primary, then the mirrors), when an upstream is configured. */
  upstreams?: () => UpstreamSummary[];
}

export type PeersLookup = () => Peers;
