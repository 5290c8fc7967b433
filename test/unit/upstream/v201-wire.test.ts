/**
 * The 2.0.1 wire's own state (#17): each transaction's seqNo series kept beside the queued rows,
 * a charging state told only when it changes, the series dropped at Ended, and rows queued for
 * the other OCPP version refused rather than sent.
 */
import t from 'tap';
import type { SessionRecord } from '../../../src/store/ports.js';
import { wire201 } from '../../../src/upstream/v201/wire.js';
import { silentLogger } from '../../../src/log.js';

function fixture() {
  const meta = new Map<string, string>();
  const session: SessionRecord = { transactionId: 7, chargerId: 'CP1', connectorId: 1, idTag: 'TAG1', startedAt: '2025-06-01T10:01:00.000Z', meterStart: 0, authStatus: 'Accepted', receivedAt: '2025-06-01T10:01:00.000Z', state: 'active' };
  const store = {
    meta: { get: (k: string) => meta.get(k), set: (k: string, v: string) => void meta.set(k, v), delete: (k: string) => void meta.delete(k) },
    sessions: { get: (id: number) => (id === 7 ? session : undefined), list: () => (session.state === 'active' ? [session] : []), byReference: () => undefined },
    upstream: { remoteStarts: { list: () => [], remove: () => undefined } },
  };
  const wire = wire201({ store: store as never, upstream: 'primary', logger: silentLogger(), now: () => new Date('2025-06-01T12:00:00Z'), statusOf: () => 'Preparing', chargersOf: () => ['CP1'], holds: () => false, send: async () => ({}), count: () => undefined, chargePointOf: (channel) => channel });
  return { wire, meta, session };
}

const context = { channel: 'CP1', ready: true, origin: { chargerId: 'CP1', connectorId: 1 } };
const status = (s: string) => ({ action: 'StatusNotification', kind: 'status' as const, payload: { connectorId: 1, status: s, errorCode: 'NoError', timestamp: '2025-06-01T10:02:00.000Z' }, coalesceKey: 'status/1' });

t.test('seqNo per transaction, kept in meta; a charging state only when it changes; dropped at Ended', async (t) => {
  const { wire, meta } = fixture();
  const [started] = wire.encode({ action: 'StartTransaction', kind: 'start', localTransactionId: 7, payload: { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: '2025-06-01T10:01:00.000Z' } }, { ...context, ready: false });
  t.match(started, { action: 'TransactionEvent', kind: 'start', localTransactionId: 7, payload: { eventType: 'Started', seqNo: 0, offline: true, transactionInfo: { transactionId: '7-20250601T100100', chargingState: 'EVConnected' } } });
  t.same(wire.encode(status('Preparing'), context).map((m) => m.action), ['StatusNotification'], 'EVConnected already told');
  const charging = wire.encode(status('Charging'), context);
  t.same(charging.map((m) => [m.action, m.coalesceKey]), [['StatusNotification', 'status/1'], ['TransactionEvent', undefined]], 'the event is never coalesced');
  t.match(charging[1]!.payload, { seqNo: 1, triggerReason: 'ChargingStateChanged', transactionInfo: { chargingState: 'Charging' } });
  t.equal(wire.encode(status('Charging'), context).length, 1, 'the same state again: nothing more');
  const [ended] = wire.encode({ action: 'StopTransaction', kind: 'stop', localTransactionId: 7, payload: { meterStop: 900, timestamp: '2025-06-01T10:09:00.000Z' } }, context);
  t.match(ended!.payload, { eventType: 'Ended', seqNo: 2 });
  t.equal(meta.size, 0, 'the series is dropped with the transaction');
});

t.test('the CSMS\'s answer to a Started is read as a Start\'s; rows of the other version are refused', async (t) => {
  const { wire } = fixture();
  const row = (action: string, payload: unknown, kind: 'start' | 'status' = 'start') => ({ seq: 1, attempts: 0, createdAt: '', channel: 'CP1', action, kind, payload, localTransactionId: 7 });
  t.same(wire.answer16(row('TransactionEvent', { idToken: { idToken: 'TAG1', type: 'ISO14443' } }), { idTokenInfo: { status: 'NoCredit' } }), {
    action: 'StartTransaction',
    answer: { transactionId: 7, idTagInfo: { status: 'Invalid' } },
    idTag: 'TAG1',
  }, 'a status 1.6 lacks is Invalid');
  t.match(wire.prepare(row('StartTransaction', { connectorId: 1 })), { unsendable: /queued for an OCPP 1.6 cloud/ });
  t.match(wire.prepare(row('StatusNotification', { connectorId: 1, status: 'Available' }, 'status')), { unsendable: String });
  t.same(wire.prepare(row('StatusNotification', { evseId: 1, connectorId: 1, connectorStatus: 'Available', timestamp: 'x' }, 'status')), { payload: { evseId: 1, connectorId: 1, connectorStatus: 'Available', timestamp: 'x' } });
});
