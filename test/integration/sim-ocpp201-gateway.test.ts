/**
 * 2.0.1 simulated charging stations at a real chargegate (issue 16): sessions show in the
 * sessions API, the balancer's limits reach a 2.0.1 station beside a 1.6 one on one supply and
 * it draws no more than them (the fuse holds), a remote start over HTTP starts it, and the
 * `chargegate sim --ocpp 2.0.1` command boots its stations.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger, type SimulatedChargerOptions } from '../../src/sim/charger.js';
import { runFleet } from '../../src/sim/fleet.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { PATIENCE_MS } from '../helpers/patience.js';
import { api, TOKENS } from '../helpers/http.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
const FUSE = 32;
// The last test spawns the CLI, slow to start on a loaded box (as the other CLI tests).
t.setTimeout(240_000);

function sim(t: Tap, options: Omit<SimulatedChargerOptions, 'logger'>): SimulatedCharger {
  const c = new SimulatedCharger({ logger: silentLogger(), autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2' }, tickMs: 50, backoff: { initialMs: 20, maxMs: 100 }, ...options });
  t.teardown(() => c.stop());
  c.start();
  return c;
}
type Tap = { teardown(fn: () => unknown): void };

t.test('a 2.0.1 station beside a 1.6 one on a 32 A supply: remote start over HTTP, the limits hold, the session is in the API', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.http = HTTP;
      // The remote start's answer may take seconds on a busy box: not a lost call.
      c.ocpp.callTimeout = PATIENCE_MS / 1000;
      c.chargers.list[1] = { id: 'CP2', password: PASSWORDS.CP2, maxCurrent: 32, phases: 3 };
      c.site = { supply: { maxCurrent: FUSE, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
    },
  });
  const v16 = sim(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16 });
  const v201 = sim(t, { url: gw.url, identity: 'CP2', password: PASSWORDS.CP2, phases: 3, maxCurrentA: 32, ocpp: '2.0.1' });
  await eventually(() => v16.isBooted && v201.isBooted, 'both booted');
  t.equal(gw.app.gateway.registry.get('CP2')?.protocol, 'ocpp2.0.1', 'the gateway sees a 2.0.1 station');
  // The balancer's standing limits reach both before any car draws.
  await eventually(() => v16.profiles().length > 0 && v201.profiles().length > 0, 'standing limits on both');

  v16.plugIn(1, { maxCurrentA: 32, phases: 3 });
  t.match(await v16.startTransaction(1, 'TAG1'), { accepted: true });
  const start = await api(gw.httpUrl, '/api/chargers/CP2/connectors/1/start', { token: TOKENS.full, body: { idTag: 'TAG2' } });
  t.match(start, { status: 200, json: { accepted: true } }, 'remote start over HTTP');
  await eventually(() => v201.hasTransaction(1) && v201.transactionReference(1) !== undefined, 'a transaction on the 2.0.1 station');
  await eventually(() => gw.app.store.sessions.byReference('CP2', v201.transactionReference(1)!) !== undefined, 'its session at the gateway');

  // Both draw; the 2.0.1 station is held below its 32 A and both together below the fuse.
  await eventually(() => v16.currentA(1) > 0 && v201.currentA(1) > 0 && v201.limitA(1) < 32, 'both charging, the 2.0.1 station limited');
  let samples = 0;
  const breaches: string[] = [];
  await eventually(() => {
    const a = v16.currents();
    const b = v201.currents();
    for (let p = 0; p < 3; p++) if (a[p]! + b[p]! > FUSE + 0.01) breaches.push(`L${p + 1}: ${a[p]} + ${b[p]} A`);
    if (v201.currentA(1) > v201.limitA(1) + 0.01) breaches.push(`2.0.1 station draws ${v201.currentA(1)} A over its ${v201.limitA(1)} A`);
    return ++samples >= 30;
  }, 'thirty samples');
  t.same(breaches, [], `the fuse holds and the 2.0.1 station keeps to its limit (${samples} samples)`);

  await eventually(() => v201.energyWh(1) > 2, 'some energy');
  const reference = v201.transactionReference(1)!;
  await v201.stopTransaction(1, 'Local');
  await eventually(() => gw.app.store.sessions.byReference('CP2', reference)?.state === 'completed', 'the session ended');
  const sessions = (await api(gw.httpUrl, '/api/sessions', { token: TOKENS.read })).json;
  const mine = sessions.sessions.find((s: { chargerId: string }) => s.chargerId === 'CP2');
  t.match(mine, { chargerId: 'CP2', connectorId: 1, reference, state: 'completed' });
  t.ok(mine.energyWh > 0, `energy in the sessions API: ${mine.energyWh} Wh`);
});

t.test("chargegate's automatic setup reads the simulated 2.0.1 station's device model (GetBaseReport) and sets what the balancer needs", async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.chargers.setup = { mode: 'auto' }) });
  const v201 = sim(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, connectors: 2, phases: 3, maxCurrentA: 16, ocpp: '2.0.1' });
  await eventually(() => gw.app.setup.view('CP1').state === 'done', 'setup to finish');
  t.match(gw.app.store.deviceModel.report('CP1'), { state: 'complete' }, 'the report came whole (NotifyReport parts up to tbc false)');
  const model = gw.app.store.deviceModel.list('CP1');
  t.ok(model.some((v) => v.component === 'SmartChargingCtrlr' && v.variable === 'Available' && v.value === 'true'), 'smart charging in the model');
  t.same([...new Set(model.filter((v) => v.component === 'EVSE').map((v) => v.evseId))], [1, 2], 'its two EVSEs');
  t.match(v201.configurationValue('MeterValuesSampledData'), /Current\.Import/, 'setup asked the station for per-phase current');
});

t.test('a mixed random fleet (ocpp 1.6 and 2.0.1 in turn) runs sessions at the gateway, both kinds', async (t) => {
  const password = 'mixed-fleet-secret-0001';
  const gw = await startGateway(t, { patch: (c) => (c.chargers.list = [1, 2].map((n) => ({ id: `MIX-00${n}`, password, maxCurrent: 16, phases: 3 }))) });
  const fleet = runFleet(
    {
      url: gw.url, chargers: 2, connectors: 1, phases: 3, maxCurrent: 16, meterInterval: 0.05, idPrefix: 'MIX', idTag: 'TAG1', password, ocpp: ['1.6', '2.0.1'],
      sessionSeconds: [0.3, 0.4], pauseSeconds: [0.05, 0.1], startDelaySeconds: [0, 0.05], stepSeconds: [0.01, 0.02], backoff: { initialMs: 20, maxMs: 100 },
    },
    silentLogger(),
  );
  t.teardown(() => fleet.stop());
  t.same(fleet.chargers.map((c) => c.ocppVersion), ['1.6', '2.0.1']);
  const completed = (id: string) => gw.app.store.sessions.list({ chargerId: id }).some((s) => s.state === 'completed' && (s.energyWh ?? 0) > 0);
  await eventually(() => completed('MIX-001') && completed('MIX-002'), 'a finished session with energy on each', 2 * PATIENCE_MS);
  t.equal(gw.app.gateway.registry.get('MIX-001')?.protocol, 'ocpp1.6');
  t.equal(gw.app.gateway.registry.get('MIX-002')?.protocol, 'ocpp2.0.1');
});

t.test('chargegate sim --ocpp 2.0.1 --chargers 2 boots both stations at the gateway', async (t) => {
  t.setTimeout(240_000);
  const password = 'sim-fleet-secret-0001';
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list = [1, 2].map((n) => ({ id: `S201-00${n}`, password, maxCurrent: 16, phases: 3 }));
    },
  });
  const boots: string[] = [];
  gw.app.events.on('charger.boot', (e) => boots.push(e.chargerId));
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'src/main.ts', 'sim', '--url', gw.url, '--ocpp', '2.0.1', '--chargers', '2', '--id-prefix', 'S201', '--password', password, '--log-level', 'warn'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Both pipes read from the start: stdout on a pipe is written synchronously on Linux, so a
  // full pipe nobody reads would block the sim, Ctrl-C and all.
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await eventually(() => boots.includes('S201-001') && boots.includes('S201-002'), 'both stations booted', 200_000);
  for (const id of ['S201-001', 'S201-002']) t.equal(gw.app.gateway.registry.get(id)?.protocol, 'ocpp2.0.1', `${id} speaks 2.0.1`);
  child.kill('SIGINT');
  // Bounded: a sim that ignored Ctrl-C fails here with its output, not as a file timeout.
  const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 60_000).unref())]);
  t.equal(code, 0, `Ctrl-C stops it cleanly ${stderr.slice(-2000)}`);
});
