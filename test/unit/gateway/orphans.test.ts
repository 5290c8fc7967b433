import t from 'tap';
import { estimateStop, planOrphans } from '../../../src/gateway/orphans.js';
import { remoteStartVerdict } from '../../../src/gateway/remote-start.js';
import { onlyNew } from '../../../src/gateway/handlers/resent-samples.js';
import { withCloudTransactionId, correctionDataTransfer } from '../../../src/upstream/stop-correction.js';
import type { MeterSample, SessionRecord } from '../../../src/store/ports.js';

const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
  transactionId: 1, chargerId: 'CP1', connectorId: 1, idTag: 'TAG1', startedAt: '2025-06-01T10:00:00Z', meterStart: 1000,
  authStatus: 'Accepted', receivedAt: '2025-06-01T10:00:00Z', state: 'active', ...over,
});
const sample = (value: string, timestamp: string, over: Partial<MeterSample> = {}): MeterSample => ({
  chargerId: 'CP1', connectorId: 1, transactionId: 1, timestamp, value, measurand: 'Energy.Active.Import.Register', unit: 'Wh', ...over,
});

t.test('planOrphans: due after the grace, else the time left; the clock is passed in', async (t) => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  const a = session({ transactionId: 1, supersededAt: '2025-06-01T11:55:00Z' });
  const b = session({ transactionId: 2, supersededAt: '2025-06-01T11:59:00Z' });
  t.same(planOrphans([a, b], now, 300_000), { due: [a], nextInMs: 240_000 });
  t.same(planOrphans([b], now, 30_000), { due: [b] });
  t.same(planOrphans([], now, 1), { due: [] });
  t.same(planOrphans([session({ supersededAt: 'garbage' })], now, 1000), { due: [], nextInMs: 1000 }, 'an unreadable time: never closed early');
});

t.test('estimateStop: the last energy reading, never below meterStart, never 0', async (t) => {
  const s = session();
  t.same(estimateStop(s, [sample('1200', '2025-06-01T10:10:00Z'), sample('1.5', '2025-06-01T10:20:00Z', { unit: 'kWh' }), sample('9', '2025-06-01T10:30:00Z', { measurand: 'Current.Import' })], '2025-06-01T11:00:00Z'),
    { transactionId: 1, meterStop: 1500, timestamp: '2025-06-01T10:20:00Z', reason: 'Other' });
  t.same(estimateStop(s, [], '2025-06-01T11:00:00Z'), { transactionId: 1, meterStop: 1000, timestamp: '2025-06-01T11:00:00Z', reason: 'Other' }, 'no reading: meterStart, at the later start');
  t.same(estimateStop(s, [sample('200', '2025-06-01T10:10:00Z'), sample('x', '2025-06-01T10:11:00Z')], undefined).meterStop, 1000, 'a reading below meterStart or unreadable is not used');
  t.equal(estimateStop(s, [sample('1300', '2025-06-01T10:10:00Z', { phase: 'L1' })], undefined).meterStop, 1000, 'a per-phase register is not the total');
});

t.test('remoteStartVerdict', async (t) => {
  const v = (connectorId: number, facts: Parameters<typeof remoteStartVerdict>[2]) => remoteStartVerdict('CP1', connectorId, facts);
  t.same(v(1, { configured: 1, reported: [1], status: 'Available' }), { ok: true });
  t.same(v(1, { configured: 1, reported: [1], status: 'Preparing' }), { ok: true });
  t.match(v(5, { configured: 1, reported: [1] }), { ok: false, code: 'no_such_connector', reason: 'CP1 has no connector 5 (it has 1)' });
  t.same(v(2, { configured: 1, reported: [1, 2] }), { ok: true }, 'what the charger reported counts too');
  t.same(v(3, { reported: [] }), { ok: true }, 'nothing known: the charger decides');
  t.match(v(0, { reported: [] }), { ok: false, code: 'no_such_connector' });
  for (const status of ['Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing', 'Unavailable', 'Faulted']) {
    t.match(v(1, { configured: 1, reported: [1], status }), { ok: false, code: 'connector_busy' }, status);
  }
  t.match(v(1, { configured: 1, reported: [1], runningTransactionId: 9 }), { ok: false, code: 'connector_busy', reason: 'CP1 connector 1 is busy (transaction 9 is running)' });
  t.same(v(1, { configured: 1, reported: [1], runningTransactionId: 9, status: 'Available' }), { ok: true }, 'the charger says it is free: its Stop was lost');
});

t.test('onlyNew keeps the sampled values the store took as new', async (t) => {
  const values = [
    { timestamp: 'a', sampledValue: [{ value: '1' }, { value: '2' }] },
    { timestamp: 'b', sampledValue: [{ value: '3' }] },
  ];
  t.equal(onlyNew(values, [true, true, true]), values, 'all new: the same values, not a copy');
  t.same(onlyNew(values, [true, true]), [{ timestamp: 'a', sampledValue: [{ value: '1' }, { value: '2' }] }], 'a flag missing: that value is not kept');
  const withEmpty = [...values, { timestamp: 'c', sampledValue: [] }];
  t.same(onlyNew(withEmpty, [true, true, true]), values, 'a meterValue without samples is dropped, all others new');
  t.same(onlyNew(values, [false, true, false]), [{ timestamp: 'a', sampledValue: [{ value: '2' }] }]);
  t.same(onlyNew(values, [false, false, false]), []);
});

t.test('the correction DataTransfer carries the cloud transactionId inside data', async (t) => {
  const dt = correctionDataTransfer({ meterStop: 1900, timestamp: 'T', reason: 'Local', transactionData: [{}] });
  t.same(dt, { vendorId: 'chargegate', messageId: 'StopTransactionCorrected', data: '{"meterStop":1900,"timestamp":"T","reason":"Local"}' });
  t.same(JSON.parse((withCloudTransactionId('DataTransfer', dt, 42) as { data: string }).data), { transactionId: 42, meterStop: 1900, timestamp: 'T', reason: 'Local' });
  t.same(withCloudTransactionId('StopTransaction', { meterStop: 1 }, 42), { meterStop: 1, transactionId: 42 });
});
