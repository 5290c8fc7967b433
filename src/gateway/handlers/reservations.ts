/**
 * The end of a reservation the charger reports (OCPP 2.0.1 H05 ReservationStatusUpdate: Expired,
 * Removed). 1.6 has no such message (a 1.6 reservation ends silently, or by its transaction's
 * start, §5.13); what the core keeps of a reservation is the cloud's reservationId → charger
 * map (src/upstream/cloud-calls.ts), which is freed here, durably, before the charger's answer.
 */
import type { HandlerContext } from './context.js';

export async function reservationEnded(ctx: HandlerContext, reservationId: number, how: 'Expired' | 'Removed'): Promise<void> {
  const { upstream } = ctx;
  if (upstream) await ctx.store.durably(() => upstream.reservationEnded(ctx.chargerId, reservationId, how));
  ctx.logger.info({ reservationId, how }, 'reservation ended');
}
