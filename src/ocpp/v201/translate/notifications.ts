/**
 * The notifications that have a 1.6 equal in the core, 2.0.1 → core. Pure.
 * - SecurityEventNotification: the same fields in 2.0.1 A04 and the 1.6 security whitepaper.
 * (FirmwareStatusNotification and LogStatusNotification depend on the request they answer: files.ts.)
 * - DataTransfer: 2.0.1's data may be any JSON, 1.6's is text: non-text data is sent on as its
 *   JSON text; the answer's data goes back as text.
 */
import type { Requests16, Responses16 } from '../../v16/types.js';
import type { Requests201, Responses201 } from '../types.js';

export function securityEventToCore(req: Requests201['SecurityEventNotification']): Requests16['SecurityEventNotification'] {
  return { type: req.type, timestamp: req.timestamp, ...(req.techInfo !== undefined ? { techInfo: req.techInfo } : {}) };
}

export function dataTransferToCore(req: Requests201['DataTransfer']): Requests16['DataTransfer'] {
  const data = req.data === undefined ? undefined : typeof req.data === 'string' ? req.data : JSON.stringify(req.data);
  return { vendorId: req.vendorId, ...(req.messageId !== undefined ? { messageId: req.messageId } : {}), ...(data !== undefined ? { data } : {}) };
}

export function dataTransferAnswerFromCore(res: Responses16['DataTransfer']): Responses201['DataTransfer'] {
  // The generated type says object; the schema gives data no type at all (any JSON).
  return { status: res.status, ...(res.data !== undefined ? { data: res.data as unknown as NonNullable<Responses201['DataTransfer']['data']> } : {}) };
}
