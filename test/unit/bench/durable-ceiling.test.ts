import t from 'tap';
import { meterValuesRows, parseCall } from '../../../src/bench/durable-ceiling.js';

t.test('parseCall reads an OCPP-J CALL and nothing else', async (t) => {
  t.same(parseCall('[2,"7","MeterValues",{"connectorId":1}]'), { id: '7', action: 'MeterValues', payload: { connectorId: 1 } });
  t.same(parseCall('[2,"8","Heartbeat"]'), { id: '8', action: 'Heartbeat', payload: {} }, 'a missing payload is empty');
  t.equal(parseCall('[3,"7",{}]'), undefined, 'a CALLRESULT is not a CALL');
  t.equal(parseCall('[2,7,"MeterValues",{}]'), undefined, 'the id must be a string');
  t.equal(parseCall('not json'), undefined);
});

t.test('meterValuesRows: one row per sampled value, with the 1.6 defaults chargegate stores', async (t) => {
  const rows = meterValuesRows('CP-1', {
    connectorId: 2,
    transactionId: 41,
    meterValue: [
      { timestamp: '2026-12-03T12:00:00Z', sampledValue: [{ value: '1000' }, { value: '16.0', measurand: 'Current.Import', phase: 'L1', unit: 'A', context: 'Sample.Clock' }] },
      { timestamp: '2026-12-03T12:01:00Z', sampledValue: [{ value: '1010', unit: 'Wh' }] },
    ],
  });
  t.equal(rows.length, 3);
  t.same(rows[0], {
    chargerId: 'CP-1', connectorId: 2, transactionId: 41, timestamp: '2026-12-03T12:00:00Z', value: '1000',
    measurand: 'Energy.Active.Import.Register', phase: null, unit: null, context: 'Sample.Periodic', location: null, format: null,
  });
  t.match(rows[1], { measurand: 'Current.Import', phase: 'L1', unit: 'A', context: 'Sample.Clock' });
  t.match(rows[2], { timestamp: '2026-12-03T12:01:00Z', value: '1010', transactionId: 41 });
  t.same(meterValuesRows('CP-1', { connectorId: 1 }), [], 'no meterValue: nothing to store');
  t.equal(meterValuesRows('CP-1', { connectorId: 1, meterValue: [{ timestamp: 'x', sampledValue: [{ value: '1' }] }] })[0]!.transactionId, null);
});
