/**
 * A charger whose meter reports the current of fewer phases than it charges on. Some do: the
 * Enercab Smart sends Current.Import for L1 alone while its car charges on three phases (evcc
 * PR #16523), others one Current.Import without a phase (OCPP 1.6 §7.31: "an overall value").
 * Read as a car that draws on L1 only, the balancer gave the phases it seemed to leave idle to
 * the other chargers: with two 3-phase cars on two chargers wired with rotated phases and no
 * grid meter, each was given the whole fuse on "its" phase, and every phase carried twice it.
 *
 * What must hold: a reading that leaves out some of a 3-phase charger's phases does not say the
 * car leaves them idle. Its total power (Power.Active.Import) may tell how many it uses.
 *
 * Real parts: two independent ocpp-rpc chargers (test/helpers/physical-charger.ts) that follow
 * their profiles at once and report as configured; the fuse is checked from their own
 * clamp-meter currents, mapped to the site's phases by the test.
 */
import t, { type Test } from 'tap';
import { startBareAedes } from '../../src/mqtt/broker.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { publishGridMeter } from '../helpers/mqtt.js';
import { physicalCharger, type PhysicalCharger, type PhysicalChargerOptions } from '../helpers/physical-charger.js';

const FUSE = 32;

/** Site phase currents from both chargers: CP1 wired L1L2L3, CP2 L2L3L1 (its L1 on the site's L2). */
function sitePhases(cp1: PhysicalCharger, cp2: PhysicalCharger): number[] {
  const a = cp1.currents();
  const b = cp2.currents();
  return [a[0] + b[2], a[1] + b[0], a[2] + b[1]];
}

const TOPICS = ['home/grid/l1/power', 'home/grid/l2/power', 'home/grid/l3/power'];

interface SiteOptions {
  report: Pick<PhysicalChargerOptions, 'currentReport' | 'powerToo'>;
  /** CP2's, where it differs. */
  report2?: Pick<PhysicalChargerOptions, 'currentReport' | 'powerToo'>;
  /** A grid meter on a bare aedes, from the house load per site phase and both chargers. */
  house?: readonly number[];
  /** chargers.setup.meterValueSampleInterval (s): how long a reading counts (draw.ts readingTrustMs). */
  sampleIntervalS?: number;
}

async function twoRotatedChargers(t: Test, o: SiteOptions) {
  const log = capturingLogger('info');
  const broker = o.house ? await startBareAedes() : undefined;
  if (broker) t.teardown(() => broker.close());
  const url = broker ? `mqtt://127.0.0.1:${broker.port}` : undefined;
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => {
      // Both 3-phase, 32 A; CP2's L1 on the site's L2.
      c.chargers.list = c.chargers.list.map((x: (typeof c.chargers.list)[number]) => ({ ...x, maxCurrent: 32, phases: 3, ...(x.id === 'CP2' ? { phaseRotation: 'L2L3L1' } : {}) }));
      c.site = {
        supply: { maxCurrent: FUSE, phases: 3, voltage: 230 },
        ...(url ? { meter: { type: 'mqtt', url, topics: TOPICS, quantity: 'power' }, failsafe: { meterTimeout: 5 } } : {}),
        balancing: { responseTime: 0.2, rampInterval: 0, rampStep: 32, hysteresis: 0, recheckInterval: 0.2 },
      };
      if (o.sampleIntervalS !== undefined) c.chargers.setup = { ...c.chargers.setup, meterValueSampleInterval: o.sampleIntervalS };
    },
  });
  const opts = { url: gw.url, phases: 3 as const, maxCurrentA: 32, meterIntervalMs: 200, ...o.report };
  const cp1 = await physicalCharger(t, { ...opts, identity: 'CP1', password: PASSWORDS.CP1 });
  const cp2 = await physicalCharger(t, { ...opts, ...o.report2, identity: 'CP2', password: PASSWORDS.CP2 });
  if (url) publishGridMeter(t, url, TOPICS, 230, () => sitePhases(cp1, cp2).map((a, p) => a + o.house![p]!));
  let readings = 0;
  gw.app.events.on('meter.values', () => readings++);
  /** The worst site phase (with the house, if any), and the least CP1's car drew, while both chargers send `n` more readings between them. */
  const watchOver = async (n: number): Promise<{ worst: number; cp1Least: number }> => {
    let worst = 0;
    let cp1Least = Infinity;
    const look = (): void => {
      worst = Math.max(worst, ...sitePhases(cp1, cp2).map((a, p) => a + (o.house?.[p] ?? 0)));
      cp1Least = Math.min(cp1Least, cp1.currentA(1));
    };
    const watch = setInterval(look, 20);
    const from = readings;
    try {
      await eventually(() => readings >= from + n, `${n} readings`, 60_000);
    } finally {
      clearInterval(watch);
    }
    look();
    return { worst, cp1Least };
  };
  const worstOver = async (n: number): Promise<number> => (await watchOver(n)).worst;
  return { gw, cp1, cp2, log, worstOver, watchOver };
}

