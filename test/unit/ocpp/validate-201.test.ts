import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { wireErrorCode } from '../../../src/ocpp/errors.js';
import { validatorFor } from '../../../src/ocpp/validate.js';
import { CENTRAL_INITIATED_201, CHARGER_INITIATED_201 } from '../../../src/ocpp/v201/actions.js';

const v = validatorFor('ocpp2.0.1');
const BOOT = { reason: 'PowerUp', chargingStation: { model: 'Livo', vendorName: 'EVBox' } };
const wire = (action: string, payload: unknown) => {
  const e = v.checkRequest(action, payload);
  return e ? wireErrorCode(e.code, 'ocpp2.0.1') : null;
};

t.test('the OCA 2.0.1 set is vendored whole and unmodified (draft-06, OCA ids)', async (t) => {
  const dir = new URL('../../../src/ocpp/schemas/v201/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  t.equal(files.length, 128, '64 actions, a request and a response each');
  for (const f of files) {
    const s = JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { $schema: string; $id: string };
    if (s.$schema !== 'http://json-schema.org/draft-06/schema#' || s.$id !== `urn:OCPP:Cp:2:2020:3:${f.slice(0, -5)}`) t.fail(`${f}: ${s.$schema} ${s.$id}`);
  }
});

t.test('every 2.0.1 action is known, and allowed in its direction only', async (t) => {
  t.equal(new Set([...CHARGER_INITIATED_201, ...CENTRAL_INITIATED_201]).size, 64);
  for (const a of CHARGER_INITIATED_201) t.ok(v.knows(a) && v.allows(a, 'toCentral'), a);
  for (const a of CENTRAL_INITIATED_201) t.ok(v.knows(a) && v.allows(a, 'toCharger'), a);
  t.notOk(v.allows('TransactionEvent', 'toCharger'));
  t.notOk(v.allows('RequestStartTransaction', 'toCentral'));
  t.notOk(v.knows('StartTransaction'), 'a 1.6 action is not a 2.0.1 one');
  t.equal(v.checkRequest('StartTransaction', {})?.code, 'NotImplemented');
});

t.test('OCPP-J 2.0.1 §4.3: each kind of failure gets its code, in the 2.0.1 spelling', async (t) => {
  t.equal(wire('BootNotification', BOOT), null);
  t.equal(wire('BootNotification', { reason: 'PowerUp' }), 'OccurrenceConstraintViolation', 'a required field missing');
  t.equal(wire('BootNotification', { ...BOOT, reason: 'Bored' }), 'PropertyConstraintViolation', 'outside the enum');
  t.equal(wire('BootNotification', { ...BOOT, reason: 7 }), 'TypeConstraintViolation');
  t.equal(wire('BootNotification', { ...BOOT, colour: 'red' }), 'FormatViolation', 'a property the schema does not allow');
  t.equal(wire('Heartbeat', {}), null);
  t.equal(v.checkResponse('Heartbeat', { currentTime: '2025-06-01T10:00:00Z' }), null);
  t.equal(wire('Authorize', { idToken: { idToken: 'X'.repeat(37), type: 'ISO14443' } }), 'PropertyConstraintViolation', 'idToken over 36 characters');
});
