/**
 * A StopTransaction the cloud already holds cannot be corrected in OCPP 1.6: the protocol has
 * no such message, and a second StopTransaction for the same transactionId is a resend to any
 * central system (1.6 §3.7). When a charger's late real Stop replaces chargegate's estimate
 * (a session superseded by a later start, closed by chargegate after `ocpp.orphanGrace`):
 *
 * - the estimated Stop still queued and unsent: its payload is replaced in the outbox, so the
 *   cloud only ever sees the real one (upstream.ts, Outbox.amend);
 * - already sent: a DataTransfer (1.6 §4.3, vendorId "chargegate", messageId
 *   "StopTransactionCorrected") carries the real Stop's fields and the cloud's transactionId as
 *   JSON in `data`. A cloud that does not know it answers UnknownVendorId, and the correction
 *   is then only in chargegate (API, MQTT), as documented in docs/cloud.md.
 *
 * Pure.
 */

export const CORRECTION_VENDOR_ID = 'chargegate';
export const CORRECTION_MESSAGE_ID = 'StopTransactionCorrected';

export interface StopPayload {
  meterStop: number;
  timestamp: string;
  idTag?: string;
  reason?: string;
  transactionData?: unknown;
}

/** The DataTransfer.req that tells the cloud the real Stop of a transaction; its transactionId is filled when sent. */
export function correctionDataTransfer(stop: StopPayload): { vendorId: string; messageId: string; data: string } {
  const { transactionData: _, ...fields } = stop;
  return { vendorId: CORRECTION_VENDOR_ID, messageId: CORRECTION_MESSAGE_ID, data: JSON.stringify(fields) };
}

/** A queued message's payload with the cloud's transactionId: top level, or inside a correction's `data`. */
export function withCloudTransactionId(action: string, payload: unknown, transactionId: number): unknown {
  if (action === 'DataTransfer') {
    const dt = payload as { vendorId: string; messageId?: string; data?: string };
    return { ...dt, data: JSON.stringify({ transactionId, ...(JSON.parse(dt.data ?? '{}') as object) }) };
  }
  return { ...(payload as object), transactionId };
}
