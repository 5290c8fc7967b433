/**
 * The simulator as an OCPP 2.0.1 charging station (issue 16), against an independent CSMS
 * (ocpp-rpc in strict mode with its own 2.0.1 schemas) and chargegate's own validator: every
 * frame it sends validates, it runs transactions as TransactionEvents, queues them offline,
 * and follows the charging profiles it accepts.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import rpc from 'ocpp-rpc';
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/log.js';
import { validatorFor } from '../../src/ocpp/validate.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { eventually } from '../helpers/gateway.js';

const { RPCServer } = rpc;

interface Received { method: string; params: Record<string, any> }
interface RpcClient {
  handle(handler: (call: { method: string; params: Record<string, any> }) => unknown): void;
  call(method: string, params: unknown): Promise<any>;
  on(event: string, listener: (...args: any[]) => void): void;
}

async function startCsms(t: Test) {
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  const received: Received[] = [];
  const validationFailures: unknown[] = [];
  let client: RpcClient | undefined;
  server.on('client', (c: RpcClient & { protocol: string }) => {
    client = c;
    c.on('strictValidationFailure', (e: unknown) => validationFailures.push(e));
    c.handle(({ method, params }) => {
      received.push({ method, params });
      const accepted = { idTokenInfo: { status: 'Accepted' } };
      const answers: Record<string, unknown> = {
        BootNotification: { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 },
        Heartbeat: { currentTime: new Date().toISOString() },
        Authorize: accepted,
        TransactionEvent: params.eventType === 'Started' ? accepted : {},
      };
      return answers[method] ?? {};
    });
  });
  const http = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close({ force: true }));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ocpp`,
    received,
    validationFailures,
    call: (method: string, params: unknown) => client!.call(method, params),
    of: (method: string) => received.filter((r) => r.method === method),
  };
}

const profile = (purpose: string, limit: number, unit: 'A' | 'W', extra: Record<string, unknown> = {}) => ({
  id: purpose === 'TxProfile' ? 3 : purpose === 'TxDefaultProfile' ? 2 : 1,
  stackLevel: 1,
  chargingProfilePurpose: purpose,
  chargingProfileKind: 'Absolute',
  ...extra,
  chargingSchedule: [{ id: 1, startSchedule: new Date(Date.now() - 1000).toISOString(), chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
});

t.test('a 2.0.1 simulated station: boot, status, sessions, profiles, variables, offline queue — every frame valid', async (t) => {
  const csms = await startCsms(t);
  const sim = new SimulatedCharger({
    url: csms.url, identity: 'SIM201', ocpp: '2.0.1', phases: 3, maxCurrentA: 32, logger: silentLogger(),
    autoMeterValues: true, configuration: { MeterValueSampleInterval: '0.2' }, tickMs: 50, backoff: { initialMs: 20, maxMs: 50 },
  });
  t.teardown(() => sim.stop());
  sim.start();
  await once(sim, 'booted');
  t.equal(sim.ocppVersion, '2.0.1');
  await eventually(() => csms.of('StatusNotification').length > 0, 'a StatusNotification');
  t.match(csms.of('BootNotification')[0]!.params, { reason: 'PowerUp', chargingStation: { model: 'sim-ac', vendorName: 'chargegate', serialNumber: String, firmwareVersion: '1.0.0' } });
  t.match(csms.of('StatusNotification')[0]!.params, { evseId: 1, connectorId: 1, connectorStatus: 'Available' });

  // A TxDefaultProfile of 10 A: the car (32 A) draws 10 A.
  t.same(await csms.call('SetChargingProfile', { evseId: 1, chargingProfile: profile('TxDefaultProfile', 10, 'A') }), { status: 'Accepted' });
  t.equal(await sim.authorize('TAG1'), 'Accepted');
  t.match(csms.of('Authorize')[0]!.params, { idToken: { idToken: 'TAG1', type: 'ISO14443' } });
  sim.plugIn(1, { maxCurrentA: 32, phases: 3 });
  const started = await sim.startTransaction(1, 'TAG1');
  t.match(started, { accepted: true });
  t.equal(sim.currentA(1), 10, 'the car draws what the TxDefaultProfile allows');
  await eventually(() => csms.of('TransactionEvent').some((e) => e.params.eventType === 'Updated'), 'an Updated event');
  const reference = sim.transactionReference(1)!;
  const events = () => csms.of('TransactionEvent').filter((e) => e.params.transactionInfo.transactionId === reference).map((e) => e.params);
  t.match(events()[0], { eventType: 'Started', seqNo: 0, triggerReason: 'Authorized', evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG1', type: 'ISO14443' }, transactionInfo: { chargingState: 'Charging' } });
  const updated = events().find((e) => e.eventType === 'Updated')!;
  t.equal(updated.seqNo, 1);
  t.equal(updated.triggerReason, 'MeterValuePeriodic');
  const measurands = updated.meterValue[0].sampledValue.map((s: any) => `${s.measurand}${s.phase ? ' ' + s.phase : ''}`);
  for (const m of ['Energy.Active.Import.Register', 'Current.Import L1', 'Current.Import L2', 'Current.Import L3', 'Power.Active.Import']) t.ok(measurands.includes(m), m);

  // A ChargingStationMaxProfile in W below that: it follows the lower one (6900 W = 10 A × 230 V × 3 is the same; 4140 W = 6 A).
  await csms.call('SetChargingProfile', { evseId: 0, chargingProfile: profile('ChargingStationMaxProfile', 4140, 'W') });
  t.equal(sim.currentA(1), 6, 'the station maximum in W limits the car to 6 A');
  const composite = await csms.call('GetCompositeSchedule', { evseId: 1, duration: 60, chargingRateUnit: 'A' });
  t.match(composite, { status: 'Accepted', schedule: { evseId: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] } });
  t.same(await csms.call('ClearChargingProfile', { chargingProfileCriteria: { chargingProfilePurpose: 'ChargingStationMaxProfile' } }), { status: 'Accepted' });
  await eventually(() => sim.currentA(1) === 10, 'back to the TxDefaultProfile limit');

  // Device model variables are the configuration.
  const set = await csms.call('SetVariables', { setVariableData: [
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '120' },
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedMeasurands' }, attributeValue: 'Energy.Active.Import.Register,Current.Import' },
    { component: { name: 'NoSuchCtrlr' }, variable: { name: 'X' }, attributeValue: '1' },
  ] });
  t.same(set.setVariableResult.map((r: any) => r.attributeStatus), ['Accepted', 'Accepted', 'UnknownComponent']);
  t.equal(sim.configurationValue('HeartbeatInterval'), '120');
  const got = await csms.call('GetVariables', { getVariableData: [
    { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } },
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
    { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'Nope' } },
  ] });
  t.match(got.getVariableResult, [{ attributeStatus: 'Accepted', attributeValue: '0.2' }, { attributeStatus: 'Accepted', attributeValue: '120' }, { attributeStatus: 'UnknownVariable' }]);
  t.same(await csms.call('TriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' });
  await eventually(() => csms.of('Heartbeat').length > 0, 'the triggered Heartbeat');
  const refused = await csms.call('GetDisplayMessages', { requestId: 1 }).then(() => undefined, (err: { rpcErrorCode?: string }) => err.rpcErrorCode);
  t.equal(refused, 'NotSupported', 'what it does not do is NotSupported');

  // Stopped remotely by its own transactionId.
  t.same(await csms.call('RequestStopTransaction', { transactionId: reference }), { status: 'Accepted' });
  await eventually(() => events().some((e) => e.eventType === 'Ended'), 'the Ended event');
  t.match(events().at(-1), { eventType: 'Ended', triggerReason: 'RemoteStop', transactionInfo: { stoppedReason: 'Remote' } });
  t.same(events().map((e) => e.seqNo), events().map((_, i) => i), 'seqNo counts the events of the transaction');

  // Started remotely: the event says so and echoes the remoteStartId.
  t.same(await csms.call('RequestStartTransaction', { evseId: 1, remoteStartId: 77, idToken: { idToken: 'TAG2', type: 'ISO14443' } }), { status: 'Accepted' });
  await eventually(() => sim.transactionReference(1) !== undefined && sim.transactionReference(1) !== reference, 'the remote start');
  const second = sim.transactionReference(1)!;
  await eventually(() => csms.of('TransactionEvent').some((e) => e.params.transactionInfo.transactionId === second), 'its Started');
  t.match(csms.of('TransactionEvent').find((e) => e.params.transactionInfo.transactionId === second)!.params, { eventType: 'Started', triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 77 } });

  // Offline: the stop waits and goes out after the reconnect, marked offline.
  sim.disconnect();
  await once(sim, 'disconnected');
  const stopping = sim.stopTransaction(1, 'Local');
  await once(sim, 'online');
  const stopped = await stopping;
  t.ok(stopped?.delivered, 'the queued Ended was delivered after the reconnect');
  t.match(csms.of('TransactionEvent').at(-1)!.params, { eventType: 'Ended', offline: true, transactionInfo: { transactionId: second, stoppedReason: 'Local' } });

  const validator = validatorFor('ocpp2.0.1');
  for (const r of csms.received) t.equal(validator.checkRequest(r.method, r.params), null, `${r.method} validates`);
  t.same(csms.validationFailures, [], 'strict ocpp-rpc found nothing wrong either way');
});

t.test('GetBaseReport: the station reports its device model in NotifyReport parts (seqNo, tbc); ReserveNow and CancelReservation as the 1.6 simulator', async (t) => {
  const csms = await startCsms(t);
  const sim = new SimulatedCharger({ url: csms.url, identity: 'SIM201', ocpp: '2.0.1', connectors: 2, phases: 3, maxCurrentA: 32, logger: silentLogger(), backoff: { initialMs: 20, maxMs: 50 } });
  t.teardown(() => sim.stop());
  sim.start();
  await once(sim, 'booted');

  t.same(await csms.call('GetBaseReport', { requestId: 42, reportBase: 'FullInventory' }), { status: 'Accepted' });
  await eventually(() => csms.of('NotifyReport').some((r) => r.params.tbc === false), 'the last NotifyReport part');
  const parts = csms.of('NotifyReport').map((r) => r.params);
  t.ok(parts.length > 1, `several parts (${parts.length})`);
  t.same(parts.map((p) => p.seqNo), parts.map((_, i) => i), 'seqNo from 0, in order');
  t.same(parts.map((p) => p.tbc), parts.map((_, i) => i < parts.length - 1), 'tbc until the last');
  t.ok(parts.every((p) => p.requestId === 42), 'every part names the request');
  const rows = parts.flatMap((p) => p.reportData).map((d: any) => `${d.component.name}${d.component.evse ? `#${d.component.evse.id}` : ''}.${d.variable.name}=${d.variableAttribute[0].value}/${d.variableAttribute[0].mutability}`);
  for (const row of ['SmartChargingCtrlr.Available=true/ReadOnly', 'SmartChargingCtrlr.RateUnit=A,W/ReadOnly', 'SampledDataCtrlr.TxUpdatedInterval=60/ReadWrite', 'EVSE#1.Available=true/ReadOnly', 'EVSE#2.Available=true/ReadOnly']) {
    t.ok(rows.includes(row), `reports ${row}`);
  }
  t.notOk(rows.some((r) => r.startsWith('EVSE#3')), 'two EVSEs, as it has');

  t.same(await csms.call('GetBaseReport', { requestId: 43, reportBase: 'ConfigurationInventory' }), { status: 'Accepted' });
  await eventually(() => csms.of('NotifyReport').some((r) => r.params.requestId === 43 && r.params.tbc === false), 'the configuration inventory');
  const settable = csms.of('NotifyReport').filter((r) => r.params.requestId === 43).flatMap((r) => r.params.reportData);
  t.ok(settable.length > 0 && settable.every((d: any) => d.variableAttribute[0].mutability === 'ReadWrite'), 'ConfigurationInventory: only what may be set');

  const expiryDateTime = new Date(Date.now() + 3_600_000).toISOString();
  t.same(await csms.call('ReserveNow', { id: 7, expiryDateTime, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 2 }), { status: 'Accepted' });
  t.same(await csms.call('ReserveNow', { id: 8, expiryDateTime, idToken: { idToken: 'TAG2', type: 'ISO14443' }, evseId: 2 }), { status: 'Occupied' }, 'the EVSE is reserved already');
  t.same(await csms.call('ReserveNow', { id: 9, expiryDateTime, idToken: { idToken: 'TAG2', type: 'ISO14443' } }), { status: 'Rejected' }, 'no unspecified EVSE, like ReserveConnectorZeroSupported false');
  await eventually(() => csms.of('StatusNotification').some((s) => s.params.evseId === 2 && s.params.connectorStatus === 'Reserved'), 'EVSE 2 Reserved');
  t.same(await csms.call('CancelReservation', { reservationId: 7 }), { status: 'Accepted' });
  t.same(await csms.call('CancelReservation', { reservationId: 7 }), { status: 'Rejected' }, 'gone');
  t.same(csms.validationFailures, [], 'every frame valid against the OCA 2.0.1 schemas');
});
