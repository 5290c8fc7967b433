/**
 * What the balancer and the upstream link last said, kept from their events for the API, the
 * dashboard and /metrics. Listening to the bus keeps this module independent of how those
 * parts are built: they only emit 'allocation.changed', 'site.state' and 'upstream.state'.
 */
import type { AllocationChanged, ChargerControl, EventBus, GatewayEvents } from '../events.js';

export type ConnectorAllocation = AllocationChanged['connectors'][number];
export type SiteState = GatewayEvents['site.state'] & { at: string };
export type UpstreamState = GatewayEvents['upstream.state'] & { at: string };

export class SiteView {
  /** The balancer's latest allocation (undefined before its first run, or without one). */
  allocation: AllocationChanged | undefined;
  private byConnector = new Map<string, ConnectorAllocation>();
  private byCharger = new Map<string, ChargerControl>();
  site: SiteState | undefined;
  upstream: UpstreamState | undefined;
  /** When the grid meter last reported (a site.state with grid figures). */
  gridAt: string | undefined;

  constructor(events: EventBus, now: () => Date) {
    events.on('allocation.changed', (a) => {
      this.allocation = a;
      // Fresh Maps, not clear(): this long-lived Map sits in V8's old space, and the tables a
      // clear() drops still point at the previous allocation, which every scavenge then keeps
      // and promotes (measured: ~400 KB promoted per scavenge in the balancer bench, ~35 KB so).
      const byConnector = new Map<string, ConnectorAllocation>();
      for (const c of a.connectors) byConnector.set(`${c.chargerId}/${c.connectorId}`, c);
      this.byConnector = byConnector;
      const byCharger = new Map<string, ChargerControl>();
      // `?? []`: a balancer of an older shape may leave it out; the view then says "unknown".
      for (const c of a.chargers ?? []) byCharger.set(c.chargerId, c);
      this.byCharger = byCharger;
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

  /** Whether the balancer controls this charger's current (undefined: it has not said). */
  control(chargerId: string): ChargerControl | undefined {
    return this.byCharger.get(chargerId);
  }

  /** Every charger the balancer reported on, in its order. */
  controls(): ChargerControl[] {
    return [...this.byCharger.values()];
  }
}
