/**
 * The simulated charger's own CALLs (its model speaks OCPP 1.6) as an OCPP 2.0.1 charging
 * station sends them, and the CSMS's answers back in 1.6 shape: the 1.6 simulator's model,
 * transaction queue and profile following stay as they are, translated at the edge with the
 * pure translations of src/ocpp/v201/translate/ (docs/chargers.md has the tables).
 *
 * A 2.0.1 station names its own transactions (E01: transactionId is the station's string):
 * the model keeps an integer id, so the Started's answer hands it a local integer that stands
 * for the string. TransactionEvents carry seqNo (per transaction, from 0), and `offline: true`
 * when the event happened while the station was disconnected (E04.FR.01).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { Requests16 } from '../../ocpp/v16/types.js';
import type { Requests201, Responses201, TransactionEventRequest } from '../../ocpp/v201/types.js';
import { idTagInfoOf, idTokenOf } from '../../ocpp/v201/translate/authorize.js';
import { bootAnswerToCore, bootFromCore } from '../../ocpp/v201/translate/boot.js';
import { meterValuesFromCore } from '../../ocpp/v201/translate/meter.js';
import { statusFromCore } from '../../ocpp/v201/translate/status.js';
import { startFromCore, stopFromCore } from '../../ocpp/v201/translate/transaction.js';

/** A 1.6 CALL as 2.0.1: what to send and how to read the answer, or the 1.6 answer without sending. */
export type Outgoing = { action: string; payload: unknown; answer(response: unknown): unknown } | { local: unknown };

interface Tx201 {
  reference: string;
  seqNo: number;
  connectorId: number;
}

export class Outbound201 {
  private readonly txs = new Map<number, Tx201>();
  private nextTx = 1;
  /** remoteStartId of a RequestStartTransaction, by idTag, until its transaction starts (F01.FR.25). */
  private readonly remoteStarts = new Map<string, number>();
  /** [from, to) epoch ms of the times the station was offline; `to` undefined while it is. */
  private readonly offlineSpans: { from: number; to?: number }[] = [];

  constructor(private readonly logger: Logger) {}

  /** The station's transactionId for the model's integer one. */
  referenceOf(transactionId: number): string | undefined {
    return this.txs.get(transactionId)?.reference;
  }

  /** The model's integer id for the station's transactionId. */
  transactionIdOf(reference: string): number | undefined {
    for (const [id, tx] of this.txs) if (tx.reference === reference) return id;
    return undefined;
  }

  remoteStartRequested(idTag: string, remoteStartId: number): void {
    this.remoteStarts.set(idTag, remoteStartId);
  }

  setOnline(online: boolean, now: number): void {
    const last = this.offlineSpans.at(-1);
    if (online && last && last.to === undefined) last.to = now;
    if (!online && (!last || last.to !== undefined)) this.offlineSpans.push({ from: now });
    if (this.offlineSpans.length > 20) this.offlineSpans.shift();
  }

  private happenedOffline(timestamp: string): boolean {
    const t = Date.parse(timestamp);
    return this.offlineSpans.some((s) => t >= s.from && (s.to === undefined || t < s.to));
  }

  private event(tx: Tx201, e: TransactionEventRequest): TransactionEventRequest {
    tx.seqNo += 1;
    return this.happenedOffline(e.timestamp) ? { ...e, offline: true } : e;
  }

  translate(action: string, payload: unknown): Outgoing {
    switch (action) {
      case 'BootNotification':
        return send('BootNotification', bootFromCore(payload as Requests16['BootNotification']), (res) => bootAnswerToCore(res));
      case 'Heartbeat':
        return send('Heartbeat', {}, (res) => res);
      case 'StatusNotification': {
        const req = payload as Requests16['StatusNotification'];
        // The station as a whole (connector 0) has no 2.0.1 StatusNotification (G01 is per connector).
        if (req.connectorId === 0) return { local: {} };
        return send('StatusNotification', statusFromCore(req, new Date().toISOString()).value, () => ({}));
      }
      case 'Authorize': {
        const req = payload as Requests16['Authorize'];
        return send('Authorize', { idToken: idTokenOf(req.idTag) }, (res) => ({ idTagInfo: idTagInfoOf(res.idTokenInfo) }));
      }
      case 'StartTransaction':
        return this.started(payload as Requests16['StartTransaction']);
      case 'MeterValues':
        return this.meterValues(payload as Requests16['MeterValues']);
      case 'StopTransaction': {
        const req = payload as Requests16['StopTransaction'];
        const tx = this.txs.get(req.transactionId);
        if (!tx) return { local: { idTagInfo: { status: 'Invalid' } } };
        const ended = stopFromCore(req, tx.reference, tx.seqNo).value;
        const e = this.event(tx, { ...ended, evse: { id: tx.connectorId, connectorId: 1 } });
        return send('TransactionEvent', e, (res) => (res.idTokenInfo ? { idTagInfo: idTagInfoOf(res.idTokenInfo) } : {}));
      }
      case 'FirmwareStatusNotification':
      case 'LogStatusNotification':
      case 'DataTransfer':
        // Same shape in both versions for what the simulator sends.
        return send(action, payload as never, (res) => res);
      default:
        this.logger.debug({ action }, 'no OCPP 2.0.1 equivalent: not sent');
        return { local: {} };
    }
  }

  private started(req: Requests16['StartTransaction']): Outgoing {
    const id = this.nextTx++;
    const tx: Tx201 = { reference: randomUUID(), seqNo: 0, connectorId: req.connectorId };
    this.txs.set(id, tx);
    const base = startFromCore(req, tx.reference, tx.seqNo);
    const remoteStartId = this.remoteStarts.get(req.idTag);
    this.remoteStarts.delete(req.idTag);
    const e = this.event(tx, {
      ...base,
      ...(remoteStartId !== undefined ? { triggerReason: 'RemoteStart' } : {}),
      transactionInfo: { ...base.transactionInfo, chargingState: 'Charging', ...(remoteStartId !== undefined ? { remoteStartId } : {}) },
    });
    return send('TransactionEvent', e, (res) => ({ transactionId: id, idTagInfo: res.idTokenInfo ? idTagInfoOf(res.idTokenInfo) : { status: 'Accepted' } }));
  }

  private meterValues(req: Requests16['MeterValues']): Outgoing {
    const meterValue = meterValuesFromCore(req.meterValue).value;
    if (meterValue.length === 0) return { local: {} };
    const tx = req.transactionId !== undefined ? this.txs.get(req.transactionId) : undefined;
    if (!tx) return send('MeterValues', { evseId: req.connectorId, meterValue: meterValue as Requests201['MeterValues']['meterValue'] }, () => ({}));
    const first = meterValue[0]!;
    const triggered = first.sampledValue[0]?.context === 'Trigger';
    const e = this.event(tx, {
      eventType: 'Updated',
      timestamp: first.timestamp,
      triggerReason: triggered ? 'Trigger' : 'MeterValuePeriodic',
      seqNo: tx.seqNo,
      transactionInfo: { transactionId: tx.reference },
      meterValue: meterValue as NonNullable<TransactionEventRequest['meterValue']>,
    });
    return send('TransactionEvent', e, () => ({}));
  }
}

function send<A extends keyof Requests201>(action: A, payload: Requests201[A], answer: (res: Responses201[A]) => unknown): Outgoing {
  return { action, payload, answer: answer as (res: unknown) => unknown };
}
