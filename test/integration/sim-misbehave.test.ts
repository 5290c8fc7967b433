/**
 * Misbehaving simulated chargers against an independent central system (ocpp-rpc, strict
 * mode): each misbehaviour is checked on the wire (what the central system gets, or does not
 * get) and at the car (the per-phase current actually flowing, via currents()).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import rpc from 'ocpp-rpc';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger, type SimulatedChargerOptions } from '../../src/sim/charger.js';
import { simCommand } from '../../src/sim/cli.js';
import { runFleet } from '../../src/sim/fleet.js';
import { parseScenario } from '../../src/sim/scenario.js';

const { RPCServer, TimeoutError, RPCNotImplementedError } = rpc;

interface Received {
  identity: string;
  method: string;
  params: Record<string, any>;
  at: number;
}

interface RpcClient {
  identity: string;
  handle(handler: (call: { method: string; params: Record<string, any> }) => unknown): void;
  call(method: string, params: unknown, options?: { callTimeoutMs?: number }): Promise<any>;
  close(opts: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): void;
}

/** A central system that accepts everything and records what it gets, connections and closes. */
async function startCentral(opts: { heartbeatInterval?: number } = {}) {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  const received: Received[] = [];
  const validationFailures: unknown[] = [];
  const connections: { identity: string; client: RpcClient }[] = [];
  const closes: { identity: string; code: number }[] = [];
  let nextTransactionId = 100;
  server.auth((accept: (session?: Record<string, unknown>) => void) => accept({}));
  server.on('client', (client: RpcClient) => {
    connections.push({ identity: client.identity, client });
    client.on('strictValidationFailure', (e: unknown) => validationFailures.push(e));
    client.on('close', ({ code }: { code: number }) => closes.push({ identity: client.identity, code }));
    client.handle(({ method, params }) => {
      received.push({ identity: client.identity, method, params, at: Date.now() });
      const currentTime = new Date().toISOString();
      switch (method) {
        case 'BootNotification':
          return { status: 'Accepted', currentTime, interval: opts.heartbeatInterval ?? 300 };
        case 'Heartbeat':
          return { currentTime };
        case 'Authorize':
          return { idTagInfo: { status: 'Accepted' } };
        case 'StartTransaction':
          return { idTagInfo: { status: 'Accepted' }, transactionId: nextTransactionId++ };
        case 'StopTransaction':
          return { idTagInfo: { status: 'Accepted' } };
        default:
          return {};
      }
    });
  });
  const http = await server.listen(0, '127.0.0.1');
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ocpp`,
    received,
    validationFailures,
    connections,
    closes,
    /** The latest connection of a charger. */
    client(identity: string): RpcClient {
      const c = connections.filter((x) => x.identity === identity).at(-1);
      if (!c) throw new Error(`${identity} never connected`);
      return c.client;
    },
    of(method: string, identity?: string): Received[] {
      return received.filter((r) => r.method === method && (identity === undefined || r.identity === identity));
    },
    async waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    close: () => server.close({ force: true }),
  };
}

type Central = Awaited<ReturnType<typeof startCentral>>;

/** A TxProfile (or TxDefaultProfile on connector 0) limiting to `limit` A. */
function profile(connectorId: number, limit: number, transactionId?: number) {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: 10 + connectorId,
      ...(transactionId !== undefined ? { transactionId } : {}),
      stackLevel: 1,
      chargingProfilePurpose: transactionId !== undefined ? 'TxProfile' : 'TxDefaultProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    },
  };
}

function sampled(r: Received, measurand: string): { phase?: string; value: string }[] {
  return (r.params.meterValue[0].sampledValue as { measurand: string; phase?: string; value: string }[]).filter((v) => v.measurand === measurand);
}

/** A started 16 A charger with a car charging at its maximum on connector 1 (transaction 100). */
async function charging(t: Test, central: Central, extra: Partial<SimulatedChargerOptions> = {}, waitFor: 'booted' | 'online' = 'booted') {
  const sim = new SimulatedCharger({
    url: central.url,
    identity: 'MIS-001',
    connectors: 1,
    phases: 3,
    maxCurrentA: 16,
    logger: silentLogger(),
    backoff: { initialMs: 20, maxMs: 80 },
    callTimeoutMs: 2000,
    configuration: { MeterValuesSampledData: 'Current.Import,Current.Offered' },
    ...extra,
  });
  t.teardown(() => sim.stop());
  const up = once(sim, waitFor);
  sim.start();
  await up;
  sim.plugIn(1);
  const started = await sim.startTransaction(1, 'TAG');
  t.same(started, { accepted: true, transactionId: 100 }, 'the session started');
  t.same(sim.currents(), [16, 16, 16], 'the car draws its maximum before any limit');
  return sim;
}

t.test('silent: answers no CALL, keeps sending its own, and the car draws its maximum', async (t) => {
  const central = await startCentral({ heartbeatInterval: 1 });
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'silent' } });
  const client = central.client('MIS-001');
  let settled: string | undefined;
  const misbehaved = once(sim, 'misbehaved');
  const set = client.call('SetChargingProfile', profile(1, 6, 100), { callTimeoutMs: 1500 }).then(
    () => (settled = 'answered'),
    (err: Error) => {
      settled = err instanceof TimeoutError ? 'timeout' : `error ${err.name}`;
    },
  );
  t.match((await misbehaved)[0], { kind: 'silent', action: 'SetChargingProfile' }, 'the call arrived');
  // Later events, from the charger's side: its own CALLs still go out and are answered.
  t.equal(await sim.sendMeterValues(1), true, 'MeterValues delivered');
  const heartbeats = central.of('Heartbeat').length;
  await central.waitFor(() => central.of('Heartbeat').length > heartbeats, 'a heartbeat');
  t.equal(settled, undefined, 'the SetChargingProfile is still unanswered');
  t.same(sim.currents(), [16, 16, 16], 'no limit was applied');
  await set;
  t.equal(settled, 'timeout', 'never answered: no CALLRESULT and no CALLERROR');
  t.same(sim.profiles(), [], 'nothing installed');
  t.same(sampled(central.of('MeterValues').at(-1)!, 'Current.Import').map((v) => v.value), ['16.0', '16.0', '16.0']);
  const stop = await sim.stopTransaction(1);
  t.equal(stop?.delivered, true, 'its StopTransaction goes out too');
  t.same(central.validationFailures, []);
});

t.test('callerror: SetChargingProfile and ClearChargingProfile get CALLERROR NotImplemented, other calls are answered', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'callerror' } });
  const client = central.client('MIS-001');
  const err = await client.call('SetChargingProfile', profile(1, 6, 100)).catch((e: Error) => e);
  t.ok(err instanceof RPCNotImplementedError, 'SetChargingProfile: NotImplemented');
  const clear = await client.call('ClearChargingProfile', {}).catch((e: Error) => e);
  t.ok(clear instanceof RPCNotImplementedError, 'ClearChargingProfile: NotImplemented');
  const conf = await client.call('GetConfiguration', { key: ['NumberOfConnectors'] });
  t.same(conf.configurationKey.map((k: { value: string }) => k.value), ['1'], 'GetConfiguration answered');
  t.same(sim.profiles(), []);
  t.same(sim.currents(), [16, 16, 16], 'the car draws its maximum');
  t.same(central.validationFailures, []);
});

t.test('reject: SetChargingProfile is Rejected and nothing changes', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'reject' } });
  const client = central.client('MIS-001');
  const event = once(sim, 'profile');
  t.same(await client.call('SetChargingProfile', profile(1, 6, 100)), { status: 'Rejected' });
  t.match((await event)[0], { connectorId: 1, status: 'Rejected' });
  t.same(await client.call('SetChargingProfile', profile(0, 6)), { status: 'Rejected' }, 'a TxDefaultProfile too');
  t.same(sim.profiles(), []);
  t.same(sim.currents(), [16, 16, 16]);
  t.same(await client.call('ClearChargingProfile', {}), { status: 'Unknown' }, 'ClearChargingProfile answered normally');
  t.same(central.validationFailures, []);
});

t.test('ignore: Accepted and installed, but the car draws its maximum; MeterValues show the real current', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'ignore' } });
  const client = central.client('MIS-001');
  t.same(await client.call('SetChargingProfile', profile(1, 8, 100)), { status: 'Accepted' });
  t.equal(sim.profiles().length, 1, 'installed');
  t.equal(sim.limitA(1), 8, 'it claims to offer 8 A');
  t.same(sim.currents(), [16, 16, 16], 'the car still draws 16 A');
  t.same(await client.call('SetChargingProfile', profile(1, 0, 100)), { status: 'Accepted' }, '0 A');
  t.equal(sim.status(1), 'Charging', 'no pause at 0 A');
  t.same(sim.connectorCurrents(1), [16, 16, 16]);
  t.same(await client.call('SetChargingProfile', profile(1, 8, 100)), { status: 'Accepted' });
  t.ok(await sim.sendMeterValues(1));
  const mv = central.of('MeterValues').at(-1)!;
  t.same(sampled(mv, 'Current.Import').map((v) => Number(v.value)), [16, 16, 16], 'Current.Import: the real current');
  t.ok(sampled(mv, 'Current.Import').every((v) => Number(v.value) > 8), 'above the accepted limit');
  t.same(sampled(mv, 'Current.Offered').map((v) => v.value), ['8.0'], 'Current.Offered: the limit it accepted');

  // Behaving again, it obeys the profile it kept.
  sim.setMisbehaviour(undefined);
  t.same(sim.currents(), [8, 8, 8], 'obeys once it behaves');
  t.same(central.validationFailures, []);
});

t.test('late: every CALL is answered after the delay, and a profile takes effect only then', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'late', delaySeconds: 0.3 } });
  const client = central.client('MIS-001');
  const arrived = once(sim, 'call');
  const sent = Date.now();
  let answeredAt = 0;
  const answer = client.call('SetChargingProfile', profile(1, 8, 100)).then((r: unknown) => {
    answeredAt = Date.now();
    // The central system reads the current the moment the answer arrives.
    return { r, currents: sim.currents() };
  });
  const [action] = await arrived;
  t.equal(action, 'SetChargingProfile');
  t.same(sim.currents(), [16, 16, 16], 'arrived, not applied yet');
  t.same(sim.profiles(), []);
  const { r, currents } = await answer;
  t.same(r, { status: 'Accepted' });
  // "Late" is the simulator's promise: answered no sooner than the delay after the CALL arrived.
  // A lower bound, stamped before sending: a busy machine only makes the answer later.
  t.ok(answeredAt - sent >= 300, `answered after ${answeredAt - sent} ms (>= 300)`);
  t.same(currents, [8, 8, 8], 'applied by the time it answered');
  const before = Date.now();
  t.same(await client.call('GetConfiguration', { key: ['NumberOfConnectors'] }).then((c: { configurationKey: unknown[] }) => c.configurationKey.length), 1);
  t.ok(Date.now() - before >= 300, 'other calls are late too');
  t.same(central.validationFailures, []);
});

t.test('late answers are dropped, not applied, once the charger is stopped', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'late', delaySeconds: 0.3 } });
  const client = central.client('MIS-001');
  const arrived = once(sim, 'call');
  void client.call('SetChargingProfile', profile(1, 8, 100), { callTimeoutMs: 1000 }).catch(() => undefined);
  await arrived;
  await sim.stop();
  t.same(sim.profiles(), [], 'a stopped charger applies nothing');
});

t.test('noboot: never sends BootNotification, but reports, charges, meters and answers', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'noboot' } }, 'online');
  t.notOk(sim.isBooted);
  t.ok(sim.isOnline);
  await central.waitFor(() => central.of('StatusNotification').length >= 2, 'status notifications');
  t.equal(central.of('StartTransaction').length, 1, 'StartTransaction sent');
  t.ok(await sim.sendMeterValues(1), 'MeterValues delivered');
  const client = central.client('MIS-001');
  t.same(await client.call('SetChargingProfile', profile(1, 10, 100)), { status: 'Accepted' }, 'answers calls');
  t.same(sim.currents(), [10, 10, 10], 'and obeys its limits');
  const ignored = once(sim, 'misbehaved');
  t.same(await client.call('TriggerMessage', { requestedMessage: 'BootNotification' }), { status: 'Accepted' });
  t.match((await ignored)[0], { kind: 'noboot', action: 'TriggerMessage' });
  // A later event: the triggered Heartbeat goes out after anything the boot trigger would have sent.
  t.same(await client.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
  await central.waitFor(() => central.of('Heartbeat').length === 1, 'the triggered heartbeat');
  t.equal(central.of('BootNotification').length, 0, 'never booted');
  t.notOk(sim.isBooted);
  t.same(central.validationFailures, []);
});

t.test('noboot with a boot delay: works at once, boots after the delay; a TriggerMessage boots it earlier', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central, { misbehave: { kind: 'noboot', bootDelaySeconds: 0.3 } }, 'online');
  t.equal(central.of('BootNotification').length, 0, 'not booted yet');
  await once(sim, 'booted');
  const boot = central.of('BootNotification')[0]!;
  const firstStatus = central.of('StatusNotification')[0]!;
  t.ok(firstStatus.at <= boot.at, 'StatusNotification came before the BootNotification');
  t.ok(central.of('StartTransaction')[0]!.at <= boot.at, 'so did StartTransaction');

  const other = new SimulatedCharger({ url: central.url, identity: 'MIS-002', logger: silentLogger(), misbehave: { kind: 'noboot', bootDelaySeconds: 600 }, backoff: { initialMs: 20, maxMs: 80 } });
  t.teardown(() => other.stop());
  const online = once(other, 'online');
  other.start();
  await online;
  const booted = once(other, 'booted');
  t.same(await central.client('MIS-002').call('TriggerMessage', { requestedMessage: 'BootNotification' }), { status: 'Accepted' });
  await booted;
  t.equal(central.of('BootNotification', 'MIS-002').length, 1);
  t.ok(other.isBooted);
  t.same(central.validationFailures, []);
});

t.test('disconnect: a SetChargingProfile closes the connection unanswered; it reconnects and keeps its profiles', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const sim = await charging(t, central);
  const first = central.client('MIS-001');
  t.same(await first.call('SetChargingProfile', profile(1, 10, 100)), { status: 'Accepted' }, 'accepted while behaving');
  t.same(sim.currents(), [10, 10, 10]);

  sim.setMisbehaviour({ kind: 'disconnect' });
  const disconnected = once(sim, 'disconnected');
  const rebooted = new Promise((resolve) => sim.once('disconnected', () => sim.once('booted', resolve)));
  let answered = false;
  const set = first.call('SetChargingProfile', profile(1, 6, 100)).then(
    () => (answered = true),
    (err: Error) => err,
  );
  const [closed] = await disconnected;
  t.equal(closed.code, 1011, 'closed by the charger');
  const err = await set;
  t.equal(answered, false, 'never answered');
  t.notOk(err instanceof TimeoutError, 'the call failed with the connection, not by timeout');
  await central.waitFor(() => central.closes.some((c) => c.identity === 'MIS-001'), 'the central system saw the close');
  await rebooted;
  t.equal(central.connections.filter((c) => c.identity === 'MIS-001').length, 2, 'reconnected');
  t.equal(sim.profiles().length, 1, 'the profile accepted before is kept');
  t.same(sim.currents(), [10, 10, 10], 'the car still follows it (the new one never applied)');
  t.ok(sim.hasTransaction(1), 'the session runs on');

  // And again on the new connection.
  const again = once(sim, 'disconnected');
  void central.client('MIS-001').call('SetChargingProfile', profile(1, 6, 100)).catch(() => undefined);
  await again;
  t.same(central.validationFailures, []);
});

t.test('fleet: the first chargers misbehave, currents() per charger and in total', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const fleet = runFleet(
    {
      url: central.url,
      chargers: 3,
      connectors: 1,
      phases: 3,
      maxCurrent: 16,
      meterInterval: 60,
      idPrefix: 'FL',
      idTag: 'TAG',
      // Sessions start only when the test says (no random session within the test's time).
      sessionSeconds: [600, 600],
      startDelaySeconds: [600, 600],
      misbehave: [
        { misbehaviour: { kind: 'ignore' }, count: 1 },
        { misbehaviour: { kind: 'noboot' }, count: 1 },
      ],
      backoff: { initialMs: 20, maxMs: 80 },
    },
    silentLogger(),
  );
  t.teardown(() => fleet.stop());
  t.same(fleet.chargers.map((c) => [c.identity, c.misbehave?.kind]), [['FL-001', 'ignore'], ['FL-002', 'noboot'], ['FL-003', undefined]]);
  await central.waitFor(() => fleet.chargers.every((c) => c.isOnline), 'all online');
  t.equal(central.of('BootNotification', 'FL-002').length, 0, 'FL-002 never boots');
  t.equal(fleet.summary().misbehaving, 2);
  const [ignoring, , behaving] = fleet.chargers as [SimulatedCharger, SimulatedCharger, SimulatedCharger];
  for (const c of [ignoring, behaving]) {
    c.plugIn(1, { phases: 1, maxCurrentA: 16 });
    await c.startTransaction(1, 'TAG');
  }
  for (const c of [ignoring, behaving]) {
    const txId = c.transactionId(1);
    t.same(await central.client(c.identity).call('SetChargingProfile', profile(1, 6, txId)), { status: 'Accepted' });
  }
  t.same(Object.fromEntries(fleet.currents()), { 'FL-001': [16, 0, 0], 'FL-002': [0, 0, 0], 'FL-003': [6, 0, 0] }, 'one-phase cars on L1');
  t.same(fleet.totalCurrents(), [22, 0, 0]);
});

t.test('scenario: a charger misbehaves from the start, another from a timeline step', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  const scenario = parseScenario(
    `
chargers:
  - { id: SC-1, misbehave: reject }
  - { id: SC-2 }
timeline:
  - { at: 0,   charger: SC-2, connector: 1, do: plugIn }
  - { at: 0,   charger: SC-2, connector: 1, do: start }
  - { at: 0.1, charger: SC-2, do: misbehave, value: late:0.2 }
`,
    { connectors: 1, phases: 3, maxCurrent: 16 },
  );
  const fleet = runFleet({ url: central.url, chargers: 1, connectors: 1, phases: 3, maxCurrent: 16, meterInterval: 60, idPrefix: 'X', idTag: 'TAG', sessionSeconds: [1, 1], scenario, backoff: { initialMs: 20, maxMs: 80 } }, silentLogger());
  t.teardown(() => fleet.stop());
  await fleet.done;
  await central.waitFor(() => fleet.chargers.every((c) => c.isOnline) && central.of('StartTransaction').length === 1, 'both online, SC-2 charging');
  t.same(await central.client('SC-1').call('SetChargingProfile', profile(0, 6)), { status: 'Rejected' });
  const before = Date.now();
  t.same(await central.client('SC-2').call('SetChargingProfile', profile(1, 6, 100)), { status: 'Accepted' });
  // A lower bound, stamped before sending (see "late: every CALL is answered after the delay").
  t.ok(Date.now() - before >= 200, 'SC-2 answers late since the step');
  t.same(fleet.chargers[1]!.currents(), [6, 6, 6]);
  t.same(central.validationFailures, []);
});

t.test('chargegate sim --misbehave: the first chargers misbehave, the log and the summary say so', async (t) => {
  const central = await startCentral();
  t.teardown(() => central.close());
  let text = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  const abort = new AbortController();
  const running = simCommand(['--url', central.url, '--chargers', '3', '--misbehave', 'noboot=1,late=1:0.2'], { stdout: out, stderr: out, env: {}, signal: abort.signal, summaryIntervalMs: 50 });
  await central.waitFor(() => /connected 3\/3, charging \d, total \d+\.\d kW, misbehaving 2/.test(text), 'a summary with 2 misbehaving');
  abort.abort();
  t.equal(await running, 0);
  t.match(text, /SIM-001.*this charger misbehaves: noboot|this charger misbehaves: noboot.*SIM-001/);
  t.match(text, /this charger misbehaves: late:0.2/);
  t.equal(central.of('BootNotification', 'SIM-001').length, 0, 'SIM-001 never booted');
  t.equal(central.of('BootNotification', 'SIM-002').length, 1);
  t.equal(central.of('BootNotification', 'SIM-003').length, 1);
  t.same(central.validationFailures, []);
});
