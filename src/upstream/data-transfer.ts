/**
 * DataTransfer from the cloud in aggregate mode (OCPP 1.6 §5.6): the site is one charge point, so
 * a vendor's message goes where `upstream.dataTransfer` says: to one charger (its answer relayed),
 * to MQTT (published on chargegate/gateway/event/data-transfer, answered Accepted), or refused.
 * A vendorId no rule names gets UnknownVendorId, a known vendor's other messageId
 * UnknownMessageId, as §5.6 asks. chargegate's own vendorId `chargegate` has one message built in:
 * `Reset`, data `{"connectorId": <the cloud's connector>, "type": "Soft" | "Hard"}`, which resets
 * the charger holding that connector (1.6 Reset has no connector: a charger resets whole).
 * Pure: the caller sends and publishes.
 */
import type { DataTransferRequest } from '../ocpp/v16/types.js';

export interface DataTransferRule {
  vendorId: string;
  messageId?: string;
  /** 'charger:<id>', 'mqtt' or 'reject'. */
  to: string;
}

export const OWN_VENDOR_ID = 'chargegate';

export type DataTransferRoute =
  | { kind: 'charger'; chargerId: string }
  | { kind: 'mqtt' }
  | { kind: 'reset'; cloudConnectorId: number; type: 'Soft' | 'Hard' }
  | { kind: 'answer'; status: 'Rejected' | 'UnknownVendorId' | 'UnknownMessageId'; data?: string };

export function routeDataTransfer(rules: readonly DataTransferRule[], req: DataTransferRequest): DataTransferRoute {
  if (req.vendorId === OWN_VENDOR_ID) return ownMessage(req);
  const vendor = rules.filter((r) => r.vendorId === req.vendorId);
  if (vendor.length === 0) return { kind: 'answer', status: 'UnknownVendorId' };
  const rule = vendor.find((r) => r.messageId === undefined || r.messageId === req.messageId);
  if (!rule) return { kind: 'answer', status: 'UnknownMessageId' };
  if (rule.to === 'mqtt') return { kind: 'mqtt' };
  if (rule.to.startsWith('charger:')) return { kind: 'charger', chargerId: rule.to.slice('charger:'.length) };
  return { kind: 'answer', status: 'Rejected', data: 'refused by upstream.dataTransfer' };
}

function ownMessage(req: DataTransferRequest): DataTransferRoute {
  if (req.messageId !== 'Reset') return { kind: 'answer', status: 'UnknownMessageId' };
  let data: unknown;
  try {
    data = JSON.parse(req.data ?? '');
  } catch {
    data = undefined;
  }
  const { connectorId, type } = (data ?? {}) as { connectorId?: unknown; type?: unknown };
  if (typeof connectorId !== 'number' || !Number.isInteger(connectorId) || connectorId < 1 || (type !== 'Soft' && type !== 'Hard')) {
    return { kind: 'answer', status: 'Rejected', data: 'expected {"connectorId": <connector number>, "type": "Soft" | "Hard"}' };
  }
  return { kind: 'reset', cloudConnectorId: connectorId, type };
}
