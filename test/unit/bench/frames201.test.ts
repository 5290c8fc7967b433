import t from 'tap';
import { bootFrame201, meterValuesInTransactionFrame, ratioVerdict, startTransactionFrame16, transactionStartedFrame, transactionUpdatedFrame } from '../../../src/bench/frames201.js';
import { meterValuesFrame } from '../../../src/bench/load.js';
import { validatorFor } from '../../../src/ocpp/validate.js';

const v201 = validatorFor('ocpp2.0.1');
const v16 = validatorFor('ocpp1.6');

t.test('every frame the 2.0.1 bench chargers send is a valid 2.0.1 request', async (t) => {
  const [bootAction, boot] = bootFrame201;
  t.equal(v201.checkRequest(bootAction, boot), null, 'BootNotification');
  for (const charger of [0, 1, 99]) {
    const [action, started] = transactionStartedFrame(charger);
    t.equal(v201.checkRequest(action, started), null, `Started of charger ${charger}`);
    for (const seq of [0, 1, 5000]) {
      const [a, updated] = transactionUpdatedFrame(charger, seq);
      t.equal(a, 'TransactionEvent');
      t.equal(v201.checkRequest(a, updated), null, `Updated ${seq} of charger ${charger}`);
    }
  }
  // The 1.6 shapes would not pass: the check is not vacuous.
  t.not(v201.checkRequest('TransactionEvent', { eventType: 'Updated' }), null);
});

t.test('Updated events continue the Started one: same transaction, seqNo increasing from 1, MeterValuePeriodic', async (t) => {
  const started = transactionStartedFrame(7)[1] as { seqNo: number; transactionInfo: { transactionId: string } };
  const seqNos = [0, 1, 2].map((seq) => (transactionUpdatedFrame(7, seq)[1] as { seqNo: number }).seqNo);
  t.same([started.seqNo, ...seqNos], [0, 1, 2, 3]);
  const u = transactionUpdatedFrame(7, 0)[1] as { triggerReason: string; transactionInfo: { transactionId: string }; meterValue: { sampledValue: unknown[] }[] };
  t.equal(u.triggerReason, 'MeterValuePeriodic');
  t.equal(u.transactionInfo.transactionId, started.transactionInfo.transactionId);
  t.not(started.transactionInfo.transactionId, (transactionStartedFrame(8)[1] as typeof started).transactionInfo.transactionId, 'one transaction per charger');
  t.equal(u.meterValue[0]!.sampledValue.length, 4, 'the same four samples as the 1.6 MeterValues load');
});

t.test('the ratio line: PASS at or above 0.9 of the 1.6 figure, BELOW under it', async (t) => {
  t.same(ratioVerdict(900, 1000), { ratio: 0.9, mark: 'PASS' });
  t.same(ratioVerdict(899, 1000), { ratio: 0.899, mark: 'BELOW' });
  t.equal(ratioVerdict(5, 0).mark, 'BELOW', 'no 1.6 figure: never a PASS');
});

t.test('the 1.6 line names its transaction as the 2.0.1 line does: StartTransaction in the warm-up, its id in every MeterValues', async (t) => {
  const [startAction, start] = startTransactionFrame16(3);
  t.equal(v16.checkRequest(startAction, start), null, 'StartTransaction');
  const frame = meterValuesInTransactionFrame([41, 42, 43, 44]);
  for (const seq of [0, 1, 5000]) {
    const [action, mv] = frame(3, seq);
    t.equal(v16.checkRequest(action, mv), null, `MeterValues ${seq}`);
    t.equal((mv as { transactionId: number }).transactionId, 44, 'the id the gateway gave this charger');
    // The same samples as the plain load, each with the context the 2.0.1 Updated's name: only
    // the transaction and the context are added.
    type MV = { connectorId: number; meterValue: { sampledValue: object[] }[] };
    const plain = meterValuesFrame(3, seq)[1] as MV;
    t.equal((mv as MV).connectorId, plain.connectorId);
    t.same((mv as MV).meterValue[0]!.sampledValue, plain.meterValue[0]!.sampledValue.map((sv) => ({ ...sv, context: 'Sample.Periodic' })));
    const updated = transactionUpdatedFrame(3, seq)[1] as { meterValue: { sampledValue: { context: string }[] }[] };
    t.same((mv as { meterValue: { sampledValue: { context: string }[] }[] }).meterValue[0]!.sampledValue.map((sv) => sv.context), updated.meterValue[0]!.sampledValue.map((sv) => sv.context), 'the contexts of the 2.0.1 Updated');
  }
});
