import t from 'tap';
import { deadlineOf, parsePlanRequest } from '../../../src/plan/request.js';

const iso = (r: ReturnType<typeof deadlineOf>) => ('at' in r ? new Date(r.at).toISOString() : r.problem);

t.test('a plan request: energy or SoC with capacity, and a time', async (t) => {
  t.strictSame(parsePlanRequest({ energyKWh: 20, by: '07:00' }), { request: { energyKWh: 20, by: '07:00' } });
  t.strictSame(parsePlanRequest({ soc: 80, capacityKWh: 60, by: '2026-12-04T07:00:00+01:00' }), { request: { soc: 80, capacityKWh: 60, by: '2026-12-04T07:00:00+01:00' } });
  const problems: [unknown, RegExp][] = [
    ['20 kWh', /expected a JSON object/],
    [{ energyKWh: 20, by: '07:00', speed: 'fast' }, /unknown key "speed" \(allowed: energyKWh, soc, capacityKWh, by\)/],
    [{ by: '07:00' }, /give either energyKWh .* or soc/],
    [{ energyKWh: 20, soc: 80, capacityKWh: 60, by: '07:00' }, /give either/],
    [{ soc: 80, by: '07:00' }, /soc needs capacityKWh/],
    [{ energyKWh: 20, capacityKWh: 60, by: '07:00' }, /capacityKWh goes with soc/],
    [{ energyKWh: -1, by: '07:00' }, /energyKWh must be a number from 0.1 to 1000, got -1/],
    [{ soc: 120, capacityKWh: 60, by: '07:00' }, /soc must be a number from 1 to 100, got 120/],
    [{ energyKWh: 20, by: '24:00' }, /by must be a time of day HH:MM .* got "24:00"/],
    [{ energyKWh: 20, by: '2026-12-04T07:00' }, /by must be/],
  ];
  for (const [doc, problem] of problems) t.match(parsePlanRequest(doc), { problem }, JSON.stringify(doc));
});

t.test('the deadline: the next HH:MM in the zone, daylight saving time included', async (t) => {
  const now = Date.parse('2026-12-03T22:30:00Z'); // 23:30 in Berlin
  t.equal(iso(deadlineOf('07:00', now, 'Europe/Berlin')), '2026-12-04T06:00:00.000Z', 'tomorrow morning, Berlin time');
  t.equal(iso(deadlineOf('23:45', now, 'Europe/Berlin')), '2026-12-03T22:45:00.000Z', 'later today');
  t.equal(iso(deadlineOf('23:30', now, 'Europe/Berlin')), '2026-12-04T22:30:00.000Z', 'now is not "by now": tomorrow');
  // 29 March 2026: Berlin's clocks go from 02:00 to 03:00; 02:30 does not exist, the next minute that does.
  t.equal(iso(deadlineOf('02:30', Date.parse('2026-03-28T23:00:00Z'), 'Europe/Berlin')), '2026-03-29T01:00:00.000Z');
  t.equal(iso(deadlineOf('2026-12-04T07:00:00+01:00', now, 'UTC')), '2026-12-04T06:00:00.000Z');
  t.match(deadlineOf('2026-12-01T07:00:00Z', now, 'UTC'), { problem: /has passed/ });
  t.match(deadlineOf('2027-01-01T07:00:00Z', now, 'UTC'), { problem: /more than 7 days ahead/ });
});
