/**
 * The charging plans on MQTT (src/plan), retained, one topic per connector:
 *   <prefix>/chargers/<id>/connectors/<n>/plan    JSON: the plan and what it does now
 *                                                 (status, remainingKWh, nextSlot, expectedFinish,
 *                                                 expectedCost, windows, reason); none: no plan
 */
import type { GatewayEvents, PlanState } from '../events.js';
import type { Topics } from './topics.js';

type Listen = <K extends 'connector.plan'>(name: K, handle: (payload: GatewayEvents[K]) => void) => void;

export function mirrorPlans(listen: Listen, topics: Topics, publisher: { state(topic: string, value: string, qos: 0 | 1): void }, list: () => readonly PlanState[]): void {
  // The plans were set before this broker connection (an external broker connects late).
  for (const p of list()) publisher.state(topics.connector(p.chargerId, p.connectorId, 'plan'), JSON.stringify(p), 1);
  listen('connector.plan', (e) => publisher.state(topics.connector(e.chargerId, e.connectorId, 'plan'), e.plan ? JSON.stringify(e.plan) : 'none', 1));
}
