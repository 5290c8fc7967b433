/**
 * The simulated charger against an independent central system (ocpp-rpc in strict mode), so
 * that every message the simulator sends, and every answer it gives, is checked against the
 * official 1.6 schemas by an implementation other than ours.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import rpc from 'ocpp-rpc';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger, type SimulatedChargerOptions } from '../../src/sim/charger.js';

const { RPCServer, createRPCError } = rpc;

interface Received {
  identity: string;
  method: string;
  params: Record<string, any>;
}

interface RpcClient {
  identity: string;
  handle(handler: (call: { method: string; params: Record<string, any> }) => unknown): void;
  call(method: string, params: unknown): Promise<any>;
  close(opts: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): void;
}

/** A minimal central system: accepts boots, numbers transactions from 100, records everything. */
async function startCentral() {
  const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  const received: Received[] = [];
  const validationFailures: unknown[] = [];
  const clients = new Map<string, RpcClient>();
  const blockedTags = new Set<string>();
  /** Per action: how many more times to answer with a CALLERROR. */
  const failNext = new Map<string, number>();
  let refuse = false;
  let refused = 0;
  let nextTransactionId = 100;
  server.auth((accept: (session?: Record<string, unknown>) => void, reject: (code: number, message: string) => void) => {
    if (refuse) {
      refused++;
      reject(503, 'central system down');
    } else accept({});
  });
  server.on('client', (client: RpcClient) => {
    clients.set(client.identity, client);
    client.on('strictValidationFailure', (e: unknown) => validationFailures.push(e));
    client.handle(({ method, params }) => {
      received.push({ identity: client.identity, method, params });
      const failures = failNext.get(method) ?? 0;
      if (failures > 0) {
        failNext.set(method, failures - 1);
        throw createRPCError('InternalError', 'try again');
      }
      const currentTime = new Date().toISOString();
      switch (method) {
        case 'BootNotification':
          return { status: 'Accepted', currentTime, interval: 300 };
        case 'Heartbeat':
          return { currentTime };
        case 'Authorize':
          return { idTagInfo: { status: blockedTags.has(params.idTag) ? 'Blocked' : 'Accepted' } };
        case 'StartTransaction':
          return { idTagInfo: { status: blockedTags.has(params.idTag) ? 'Blocked' : 'Accepted' }, transactionId: nextTransactionId++ };
        case 'StopTransaction':
          return { idTagInfo: { status: 'Accepted' } };
        default:
          return {};
      }
    });
  });
  const http = await server.listen(0, '127.0.0.1');
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/ocpp`,
    received,
    validationFailures,
    blockedTags,
    failNext,
    setRefuse(value: boolean) {
      refuse = value;
    },
    /** Connection attempts refused so far. */
    get refused() {
      return refused;
    },
    client(identity: string): RpcClient {
      const c = clients.get(identity);
      if (!c) throw new Error(`${identity} is not connected`);
      return c;
    },
    of(method: string): Received[] {
      return received.filter((r) => r.method === method);
    },
    async waitFor(predicate: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => server.close({ force: true }),
  };
}

type Central = Awaited<ReturnType<typeof startCentral>>;

const T0 = Date.parse('2025-03-01T08:00:00Z');

async function setup(t: Test, extra: Partial<SimulatedChargerOptions> = {}) {
  const central = await startCentral();
  const clock = { now: T0 };
  const sim = new SimulatedCharger({
    url: central.url,
    identity: 'SIM-001',
    connectors: 2,
    phases: 3,
    maxCurrentA: 16,
    logger: silentLogger(),
    now: () => clock.now,
    backoff: { initialMs: 20, maxMs: 80 },
    callTimeoutMs: 2000,
    firmwareStepMs: 5,
    configuration: { TransactionMessageRetryInterval: '0.02' },
    ...extra,
  });
  t.teardown(async () => {
    await sim.stop();
    await central.close();
  });
  const booted = once(sim, 'booted');
  sim.start();
  await booted;
  await central.waitFor(() => central.of('StatusNotification').length >= 3, 'initial status notifications');
  return { central, sim, clock };
}

function statusesOf(central: Central, connectorId: number): string[] {
  return central.of('StatusNotification').filter((r) => r.params.connectorId === connectorId).map((r) => r.params.status);
}

t.test('boot, then a full session with meter values', async (t) => {
  const { central, sim, clock } = await setup(t);
  const boot = central.of('BootNotification')[0]!.params;
  t.equal(boot.chargePointVendor, 'chargegate');
  t.equal(boot.chargePointModel, 'sim-ac');
  t.ok(boot.chargePointSerialNumber && boot.firmwareVersion);
  t.same(central.of('StatusNotification').map((r) => r.params.connectorId), [0, 1, 2], 'status of connector 0..N after boot');
  t.equal(sim.configurationValue('HeartbeatInterval'), '300', 'interval from the BootNotification answer');

  sim.plugIn(1);
  t.equal(await sim.authorize('TAG-1'), 'Accepted');
  const outcome = await sim.startTransaction(1, 'TAG-1');
  t.same(outcome, { accepted: true, transactionId: 100 });
  t.equal(sim.transactionId(1), 100);
  t.equal(sim.currentA(1), 16);
  clock.now += 3_600_000;
  t.ok(await sim.sendMeterValues(1));
  const mv = central.of('MeterValues')[0]!.params;
  t.equal(mv.transactionId, 100);
  const values = mv.meterValue[0].sampledValue as { measurand: string; value: string; phase?: string }[];
  t.equal(values.find((v) => v.measurand === 'Energy.Active.Import.Register')?.value, '11040', '16 A × 230 V × 3 × 1 h');
  t.equal(values.find((v) => v.measurand === 'Power.Active.Import')?.value, '11040');
  t.same(values.filter((v) => v.measurand === 'Current.Import').map((v) => v.phase), ['L1', 'L2', 'L3']);
  const stop = await sim.stopTransaction(1);
  t.same(stop, { transactionId: 100, energyWh: 11040, delivered: true });
  const stopReq = central.of('StopTransaction')[0]!.params;
  t.match(stopReq, { transactionId: 100, meterStop: 11040, reason: 'Local', idTag: 'TAG-1' });
  await sim.unplug(1);
  await central.waitFor(() => statusesOf(central, 1).includes('Available') && statusesOf(central, 1).length >= 5, 'Available');
  t.same(statusesOf(central, 1), ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']);
  t.same(central.validationFailures, [], 'ocpp-rpc found nothing invalid');
});

t.test('a one-phase car reports only L1', async (t) => {
  const { central, sim } = await setup(t);
  sim.plugIn(2, { phases: 1, maxCurrentA: 10 });
  await sim.startTransaction(2, 'TAG-1');
  await sim.sendMeterValues(2);
  const values = central.of('MeterValues')[0]!.params.meterValue[0].sampledValue as { measurand: string; phase?: string; value: string }[];
  t.same(values.filter((v) => v.measurand === 'Current.Import').map((v) => [v.phase, v.value]), [['L1', '10.0']]);
});

t.test('SetChargingProfile from the central system lowers the current; below 6 A the car pauses', async (t) => {
  const { central, sim } = await setup(t);
  sim.plugIn(1);
  const { transactionId } = (await sim.startTransaction(1, 'TAG-1')) as { transactionId: number };
  const client = central.client('SIM-001');
  const profile = (limit: number) => ({
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 7,
      transactionId,
      stackLevel: 1,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: 'Relative',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    },
  });
  const profileEvent = once(sim, 'profile');
  t.same(await client.call('SetChargingProfile', profile(10)), { status: 'Accepted' });
  t.match((await profileEvent)[0], { connectorId: 1, status: 'Accepted' });
  t.equal(sim.currentA(1), 10);
  t.equal(sim.limitA(1), 10);
  t.equal(sim.profiles().length, 1);

  const composite = await client.call('GetCompositeSchedule', { connectorId: 1, duration: 600 });
  t.match(composite, { status: 'Accepted', connectorId: 1, chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } });

  t.same(await client.call('SetChargingProfile', profile(3)), { status: 'Accepted' });
  t.equal(sim.currentA(1), 0);
  await central.waitFor(() => statusesOf(central, 1).includes('SuspendedEVSE'), 'SuspendedEVSE');
  t.same(await client.call('ClearChargingProfile', { id: 7 }), { status: 'Accepted' });
  t.equal(sim.currentA(1), 16, 'resumes at the charger maximum');
  await central.waitFor(() => statusesOf(central, 1).at(-1) === 'Charging', 'Charging again');

  t.same(await client.call('SetChargingProfile', { ...profile(10), connectorId: 2 }), { status: 'Rejected' }, 'TxProfile without a transaction');
  t.same(central.validationFailures, []);
});

t.test('RemoteStartTransaction and RemoteStopTransaction', async (t) => {
  const { central, sim } = await setup(t);
  const client = central.client('SIM-001');
  t.same(await client.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE' }), { status: 'Accepted' });
  await central.waitFor(() => central.of('StartTransaction').length === 1, 'StartTransaction');
  await central.waitFor(() => sim.transactionId(1) !== undefined, 'transaction id');
  t.match(central.of('StartTransaction')[0]!.params, { connectorId: 1, idTag: 'REMOTE', meterStart: 0 });
  t.same(await client.call('RemoteStartTransaction', { connectorId: 1, idTag: 'REMOTE' }), { status: 'Rejected' }, 'busy');
  t.same(await client.call('RemoteStopTransaction', { transactionId: 999 }), { status: 'Rejected' });
  t.same(await client.call('RemoteStopTransaction', { transactionId: sim.transactionId(1) }), { status: 'Accepted' });
  await central.waitFor(() => central.of('StopTransaction').length === 1, 'StopTransaction');
  t.match(central.of('StopTransaction')[0]!.params, { reason: 'Remote', transactionId: 100 });

  // A RemoteStart carrying a TxProfile installs it for the new transaction.
  const chargingProfile = {
    chargingProfileId: 3,
    stackLevel: 0,
    chargingProfilePurpose: 'TxProfile',
    chargingProfileKind: 'Relative',
    chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6900 }] },
  };
  t.same(await client.call('RemoteStartTransaction', { connectorId: 2, idTag: 'REMOTE', chargingProfile }), { status: 'Accepted' });
  await central.waitFor(() => sim.hasTransaction(2), 'second transaction');
  t.equal(sim.currentA(2), 10, '6900 W over 3 phases at 230 V');
  t.same(central.validationFailures, []);
});

t.test('offline: the session is queued and delivered in order with the patched transactionId', async (t) => {
  const { central, sim, clock } = await setup(t);
  central.setRefuse(true);
  const disconnected = once(sim, 'disconnected');
  await central.client('SIM-001').close({ code: 1001, force: true });
  await disconnected;
  t.notOk(sim.connected);

  sim.plugIn(1);
  t.equal(await sim.authorize('OFFLINE-TAG'), 'Accepted', 'AllowOfflineTxForUnknownId');
  const started = sim.startTransaction(1, 'OFFLINE-TAG');
  t.equal(sim.status(1), 'Charging', 'charging starts offline');
  t.equal(sim.transactionId(1), undefined, 'no id yet');
  clock.now += 1_800_000;
  const metered = sim.sendMeterValues(1);
  clock.now += 1_800_000;
  const stopped = sim.stopTransaction(1, 'Local');
  await sim.unplug(1);
  t.equal(sim.queuedMessages, 3);
  const refusedBefore = central.refused;
  await central.waitFor(() => central.refused >= refusedBefore + 2, 'two refused reconnects with the messages queued');

  const before = central.received.length;
  central.setRefuse(false);
  t.same(await started, { accepted: true, transactionId: 100 });
  t.equal(await metered, true);
  t.same(await stopped, { transactionId: 100, energyWh: 11040, delivered: true });
  const after = central.received.slice(before);
  t.equal(after[0]?.method, 'BootNotification', 'boot first');
  const txMessages = after.filter((r) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(r.method));
  t.same(txMessages.map((r) => r.method), ['StartTransaction', 'MeterValues', 'StopTransaction']);
  t.equal(txMessages[0]!.params.timestamp, new Date(T0).toISOString(), 'Start keeps its original time');
  t.equal(txMessages[1]!.params.transactionId, 100, 'MeterValues patched');
  t.equal(txMessages[2]!.params.transactionId, 100, 'Stop patched');
  t.equal(txMessages[2]!.params.meterStop, 11040);
  t.same(central.validationFailures, []);
});

t.test('a StartTransaction refused by the central system ends the session (DeAuthorized)', async (t) => {
  const { central, sim } = await setup(t);
  central.blockedTags.add('BAD');
  sim.plugIn(1);
  t.same(await sim.startTransaction(1, 'BAD'), { accepted: false, reason: 'Blocked', transactionId: 100 });
  await central.waitFor(() => central.of('StopTransaction').length === 1, 'Stop');
  t.match(central.of('StopTransaction')[0]!.params, { transactionId: 100, reason: 'DeAuthorized' });
  t.equal(sim.currentA(1), 0);
  t.equal(await sim.authorize('BAD'), 'Blocked');
});

t.test('a failed transaction message is retried, then dropped after TransactionMessageAttempts', async (t) => {
  const { central, sim } = await setup(t);
  sim.plugIn(1);
  await sim.startTransaction(1, 'TAG');
  central.failNext.set('StopTransaction', 2);
  const stop = await sim.stopTransaction(1);
  t.equal(stop?.delivered, true, 'third attempt succeeds');
  t.equal(central.of('StopTransaction').length, 3);
  central.failNext.set('MeterValues', 5);
  t.equal(await (sim.plugIn(2), sim.startTransaction(2, 'TAG')).then(() => sim.sendMeterValues(2)), false, 'dropped after 3 attempts');
  t.equal(central.of('MeterValues').length, 3);
});

t.test('configuration, trigger, availability, unlock, reservation, local list, firmware, diagnostics, data transfer', async (t) => {
  const { central, sim } = await setup(t);
  const client = central.client('SIM-001');
  const conf = await client.call('GetConfiguration', { key: ['HeartbeatInterval', 'NumberOfConnectors', 'Nope'] });
  t.same(conf.configurationKey.map((k: { key: string; value: string }) => [k.key, k.value]), [['HeartbeatInterval', '300'], ['NumberOfConnectors', '2']]);
  t.same(conf.unknownKey, ['Nope']);
  const all = await client.call('GetConfiguration', {});
  for (const key of ['MeterValueSampleInterval', 'MeterValuesSampledData', 'ChargeProfileMaxStackLevel', 'ChargingScheduleAllowedChargingRateUnit', 'AuthorizeRemoteTxRequests']) {
    t.ok(all.configurationKey.some((k: { key: string }) => k.key === key), key);
  }
  t.same(await client.call('ChangeConfiguration', { key: 'NumberOfConnectors', value: '4' }), { status: 'Rejected' }, 'read-only');
  t.same(await client.call('ChangeConfiguration', { key: 'Nope', value: '1' }), { status: 'NotSupported' });
  t.same(await client.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: 'soon' }), { status: 'Rejected' });
  t.same(await client.call('ChangeConfiguration', { key: 'HeartbeatInterval', value: '60' }), { status: 'Accepted' });
  t.equal(sim.configurationValue('HeartbeatInterval'), '60');

  const statusCount = central.of('StatusNotification').length;
  t.same(await client.call('TriggerMessage', { requestedMessage: 'StatusNotification', connectorId: 2 }), { status: 'Accepted' });
  await central.waitFor(() => central.of('StatusNotification').length === statusCount + 1, 'triggered status');
  t.same(await client.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
  await central.waitFor(() => central.of('Heartbeat').length === 1, 'triggered heartbeat');
  t.same(await client.call('TriggerMessage', { requestedMessage: 'MeterValues', connectorId: 9 }), { status: 'Rejected' });

  sim.plugIn(1);
  await sim.startTransaction(1, 'TAG');
  t.same(await client.call('ChangeAvailability', { connectorId: 1, type: 'Inoperative' }), { status: 'Scheduled' });
  t.same(await client.call('ChangeAvailability', { connectorId: 2, type: 'Inoperative' }), { status: 'Accepted' });
  await central.waitFor(() => statusesOf(central, 2).at(-1) === 'Unavailable', 'Unavailable');
  t.same(await client.call('ReserveNow', { connectorId: 1, expiryDate: new Date(T0 + 60_000).toISOString(), idTag: 'X', reservationId: 1 }), { status: 'Occupied' });
  t.same(await client.call('ReserveNow', { connectorId: 2, expiryDate: new Date(T0 + 60_000).toISOString(), idTag: 'X', reservationId: 1 }), { status: 'Unavailable' });
  t.same(await client.call('UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });
  await central.waitFor(() => central.of('StopTransaction').length === 1, 'stop by unlock');
  t.equal(central.of('StopTransaction')[0]!.params.reason, 'UnlockCommand');
  await central.waitFor(() => statusesOf(central, 1).at(-1) === 'Unavailable', 'scheduled availability applied');
  t.same(await client.call('ChangeAvailability', { connectorId: 0, type: 'Operative' }), { status: 'Accepted' });
  await sim.unplug(1);
  t.same(await client.call('ReserveNow', { connectorId: 2, expiryDate: new Date(T0 + 60_000).toISOString(), idTag: 'X', reservationId: 1 }), { status: 'Accepted' });
  t.same(await client.call('CancelReservation', { reservationId: 1 }), { status: 'Accepted' });
  t.same(await client.call('CancelReservation', { reservationId: 1 }), { status: 'Rejected' });

  t.same(await client.call('SendLocalList', { listVersion: 3, updateType: 'Full', localAuthorizationList: [{ idTag: 'A', idTagInfo: { status: 'Accepted' } }] }), { status: 'Accepted' });
  t.same(await client.call('SendLocalList', { listVersion: 2, updateType: 'Differential', localAuthorizationList: [] }), { status: 'VersionMismatch' });
  t.same(await client.call('GetLocalListVersion', {}), { listVersion: 3 });
  t.same(await client.call('ClearCache', {}), { status: 'Accepted' });

  t.same(await client.call('UpdateFirmware', { location: 'https://example.com/fw.bin', retrieveDate: new Date(T0).toISOString() }), {});
  await central.waitFor(() => central.of('FirmwareStatusNotification').length === 4, 'firmware sequence');
  t.same(central.of('FirmwareStatusNotification').map((r) => r.params.status), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
  const diag = await client.call('GetDiagnostics', { location: 'ftp://example.com/upload' });
  t.match(diag.fileName, /^diagnostics-SIM-001-/);
  await central.waitFor(() => central.of('DiagnosticsStatusNotification').length === 2, 'diagnostics sequence');
  t.same(central.of('DiagnosticsStatusNotification').map((r) => r.params.status), ['Uploading', 'Uploaded']);
  t.same(await client.call('DataTransfer', { vendorId: 'acme' }), { status: 'UnknownVendorId' });
  t.same(central.validationFailures, []);
});

t.test('Reset stops transactions, reconnects and boots again', async (t) => {
  const { central, sim } = await setup(t);
  sim.plugIn(1);
  await sim.startTransaction(1, 'TAG');
  const rebooted = once(sim, 'booted');
  t.same(await central.client('SIM-001').call('Reset', { type: 'Soft' }), { status: 'Accepted' });
  await rebooted;
  t.match(central.of('StopTransaction')[0]!.params, { reason: 'SoftReset', transactionId: 100 });
  t.equal(central.of('BootNotification').length, 2);
  t.ok(sim.connected);
});

t.test('disconnect() drops the link; the charger reconnects by itself', async (t) => {
  const { central, sim } = await setup(t);
  const rebooted = once(sim, 'booted');
  sim.disconnect();
  await rebooted;
  t.equal(central.of('BootNotification').length, 2);
});
