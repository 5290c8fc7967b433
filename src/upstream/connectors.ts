/**
 * Which connector number the cloud sees for a charger's connector. Aggregate mode: one
 * numbering 1..N over the whole site, pinned by the config where it says so, otherwise assigned
 * in order of first sight and remembered in the store, so a number never moves. Transparent
 * mode: each charger is its own charge point, numbers unchanged.
 */
import type { Store, VirtualConnector } from '../store/ports.js';

export interface ConnectorMapping {
  /** The cloud's connector number for a charger's connector (> 0); assigns one if needed (inside a durable write). */
  toCloud(chargerId: string, connectorId: number): number;
  /** The charger connector behind a cloud connector number of a channel. */
  toCharger(channel: string, cloudConnectorId: number): { chargerId: string; connectorId: number } | undefined;
  /** Every mapped connector of a channel. */
  connectorsOf(channel: string): VirtualConnector[];
}

export class VirtualConnectors implements ConnectorMapping {
  private readonly byVirtual = new Map<number, VirtualConnector>();
  private readonly byCharger = new Map<string, number>();

  constructor(
    private readonly store: Store,
    pinned: readonly { charger: string; connector: number; virtual: number }[],
    configured: readonly { id: string; connectors: number }[],
  ) {
    for (const m of store.upstream.connectors.list()) this.remember(m);
    for (const p of pinned) this.assign({ chargerId: p.charger, connectorId: p.connector, virtual: p.virtual });
    // The configured chargers get their numbers at start, in the config's order.
    for (const c of configured) for (let n = 1; n <= c.connectors; n++) this.toCloud(c.id, n);
  }

  get count(): number {
    return this.byVirtual.size === 0 ? 0 : Math.max(...this.byVirtual.keys());
  }

  toCloud(chargerId: string, connectorId: number): number {
    const known = this.byCharger.get(key(chargerId, connectorId));
    if (known !== undefined) return known;
    let virtual = 1;
    while (this.byVirtual.has(virtual)) virtual++;
    this.assign({ chargerId, connectorId, virtual });
    return virtual;
  }

  toCharger(_channel: string, cloudConnectorId: number): { chargerId: string; connectorId: number } | undefined {
    const m = this.byVirtual.get(cloudConnectorId);
    return m && { chargerId: m.chargerId, connectorId: m.connectorId };
  }

  connectorsOf(): VirtualConnector[] {
    return [...this.byVirtual.values()].sort((a, b) => a.virtual - b.virtual);
  }

  private assign(m: VirtualConnector): void {
    const old = this.byVirtual.get(m.virtual);
    if (old && old.chargerId === m.chargerId && old.connectorId === m.connectorId) return;
    if (old) this.byCharger.delete(key(old.chargerId, old.connectorId));
    const previous = this.byCharger.get(key(m.chargerId, m.connectorId));
    if (previous !== undefined) this.byVirtual.delete(previous);
    this.store.upstream.connectors.assign(m);
    this.remember(m);
  }

  private remember(m: VirtualConnector): void {
    this.byVirtual.set(m.virtual, m);
    this.byCharger.set(key(m.chargerId, m.connectorId), m.virtual);
  }
}

/** Transparent mode: the channel is the charger; its numbers are the cloud's. */
export class SameConnectors implements ConnectorMapping {
  constructor(private readonly connectorCount: (chargerId: string) => number) {}

  toCloud(_chargerId: string, connectorId: number): number {
    return connectorId;
  }

  toCharger(channel: string, cloudConnectorId: number): { chargerId: string; connectorId: number } {
    return { chargerId: channel, connectorId: cloudConnectorId };
  }

  connectorsOf(channel: string): VirtualConnector[] {
    const n = this.connectorCount(channel);
    return Array.from({ length: n }, (_, i) => ({ chargerId: channel, connectorId: i + 1, virtual: i + 1 }));
  }
}

function key(chargerId: string, connectorId: number): string {
  return `${connectorId}\u0000${chargerId}`;
}
