/**
 * Reservations, core (OCPP 1.6 §5.13 ReserveNow, §5.2 CancelReservation) → 2.0.1 (H01, H02).
 * Pure.
 *
 * - reservationId is 2.0.1's id; expiryDate its expiryDateTime; the idTag and parentIdTag become
 *   idToken and groupIdToken (authorize.ts: ISO14443 for a card, Central for the group).
 * - connectorId 0 is 1.6's "any connector of the charge point" (§5.13, where
 *   ReserveConnectorZeroSupported): 2.0.1 says it by leaving evseId out (H01.S02, an unspecified
 *   EVSE). Any other connector is its EVSE (one connector per EVSE, as everywhere at this edge).
 *   connectorType (2.0.1 only) is never sent: 1.6 cannot ask for one.
 * - The answers' statuses are the same in both (Accepted, Faulted, Occupied, Rejected,
 *   Unavailable; Accepted, Rejected).
 * ReservationStatusUpdate (H05: Expired, Removed) has no 1.6 message: the edge tells the core
 * that the reservation ended (src/gateway/handlers/reservations.ts).
 * The other way (the 2.0.1 simulator, src/sim/v201/inbound.ts): an unspecified EVSE is connector 0.
 */
import type { Requests16 } from '../../v16/types.js';
import type { Requests201 } from '../types.js';
import { idTagOf, idTokenOf } from './authorize.js';

export function reserveNowTo201(req: Requests16['ReserveNow']): Requests201['ReserveNow'] {
  return {
    id: req.reservationId,
    expiryDateTime: req.expiryDate,
    idToken: idTokenOf(req.idTag),
    ...(req.connectorId > 0 ? { evseId: req.connectorId } : {}),
    ...(req.parentIdTag !== undefined ? { groupIdToken: { idToken: req.parentIdTag, type: 'Central' as const } } : {}),
  };
}

export function cancelReservationTo201(req: Requests16['CancelReservation']): Requests201['CancelReservation'] {
  return { reservationId: req.reservationId };
}

export function reserveNowTo16(req: Requests201['ReserveNow']): Requests16['ReserveNow'] {
  return {
    reservationId: req.id,
    expiryDate: req.expiryDateTime,
    idTag: idTagOf(req.idToken),
    connectorId: req.evseId ?? 0,
    ...(req.groupIdToken ? { parentIdTag: idTagOf(req.groupIdToken) } : {}),
  };
}

export function cancelReservationTo16(req: Requests201['CancelReservation']): Requests16['CancelReservation'] {
  return { reservationId: req.reservationId };
}
