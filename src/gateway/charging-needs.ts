/**
 * What a charger tells of its car's needs and of limits another party set at it: core
 * operations the edges call, whatever version the charger speaks (today the 2.0.1 edge for
 * NotifyEVChargingNeeds, NotifyChargingLimit and ClearedChargingLimit, OCPP 2.0.1 K12–K17).
 * Kept in the registry (the charger's API view shows them) and emitted on the bus: the load
 * balancer makes each a cap on the connector, so that what the car or the other party will
 * not take goes to other cars, and the profile chargegate sends never exceeds its allocation
 * (src/balancer/loop.ts).
 */
import type { ChargerReportedLimit, EvNeeds } from '../store/ports.js';
import type { HandlerContext } from './handlers/context.js';

type Ctx = Pick<HandlerContext, 'chargerId' | 'registry' | 'events' | 'logger'>;

/** The balancer's name for a car's maximum, shown in the allocation's reason ("capped at 10 A by …"). */
export const EV_NEEDS_SOURCE = "the car's maximum (its charging needs)";
/** The balancer's name for a limit another party set at the charger. */
export const reportedLimitSource = (source: string) => `a limit set at the charger (${source})`;

export function noteEvNeeds(ctx: Ctx, needs: EvNeeds): void {
  const live = ctx.registry.ensure(ctx.chargerId);
  (live.evNeeds ??= new Map()).set(needs.connectorId, needs);
  ctx.logger.info({ ...needs }, 'the car told its charging needs');
  ctx.events.emit('connector.evNeeds', { chargerId: ctx.chargerId, connectorId: needs.connectorId, needs });
}

/** The car's needs end with its session (2.0.1 K15: they are told per transaction). */
export function forgetEvNeeds(ctx: Ctx, connectorId: number): void {
  if (!ctx.registry.get(ctx.chargerId)?.evNeeds?.delete(connectorId)) return;
  ctx.events.emit('connector.evNeeds', { chargerId: ctx.chargerId, connectorId, needs: null });
}

export function noteReportedLimit(ctx: Ctx, limit: ChargerReportedLimit): void {
  const live = ctx.registry.ensure(ctx.chargerId);
  (live.reportedLimits ??= new Map()).set(`${limit.source}/${limit.connectorId}`, limit);
  ctx.logger.info({ ...limit }, 'a limit was set at the charger by another party');
  ctx.events.emit('charger.reportedLimit', { chargerId: ctx.chargerId, ...limit });
}

/** A reported limit ended; connectorId undefined: every one of that source on the charger. */
export function clearReportedLimit(ctx: Ctx, source: string, connectorId: number | undefined, at: string): void {
  const limits = ctx.registry.get(ctx.chargerId)?.reportedLimits;
  for (const [key, limit] of [...(limits ?? [])]) {
    if (limit.source !== source || (connectorId !== undefined && limit.connectorId !== connectorId)) continue;
    limits!.delete(key);
    ctx.logger.info({ source, connectorId: limit.connectorId }, 'a limit set at the charger by another party was cleared');
    ctx.events.emit('charger.reportedLimit', { chargerId: ctx.chargerId, connectorId: limit.connectorId, source, amps: null, receivedAt: at });
  }
}
