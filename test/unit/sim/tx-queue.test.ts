import t from 'tap';
import { silentLogger } from '../../../src/log.js';
import { OcppCallError, OcppOfflineError, OcppTimeoutError } from '../../../src/ocpp/errors.js';
import { TransactionQueue, type TxMessage } from '../../../src/sim/tx-queue.js';

function harness(answer: (action: string, payload: any, n: number) => unknown) {
  const sent: { action: string; payload: any }[] = [];
  const sleeps: number[] = [];
  const dropped: TxMessage[] = [];
  const q = new TransactionQueue({
    send: async (action, payload) => {
      sent.push({ action, payload });
      return answer(action, payload, sent.length);
    },
    attempts: () => 3,
    retryIntervalMs: () => 5000,
    sleep: async (ms) => void sleeps.push(ms),
    logger: silentLogger(),
    onStartAnswered: () => undefined,
    onDropped: (m) => void dropped.push(m),
  });
  return { q, sent, sleeps, dropped };
}

const start = (ref: number): TxMessage => ({ action: 'StartTransaction', ref, payload: { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: 'x' } });
const meter = (ref: number): TxMessage => ({ action: 'MeterValues', ref, payload: { connectorId: 1, meterValue: [] } });
const stop = (ref: number): TxMessage => ({ action: 'StopTransaction', ref, payload: { meterStop: 5, timestamp: 'x' } });

t.test('offline messages wait, then go in order with the transactionId patched in', async (t) => {
  const { q, sent } = harness((action) => (action === 'StartTransaction' ? { idTagInfo: { status: 'Accepted' }, transactionId: 42 } : {}));
  const results = [q.enqueue(start(1)), q.enqueue(meter(1)), q.enqueue(stop(1))];
  t.equal(q.length, 3);
  t.equal(sent.length, 0, 'nothing sent while offline');
  q.setOnline(true);
  await Promise.all(results);
  t.same(sent.map((s) => s.action), ['StartTransaction', 'MeterValues', 'StopTransaction']);
  t.equal(sent[1]!.payload.transactionId, 42);
  t.equal(sent[2]!.payload.transactionId, 42);
  t.equal(q.transactionIdFor(1), 42);
  await q.drained();
});

t.test('going offline mid-queue keeps the message at the head', async (t) => {
  let online = true;
  const { q, sent } = harness(() => {
    if (!online) throw new OcppOfflineError('cs');
    return { idTagInfo: { status: 'Accepted' }, transactionId: 7 };
  });
  online = false;
  q.setOnline(true);
  const r = q.enqueue(start(1));
  await new Promise((res) => setImmediate(res));
  t.equal(q.length, 1, 'still queued');
  online = true;
  q.setOnline(true);
  t.match(await r, { transactionId: 7 });
  t.equal(sent.length, 2, 'sent again after reconnecting');
});

t.test('CALLERROR or timeout: retried with interval × attempt, dropped after TransactionMessageAttempts', async (t) => {
  const { q, sent, sleeps, dropped } = harness((action, _p, n) => {
    if (action === 'StartTransaction') return { idTagInfo: { status: 'Accepted' }, transactionId: 1 };
    if (n < 5) throw n % 2 ? new OcppCallError('InternalError', 'x') : new OcppTimeoutError('MeterValues', 1);
    return {};
  });
  q.setOnline(true);
  await q.enqueue(start(1));
  t.equal(await q.enqueue(meter(1)), undefined, 'dropped');
  t.same(sleeps, [5000, 10000]);
  t.equal(dropped.length, 1);
  t.same(await q.enqueue(stop(1)), {}, 'the next message goes on');
  t.equal(sent.length, 5);
});

t.test('a dropped Start: its MeterValues go without an id, its Stop is dropped', async (t) => {
  const { q, sent, dropped } = harness((action) => {
    if (action === 'StartTransaction') throw new OcppCallError('InternalError', 'no');
    return {};
  });
  q.setOnline(true);
  const results = await Promise.all([q.enqueue(start(1)), q.enqueue(meter(1)), q.enqueue(stop(1))]);
  t.same(results, [undefined, {}, undefined]);
  t.same(sent.map((s) => s.action), ['StartTransaction', 'StartTransaction', 'StartTransaction', 'MeterValues']);
  t.notOk('transactionId' in sent[3]!.payload);
  t.same(dropped.map((m) => m.action), ['StartTransaction', 'StopTransaction']);
});