for (const currentReport of ['l1Only', 'phaseless'] as const) {
  t.test(`two 3-phase cars on rotated chargers that report ${currentReport === 'l1Only' ? 'L1 alone' : 'one current without a phase'}, no grid meter: no phase above the fuse`, async (t) => {
    const { cp1, cp2, log, worstOver } = await twoRotatedChargers(t, { report: { currentReport } });
    cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await cp1.startTransaction(1, 'TAG1');
    cp2.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await cp2.startTransaction(1, 'TAG2');
    await eventually(() => cp1.currentA(1) > 0 && cp2.currentA(1) > 0, 'both cars charging', 30_000);
    // Both chargers report every 200 ms: watch twenty of their readings.
    const worst = await worstOver(20);
    t.ok(worst <= FUSE + 1e-9, `every site phase within the ${FUSE} A fuse: worst ${worst} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A, each on 3 phases)`);
    t.equal(cp1.currentA(1) + cp2.currentA(1), FUSE, 'and the fuse is shared: 16 A each');
    const warned = log.entries().filter((e) => e.msg?.includes('reports the current of fewer phases than it is wired for'));
    t.same(warned.map((e) => e.chargerId).sort(), ['CP1', 'CP2'], 'the log says so, once per charger, and what to add');
  });
}

t.test('with its total power, a reading of L1 alone is complete: two 1-phase cars on rotated chargers get the whole fuse each, on their own phase', async (t) => {
  const { cp1, cp2, log, worstOver } = await twoRotatedChargers(t, { report: { currentReport: 'l1Only', powerToo: true } });
  cp1.plugIn(1, { maxCurrentA: 32, phases: 1 });
  await cp1.startTransaction(1, 'TAG1');
  cp2.plugIn(1, { maxCurrentA: 32, phases: 1 });
  await cp2.startTransaction(1, 'TAG2');
  // One phase of power for CP1's car on the site's L1, and for CP2's on the site's L2.
  await eventually(() => cp1.currentA(1) === 32 && cp2.currentA(1) === 32, 'both cars at 32 A', 30_000);
  const worst = await worstOver(20);
  t.ok(worst <= FUSE + 1e-9, `every site phase within the ${FUSE} A fuse: worst ${worst} A (site L1 ${sitePhases(cp1, cp2)[0]} A, L2 ${sitePhases(cp1, cp2)[1]} A)`);
  t.equal(log.entries().filter((e) => e.msg?.includes('fewer phases')).length, 0, 'nothing to warn of');
});

for (const powerToo of [false, true]) {
  t.test(`a grid meter, and a 3-phase car reported by L1 alone ${powerToo ? 'with' : 'without'} its total power: the car gets what the house leaves`, async (t) => {
    const HOUSE = [10, 4, 4];
    const { cp1, worstOver } = await twoRotatedChargers(t, { report: { currentReport: 'l1Only', powerToo }, house: HOUSE });
    cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await cp1.startTransaction(1, 'TAG1');
    // 32 − 10 on L1. Its L2 and L3 counted as its own, not as house load: counted as 0 A, its own
    // draw became house load on L2 and L3 and held it at 6 A.
    await eventually(() => cp1.currentA(1) === FUSE - HOUSE[0]!, `the car at ${FUSE - HOUSE[0]!} A`, 30_000);
    const worst = await worstOver(10);
    t.ok(worst <= FUSE + 1e-9, `every site phase within the fuse with the house: worst ${worst} A`);
    t.equal(cp1.currentA(1), FUSE - HOUSE[0]!, 'and it stays there');
  });
}

