import t from 'tap';
import { parseCommand } from '../../../src/mqtt/command-parse.js';
import type { CommandAddress } from '../../../src/mqtt/topics.js';

const connector = (command: 'start' | 'stop' | 'maxcurrent' | 'available' | 'unlock' | 'mode'): CommandAddress => ({ target: 'connector', chargerId: 'CP1', connectorId: 2, command });
const charger = (command: 'available' | 'maxcurrent' | 'reset'): CommandAddress => ({ target: 'charger', chargerId: 'CP1', command });
const site: CommandAddress = { target: 'site', command: 'limit' };

t.test('the documented payloads become commands', async (t) => {
  t.strictSame(parseCommand(connector('start'), '{"idTag":"TAG1","id":"a"}'), { ok: true, command: { kind: 'start', chargerId: 'CP1', connectorId: 2, idTag: 'TAG1' }, id: 'a' });
  t.strictSame(parseCommand(connector('start'), '{}'), { ok: true, command: { kind: 'start', chargerId: 'CP1', connectorId: 2 } });
  t.strictSame(parseCommand(connector('stop'), '{}'), { ok: true, command: { kind: 'stop', chargerId: 'CP1', connectorId: 2 } });
  t.strictSame(parseCommand(connector('unlock'), '{"id":3}'), { ok: true, command: { kind: 'unlock', chargerId: 'CP1', connectorId: 2 }, id: 3 });
  t.strictSame(parseCommand(connector('maxcurrent'), '16'), { ok: true, command: { kind: 'maxcurrent', chargerId: 'CP1', connectorId: 2, amps: 16 } });
  t.strictSame(parseCommand(charger('maxcurrent'), '{"amps":null}'), { ok: true, command: { kind: 'maxcurrent', chargerId: 'CP1', amps: null } });
  t.strictSame(parseCommand(charger('available'), 'OFF'), { ok: true, command: { kind: 'available', chargerId: 'CP1', connectorId: 0, available: false } });
  t.strictSame(parseCommand(connector('available'), 'true'), { ok: true, command: { kind: 'available', chargerId: 'CP1', connectorId: 2, available: true } });
  t.strictSame(parseCommand(charger('available'), '{"available":true}'), { ok: true, command: { kind: 'available', chargerId: 'CP1', connectorId: 0, available: true } });
  t.strictSame(parseCommand(charger('reset'), 'HARD'), { ok: true, command: { kind: 'reset', chargerId: 'CP1', type: 'Hard' } });
  t.strictSame(parseCommand(charger('reset'), '{}'), { ok: true, command: { kind: 'reset', chargerId: 'CP1', type: 'Soft' } });
  t.strictSame(parseCommand(site, '{"amps":20,"duration":3600}'), { ok: true, command: { kind: 'siteLimit', amps: 20, durationS: 3600 } });
  t.strictSame(parseCommand(site, '{"amps":null}'), { ok: true, command: { kind: 'siteLimit', amps: null, durationS: 0 } });
});

t.test('anything else is rejected with what was expected', async (t) => {
  const reasons: [CommandAddress, string, RegExp][] = [
    [connector('start'), 'TAG1', /expected a JSON object/],
    [connector('start'), '{"idTag":"012345678901234567890"}', /1 to 20 characters/],
    [connector('start'), '{"idtag":"x"}', /unknown key "idtag"/],
    [connector('stop'), '[]', /expected a JSON object/],
    [connector('maxcurrent'), '-1', /from 0 to 1000/],
    [connector('maxcurrent'), '"16"', /from 0 to 1000/],
    [charger('available'), 'yes', /expected ON, OFF/],
    [charger('reset'), 'reboot', /expected soft, hard/],
    [site, '{"amps":20}', /duration must be a whole number/],
    [site, '20', /expected \{"amps": 20/],
    [site, 'x'.repeat(5000), /payload too large/],
  ];
  for (const [address, payload, reason] of reasons) {
    const result = parseCommand(address, payload);
    t.equal(result.ok, false, payload.slice(0, 40));
    if (!result.ok) t.match(result.reason, reason);
  }
});

t.test('configuration and trigger become the OCPP commands they name; a local list may be large', async (t) => {
  const named = (command: 'configuration' | 'trigger'): CommandAddress => ({ target: 'charger', chargerId: 'CP1', command });
  t.strictSame(parseCommand(named('configuration'), '{"key":"HeartbeatInterval","value":300,"id":"q"}'), {
    ok: true,
    command: { kind: 'ocpp', chargerId: 'CP1', action: 'ChangeConfiguration', payload: { key: 'HeartbeatInterval', value: '300' } },
    id: 'q',
  });
  t.strictSame(parseCommand(named('trigger'), 'MeterValues'), { ok: true, command: { kind: 'ocpp', chargerId: 'CP1', action: 'TriggerMessage', payload: { requestedMessage: 'MeterValues' } } });
  t.strictSame(parseCommand(named('trigger'), '{"message":"StatusNotification","connectorId":2}'), {
    ok: true,
    command: { kind: 'ocpp', chargerId: 'CP1', action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification', connectorId: 2 } },
  });
  t.match(parseCommand(named('configuration'), '{"key":"","value":"1"}'), { ok: false, reason: /key must be a string of 1 to 50/ });
  t.match(parseCommand(named('configuration'), '{"key":"A","value":null}'), { ok: false, reason: /value must be text/ });
  t.match(parseCommand(named('configuration'), '{"key":"A","value":"1","readonly":true}'), { ok: false, reason: /unknown key "readonly"/ });
  t.match(parseCommand(named('trigger'), 'Reboot'), { ok: false, reason: /expected one of BootNotification/ });
  t.match(parseCommand(named('trigger'), '{"message":"Heartbeat","connectorId":0}'), { ok: false, reason: /connectorId must be a whole number from 1/ });
  const list = JSON.stringify({ listVersion: 1, updateType: 'Full', localAuthorizationList: Array.from({ length: 500 }, (_, i) => ({ idTag: `CARD${i}`, idTagInfo: { status: 'Accepted', expiryDate: '2027-12-31T23:59:59.000Z' } })) });
  t.ok(list.length > 16 * 1024);
  t.match(parseCommand({ target: 'ocpp', chargerId: 'CP1', action: 'SendLocalList' }, list), { ok: true, command: { action: 'SendLocalList' } }, '500 cards');
  t.match(parseCommand({ target: 'ocpp', chargerId: 'CP1', action: 'DataTransfer' }, list), { ok: false, reason: /payload too large/ }, 'other OCPP commands keep 16 KiB');
});

t.test('the charge mode: the plain option of the select or {"mode"}; anything else is refused with the modes', async (t) => {
  t.strictSame(parseCommand(connector('mode'), 'solar'), { ok: true, command: { kind: 'mode', chargerId: 'CP1', connectorId: 2, mode: 'solar' } });
  t.strictSame(parseCommand(connector('mode'), 'MinSolar'), { ok: true, command: { kind: 'mode', chargerId: 'CP1', connectorId: 2, mode: 'minsolar' } });
  t.strictSame(parseCommand(connector('mode'), '{"mode":"off","id":7}'), { ok: true, command: { kind: 'mode', chargerId: 'CP1', connectorId: 2, mode: 'off' }, id: 7 });
  t.match(parseCommand(connector('mode'), 'fast'), { ok: false, reason: /off, now, minsolar, solar/ });
  t.match(parseCommand(connector('mode'), '{"mode":"solar","phases":1}'), { ok: false, reason: /unknown key "phases"/ });
});
