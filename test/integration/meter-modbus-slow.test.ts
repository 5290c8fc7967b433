/**
 * A grid meter over Modbus TCP that answers late: a meter behind a Modbus gateway on a slow
 * serial line, or a busy inverter. The reader must not queue reads behind a slow answer, and a
 * reading must count as old as it may be: the meter's currents are from some moment between the
 * request and the answer, so a reading is stamped with the request's time. Stamped at the answer,
 * a meter that answered seconds late looked fresh, and the failsafe for a silent meter never came.
 *
 * Real parts: a jsmodbus server on 127.0.0.1 laid out as a SunSpec meter (test/helpers/sunspec.ts)
 * behind a TCP relay that holds each of its answers for a while, the product's Modbus reader, and
 * for the failsafe a whole gateway with that meter.
 */
import { createServer, Socket, type AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { REGISTER_MAP_DIR } from '../../src/meters/index.js';
import { createModbusMeter } from '../../src/meters/modbus.js';
import type { PhaseReading } from '../../src/meters/ports.js';
import { loadRegisterMap } from '../../src/meters/register-map.js';
import { capturingLogger, eventually, startGateway } from '../helpers/gateway.js';
import { COMMON, meter203, startModbusDevice, sunspecImage } from '../helpers/sunspec.js';

/** A TCP relay to `port` that delays everything the device sends by `delayMs()`. */
async function slowRelay(t: Test, port: number, delayMs: () => number): Promise<number> {
  const server = createServer((client) => {
    const device = new Socket();
    device.on('error', () => client.destroy());
    client.on('error', () => device.destroy());
    client.on('close', () => device.destroy());
    device.on('close', () => client.destroy());
    device.connect({ host: '127.0.0.1', port });
    client.on('data', (chunk) => device.write(chunk));
    device.on('data', (chunk) => void setTimeout(() => !client.destroyed && client.write(chunk), delayMs()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

t.test('a meter that answers 400 ms late, polled every 100 ms: each reading as old as its request, and no backlog of reads', async (t) => {
  const device = await startModbusDevice(t, sunspecImage(40000, [COMMON, meter203([163, 57, 20], -1)]));
  let delay = 400;
  const port = await slowRelay(t, device.port, () => delay);
  const meter = createModbusMeter({ host: '127.0.0.1', port, unitId: 1, intervalMs: 100, map: loadRegisterMap(REGISTER_MAP_DIR, 'sunspec-203'), logger: capturingLogger().logger, now: () => new Date() });
  t.teardown(() => meter.stop());
  const arrived: { reading: PhaseReading; at: number }[] = [];
  meter.onReading((reading) => arrived.push({ reading, at: Date.now() }));
  meter.start();

  await eventually(() => arrived.length >= 7, 'seven readings', 30_000);
  t.same(arrived[0]!.reading.currentsA, [16.3, 5.7, 2], 'the currents');
  const ages = arrived.map((a) => a.at - a.reading.at);
  t.ok(ages.every((age) => age >= 400), `each reading arrives at least 400 ms after the time it counts for: ${ages.join(', ')} ms`);

  // The meter answers at once again. Had a read been sent every 100 ms regardless, three would
  // have queued behind each slow answer (seventeen by now), and they would all come in a burst
  // now, each as if it were news.
  delay = 0;
  const from = arrived.length;
  await eventually(() => arrived.length >= from + 6, 'six more readings', 30_000);
  const spanMs = arrived[from + 5]!.at - arrived[from]!.at;
  t.ok(spanMs >= 300, `then one read every 100 ms: five intervals took ${spanMs} ms`);
});

t.test('a meter that answers later than failsafe.meterTimeout: the meter counts as silent, though answers keep coming', async (t) => {
  const device = await startModbusDevice(t, sunspecImage(40000, [COMMON, meter203([20, 20, 20], -1)]));
  let delay = 0;
  const port = await slowRelay(t, device.port, () => delay);
  const gw = await startGateway(t, {
    patch: (c) => {
      c.site = {
        supply: { maxCurrent: 32, phases: 3, voltage: 230 },
        // Read every 0.8 s; the reader gives an answer up to 1.6 s (twice that).
        meter: { type: 'modbus-tcp', host: '127.0.0.1', port, unitId: 1, model: 'sunspec-203', interval: 0.8 },
        failsafe: { meterTimeout: 1 },
        balancing: { recheckInterval: 0.2 },
      };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));
  let readings = 0;
  gw.app.events.on('site.state', (e) => void (e.grid && readings++));
  await eventually(() => readings > 0 && allocations.length > 0 && allocations.at(-1)!.failsafe === undefined, 'the meter read and trusted', 30_000);

  // Now each answer takes 1.4 s: readings still come, but each is 1.4 s old when it arrives,
  // older than the 1 s a reading counts for. Stamped at the answer, each looked fresh for a second.
  delay = 1400;
  await eventually(() => allocations.at(-1)?.failsafe !== undefined, 'the failsafe in force', 30_000);
  t.match(allocations.at(-1)!.failsafe, /^meter silent/, 'the meter counts as silent');
  const since = allocations.length - 1;
  const from = readings;
  await eventually(() => readings >= from + 3, 'three more (late) readings meanwhile', 30_000);
  const lifted = allocations.slice(since).filter((a) => a.failsafe === undefined).length;
  t.equal(lifted, 0, `and it stays silent while its answers come late: ${allocations.length - since} plans, none without the failsafe`);

  delay = 0;
  await eventually(() => allocations.at(-1)?.failsafe === undefined, 'answers in time again: trusted again', 30_000);
});
