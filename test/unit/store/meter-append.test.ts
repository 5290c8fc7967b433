/**
 * A MeterValues' samples go into meter_samples in one statement of up to eight rows (#19); which
 * of them were new must still be told sample by sample: a resent message is stored once and
 * reaches the cloud once (1.6 §3.7), and a message that is partly a resend keeps only the rest.
 */
import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import type { MeterSample } from '../../../src/store/ports.js';

const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00Z`;
const sample = (minute: number, extra: Partial<MeterSample> = {}): MeterSample => ({
  chargerId: 'CP1',
  connectorId: 1,
  transactionId: 7,
  timestamp: at(minute),
  value: String(1000 + minute),
  measurand: 'Energy.Active.Import.Register',
  unit: 'Wh',
  context: 'Sample.Periodic',
  ...extra,
});

t.test('a message of new samples is new, its resend is not, in and out of a transaction', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const message = [sample(0), sample(0, { measurand: 'Current.Import', phase: 'L1', value: '16', unit: 'A' }), sample(0, { measurand: 'Current.Import', phase: 'L2', value: '16', unit: 'A' }), sample(0, { measurand: 'Voltage', phase: 'L1-N', value: '230', unit: 'V' })];
  t.same(store.meters.append(message), [true, true, true, true]);
  t.same(await store.durably(() => store.meters.append(message)), [false, false, false, false], 'the resend, inside a durable write');
  t.equal(store.meters.forTransaction(7).length, 4, 'stored once');
});

t.test('a message partly stored before: exactly the rest is new, across statements of eight', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const message = Array.from({ length: 11 }, (_, i) => sample(i));
  store.meters.append([message[1]!, message[8]!]);
  const fresh = store.meters.append(message);
  t.same(fresh, message.map((_, i) => i !== 1 && i !== 8), 'the 2nd (first statement) and the 9th (second statement) were stored before');
  t.same(store.meters.forTransaction(7).map((s) => s.timestamp), [at(1), at(8), ...message.filter((_, i) => i !== 1 && i !== 8).map((s) => s.timestamp)], 'each stored once, in arrival order');
});

t.test('the same sample twice in one message is kept once, the first; unit and format are not part of the key', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const fresh = store.meters.append([sample(0), sample(1), sample(0, { unit: 'kWh', format: 'Raw' }), sample(2), sample(1)]);
  t.same(fresh, [true, true, false, true, false]);
  t.same(store.meters.forTransaction(7).map((s) => [s.timestamp, s.unit]), [[at(0), 'Wh'], [at(1), 'Wh'], [at(2), 'Wh']]);
});

t.test('a sample without a transaction, phase or context matches its resend by the key as stored', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const bare: MeterSample = { chargerId: 'CP1', connectorId: 2, timestamp: at(5), value: '12', measurand: 'Current.Import' };
  t.same(store.meters.append([bare]), [true]);
  t.same(store.meters.append([{ ...bare, value: '13' }, bare, { ...bare, phase: 'L1' }]), [true, false, true], 'a partial resend: only its old sample is not new');
  t.same(store.meters.recent('CP1', 2).map((s) => [s.value, s.phase]).reverse(), [['12', undefined], ['13', undefined], ['12', 'L1']]);
});