t.test('a grid meter, a 1-phase car reported by L1 alone without power, and a 3-phase car beside it: no phase above the fuse', async (t) => {
  const HOUSE = [6, 10, 2];
  const { cp1, cp2, worstOver } = await twoRotatedChargers(t, { report: { currentReport: 'l1Only' }, report2: { currentReport: 'perPhase' }, house: HOUSE });
  // CP1's car takes L1 only, but CP1 says nothing of L2 and L3: it is counted on all three, and
  // on L2 and L3 at its L1 current, which the house load gives back (the meter does not see it).
  cp1.plugIn(1, { maxCurrentA: 32, phases: 1 });
  await cp1.startTransaction(1, 'TAG1');
  cp2.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp2.startTransaction(1, 'TAG2');
  await eventually(() => cp1.currentA(1) >= 6 && cp2.currentA(1) >= 6, 'both cars charging', 30_000);
  const worst = await worstOver(30);
  t.ok(worst <= FUSE + 1e-9, `every site phase within the ${FUSE} A fuse with the house: worst ${worst} A (CP1 ${cp1.currentA(1)} A on L1, CP2 ${cp2.currentA(1)} A on three)`);
});

// A charger whose MeterValues carry no current: the energy register alone (1.6's default
// MeterValuesSampledData, where a charger refuses chargegate's setup or setup is off), or the
// power without the phases it spreads over. Its reading time runs out with nothing heard of its
// car's current; counted as none then, the car's own draw became house load on the grid meter
// and the car was cut to nothing (seen: 22 A for 90 s, then 0 A).
for (const powerToo of [false, true]) {
  t.test(`a grid meter and a charger that reports no current (${powerToo ? 'power and energy' : 'the energy register alone'}): its car keeps what the house leaves`, async (t) => {
    const HOUSE = [10, 10, 10];
    // A sample interval of 2 s: a reading counts 5 s (the meter timeout); the charger sends every 200 ms.
    const { cp1, log, watchOver } = await twoRotatedChargers(t, { report: { currentReport: 'none', powerToo }, house: HOUSE, sampleIntervalS: 2 });
    cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
    await cp1.startTransaction(1, 'TAG1');
    await eventually(() => cp1.currentA(1) === FUSE - HOUSE[0]!, `the car at ${FUSE - HOUSE[0]!} A`, 30_000);
    // 40 readings of 200 ms: 8 s or more, past the 5 s a reading (or its absence) counts.
    const { worst, cp1Least } = await watchOver(40);
    t.equal(cp1Least, FUSE - HOUSE[0]!, `the car stays at ${FUSE - HOUSE[0]!} A throughout (least ${cp1Least} A): its own draw is not taken for house load`);
    t.ok(worst <= FUSE + 1e-9, `every site phase within the fuse with the house: worst ${worst} A`);
    const warned = log.entries().filter((e) => e.msg?.includes('reports no current'));
    t.same(warned.map((e) => e.chargerId), ['CP1'], 'the log says so once, and what to add');
    t.notOk(log.entries().some((e) => String(e.msg).startsWith('the charger sends no MeterValues')), 'not that it sends none: it does');
  });
}

t.test('a grid meter, a charger that reports no current beside one that does: they share what the house leaves, never above the fuse', async (t) => {
  const HOUSE = [10, 10, 10];
  const { cp1, cp2, log, watchOver } = await twoRotatedChargers(t, { report: { currentReport: 'none' }, report2: { currentReport: 'perPhase' }, house: HOUSE, sampleIntervalS: 2 });
  cp1.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.startTransaction(1, 'TAG1');
  await eventually(() => cp1.currentA(1) === FUSE - HOUSE[0]!, `CP1's car at ${FUSE - HOUSE[0]!} A`, 30_000);
  cp2.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp2.startTransaction(1, 'TAG2');
  await eventually(() => cp2.currentA(1) >= 6, "CP2's car charging", 30_000);
  const { worst, cp1Least } = await watchOver(60);
  t.ok(worst <= FUSE + 1e-9, `every site phase within the ${FUSE} A fuse with the house: worst ${worst} A (CP1 ${cp1.currentA(1)} A, CP2 ${cp2.currentA(1)} A)`);
  t.ok(cp1Least >= 6, `CP1's car is not stopped by its own draw: least ${cp1Least} A`);
  t.equal(cp1.currentA(1) + cp2.currentA(1), FUSE - HOUSE[0]!, `and the ${FUSE - HOUSE[0]!} A the house leaves are shared`);
  // A clock-aligned reading of the energy alone from CP2, which reports its current otherwise: nothing to warn of.
  const transactionId = cp2.transactionId(1)!;
  await cp2.client.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1000', context: 'Sample.Clock', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
  await eventually(() => log.entries().some((e) => e.msg?.includes('reports no current')), 'the warning for CP1', 30_000);
  t.same(log.entries().filter((e) => e.msg?.includes('reports no current')).map((e) => e.chargerId), ['CP1'], 'the log names CP1 alone');
});
