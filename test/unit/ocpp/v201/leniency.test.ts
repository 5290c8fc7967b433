/**
 * Lenient validation of OCPP 2.0.1 frames (issue 16), the pure repair: each deviation seen from
 * 2.0.1 chargers is repaired into a payload the (lenient) OCA 2.0.1 schema takes, or left to be
 * refused where nothing safe stands for it.
 */
import t, { type Test } from 'tap';
import { nearestEnum201, repairRequest201 } from '../../../../src/ocpp/v201/leniency.js';
import { validatorFor } from '../../../../src/ocpp/validate.js';

const v = validatorFor('ocpp2.0.1');
const repair = (action: string, payload: unknown) => repairRequest201(action, payload, v.requestSchema(action)!);
/** Strict refuses it, the repair makes it pass the lenient check. */
function repairs(t: Test, action: string, payload: unknown) {
  t.not(v.checkRequest(action, payload), null, 'strict refuses it');
  const r = repair(action, payload);
  t.equal(v.checkRequestLenient(action, r.payload), null, 'repaired, it passes');
  return r;
}
const T0 = '2025-06-01T10:00:00Z';
const sampled = (sv: Record<string, unknown>) => ({ evseId: 1, meterValue: [{ timestamp: T0, sampledValue: [{ value: 1, ...sv }] }] });
const boot = (station: Record<string, unknown>) => ({ reason: 'PowerUp', chargingStation: { vendorName: 'EVBox', model: 'Livo', ...station } });

t.test('long strings are kept whole (serialNumber, firmwareVersion: their types are in the schema\'s definitions)', async (t) => {
  const r = repairs(t, 'BootNotification', boot({ serialNumber: 'S'.repeat(33), firmwareVersion: 'F'.repeat(60) }));
  t.match(r.payload, { chargingStation: { serialNumber: 'S'.repeat(33), firmwareVersion: 'F'.repeat(60) } });
  t.same(r.notes.map((n) => [n.kind, n.path]), [['long-string', 'chargingStation.serialNumber'], ['long-string', 'chargingStation.firmwareVersion']]);
  t.equal(r.lossy, false);
});

t.test('an unknown property is dropped, also inside a $ref type; a customData without vendorId too; a good customData stays', async (t) => {
  const r = repairs(t, 'BootNotification', { ...boot({ colour: 'red', customData: { vendorId: 'com.x', extra: 1 } }), customData: { note: 'no vendor' } });
  t.same(r.payload, boot({ customData: { vendorId: 'com.x', extra: 1 } }));
  t.same(r.notes.map((n) => [n.kind, n.path]), [['unknown-property', 'customData'], ['unknown-property', 'chargingStation.colour']]);
  t.equal(r.lossy, true);
});

t.test('numbers sent as text are read as numbers (a sampled value, an evseId); a text field sent as a number as its text', async (t) => {
  const r = repairs(t, 'MeterValues', { evseId: '1', meterValue: [{ timestamp: T0, sampledValue: [{ value: '230.1', measurand: 'Voltage' }] }] });
  t.match(r.payload, { evseId: 1, meterValue: [{ sampledValue: [{ value: 230.1 }] }] });
  t.same(r.notes.map((n) => n.kind), ['number-string', 'number-string']);
  const s = repairs(t, 'SecurityEventNotification', { type: 'SettingSystemTime', timestamp: T0, techInfo: 42 });
  t.match(s.payload, { techInfo: '42' });
  t.not(v.checkRequestLenient('MeterValues', repair('MeterValues', sampled({ value: '1e3' })).payload), null, '"1e3" is no clean number: refused');
});

t.test('a list sent as one object is a list of one', async (t) => {
  const r = repairs(t, 'MeterValues', { evseId: 1, meterValue: { timestamp: T0, sampledValue: [{ value: 5 }] } });
  t.match(r.payload, { meterValue: [{ sampledValue: [{ value: 5 }] }] });
  t.same(r.notes.map((n) => n.kind), ['single-item-list']);
});

