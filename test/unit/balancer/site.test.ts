import t from 'tap';
import { stringify } from 'yaml';
import { parseRotation, siteModel, siteProblems } from '../../../src/balancer/site.js';
import { externalLimits, inWindow, localTime } from '../../../src/balancer/external.js';
import { parseConfig } from '../../../src/config/load.js';

const config = (site: unknown, chargers: unknown[] = []) => parseConfig(stringify({ chargers: { list: chargers }, site }), { env: {}, baseDir: '/tmp' });

t.test('phase rotations, L1L2L3 or RST style', async (t) => {
  t.same(parseRotation('L1L2L3'), [0, 1, 2]);
  t.same(parseRotation('STR'), [1, 2, 0]);
  t.same(parseRotation('L3'), [2, 0, 1], 'a 1-phase charger on L3');
});

t.test('the site section becomes a model; without it there is none', async (t) => {
  t.equal(siteModel(config(undefined)), undefined);
  const m = siteModel(config({ supply: { maxCurrent: 63 }, circuits: [{ id: 'garage', maxCurrent: 32 }] }, [{ id: 'CP1', password: 'password1', circuit: 'garage', phaseRotation: 'L2' }]))!;
  t.equal(m.supply.maxCurrent, 63);
  t.equal(m.circuits.get('garage')!.parent, 'supply');
  t.same(m.chargers.get('CP1')!.rotation, [1, 2, 0]);
  t.equal(m.balancing.settleMs, 30_000);
});

t.test('cross-key problems are named by key', async (t) => {
  const c = config(
    { supply: { maxCurrent: 63 }, circuits: [{ id: 'a', maxCurrent: 32, parent: 'b' }, { id: 'b', maxCurrent: 32, parent: 'a' }, { id: 'c', maxCurrent: 10, parent: 'nowhere' }], meter: { type: 'modbus-tcp' } },
    [{ id: 'CP1', password: 'password1', circuit: 'garage' }],
  );
  t.same(siteProblems(c), [
    'site.circuits[0].parent: circuit "a" is its own ancestor',
    'site.circuits[1].parent: circuit "b" is its own ancestor',
    'site.circuits[2].parent: no circuit "nowhere" (known: supply, a, b, c)',
    'chargers.list[0].circuit: no circuit "garage" in site.circuits',
    'site.meter.host: required for a modbus-tcp meter',
  ]);
});

t.test('time-of-use windows, past midnight, weekdays; prices; runtime limits', async (t) => {
  const at = localTime(Date.parse('2026-03-04T17:30:00Z'), 'Europe/Berlin'); // a Wednesday, 18:30 there
  t.same(at, { day: 'wed', minutes: 18 * 60 + 30 });
  t.ok(inWindow({ from: '17:00', to: '20:00', maxCurrent: 20 }, at));
  t.notOk(inWindow({ from: '17:00', to: '20:00', days: ['sat', 'sun'], maxCurrent: 20 }, at));
  t.ok(inWindow({ from: '22:00', to: '06:00', days: ['tue'], maxCurrent: 20 }, { day: 'wed', minutes: 60 }), "Tuesday's night window still holds at 01:00 on Wednesday");
  const limits = externalLimits({
    schedule: [{ from: '17:00', to: '20:00', maxCurrent: 40 }],
    timeZone: 'Europe/Berlin',
    prices: { threshold: 0.3, maxCurrent: 16, table: [{ from: '2026-03-04T00:00:00Z', price: 0.2 }, { from: '2026-03-04T17:00:00Z', price: 0.45 }] },
    runtime: new Map([['demand-response (mqtt)', { amps: 25, until: Date.parse('2026-03-04T17:00:00Z') }]]),
    now: Date.parse('2026-03-04T17:30:00Z'),
  });
  t.same(limits, [
    { source: 'schedule 17:00-20:00', amps: 40 },
    { source: 'price 0.45 above 0.3', amps: 16 },
  ], 'the expired demand-response limit is gone');
});

