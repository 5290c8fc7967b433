/**
 * An 'allocation.changed' as the load balancer emits it (src/balancer/loop.ts publish()): the
 * consumer tests forge it on the gateway's bus, since the balancer has its own tests. CP1 is
 * controlled, with a new limit on its way; CP2 refused its profile and draws its maximum.
 */
import type { AllocationChanged, GatewayEvents } from '../../../src/events.js';

export const REFUSED = 'TxDefaultProfile: answered Rejected';
export const REFUSED_SINCE = '2025-06-01T08:00:00.000Z';

export interface Forged {
  cp1?: Partial<AllocationChanged['connectors'][number]>;
  cp2?: Partial<AllocationChanged['connectors'][number]>;
  /** CP2 controlled again (it accepted a profile). */
  cp2Controlled?: boolean;
}

export function allocation(f: Forged = {}): AllocationChanged {
  const cp2Controlled = f.cp2Controlled ?? false;
  return {
    at: new Date().toISOString(),
    siteLimit: { amps: 32, source: 'supply' },
    load: [28, 16, 16],
    connectors: [
      { chargerId: 'CP1', connectorId: 1, amps: 16, phases: ['L1', 'L2', 'L3'], active: true, reason: 'fair-share', detail: 'fair share of the supply on L1', accepted: 10, inFlight: 12, measured: 9.8, ...f.cp1 },
      // Planned at 0 A, but nothing accepted: it draws 12 A on L1 all the same.
      { chargerId: 'CP2', connectorId: 1, amps: 0, phases: ['L1'], active: true, reason: 'fixed', detail: `uncontrolled (${REFUSED}): assumed at 32 A`, measured: 12, ...f.cp2 },
    ],
    chargers: [
      { chargerId: 'CP1', controlled: true },
      cp2Controlled ? { chargerId: 'CP2', controlled: true } : { chargerId: 'CP2', controlled: false, why: REFUSED, since: REFUSED_SINCE },
    ],
  };
}

export const profileWrite = (result: GatewayEvents['balancer.profile']['result'], chargerId = 'CP2'): GatewayEvents['balancer.profile'] => ({ chargerId, connectorId: 1, purpose: 'TxDefaultProfile', result });
