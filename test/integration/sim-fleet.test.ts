/**
 * The fleet (random sessions and scenario timelines) and the `chargegate sim` command against
 * an independent central system (ocpp-rpc, strict mode).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import rpc from 'ocpp-rpc';
import t from 'tap';
import { silentLogger } from '../../src/log.js';
import { simCommand } from '../../src/sim/cli.js';
import { runFleet } from '../../src/sim/fleet.js';
import { parseScenario } from '../../src/sim/scenario.js';

const { RPCServer } = rpc;

interface Received {
  identity: string;
  method: string;
  params: Record<string, any>;
}

async function startCentral() {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  const received: Received[] = [];
  const validationFailures: unknown[] = [];
  let nextTransactionId = 1;
  server.auth((accept: (s?: object) => void) => accept({}));
  server.on('client', (client: any) => {
    client.on('strictValidationFailure', (e: unknown) => validationFailures.push(e));
    client.handle(({ method, params }: { method: string; params: Record<string, any> }) => {
      received.push({ identity: client.identity, method, params });
      const currentTime = new Date().toISOString();
      if (method === 'BootNotification') return { status: 'Accepted', currentTime, interval: 300 };
      if (method === 'Heartbeat') return { currentTime };
      if (method === 'Authorize') return { idTagInfo: { status: 'Accepted' } };
      if (method === 'StartTransaction') return { idTagInfo: { status: 'Accepted' }, transactionId: nextTransactionId++ };
      return {};
    });
  });
  const http = await server.listen(0, '127.0.0.1');
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ocpp`,
    received,
    validationFailures,
    of: (method: string) => received.filter((r) => r.method === method),
    async waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => server.close({ force: true }),
  };
}

function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

t.test('random fleet: chargers boot, run sessions with meter values, stop cleanly', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const fleet = runFleet(
    {
      url: central.url,
      chargers: 2,
      connectors: 1,
      phases: 3,
      maxCurrent: 16,
      meterInterval: 0.05,
      idPrefix: 'SIM',
      idTag: 'SIMTAG01',
      sessionSeconds: [0.2, 0.3],
      pauseSeconds: [0.05, 0.1],
      startDelaySeconds: [0, 0.05],
      stepSeconds: [0.01, 0.02],
      backoff: { initialMs: 20, maxMs: 100 },
    },
    silentLogger(),
  );
  t.same(fleet.chargers.map((c) => c.identity), ['SIM-001', 'SIM-002']);
  await central.waitFor(() => new Set(central.of('StopTransaction').map((r) => r.identity)).size === 2, 'a finished session on each charger');
  t.ok(central.of('MeterValues').some((r) => r.params.transactionId !== undefined), 'periodic meter values during sessions');
  const s = fleet.summary();
  t.equal(s.total, 2);
  t.equal(s.connected, 2);
  await fleet.stop();
  t.notOk(fleet.chargers.some((c) => c.connected), 'all disconnected');
  const starts = central.of('StartTransaction').length;
  const stops = central.of('StopTransaction').length;
  t.equal(stops, starts, 'every started session was stopped');
  for (const r of central.of('StopTransaction')) t.ok(['EVDisconnected', 'Local'].includes(r.params.reason));
  t.same(central.validationFailures, []);
});

t.test('scenario fleet follows its timeline exactly', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const scenario = parseScenario(
    `
chargers:
  - { id: CP-A, connectors: 2 }
timeline:
  - { at: 0.2,  charger: CP-A, connector: 2, do: plugIn }
  - { at: 0.25, charger: CP-A, connector: 2, do: start, idTag: DRIVER1 }
  - { at: 0.3,  charger: CP-A, connector: 2, do: setCarMaxCurrent, value: 10 }
  - { at: 0.35, charger: CP-A, connector: 2, do: meterValues }
  - { at: 0.4,  charger: CP-A, connector: 2, do: stop, value: EVDisconnected }
  - { at: 0.45, charger: CP-A, connector: 2, do: unplug }
`,
    { connectors: 1, phases: 3, maxCurrent: 16 },
  );
  const fleet = runFleet(
    { url: central.url, chargers: 1, connectors: 1, phases: 3, maxCurrent: 16, meterInterval: 0.01, idPrefix: 'SIM', idTag: 'X', sessionSeconds: [1, 1], scenario, backoff: { initialMs: 20, maxMs: 100 } },
    silentLogger(),
  );
  t.teardown(() => fleet.stop());
  await fleet.done;
  await central.waitFor(() => central.of('StopTransaction').length === 1, 'Stop');
  t.match(central.of('StartTransaction')[0]!.params, { connectorId: 2, idTag: 'DRIVER1' });
  t.equal(central.of('MeterValues').length, 1, 'only the meter values the timeline asks for');
  const current = central.of('MeterValues')[0]!.params.meterValue[0].sampledValue.find((v: { measurand: string }) => v.measurand === 'Current.Import');
  t.equal(current.value, '10.0', 'the car limited itself to 10 A');
  t.equal(central.of('StopTransaction')[0]!.params.reason, 'EVDisconnected');
  t.same(central.validationFailures, []);
});

t.test('chargegate sim: help, bad arguments, and a run that a person can follow', async (t) => {
  const help = collector();
  t.equal(await simCommand(['--help'], { stdout: help.stream, stderr: help.stream, env: {}, signal: new AbortController().signal }), 0);
  t.match(help.text(), /--max-current A/);

  for (const [argv, message] of [
    [['--phases', '2'], /--phases must be 1 or 3/],
    [['--chargers', 'many'], /--chargers must be a whole number 1..1000/],
    [['--url', 'http://x'], /--url must be a ws:\/\/ or wss:\/\/ URL/],
    [['--frobnicate', '1'], /unknown option --frobnicate/],
    [['--id-tag'], /--id-tag needs a value/],
  ] as const) {
    const err = collector();
    t.equal(await simCommand([...argv], { stdout: err.stream, stderr: err.stream, env: {}, signal: new AbortController().signal }), 2, argv.join(' '));
    t.match(err.text(), message);
  }

  const dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'chargers: [{ id: CP-1 }]\ntimeline:\n  - { at: 0, charger: CP-1, connector: 1, do: explode }\n');
  const badOut = collector();
  t.equal(await simCommand(['--scenario', bad], { stdout: badOut.stream, stderr: badOut.stream, env: {}, signal: new AbortController().signal }), 2);
  t.match(badOut.text(), /step 1: unknown action "explode"/);

  const central = await startCentral();
  t.teardown(() => central.close());
  const file = join(dir, 'session.json');
  await writeFile(
    file,
    JSON.stringify({
      chargers: [{ id: 'CLI-1' }],
      timeline: [
        { at: 0.1, charger: 'CLI-1', connector: 1, do: 'plugIn' },
        { at: 0.15, charger: 'CLI-1', connector: 1, do: 'start' },
        { at: 0.3, charger: 'CLI-1', connector: 1, do: 'stop' },
      ],
    }),
  );
  const out = collector();
  const abort = new AbortController();
  const running = simCommand(['--url', central.url, '--scenario', file, '--password', 'not-logged-12345'], { stdout: out.stream, stderr: out.stream, env: {}, signal: abort.signal, summaryIntervalMs: 100 });
  await central.waitFor(() => central.of('StopTransaction').length === 1 && out.text().includes('session stopped'), 'the scripted session');
  await central.waitFor(() => out.text().includes('connected 1/1'), 'a summary line');
  abort.abort();
  t.equal(await running, 0);
  const text = out.text();
  t.match(text, /charger booted/);
  t.match(text, /session started .*transactionId=1/);
  t.match(text, /session stopped .*kWh=/);
  t.match(text, /connected 1\/1, charging \d, total \d+\.\d kW/);
  t.notMatch(text, /not-logged-12345/, 'the password never reaches the log');
  t.equal(central.of('StartTransaction')[0]!.params.idTag, 'SIMTAG01', 'default --id-tag');
});
