/** GetBaseReport's report of a 1.6 charger (#17, report.ts), pure: each frame checked against the official 2.0.1 schema. */
import t from 'tap';
import { validatorFor } from '../../../src/ocpp/validate.js';
import { reportFrames, reportOfConfiguration } from '../../../src/upstream/v201/report.js';

const v201 = validatorFor('ocpp2.0.1');

t.test('mapped keys only, values spelt as 2.0.1\'s, frames numbered with tbc until the last', async (t) => {
  const data = reportOfConfiguration([
    { key: 'ChargingScheduleAllowedChargingRateUnit', readonly: true, value: 'Current,Power' },
    { key: 'TransactionMessageAttempts', readonly: false, value: '3' },
    { key: 'VendorOnly', readonly: false, value: 'x' },
    { key: 'HeartbeatInterval', readonly: false },
  ]);
  t.equal(data.length, 3, 'a key with no 2.0.1 variable is not reported');
  t.match(data[0], { component: { name: 'SmartChargingCtrlr' }, variable: { name: 'RateUnit' }, variableAttribute: [{ value: 'A,W', mutability: 'ReadOnly' }] });
  t.match(data[1], { variable: { name: 'MessageAttempts', instance: 'TransactionEvent' } });
  t.notOk('value' in data[2]!.variableAttribute[0], 'no value: none reported');
  const frames = reportFrames(3, '2025-06-01T10:00:00.000Z', data, 2);
  t.same(frames.map((f) => [f.seqNo, f.tbc ?? false, f.reportData?.length]), [[0, true, 2], [1, false, 1]]);
  for (const f of frames) t.equal(v201.checkRequest('NotifyReport', f)?.description ?? null, null);
  t.same(reportFrames(3, '2025-06-01T10:00:00.000Z', []), [], 'nothing: no frame');
});
