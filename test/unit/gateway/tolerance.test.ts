import t from 'tap';
import { EventBus } from '../../../src/events.js';
import { createAnswerRepair, createLeniencyNotes } from '../../../src/gateway/tolerance.js';
import { validatorFor } from '../../../src/ocpp/validate.js';
import { capturingLogger } from '../../helpers/gateway.js';

t.test('every leniency is an event; the log has it once per charger and kind', async (t) => {
  const events = new EventBus();
  const seen: string[] = [];
  events.on('ocpp.leniency', (e) => seen.push(`${e.chargerId} ${e.kind}`));
  const log = capturingLogger('info');
  const note = createLeniencyNotes(events);
  const cp1 = log.logger.child({ chargerId: 'CP1' });
  const cp2 = log.logger.child({ chargerId: 'CP2' });
  note('CP1', cp1, 'long-string', 'idTag has 25 characters', 'Authorize');
  note('CP1', cp1, 'long-string', 'idTag has 26 characters', 'StartTransaction');
  note('CP1', cp1, 'enum-mapped', 'errorCode "Error" read as OtherError', 'StatusNotification');
  note('CP2', cp2, 'long-string', 'idTag has 25 characters', 'Authorize');
  t.same(seen, ['CP1 long-string', 'CP1 long-string', 'CP1 enum-mapped', 'CP2 long-string']);
  await new Promise((r) => setImmediate(r));
  t.match(log.entries().map((e) => [e.chargerId, e.kind, e.action, e.detail]), [
    ['CP1', 'long-string', 'Authorize', 'idTag has 25 characters'],
    ['CP1', 'enum-mapped', 'StatusNotification', 'errorCode "Error" read as OtherError'],
    ['CP2', 'long-string', 'Authorize', 'idTag has 25 characters'],
  ]);
  t.equal(log.entries().length, 3);
});

t.test("a lenient charger's answer to our CALL: the safe repairs only; strict repairs nothing", async (t) => {
  const events = new EventBus();
  const seen: { kind: string; action?: string; detail: string }[] = [];
  events.on('ocpp.leniency', (e) => seen.push(e));
  const log = capturingLogger('info');
  const deps = { chargerId: 'CP1', validator: validatorFor('ocpp1.6'), logger: log.logger, note: createLeniencyNotes(events) };
  t.equal(createAnswerRepair({ ...deps, mode: 'strict' }), undefined, 'strict: no repair');
  const repair = createAnswerRepair({ ...deps, mode: 'lenient' })!;
  t.same(repair('SetChargingProfile', { status: 'accepted' }), { payload: { status: 'Accepted' } }, 'another spelling');
  t.same(repair('SetChargingProfile', { status: 'Accepted', statusInfo: { reasonCode: 'NoError' } }), { payload: { status: 'Accepted' } }, 'an unknown property dropped');
  t.same(repair('ClearChargingProfile', { status: 'UNKNOWN' }), { payload: { status: 'Unknown' } });
  t.same(repair('GetConfiguration', { configurationKey: [{ key: 'K', readonly: 'true', value: 'v' }] }), null, 'a boolean as text is no safe repair');
  t.same(repair('SetChargingProfile', { status: 'OK' }), null, 'no member is safe for "OK": was it taken or not?');
  t.same(repair('SetChargingProfile', { status: 'Accept' }), null);
  t.same(repair('SetChargingProfile', {}), null, 'the status missing');
  t.same(repair('SetChargingProfile', 'Accepted'), null, 'not an object');
  t.same(repair('GetConfiguration', { configurationKey: [{ key: 'K', readonly: false, value: 'x'.repeat(600) }] }), { payload: { configurationKey: [{ key: 'K', readonly: false, value: 'x'.repeat(600) }] } }, 'a value over its 500 characters is kept');
  t.match(seen, [
    { kind: 'enum-mapped', action: 'SetChargingProfile.conf', detail: /^in its answer/ },
    { kind: 'unknown-property', action: 'SetChargingProfile.conf', detail: /^in its answer/ },
    { kind: 'enum-mapped', action: 'ClearChargingProfile.conf' },
    { kind: 'long-string', action: 'GetConfiguration.conf' },
  ]);
  t.equal(seen.length, 4, 'a failed repair counts nothing');
  const repair201 = createAnswerRepair({ ...deps, validator: validatorFor('ocpp2.0.1'), mode: 'lenient' })!;
  t.same(repair201('SetChargingProfile', { status: 'accepted' }), { payload: { status: 'Accepted' } }, '2.0.1 too');
  t.match(seen.at(-1), { action: 'SetChargingProfileResponse' });
});