t.test('site.solar: the solar modes need the grid meter, the PV and battery topics an mqtt one', async (t) => {
  t.same(siteProblems(config({ supply: { maxCurrent: 25 }, solar: { defaultMode: 'solar', pv: { topic: 'home/pv' } } })), [
    'site.solar.defaultMode: solar follows the solar surplus, which needs the grid meter (site.meter); use now or off, or add site.meter',
    "site.solar.pv.topic: read on site.meter's broker, so it needs site.meter of type mqtt (there is none); or read it over Modbus: type: modbus-tcp",
  ]);
  t.same(siteProblems(config({ supply: { maxCurrent: 25 }, meter: { type: 'modbus-tcp', host: 'meter' }, solar: { battery: { topic: 'home/battery' } } })), [
    "site.solar.battery.topic: read on site.meter's broker, so it needs site.meter of type mqtt (it is modbus-tcp); or read it over Modbus: type: modbus-tcp",
  ]);
  t.same(siteProblems(config({ supply: { maxCurrent: 25 }, meter: { type: 'mqtt', url: 'mqtt://h', topic: 'grid' }, solar: { defaultMode: 'minsolar', pv: { topic: 'pv' }, battery: { topic: 'b' } } })), []);
  t.same(siteProblems(config({ supply: { maxCurrent: 25 }, meter: { type: 'modbus-tcp', host: 'meter' }, solar: { pv: { type: 'modbus-tcp', host: 'inverter' }, battery: { type: 'modbus-tcp', host: 'battery', model: 'generic-battery' } } })), [], 'PV and battery over Modbus next to a Modbus grid meter');
  t.same(siteProblems(config({ supply: { maxCurrent: 25 }, meter: { type: 'modbus-tcp', host: 'meter' }, solar: { pv: { type: 'modbus-tcp' }, battery: { type: 'mqtt' } } })), [
    'site.solar.pv.host: required for type modbus-tcp',
    'site.solar.battery.topic: required for type mqtt (or set type: modbus-tcp with host and model)',
    "site.solar.battery.topic: read on site.meter's broker, so it needs site.meter of type mqtt (it is modbus-tcp); or read it over Modbus: type: modbus-tcp",
  ]);
  t.equal(config({ supply: { maxCurrent: 25 }, solar: { pv: { type: 'modbus-tcp', host: 'x' } } }).site!.solar.pv!.model, 'sunspec-inverter', 'a PV inverter is a SunSpec one unless told');
  t.equal(config({ supply: { maxCurrent: 25 } }).site!.solar.defaultMode, 'now', 'the default mode is now: nothing changes for a site that never heard of solar');
  t.throws(() => config({ supply: { maxCurrent: 25 }, solar: { metering: 'total' } }), /site\.solar\.metering.*sum, phase/);
});

t.test('phaseSwitching: a 3-phase charger only; the model says whether it switches', async (t) => {
  const chargers = [
    { id: 'A', password: 'a-secret-key-001', phaseSwitching: 'numberPhases' },
    { id: 'B', password: 'b-secret-key-001', phases: 1, phaseSwitching: 'numberPhases' },
    { id: 'C', password: 'c-secret-key-001' },
  ];
  const c = config({ supply: { maxCurrent: 25 } }, chargers);
  t.same(siteProblems(c), ['chargers.list[1].phaseSwitching: numberPhases needs a 3-phase charger (phases is 1); use none']);
  const model = siteModel(c)!;
  t.equal(model.chargers.get('A')!.phaseSwitching, true);
  t.equal(model.chargers.get('C')!.phaseSwitching, undefined, 'default none');
  t.throws(() => config({ supply: { maxCurrent: 25 } }, [{ id: 'D', password: 'd-secret-key-001', phaseSwitching: 'relay' }]), /phaseSwitching.*none, numberPhases/);
});
