/**
 * The MQTT grid meter end to end, as a home with its meter in Home Assistant has it: a broker of
 * its own (a bare aedes on 127.0.0.1, port 0, standing in for the user's), a chargegate whose
 * site.meter is `type: mqtt`, a simulated charger on L1 that follows its profiles, and the test
 * publishing what the meter would: the house load plus the car, every 100 ms. What the user sees
 * is asserted: the car's limit drops when the house draws on L1, /api/site shows the grid
 * currents, and a meter that goes silent puts the failsafe in force (and lifts it when it is back).
 */
import t, { type Test } from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { startBareAedes } from '../../src/mqtt/broker.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient } from '../helpers/mqtt.js';

const FUSE = 32;
const VOLTAGE = 230;

type Phases = [number, number, number];

/**
 * A site on a 32 A supply with an MQTT meter (`meter` merged into site.meter), CP2 (1-phase,
 * 32 A, on L1) charging, and a meter publishing `payloads(grid)` every 100 ms until stopped.
 */
async function siteWithMqttMeter(t: Test, meter: Record<string, unknown>, payloads: (grid: Phases) => [topic: string, payload: string][], logger?: Logger) {
  const broker = await startBareAedes();
  t.teardown(() => broker.close());
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const gw = await startGateway(t, {
    ...(logger ? { logger } : {}),
    patch: (c) => {
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      c.chargers.list[1].phaseRotation = 'L1';
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: VOLTAGE },
        meter: { type: 'mqtt', url, ...meter },
        failsafe: { meterTimeout: 1 },
        balancing: { settleTime: 1, responseTime: 2, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2 },
      };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));

  const cp2 = new SimulatedCharger({
    url: gw.url, identity: 'CP2', password: PASSWORDS.CP2, phases: 1, maxCurrentA: 32, logger: silentLogger(),
    autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2' }, tickMs: 100,
  });
  t.teardown(() => cp2.stop());
  cp2.start();
  await eventually(() => cp2.isBooted, 'CP2 booted');

  // The meter sees the house and the car (the balancer subtracts the car's own MeterValues).
  const house: Phases = [0, 0, 0];
  const grid = (): Phases => [house[0] + cp2.currentA(1), house[1], house[2]];
  const client = await connectClient(t, url);
  let timer: NodeJS.Timeout | undefined;
  const meterOn = () => {
    timer ??= setInterval(() => {
      for (const [topic, payload] of payloads(grid())) void client.publish(topic, payload, { qos: 0 }).catch(() => undefined);
    }, 100);
  };
  const meterOff = () => {
    clearInterval(timer);
    timer = undefined;
  };
  t.teardown(meterOff);
  meterOn();

  cp2.plugIn(1, { phases: 1 });
  await cp2.startTransaction(1, 'TAG2');
  const cp2Allocation = () => allocations.at(-1)?.connectors.find((c) => c.chargerId === 'CP2');
  const site = async () => (await api(gw.httpUrl, '/api/site', { token: TOKENS.read })).json;
  return { gw, cp2, house, grid, meterOn, meterOff, allocations, cp2Allocation, site };
}

const near = (a: number, b: number) => Math.abs(a - b) < 0.01;

