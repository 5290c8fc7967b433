/**
 * The upstream bench's replay frames (no timing here): what the 2.0.1 line queues and the bare
 * loop sends is a valid 2.0.1 TransactionEvent of one transaction, as the 1.6 line's is a valid
 * 1.6 MeterValues, so the two lines compare the same exchange in each version.
 */
import t from 'tap';
import { replay16, replay201 } from '../../../src/bench/upstream.js';
import { validatorFor } from '../../../src/ocpp/validate.js';

t.test('the replay frames are valid requests of their version, the 2.0.1 ones one transaction numbered by seqNo', async (t) => {
  const v16 = validatorFor('ocpp1.6');
  const v201 = validatorFor('ocpp2.0.1');
  t.equal(replay16.protocol, 'ocpp1.6');
  t.equal(replay201.protocol, 'ocpp2.0.1');
  for (const seq of [0, 1, 99_999]) {
    t.equal(v16.checkRequest(replay16.action, replay16.payload(seq)), null, `1.6 MeterValues ${seq}`);
    t.equal(v201.checkRequest(replay201.action, replay201.payload(seq)), null, `2.0.1 TransactionEvent ${seq}`);
  }
  const events = [0, 1, 2].map((seq) => replay201.payload(seq) as { eventType: string; seqNo: number; transactionInfo: { transactionId: string }; meterValue: { sampledValue: { value: number }[] }[] });
  t.same(events.map((e) => [e.eventType, e.seqNo, e.transactionInfo.transactionId]), [['Updated', 1, 'bench-tx-1'], ['Updated', 2, 'bench-tx-1'], ['Updated', 3, 'bench-tx-1']]);
  t.same(events[1]!.meterValue[0]!.sampledValue.length, 3, 'the 1.6 line\'s three readings, translated');
  t.equal(v201.checkRequest('BootNotification', replay201.boot), null, 'the 2.0.1 link\'s boot');
});
