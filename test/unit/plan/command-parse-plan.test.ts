import t from 'tap';
import { parseCommand } from '../../../src/mqtt/command-parse.js';
import { Topics } from '../../../src/mqtt/topics.js';

const address = new Topics('chargegate').parseCommand('chargegate/chargers/CP1/connectors/2/plan/set');

t.test('…/plan/set: a JSON plan (checked by the plans), or clear', async (t) => {
  t.match(address, { target: 'connector', chargerId: 'CP1', connectorId: 2, command: 'plan' }, 'a connector command topic');
  if (!('target' in address)) return;
  t.strictSame(parseCommand(address, '{"energyKWh":20,"by":"07:00","id":"x"}'), { ok: true, command: { kind: 'plan', chargerId: 'CP1', connectorId: 2, plan: { energyKWh: 20, by: '07:00' } }, id: 'x' });
  t.strictSame(parseCommand(address, 'clear'), { ok: true, command: { kind: 'plan', chargerId: 'CP1', connectorId: 2, plan: null } });
  t.strictSame(parseCommand(address, '{"clear":true}'), { ok: true, command: { kind: 'plan', chargerId: 'CP1', connectorId: 2, plan: null } });
  t.match(parseCommand(address, '20 kWh by 7'), { ok: false, reason: /expected a JSON object such as \{"energyKWh": 20, "by": "07:00"\}, or "clear"/ });
});