/** /api/site once `check` holds (the meter publishes every 100 ms, so its view lags the car a little). */
async function siteWhen(site: () => Promise<any>, check: (view: any) => boolean, what: string, ms = 5000): Promise<any> {
  const until = Date.now() + ms;
  for (;;) {
    const view = await site();
    if (check(view)) return view;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(view.grid)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('one JSON topic with the three phase currents (dotted fields): the car makes room for the house, a silent meter brings the failsafe', async (t) => {
  const s = await siteWithMqttMeter(t, { topic: 'home/grid', fields: ['current.l1', 'current.l2', 'current.l3'] }, (g) => [
    ['home/grid', JSON.stringify({ current: { l1: g[0], l2: g[1], l3: g[2] }, voltage: { l1: 231 } })],
  ]);

  await eventually(() => s.cp2.currentA(1) >= FUSE - 1, 'the car takes the whole free L1');
  t.equal(s.allocations.at(-1)!.failsafe, undefined, 'no failsafe while the meter reports');

  // 20 A of house load on L1: the car drops to what is left, without a pause on the way (the
  // meter's readings and the car's MeterValues do not arrive together; estimateOtherLoad).
  const from = s.allocations.length;
  s.house[0] = 20;
  const settled = (a: number) => a >= FUSE - 20 - 1 && a <= FUSE - 20;
  await eventually(() => settled(s.cp2.limitA(1)) && settled(s.cp2.currentA(1)) && settled(s.cp2Allocation()!.amps), 'the car at the 12 A left on L1, the balancer giving it that');
  t.equal(s.cp2Allocation()!.reason, 'fair-share', 'what is left on L1 is its share');
  const onTheWay = s.allocations.slice(from).map((a) => a.connectors.find((c) => c.chargerId === 'CP2')!.amps);
  t.ok(Math.min(...onTheWay) > 0, `never paused on the way: ${onTheWay.join(' → ')} A`);
  // Steady: over the next ten meter readings and five of the car's MeterValues (counted as the
  // gateway gets them, not a second of wall time), nobody raises it past what is left. Looked at
  // on every reading, MeterValues, allocation and limit change, so no raise falls between looks.
  let highest = 0;
  let readings = 0;
  let meterValues = 0;
  const look = () => (highest = Math.max(highest, s.cp2.limitA(1), s.cp2Allocation()!.amps));
  const stopLooking = [
    s.gw.app.events.on('site.state', (e) => (e.grid && readings++, look())),
    s.gw.app.events.on('meter.values', (e) => (e.chargerId === 'CP2' && meterValues++, look())),
    s.gw.app.events.on('allocation.changed', look),
  ];
  s.cp2.on('limit', look);
  look();
  await eventually(() => readings >= 10 && meterValues >= 5, 'ten meter readings and five MeterValues');
  for (const stop of stopLooking) stop();
  s.cp2.off('limit', look);
  t.ok(highest <= FUSE - 20, `steady at what is left: at most ${highest} A offered over ${readings} meter readings and ${meterValues} MeterValues`);
  await eventually(() => s.grid()[0] <= FUSE, 'L1 back within the fuse');
  const view = await siteWhen(s.site, (v) => v.grid?.currentA[0] <= FUSE, '/api/site: L1 within the fuse');
  t.ok(view.grid.currentA[0] >= 20, `/api/site shows the grid on L1: ${view.grid.currentA[0]} A (house 20 A + the car)`);
  t.same(view.grid.currentA.slice(1), [0, 0], '/api/site: L2 and L3 idle');
  t.equal(view.failsafe, null);

  // The house load goes away: the car gets its share back.
  s.house[0] = 0;
  await eventually(() => s.cp2.currentA(1) >= FUSE - 1, 'the car back at the full L1');

  // The meter stops publishing: after meterTimeout (1 s) the worst is assumed.
  s.meterOff();
  await eventually(() => s.allocations.at(-1)?.failsafe !== undefined, 'the failsafe in force');
  t.match(s.allocations.at(-1)!.failsafe, /^meter silent \d+ s/);
  t.match((await s.site()).failsafe, /^meter silent/, '/api/site says why');

  s.meterOn();
  await eventually(() => s.allocations.at(-1)?.failsafe === undefined, 'the meter trusted again');
});

t.test('one JSON topic whose payload loses a field: no reading, the failsafe comes, and the log says so once per episode', async (t) => {
  // Home Assistant's template sensors send "unavailable" for a value they lost; a renamed key
  // drops it. Before 6 December every such message logged a warning: one a second, for good.
  let broken = false;
  const { logger, entries } = capturingLogger('info');
  const s = await siteWithMqttMeter(t, { topic: 'home/grid', fields: ['l1', 'l2', 'l3'] }, (g) => [
    ['home/grid', JSON.stringify(broken ? { l1: g[0], l2: 'unavailable', l3: g[2] } : { l1: g[0], l2: g[1], l3: g[2] })],
  ], logger);
  const failsafe = () => s.allocations.at(-1)?.failsafe;
  const warnings = () => entries().filter((e) => /without the configured fields/.test(String(e.msg)));
  await eventually(() => s.cp2.currentA(1) >= FUSE - 1, 'the car takes the whole free L1');

  let messages = 0;
  s.gw.app.events.on('site.state', (e) => void (e.grid && messages++));
  for (const episode of [1, 2]) {
    broken = true;
    await eventually(() => failsafe() !== undefined, `episode ${episode}: the failsafe in force while L2 is "unavailable"`);
    t.match(failsafe(), /^meter silent/, 'the meter counts as silent');
    t.equal(warnings().length, episode, `episode ${episode}: warned once, though the meter kept publishing every 100 ms`);
    t.match(warnings()[episode - 1], { topic: 'home/grid', fields: ['l1', 'l2', 'l3'], payload: /"l2":"unavailable"/ }, 'naming the topic, the fields and what came');
    broken = false;
    const before = messages;
    await eventually(() => failsafe() === undefined && messages > before, `episode ${episode}: readings again, the meter trusted`);
  }
  t.equal(entries().filter((e) => /readings resumed/.test(String(e.msg))).length, 2, 'and each time readings resume');
});

t.test('one topic per phase with powers in W: divided by the supply voltage, same reaction', async (t) => {
  const topics = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];
  const s = await siteWithMqttMeter(t, { topics, quantity: 'power' }, (g) => topics.map((topic, i) => [topic, String(g[i]! * VOLTAGE)]));

  await eventually(() => s.cp2.currentA(1) >= FUSE - 1, 'the car takes the whole free L1');
  s.house[0] = 20;
  s.house[2] = 3;
  const settled = (a: number) => a >= FUSE - 20 - 1 && a <= FUSE - 20;
  await eventually(() => settled(s.cp2.limitA(1)) && settled(s.cp2.currentA(1)), 'the car at the 12 A left on L1');
  await eventually(() => s.grid()[0] <= FUSE, 'L1 back within the fuse');
  const view = await siteWhen(s.site, (v) => v.grid?.currentA[0] <= FUSE + 0.01 && near(v.grid.currentA[2], 3), '/api/site: L1 within the fuse, L3 at 3 A');
  t.ok(near(view.grid.currentA[2], 3), `/api/site: 690 W on L3 shown as ${view.grid.currentA[2]} A`);
  t.ok(view.grid.currentA[0] >= 20 - 0.01, `/api/site: L1 ${view.grid.currentA[0]} A (house 20 A + the car)`);

  s.meterOff();
  await eventually(() => s.allocations.at(-1)?.failsafe !== undefined, 'the failsafe in force');
  t.match(s.allocations.at(-1)!.failsafe, /^meter silent/);
});

t.test('one topic per phase, one of them quiet or "unavailable" while the others publish: the meter counts as silent and the failsafe comes', async (t) => {
  // Before 6 December every phase message made a reading: L1 and L2 kept the meter "fresh" while
  // L3 kept its last value for good, and no failsafe ever came for a house load growing on L3.
  const topics = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];
  let l3: 'number' | 'quiet' | 'unavailable' = 'number';
  const { logger, entries } = capturingLogger('warn');
  const s = await siteWithMqttMeter(t, { topics, quantity: 'power' }, (g) =>
    topics.flatMap((topic, i): [string, string][] => {
      if (i !== 2 || l3 === 'number') return [[topic, String(g[i]! * VOLTAGE)]];
      return l3 === 'quiet' ? [] : [[topic, 'unavailable']];
    }), logger);
  const failsafe = () => s.allocations.at(-1)?.failsafe;

  await eventually(() => s.cp2.currentA(1) >= FUSE - 1, 'the car takes the whole free L1');
  t.equal(failsafe(), undefined, 'no failsafe while every phase reports');

  l3 = 'quiet';
  await eventually(() => failsafe() !== undefined, 'the failsafe in force while L3 is quiet and L1, L2 keep publishing');
  t.match(failsafe(), /^meter silent/, 'the meter counts as silent');
  t.match((await s.site()).failsafe, /^meter silent/, '/api/site says why');

  l3 = 'number';
  await eventually(() => failsafe() === undefined, 'L3 back: the meter trusted again');

  l3 = 'unavailable';
  await eventually(() => failsafe() !== undefined, 'the failsafe in force while L3 says "unavailable"');
  t.match(failsafe(), /^meter silent/);
  const warned = entries().filter((e) => /not a number/.test(String(e.msg)));
  t.equal(warned.length, 1, 'warned once, not at every message');
  t.match(warned[0], { topic: 'home/grid/l3/power', payload: 'unavailable' }, 'naming the topic and what it sent');

  l3 = 'number';
  await eventually(() => failsafe() === undefined, 'a number again: trusted again');
});

