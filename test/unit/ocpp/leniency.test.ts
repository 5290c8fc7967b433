/**
 * Lenient validation's pure parts (issue 14): the errata applied to the schemas in memory, the
 * repair of each field deviation, and the salvage of a transaction message repair cannot fix.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { applyErrata16, withoutMaxLength } from '../../../src/ocpp/v16/errata.js';
import { nearestEnum, repairRequest16, salvageRequest } from '../../../src/ocpp/v16/leniency.js';
import { validatorFor } from '../../../src/ocpp/validate.js';

const v = validatorFor('ocpp1.6');
const schema = (action: string) => v.requestSchema(action)!;
const repair = (action: string, payload: unknown) => repairRequest16(action, payload, schema(action));
const passes = (action: string) => (p: unknown) => v.checkRequestLenient(action, p) === null;
const sample = (sv: Record<string, unknown>) => ({ connectorId: 1, meterValue: [{ timestamp: '2025-06-01T10:00:00Z', sampledValue: [{ value: '1', ...sv }] }] });

t.test('errata: Celsius and Hertz are accepted in MeterValues and StopTransaction; the files stay as published', async (t) => {
  for (const unit of ['Celsius', 'Celcius', 'Hertz']) t.equal(v.checkRequest('MeterValues', sample({ unit })), null, `MeterValues unit ${unit}`);
  const stop = (unit: string) => ({ transactionId: 1, meterStop: 1, timestamp: '2025-06-01T10:00:00Z', transactionData: sample({ unit }).meterValue });
  for (const unit of ['Celsius', 'Hertz']) t.equal(v.checkRequest('StopTransaction', stop(unit)), null, `StopTransaction unit ${unit}`);
  t.match(v.checkRequest('MeterValues', sample({ unit: 'Kelvinish' })), { code: 'PropertyConstraintViolation' }, 'other units are still refused in strict mode');
  const file = new URL('../../../src/ocpp/schemas/v16/MeterValues.json', import.meta.url);
  const original = JSON.parse(readFileSync(file, 'utf8')) as object;
  t.notMatch(readFileSync(file, 'utf8'), /"Celsius"/, 'the published file is not edited');
  const patched = JSON.stringify(applyErrata16('MeterValues.json', original));
  t.match(patched, /"Celcius","Fahrenheit","Percent","Celsius","Hertz"/);
  t.notMatch(JSON.stringify(original), /Hertz/, 'the input object is not touched');
  t.notMatch(JSON.stringify(withoutMaxLength(schema('BootNotification'))), /maxLength/);
});

t.test('repair: an unknown property is dropped, over-long strings kept, numbers read from clean strings', async (t) => {
  const boot = repair('BootNotification', { chargePointVendor: 'Schneider Electric', chargePointModel: 'EVlink', chargeBoxSerialNumber: 'S'.repeat(41), extra: { a: 1 } });
  t.same(boot.payload, { chargePointVendor: 'Schneider Electric', chargePointModel: 'EVlink', chargeBoxSerialNumber: 'S'.repeat(41) });
  t.same(boot.notes.map((n) => [n.kind, n.path]), [['long-string', 'chargeBoxSerialNumber'], ['unknown-property', 'extra']]);
  t.ok(passes('BootNotification')(boot.payload));
  const start = repair('StartTransaction', { connectorId: '1', idTag: 'T'.repeat(25), meterStart: '1000', timestamp: '2025-06-01T10:00:00' });
  t.same(start.payload, { connectorId: 1, idTag: 'T'.repeat(25), meterStart: 1000, timestamp: '2025-06-01T10:00:00' });
  t.same(start.notes.map((n) => n.kind), ['number-string', 'long-string', 'number-string']);
  t.notOk(start.lossy, 'nothing was dropped');
  for (const bad of ['1.5', ' 1', '1e3', '0x10', '']) t.equal(repair('StartTransaction', { connectorId: bad }).payload && (repair('StartTransaction', { connectorId: bad }).payload as { connectorId: unknown }).connectorId, bad, `${JSON.stringify(bad)} is not a clean integer`);
  t.same((repair('MeterValues', { connectorId: 1, meterValue: [] }).payload as object), { connectorId: 1, meterValue: [] }, 'a valid payload comes back equal');
  const asNumber = repair('MeterValues', sample({ value: 1234.5 }));
  t.match(asNumber.payload, { meterValue: [{ sampledValue: [{ value: '1234.5' }] }] }, 'a value sent as a JSON number is read as its text');
  t.same(asNumber.notes.map((n) => n.kind), ['string-number']);
});

t.test('repair: each enum of the charger-initiated messages', async (t) => {
  const status = repair('StatusNotification', { connectorId: 1, errorCode: 'Error', status: 'Available' });
  t.same(status.payload, { connectorId: 1, errorCode: 'OtherError', status: 'Available', vendorErrorCode: 'Error' }, 'errorCode: OtherError, the original in vendorErrorCode');
  t.same(repair('StatusNotification', { connectorId: 1, errorCode: 'Boom', status: 'Faulted', vendorErrorCode: 'E42' }).payload, { connectorId: 1, errorCode: 'OtherError', status: 'Faulted', vendorErrorCode: 'E42', info: 'errorCode Boom' }, 'the vendor code is kept; the original goes to info');
  t.same(repair('StatusNotification', { connectorId: 1, errorCode: 'noerror', status: 'occupied' }).payload, { connectorId: 1, errorCode: 'NoError', status: 'Charging', info: 'status occupied' }, 'case; OCPP 1.5 Occupied');
  t.same(repair('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Sleeping' }).payload, { connectorId: 1, errorCode: 'NoError', status: 'Unavailable', info: 'status Sleeping' });
  t.equal((repair('StopTransaction', { transactionId: 1, meterStop: 1, timestamp: 'x', reason: 'Unplugged' }).payload as { reason: string }).reason, 'Other');
  t.equal((repair('StopTransaction', { transactionId: 1, meterStop: 1, timestamp: 'x', reason: 'evdisconnected' }).payload as { reason: string }).reason, 'EVDisconnected');
  const sv = (p: unknown) => (p as ReturnType<typeof sample>).meterValue[0]?.sampledValue[0];
  t.match(sv(repair('MeterValues', sample({ context: 'Sample.Offline' })).payload), { context: 'Other' });
  t.match(sv(repair('MeterValues', sample({ format: 'Signed' })).payload), { format: 'Raw' });
  t.match(sv(repair('MeterValues', sample({ format: 'signeddata' })).payload), { format: 'SignedData' });
  t.match(sv(repair('MeterValues', sample({ measurand: 'current.import', unit: 'a', phase: 'L1N', location: 'outlet' })).payload), { measurand: 'Current.Import', unit: 'A', phase: 'L1-N', location: 'Outlet' });
  for (const [unit, to] of [['C', 'Celsius'], ['Hz', 'Hertz'], ['%', 'Percent'], ['kwh', 'kWh'], ['VAR', 'var']]) t.match(sv(repair('MeterValues', sample({ unit })).payload), { unit: to }, `${unit} → ${to}`);
  for (const field of ['measurand', 'unit', 'phase', 'location']) {
    const r = repair('MeterValues', { connectorId: 1, meterValue: [{ timestamp: '2025-06-01T10:00:00Z', sampledValue: [{ value: '1', [field]: 'Nonsense' }, { value: '2' }] }] });
    t.same((r.payload as ReturnType<typeof sample>).meterValue[0]!.sampledValue, [{ value: '2' }], `an unknown ${field} drops its sampled value, not its neighbours`);
    t.ok(r.lossy);
    t.match(r.notes, [{ kind: 'sample-dropped', path: 'meterValue.0.sampledValue.0' }]);
  }
  t.equal(nearestEnum('status', 'Rebooting', ['Accepted', 'Rejected']), null, 'no rule for a value the table does not know');
});

t.test('salvage: the required part must pass; optional fields and list items come back where they pass', async (t) => {
  const check = passes('StopTransaction');
  const good = [{ timestamp: '2025-06-01T11:00:00Z', sampledValue: [{ value: '1000' }] }];
  const stop = { transactionId: 7, meterStop: 1000, timestamp: '2025-06-01T11:00:00Z', reason: 42, idTag: 'TAG1', transactionData: [{ timestamp: 'x', sampledValue: 'garbage' }, ...good] };
  const s = salvageRequest(stop, schema('StopTransaction'), check);
  t.same(s?.payload, { transactionId: 7, meterStop: 1000, timestamp: '2025-06-01T11:00:00Z', idTag: 'TAG1', transactionData: good });
  t.match(s?.dropped, [/^reason: 42/, /^transactionData\.0/]);
  t.same(salvageRequest({ ...stop, transactionData: 'junk' }, schema('StopTransaction'), check)?.payload, { transactionId: 7, meterStop: 1000, timestamp: '2025-06-01T11:00:00Z', idTag: 'TAG1' }, 'a transactionData that is not even a list');
  t.equal(salvageRequest({ transactionId: 'abc', meterStop: 1, timestamp: 'x' }, schema('StopTransaction'), check), null);
  t.equal(salvageRequest('junk', schema('StopTransaction'), check), null);
  const mv = salvageRequest({ connectorId: 1, transactionId: 'x', meterValue: [{ timestamp: 'x', sampledValue: [] }, { timestamp: '2025-06-01T11:00:00Z', sampledValue: [{ value: '5' }] }] }, schema('MeterValues'), passes('MeterValues'));
  t.same(mv?.payload, { connectorId: 1, meterValue: [{ timestamp: '2025-06-01T11:00:00Z', sampledValue: [{ value: '5' }] }] });
});

t.test('a "__proto__" or "constructor" key is an unknown property like any other: dropped and counted (found by npm run fuzz)', async (t) => {
  const validator = validatorFor('ocpp1.6');
  for (const key of ['__proto__', 'constructor', 'toString']) {
    const payload = JSON.parse(`{"${key}":1}`) as unknown;
    const repaired = repairRequest16('Heartbeat', payload, validator.requestSchema('Heartbeat')!);
    t.same(repaired.notes.map((n) => n.kind), ['unknown-property'], `${key}: counted`);
    t.same(Object.keys(repaired.payload as object), [], `${key}: dropped`);
    t.equal(Object.getPrototypeOf(repaired.payload), Object.prototype, `${key}: the prototype untouched`);
  }
});
