/**
 * Which OCPP version a queued outbox row was written for, and a 2.0.1 row's 1.6 form (#17): for
 * messages still queued when upstream.ocpp changes (adopt.ts). Pure. The 1.6 → 2.0.1 way is the
 * wire's own encode (v201/wire.ts); this is the way back.
 */
import type { StartTransactionRequest } from '../../ocpp/v16/types.js';
import { lastEnergyWh, meterValuesToCore } from '../../ocpp/v201/translate/meter.js';
import { transactionEventToCore } from '../../ocpp/v201/translate/transaction.js';
import type { Requests201 } from '../../ocpp/v201/types.js';
import type { OutboxMessage } from '../../store/ports.js';
import type { WireMessage } from '../wire.js';

/** A 1.6 row: 1.6's transaction actions, or a StatusNotification / MeterValues in 1.6's shape. */
export function queuedFor16(message: Pick<OutboxMessage, 'action' | 'payload'>): boolean {
  const payload = message.payload as Record<string, unknown>;
  if (message.action === 'StartTransaction' || message.action === 'StopTransaction') return true;
  if (message.action === 'StatusNotification') return 'status' in payload;
  if (message.action === 'MeterValues') return 'connectorId' in payload;
  return false;
}

/** A 2.0.1 row: a TransactionEvent, or a StatusNotification / MeterValues in 2.0.1's shape. */
export function queuedFor201(message: Pick<OutboxMessage, 'action' | 'payload'>): boolean {
  const payload = message.payload as Record<string, unknown>;
  if (message.action === 'TransactionEvent' || message.action === 'NotifyEvent') return true;
  if (message.action === 'StatusNotification') return 'connectorStatus' in payload;
  if (message.action === 'MeterValues') return 'evseId' in payload;
  return false;
}

/**
 * A row queued for a 2.0.1 cloud as what a 1.6 cloud gets: Started → StartTransaction (its
 * Transaction.Begin reading the meterStart), Ended → StopTransaction, an Updated's readings →
 * MeterValues, MeterValues → MeterValues. Nothing for a status (latest only: the link announces
 * every connector's status after its boot) or an Updated without readings (its charging state is
 * in the StatusNotification queued with it). `untranslatable` when a row lacks what 1.6 needs.
 */
export function rowTo16(message: OutboxMessage): WireMessage[] | { untranslatable: string } {
  const local = message.localTransactionId;
  const tx = local !== undefined ? { localTransactionId: local } : {};
  // A connector's status, or a charger's own (NotifyEvent): only the latest counts, and the link announces it again.
  if (message.action === 'StatusNotification' || message.action === 'NotifyEvent') return [];
  if (message.action === 'MeterValues') {
    const req = message.payload as Requests201['MeterValues'];
    const meterValue = meterValuesToCore(req.meterValue).value;
    return meterValue.length === 0 ? [] : [{ action: 'MeterValues', kind: message.kind, payload: { connectorId: req.evseId, meterValue } }];
  }
  const event = message.payload as Requests201['TransactionEvent'];
  if (local === undefined) return { untranslatable: `a TransactionEvent ${event.eventType} of no session: no 1.6 form` };
  if (event.eventType === 'Ended') {
    // The session's connector is no part of a 1.6 StopTransaction.
    const stop = transactionEventToCore(event, { session: { transactionId: local, connectorId: event.evse?.id ?? 1, meterStart: 0 } }).stop!;
    return [{ action: 'StopTransaction', kind: 'stop', payload: stop, ...tx }];
  }
  const connectorId = event.evse?.id;
  if (connectorId === undefined) return { untranslatable: `a TransactionEvent ${event.eventType} without an EVSE: no 1.6 connectorId` };
  const meter = meterValuesToCore(event.meterValue ?? []).value;
  if (event.eventType === 'Started') {
    const meterStart = lastEnergyWh(meter, 'Transaction.Begin');
    if (meterStart === undefined) return { untranslatable: 'a Started without its Transaction.Begin reading: no meterStart for a 1.6 StartTransaction' };
    const payload: StartTransactionRequest = {
      connectorId,
      idTag: event.idToken?.idToken ?? '',
      meterStart: Math.round(meterStart),
      timestamp: event.timestamp,
      ...(event.reservationId !== undefined ? { reservationId: event.reservationId } : {}),
    };
    return [{ action: 'StartTransaction', kind: 'start', payload, ...tx }];
  }
  return meter.length === 0 ? [] : [{ action: 'MeterValues', kind: 'meter', payload: { connectorId, meterValue: meter }, ...tx }];
}