t.test('a value the broker retained is not a reading: a dead meter\'s last values are not trusted at start', async (t) => {
  const topics = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];
  const broker = await startBareAedes();
  t.teardown(() => broker.close());
  // A meter publisher that died long ago left 25 A per phase retained on the site's broker.
  for (const topic of topics) await new Promise<void>((done) => broker.publish(topic, Buffer.from(String(25 * VOLTAGE)), done, true));
  const subscribed = new Promise<void>((resolve) => broker.onSubscribe((subscribedTo) => subscribedTo.includes(topics[2]!) && resolve()));
  const { logger, entries } = capturingLogger('info');
  const gw = await startGateway(t, {
    logger,
    patch: (c) => {
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: VOLTAGE },
        meter: { type: 'mqtt', url: `mqtt://127.0.0.1:${broker.port}`, topics, quantity: 'power' },
        failsafe: { meterTimeout: 1 },
      };
    },
  });
  const readings: { currentA?: readonly number[] }[] = [];
  gw.app.events.on('site.state', (e) => void (e.grid && readings.push(e.grid)));
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));

  await subscribed;
  // The retained values reach the gateway's meter at once: a reading from them, or the log line
  // that they were set aside.
  const setAside = () => entries().some((e) => /retained by the broker ignored/.test(String(e.msg)));
  await eventually(() => readings.length > 0 || setAside(), 'the retained values delivered');
  t.same(readings, [], 'no reading from them');
  t.ok(setAside(), 'the log says they were set aside');
  t.match(allocations.at(-1)?.failsafe, /meter silent ever since the start/, 'the meter counts as silent');

  // The meter publishes again, live: 2 A per phase.
  for (const topic of topics) await new Promise<void>((done) => broker.publish(topic, Buffer.from(String(2 * VOLTAGE)), done));
  await eventually(() => readings.length > 0, 'a reading');
  t.same(readings[0]!.currentA, [2, 2, 2], 'the first reading is the meter\'s own, not the retained 25 A');
  await eventually(() => allocations.at(-1)?.failsafe === undefined, 'the meter trusted');
});
