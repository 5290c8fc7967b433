/**
 * The fuse argument for trusting a charger's reading for 1.5 × its sample interval
 * (balancer/draw.ts readingTrustMs), tested end to end. A car may draw less than its charger
 * last reported, with no status change and no report (its battery management takes less for a
 * while). Then the grid meter shows less than the readings explain, the house load looks smaller
 * by the difference, and a neighbour may be given that room. When the car takes its current
 * again, before its charger reports, the site is over the fuse. What must hold: the grid meter
 * sees the sum at once, the house load may rise at any time (failsafe.ts estimateOtherLoad), so
 * the first limits decided after the meter showed the overload end it, with no report of that
 * charger needed: the overload lasts one meter reading and the chargers' response, as when a
 * kettle is switched on in the house.
 *
 * Real parts: an independent ocpp-rpc charger for each car (test/helpers/physical-charger.ts),
 * which follows its profiles at once; a grid meter the test publishes every 100 ms on a bare
 * aedes on 127.0.0.1, from the house and the two cars. CP2's reports are sent by the test, so it
 * stays silent for as long as the test needs; its reading counts for 90 s (the default
 * sample interval, 60 s).
 */
import t from 'tap';
import { startBareAedes } from '../../src/mqtt/broker.js';
import type { GatewayEvents } from '../../src/events.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { publishGridMeter } from '../helpers/mqtt.js';
import { physicalCharger } from '../helpers/physical-charger.js';

const VOLTAGE = 230;
const TOPICS = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];
const FUSE = 32;
const HOUSE = 10;

t.test('a car that takes less than its charger reported, then takes it again: the meter ends the overload, no report needed', async (t) => {
  t.setTimeout(180_000);
  const meterBroker = await startBareAedes();
  t.teardown(() => meterBroker.close());
  const url = `mqtt://127.0.0.1:${meterBroker.port}`;
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list[1].phaseRotation = 'L1';
      c.chargers.setup = { mode: 'off', meterValueSampleInterval: 60 };
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: VOLTAGE },
        meter: { type: 'mqtt', url, topics: TOPICS, quantity: 'power' },
        failsafe: { meterTimeout: 2 },
        balancing: { responseTime: 1, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2 },
      };
    },
  });
  // CP1 (3-phase) reports every second; CP2 (on L1 only) when the test says.
  const cp1 = await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 32, meterIntervalMs: 1000 });
  const cp2 = await physicalCharger(t, { url: gw.url, identity: 'CP2', password: PASSWORDS.CP2, phases: 1, maxCurrentA: 32, meterIntervalMs: 0 });
  const l1 = () => HOUSE + cp1.currents()[0] + cp2.currents()[0];
  publishGridMeter(t, url, TOPICS, VOLTAGE, () => [l1(), cp1.currents()[1], cp1.currents()[2]]);

  let reports2 = 0;
  gw.app.events.on('meter.values', (e) => e.chargerId === 'CP2' && reports2++);
  let reporting = true;
  let inFlight: Promise<void> = Promise.resolve();
  const reporter = setInterval(() => {
    if (reporting) inFlight = cp2.sendMeterValues(1).catch(() => undefined);
  }, 500);
  t.teardown(() => clearInterval(reporter));

  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  cp2.plugIn(1, { maxCurrentA: 32, phases: 1 });
  await cp2.startTransaction(1, 'TAG2');
  // (32 − 10) / 2 on L1.
  await eventually(() => cp1.currentA(1) === 11 && cp2.currentA(1) === 11, 'both cars at the 11 A the house leaves them on L1', 30_000);
  // Four of CP2's reports at 11 A (every 0.5 s): the last ones after it had its response time
  // (1 s) under its limit, so its reading says what its car draws.
  const seen = reports2;
  await eventually(() => reports2 >= seen + 4 && cp2.currentA(1) === 11, "four of CP2's reports at 11 A", 30_000);
  reporting = false;
  // Its last report may still be on the wire: once it is answered, CP2 is silent.
  await inFlight;

  // The car takes 1 A, as a car's battery management may: still Charging, no report.
  cp2.setCarMaxCurrent(1, 1);
  await eventually(() => cp1.currentA(1) > 11, 'the 10 A CP2 no longer takes look like room: CP1 given more', 30_000);
  t.equal(cp2.status(1), 'Charging', 'CP2 still Charging: nothing but the meter tells');

  // Now the overload: from the first grid reading the gateway gets above the fuse, the first
  // limits it decides.
  let overSeen = false;
  let overReadings = 0;
  let firstAfter: { cp1: number; cp2: number } | undefined;
  const offGrid = gw.app.events.on('site.state', (e) => {
    const a = e.grid?.currentA?.[0];
    if (a === undefined || a <= FUSE + 0.05 || firstAfter) return;
    overSeen = true;
    overReadings++;
  });
  const offAllocation = gw.app.events.on('allocation.changed', (e: GatewayEvents['allocation.changed']) => {
    if (!overSeen || firstAfter) return;
    const limit = (id: string) => e.connectors.find((c) => c.chargerId === id && c.connectorId === 1)?.amps ?? Infinity;
    firstAfter = { cp1: limit('CP1'), cp2: limit('CP2') };
  });
  const before = reports2;
  cp2.setCarMaxCurrent(1, 32);
  t.ok(l1() > FUSE, `the car takes its current again: L1 at ${l1()} A on a ${FUSE} A fuse`);
  await eventually(() => firstAfter !== undefined, 'limits decided after the meter showed the overload', 30_000);
  offGrid();
  offAllocation();
  t.equal(reports2, before, 'CP2 sent nothing meanwhile: the meter alone told');
  t.ok(firstAfter!.cp1 + firstAfter!.cp2 <= FUSE - HOUSE + 1e-9, `the first limits after it fit the fuse: CP1 ${firstAfter!.cp1} + CP2 ${firstAfter!.cp2} A with ${HOUSE} A of house load on L1 (after ${overReadings} meter reading(s) over the fuse)`);
  await eventually(() => l1() <= FUSE, 'L1 back within the fuse', 30_000);

  // CP2 reports again: the site settles within the fuse and stays there.
  reporting = true;
  const settled = reports2;
  await eventually(() => reports2 >= settled + 2, "two of CP2's reports", 30_000);
  let worst = -Infinity;
  const offWorst = gw.app.events.on('site.state', (e) => e.grid && (worst = Math.max(worst, l1())));
  const watched = reports2;
  await eventually(() => reports2 >= watched + 6, "six more of CP2's reports", 30_000);
  offWorst();
  t.ok(worst <= FUSE + 1e-9, `then L1 stays within the fuse: worst ${worst.toFixed(1)} A`);
});