t.test('enums: another spelling is the member; the spec\'s catch-alls; 1.6 words for Occupied; unknown measurand, phase, location drop their sampled value', async (t) => {
  t.match(repairs(t, 'MeterValues', sampled({ measurand: 'energy.active.import.register', phase: 'l1n', context: 'sample.periodic' })).payload, sampled({ measurand: 'Energy.Active.Import.Register', phase: 'L1-N', context: 'Sample.Periodic' }));
  t.match(repairs(t, 'MeterValues', sampled({ context: 'Offline.Backlog' })).payload, sampled({ context: 'Other' }));
  const status = (connectorStatus: string) => ({ timestamp: T0, connectorStatus, evseId: 1, connectorId: 1 });
  t.match(repairs(t, 'StatusNotification', status('Charging')).payload, { connectorStatus: 'Occupied' });
  t.match(repairs(t, 'StatusNotification', status('SuspendedEV')).payload, { connectorStatus: 'Occupied' });
  t.match(repairs(t, 'StatusNotification', status('Sleeping')).payload, { connectorStatus: 'Unavailable' });
  t.match(repairs(t, 'BootNotification', { ...boot({}), reason: 'BrownOut' }).payload, { reason: 'Unknown' });
  const two = { evseId: 1, meterValue: [{ timestamp: T0, sampledValue: [{ value: 1, measurand: 'Energy.Active.Import.Register' }, { value: 2, measurand: 'Energy.Magic' }] }] };
  const dropped = repairs(t, 'MeterValues', two);
  t.same((dropped.payload as typeof two).meterValue[0]!.sampledValue, [{ value: 1, measurand: 'Energy.Active.Import.Register' }], 'its neighbour kept');
  t.equal(dropped.lossy, true);
  t.match(dropped.notes, [{ kind: 'sample-dropped', path: 'meterValue.0.sampledValue.1' }]);
  t.same(nearestEnum201('triggerReason', 'Whatever', ['Authorized']), null, 'no safe substitute: refused');
  t.same(nearestEnum201('type', 'RFID', ['ISO14443', 'Central']), null, 'an idToken type is never guessed');
  t.match(nearestEnum201('type', 'iso-14443', ['ISO14443', 'Central']), { value: 'ISO14443' });
});

t.test('TransactionEvent: stoppedReason outside the enum is Other; an unknown triggerReason stays refused', async (t) => {
  const ended = { eventType: 'ended', timestamp: T0, triggerReason: 'CarLeft', seqNo: '3', transactionInfo: { transactionId: 'tx-1', stoppedReason: 'CarFull' } };
  const r = repair('TransactionEvent', ended);
  t.match(r.payload, { eventType: 'Ended', seqNo: 3, transactionInfo: { stoppedReason: 'Other' } });
  t.match(v.checkRequestLenient('TransactionEvent', r.payload), { code: 'PropertyConstraintViolation', description: /triggerReason/ });
  t.equal(v.checkRequestLenient('TransactionEvent', { ...(r.payload as object), triggerReason: 'EVCommunicationLost' }), null, 'with a known triggerReason it passes');
});

t.test('StatusNotification without connectorId: connector 1 of its EVSE', async (t) => {
  const r = repairs(t, 'StatusNotification', { timestamp: T0, connectorStatus: 'Available', evseId: 2 });
  t.same(r.payload, { timestamp: T0, connectorStatus: 'Available', evseId: 2, connectorId: 1 });
  t.match(r.notes, [{ kind: 'filled-in', path: 'connectorId' }]);
});

t.test('a date-time without UTC offset passes in both modes (read as UTC), not a repair', async (t) => {
  t.equal(v.checkRequest('Heartbeat', {}), null);
  t.equal(v.checkRequest('StatusNotification', { timestamp: '2025-06-01T10:00:00', connectorStatus: 'Available', evseId: 1, connectorId: 1 }), null);
});
