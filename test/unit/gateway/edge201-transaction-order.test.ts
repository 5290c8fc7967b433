/**
 * The 2.0.1 edge handles one charger's TransactionEvents one at a time, in arrival order
 * (2.0.1 E: seqNo), also when the charger sends the next before the last is answered, and an
 * event that fails does not hold up the ones behind it (src/gateway/edge201/inbound.ts).
 */
import t from 'tap';
import { createInbound201 } from '../../../src/gateway/edge201/inbound.js';
import { handlerContext } from '../../helpers/context.js';

const deviceModel = { booting() {}, booted() {}, notifyReport: async () => {} };
const at = '2025-06-01T12:00:00.000Z';
const started = { eventType: 'Started', timestamp: at, triggerReason: 'Authorized', seqNo: 0, transactionInfo: { transactionId: 'tx-1', chargingState: 'Charging' }, evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG', type: 'ISO14443' }, meterValue: [{ timestamp: at, sampledValue: [{ value: 1000, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register' }] }] };
const updated = (seqNo: number) => ({ eventType: 'Updated', timestamp: at, triggerReason: 'MeterValuePeriodic', seqNo, transactionInfo: { transactionId: 'tx-1', chargingState: 'Charging' }, meterValue: [{ timestamp: at, sampledValue: [{ value: 1000 + seqNo, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }] });

t.test('events sent before the last is answered are handled in arrival order; a failed one does not block the next', async (t) => {
  const ctx = handlerContext(t, { mode: 'accept-all' });
  const handle = createInbound201(ctx, () => {}, { originOf: () => undefined }, deviceModel);
  await handle('TransactionEvent', started);
  const order: number[] = [];
  let failed = false;
  const append = ctx.store.meters.append.bind(ctx.store.meters);
  ctx.store.meters.append = (samples) => {
    const seqNo = Number(samples[0]!.value) - 1000;
    order.push(seqNo);
    if (seqNo === 2 && !failed) {
      failed = true;
      throw new Error('the disk said no');
    }
    return append(samples);
  };
  // Each event's durable write is awaited before the next event begins: never two at once.
  const durably = ctx.store.durably.bind(ctx.store);
  let inFlight = 0;
  let most = 0;
  ctx.store.durably = <T>(work: () => T) => {
    most = Math.max(most, ++inFlight);
    return durably(work).finally(() => inFlight--);
  };
  const answers = await Promise.allSettled([1, 2, 3, 4].map((n) => handle('TransactionEvent', updated(n))));
  t.same(order, [1, 2, 3, 4], 'in arrival order');
  t.equal(most, 1, 'one after the other: the next begins when the last is done');
  t.same(answers.map((a) => a.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'], 'the failed event is answered with an error, the next ones are handled');
  const session = ctx.store.sessions.byReference('CP1', 'tx-1')!;
  t.same(ctx.store.meters.forTransaction(session.transactionId).map((s) => s.value), ['1000', '1001', '1003', '1004'], "the failed event's samples are not kept");
  t.equal(ctx.store.sessions.eventSeen('CP1', 'tx-1', 2), false, 'and it is not taken for handled: its resend is handled');
  await handle('TransactionEvent', updated(2));
  t.equal(ctx.store.sessions.eventSeen('CP1', 'tx-1', 2), true);
  t.same(order, [1, 2, 3, 4, 2]);
});
