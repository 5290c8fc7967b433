/**
 * A SunSpec grid meter over real Modbus TCP: a jsmodbus server on 127.0.0.1 (port 0) lays out a
 * SunSpec map ("SunS", model blocks, end marker) away from the usual addresses, and the meter
 * reader built from adapters/meters/sunspec-203.yaml must find model 203 by itself, on connect
 * and again after a reconnect. Without a marker the user gets a clear error and the balancer's
 * failsafe.
 */
import t, { type Test } from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { silentLogger } from '../../src/log.js';
import { REGISTER_MAP_DIR } from '../../src/meters/index.js';
import { createModbusMeter, type ModbusMeterOptions } from '../../src/meters/modbus.js';
import { loadRegisterMap } from '../../src/meters/register-map.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { COMMON, meter203, startModbusDevice, sunspecImage } from '../helpers/sunspec.js';

function sunspecMeter(t: Test, port: number, logger = capturingLogger(), extra: Partial<ModbusMeterOptions> = {}) {
  const meter = createModbusMeter({ host: '127.0.0.1', port, unitId: 1, intervalMs: 100, map: loadRegisterMap(REGISTER_MAP_DIR, 'sunspec-203'), logger: logger.logger, now: () => new Date(), ...extra });
  t.teardown(() => meter.stop());
  meter.start();
  return { meter, entries: logger.entries };
}

t.test('model 203 behind an inverter at base 50000: found, read with its scale factor, found again after a reconnect', async (t) => {
  // SunS at 50000, the inverter's common model and model 103 (L = 50), the meter's common model,
  // then 203: its ID register at 50000 + 2 + 67 + 52 + 67 = 50188.
  const image = sunspecImage(50000, [COMMON, { id: 103, length: 50 }, COMMON, meter203([163, 57, -20], -1)]);
  const device = await startModbusDevice(t, image);
  const { meter, entries } = sunspecMeter(t, device.port);

  await eventually(() => meter.latest() !== undefined, 'a first reading');
  t.same(meter.latest()!.currentsA, [16.3, 5.7, -2], 'AphA/B/C × 10^−1; L3 exports');
  t.match(entries().find((e) => e.msg === 'SunSpec meter found'), { base: 50000, model: 203, address: 50188, chain: ['1@50002', '103@50069', '1@50121', '203@50188'] });

  // The live value changes in place: the reader keeps polling the block it found.
  device.holding.writeUInt16BE(250, (50188 + 3) * 2);
  await eventually(() => meter.latest()!.currentsA[0] === 25, 'L1 now 25 A');

  // The device restarts with another layout (as after a firmware update): the reader looks again.
  device.silent();
  await device.back(sunspecImage(40000, [COMMON, meter203([1234, 0, 0], -2)]));
  await eventually(() => meter.latest()!.currentsA[0] === 12.34, 'the reading from the new place', 8000);
  const found = entries().filter((e) => e.msg === 'SunSpec meter found');
  t.equal(found.length, 2, 'discovered once per connection');
  t.match(found[1], { base: 40000, model: 203, address: 40069 });
});

t.test('a SunSpec map without a supported model: a clear error naming what is there', async (t) => {
  const device = await startModbusDevice(t, sunspecImage(40000, [COMMON, { id: 103, length: 50 }]));
  // Discovery tried again on every poll (the default waits 30 s), so that "logged once" is tested.
  const { meter, entries } = sunspecMeter(t, device.port, capturingLogger(), { discoveryRetryMs: 0 });
  await eventually(() => entries().some((e) => e.level === 50), 'an error in the log');
  t.match(entries().find((e) => e.level === 50), {
    msg: 'SunSpec discovery failed: no meter readings (the balancer treats the meter as stale)',
    err: 'SunSpec map at 40000 has no model 203 or 204 (found 1@40002, 103@40069; the chain ends)',
  });
  // Each try starts by reading the SunS marker, and the next starts only after the last one
  // failed: two more marker reads mean at least one more whole failed try since the error.
  const tries = device.readsAt(40000);
  await eventually(() => device.readsAt(40000) >= tries + 2, 'two more discovery tries');
  t.equal(meter.latest(), undefined, 'no readings');
  t.equal(entries().filter((e) => e.level === 50).length, 1, 'logged once, not on every failed try');
});

t.test('no SunS marker: the error says so, the meter counts as stale and the failsafe applies', async (t) => {
  // A device with 64 holding registers (an SDM630-like meter configured as SunSpec by mistake).
  const device = await startModbusDevice(t, Buffer.alloc(64 * 2));
  const log = capturingLogger();
  const gw = await startGateway(t, {
    logger: log.logger,
    patch: (c) => {
      c.site = {
        supply: { maxCurrent: 32, phases: 3 },
        meter: { type: 'modbus-tcp', model: 'sunspec-203', host: '127.0.0.1', port: device.port, interval: 0.2 },
        failsafe: { meterTimeout: 1 },
        balancing: { settleTime: 1, rampInterval: 0.2, rampStep: 32, recheckInterval: 0.2 },
      };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));
  const cp1 = new SimulatedCharger({ url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16, logger: silentLogger(), tickMs: 100 });
  t.teardown(() => cp1.stop());
  cp1.start();
  await eventually(() => cp1.isBooted, 'CP1 booted');
  cp1.plugIn(1);
  await cp1.startTransaction(1, 'TAG1');

  await eventually(() => log.entries().some((e) => e.msg?.startsWith('SunSpec discovery failed')), 'the discovery error');
  const error = log.entries().find((e) => e.msg?.startsWith('SunSpec discovery failed'))!;
  t.equal(error.level, 50, 'an error, not a warning');
  t.match(error.err, /^no SunSpec "SunS" marker \(0x5375 0x6E53\) at holding register 40000, 0, 50000 \(40000: no such registers; 0: 0x0000 0x0000; 50000: no such registers\): not a SunSpec device, or the wrong unit id$/);
  t.match(error.meter, /^SunSpec meter \(model 203 or 204\) at 127\.0\.0\.1:\d+ unit 1$/, 'names the meter');
  await eventually(() => allocations.at(-1)?.failsafe !== undefined, 'the failsafe in force');
  t.match(allocations.at(-1)!.failsafe, /^meter silent ever since the start/);
});
