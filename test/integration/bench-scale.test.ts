/**
 * The #19 scale and burst parts of `npm run bench`, small and short, with the gateway in this
 * process: they run end to end and report sane figures. No timing is asserted (figures live in
 * the bench and docs/performance.md).
 */
import t from 'tap';
import { runBurstBench } from '../../src/bench/burst.js';
import { inProcessGateway } from '../../src/bench/gateway-under-test.js';
import { printScale, runScaleBench } from '../../src/bench/scale.js';

t.setTimeout(240_000);
const progress = (line: string) => process.env.TEST_LOG && process.stderr.write(`${line}\n`);

t.test('the scale part with 20 chargers: all connected and charging, the gateway busy, every server used', async (t) => {
  const [r] = await runScaleBench({ counts: [20], steadySeconds: 3, meterIntervalS: 1, pollIntervalS: 1, start: inProcessGateway, progress });
  t.equal(r!.chargers, 20);
  t.equal(r!.online, 20, '/api/chargers shows all 20 online and booted');
  t.equal(r!.callErrors, 0, 'no CALL was refused');
  t.ok(r!.cpuPercent > 0, `CPU measured (${r!.cpuPercent.toFixed(2)} %)`);
  t.ok(r!.rssMiB > 0 && r!.peakRssMiB >= r!.rssMiB, 'RSS measured, its peak at least as high');
  t.ok(r!.meterValues >= 20, `MeterValues answered in the window (${r!.meterValues}: 20 chargers, about one a second each)`);
  t.ok(r!.mqttMessages > 0 && r!.mirrorSeconds >= 0, 'the # subscriber received the mirror, its backlog first');
  t.ok(r!.mirrorBehind >= 0, `the subscriber is behind by a count, never a negative one (${r!.mirrorBehind})`);
  t.ok(r!.polls >= 1 && r!.pollBytes > 0, '/api/chargers read during the window');
  const printed = printScale([r!], 3);
  t.match(printed, /\s+20 chargers \(20 online, all charging after [\d.]+ s, the MQTT backlog received [\d.]+ s later\): CPU [\d.]+ % of a core, RSS [\d.]+ MiB/);
  t.match(printed, /chargers\s+CPU % of a core\s+RSS MiB/, 'with the growth table');
});

t.test('the burst part with 5 chargers of 20 queued MeterValues: all drained, the balancer sent limits', async (t) => {
  const r = await runBurstBench({ chargers: 5, messages: 20, start: inProcessGateway, progress, quietSeconds: 1, toggleMs: 600 });
  t.equal(r.meterValues, 100, 'every queued MeterValues answered');
  t.equal(r.callErrors, 0, 'no CALL was refused');
  t.ok(r.drainSeconds > 0 && r.answersPerSecond > 0, 'drain time and rate measured');
  t.ok(r.burstProfiles >= 5, `each burst charger's session got a limit (${r.burstProfiles} profiles)`);
  t.ok(r.quiet.starts >= 1, 'LIVE-4 started sessions before the burst');
});
