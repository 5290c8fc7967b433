/**
 * What the balancer and the upstream link last said, kept from their events for the API, the
 * dashboard and /metrics. Listening to the bus keeps this module independent of how those
 * parts are built: they only emit 'allocation.changed', 'site.state' and 'upstream.state'.
 */
import type { AllocationChanged, EventBus, GatewayEvents } from '../events.js';

export type ConnectorAllocation = AllocationChanged['connectors'][number];
export type SiteState = GatewayEvents['site.state'] & { at: string };
export type UpstreamState = GatewayEvents['upstream.state'] & { at: string };

export class SiteView {
  /** The balancer's latest allocation (undefined before its first run, or without one). */
  allocation: AllocationChanged | undefined;
  private byConnector = new Map<string, ConnectorAllocation>();
  site: SiteState | undefined;
  upstream: UpstreamState | undefined;
  /** When the grid meter last reported (a site.state with grid figures). */
  gridAt: string | undefined;

  constructor(events: EventBus, now: () => Date) {
    events.on('allocation.changed', (a) => {
      this.allocation = a;
      // A fresh Map, not clear(): this long-lived Map sits in V8's old space, and the tables a
      // clear() drops still point at the previous allocation, which every scavenge then keeps
      // and promotes (measured: ~400 KB promoted per scavenge in the balancer bench, ~35 KB so).
      const byConnector = new Map<string, ConnectorAllocation>();
      for (const c of a.connectors) byConnector.set(`${c.chargerId}/${c.connectorId}`, c);
      this.byConnector = byConnector;
    });
    events.on('site.state', (s) => {
      const at = now().toISOString();
      this.site = { ...s, at };
      if (s.grid) this.gridAt = at;
    });
    events.on('upstream.state', (u) => {
      this.upstream = { ...u, at: now().toISOString() };
    });
  }

  connector(chargerId: string, connectorId: number): ConnectorAllocation | undefined {
    return this.byConnector.get(`${chargerId}/${connectorId}`);
  }
}
