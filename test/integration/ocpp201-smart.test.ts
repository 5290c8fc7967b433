/**
 * The OCPP 2.0.1 smart-charging and transaction-query messages (issue 16) against strict
 * ocpp-rpc 2.0.1 chargers on real sockets: a car's charging needs and a limit set at the charger
 * by an EMS become caps of the balancer (the other car gets what they free, and what the
 * chargers hold never adds up above the fuse on any site phase), GetCompositeSchedule through
 * the 1.6-shaped route, installed profiles collected over several ReportChargingProfiles frames,
 * GetTransactionStatus on a reconnect and on request, and a NotifyEvent fault as the connector's
 * error info.
 */
import rpc from 'ocpp-rpc';
import t, { type Test } from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { PATIENCE_MS } from '../helpers/patience.js';
import { mixedPair, type MixedPair } from '../helpers/mixed-pair.js';
import { boot201, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';
import { planAboveFuse } from '../helpers/plan-fuse.js';

const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
const FUSE = 24;
const now = () => new Date().toISOString();
const started201 = (transactionId: string) => ({
  eventType: 'Started', timestamp: now(), triggerReason: 'Authorized', seqNo: 0,
  transactionInfo: { transactionId, chargingState: 'Charging' },
  evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG1', type: 'ISO14443' },
  meterValue: [{ timestamp: now(), sampledValue: [{ value: 100, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register' }] }],
});

/**
 * CP1: a 3-phase 16 A charger speaking 2.0.1; CP2: a 1-phase 32 A charger speaking 1.6, wired to
 * the site's L2. Both charge on a 24 A supply. Each keeps what it was sent last (its TxProfile,
 * else its TxDefaultProfile), and every time one changes, the site phases are checked.
 */
async function mixedSite(t: Test) {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.http = HTTP;
      c.chargers.list[1].phaseRotation = 'L2';
      c.site = { supply: { maxCurrent: FUSE, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));
  const breaches: string[] = [];
  /** What the chargers hold per site phase: CP1 on L1… (its first numberPhases), CP2 on L2. */
  const check = (holds: MixedPair['holds']) => {
    const load = [0, 0, 0];
    const a = holds('CP1');
    if (a) for (let p = 0; p < a.phases; p++) load[p]! += a.limit;
    load[1]! += holds('CP2')?.limit ?? 0;
    if (load.some((x) => x > FUSE + 1e-9)) breaches.push(`held ${load.join('/')} A`);
  };
  const { cp1, cp2, held, holds } = await mixedPair(t, gw.url, check);
  await cp1.call('TransactionEvent', started201('livo-tx-1'));
  await cp2.call('StartTransaction', { connectorId: 1, idTag: 'TAG2', meterStart: 0, timestamp: now() });
  await eventually(() => held.CP1.tx !== undefined && held.CP2.tx !== undefined, 'TxProfiles for both cars');
  await gw.app.balancer!.reconcile();
  const planned = (id: string) => allocations.at(-1)!.connectors.find((c) => c.chargerId === id && c.connectorId === 1)!;
  return { gw, cp1, cp2, held, holds, breaches, allocations, planned };
}

t.test("a car that needs one phase and 10 A: its charger is held to them, the other car gets what they free; the fuse holds throughout", async (t) => {
  const { gw, cp1, holds, breaches, allocations, planned } = await mixedSite(t);
  // Both counted on L2: 12 A each.
  t.equal(holds('CP1')!.limit, 12, 'before: CP1 12 A on all three phases');
  t.equal(holds('CP2')!.limit, 12, 'before: CP2 12 A (it shares L2 with CP1)');

  const departure = new Date(Date.now() + 3 * 3600_000).toISOString();
  const answer = await cp1.call('NotifyEVChargingNeeds', {
    evseId: 1,
    chargingNeeds: { requestedEnergyTransfer: 'AC_single_phase', departureTime: departure, acChargingParameters: { energyAmount: 20000, evMinCurrent: 6, evMaxCurrent: 10, evMaxVoltage: 230 } },
  });
  t.same(answer, { status: 'Accepted' }, 'the needs are taken into account: Accepted');
  await eventually(() => holds('CP1')!.limit === 10 && holds('CP1')!.phases === 1 && holds('CP2')!.limit === 24, 'CP1 held to 10 A on one phase, CP2 raised to the whole of L2');
  await gw.app.balancer!.reconcile();
  t.same(planned('CP1').phases, ['L1'], 'the balancer reserves L1 only for the single-phase car');
  t.equal(planned('CP1').reason, 'cap');
  t.match(planned('CP1').detail, /capped at 10 A by the car's maximum/, "the reason names the car's maximum");
  t.ok(holds('CP1')!.limit <= planned('CP1').amps, 'the profile CP1 holds is within its allocation');
  t.same(breaches, [], 'no moment where what the chargers held added up above the fuse on a phase');
  t.same(allocations.map((a) => planAboveFuse(a, FUSE)).filter(Boolean), [], 'the plan never above the fuse but for what it cannot control (chargers not booted yet)');

  const view = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  t.match(view.connectors[0].evNeeds, { transfer: 'AC_single_phase', phases: 1, maxCurrentA: 10, minCurrentA: 6, energyWh: 20000, departureTime: departure });
  t.match(view.connectors[0].limit, { reason: 'cap', phases: ['L1'] });
  const caps = (await api(gw.httpUrl, '/api/chargers/CP1/charging-profiles', { token: TOKENS.read })).json.caps;
  t.same(caps, [{ connectorId: 1, source: "the car's maximum (its charging needs)", amps: 10 }], 'the cap is listed with the others');

  t.same(await cp1.call('NotifyEVChargingNeeds', { evseId: 0, chargingNeeds: { requestedEnergyTransfer: 'AC_three_phase' } }), { status: 'Rejected' }, 'EVSE 0 (no car plugs into the charger as a whole): Rejected');

  // The session ends: its needs go, CP1 is counted on its three phases again.
  await cp1.call('TransactionEvent', { eventType: 'Ended', timestamp: now(), triggerReason: 'EVDeparted', seqNo: 1, transactionInfo: { transactionId: 'livo-tx-1', stoppedReason: 'EVDisconnected' } });
  await eventually(() => gw.app.balancer!.caps('CP1').length === 0, 'the cap gone with the session');
  t.notOk((await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json.connectors[0].evNeeds, 'the needs are no longer shown');
});

t.test('a car that declares one phase at the limit it has: its profile goes out again naming one phase, though the limit stays', async (t) => {
  const { cp1, holds, breaches } = await mixedSite(t);
  t.same(holds('CP1'), { limit: 12, phases: 3 }, 'before: CP1 12 A on three phases');
  await cp1.call('NotifyEVChargingNeeds', {
    evseId: 1,
    chargingNeeds: { requestedEnergyTransfer: 'AC_single_phase', acChargingParameters: { energyAmount: 20000, evMinCurrent: 6, evMaxCurrent: 12, evMaxVoltage: 230 } },
  });
  await eventually(() => holds('CP1')!.phases === 1 && holds('CP2')!.limit === 24, 'CP1 held to one phase, CP2 raised to the whole of L2');
  t.equal(holds('CP1')!.limit, 12, "CP1's limit is the same 12 A");
  t.same(breaches, [], 'no moment where what the chargers held added up above the fuse on a phase');
});

t.test('a limit an EMS sets at the charger caps it (the rest goes to the other car); cleared, the car never holds more than the fuse allows', async (t) => {
  const { gw, cp1, held, holds, breaches, planned } = await mixedSite(t);
  await cp1.call('NotifyChargingLimit', {
    evseId: 1,
    chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: false },
    chargingSchedule: [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 8 }] }],
  });
  await eventually(() => holds('CP1')!.limit === 8 && holds('CP2')!.limit === 16, 'CP1 capped at 8 A, CP2 raised to 16 A');
  await gw.app.balancer!.reconcile();
  t.match(planned('CP1').detail, /capped at 8 A by a limit set at the charger \(EMS\)/, 'the reason names the EMS limit');
  const view = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  t.match(view.connectors[0].externalLimits, [{ connectorId: 1, source: 'EMS', amps: 8, gridCritical: false }], 'the external limit is on the charger view');

  // The moment it is cleared, CP1 still holds chargegate's 8 A (never above its allocation):
  // it cannot jump to its 16 A before the balancer lowers CP2 and raises it.
  const atClear = held.CP1.tx!.limit;
  await cp1.call('ClearedChargingLimit', { chargingLimitSource: 'EMS', evseId: 1 });
  t.equal(atClear, 8, 'what CP1 holds when the EMS limit goes: the 8 A chargegate sent');
  await eventually(() => holds('CP1')!.limit === 12 && holds('CP2')!.limit === 12, 'back to 12 A each');
  t.same(breaches, [], 'no moment where what the chargers held added up above the fuse on a phase');
  t.notOk((await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json.connectors[0].externalLimits, 'the cleared limit is gone from the view');

  // A whole-charger limit in W without evseId: A at 230 V over its phases.
  await cp1.call('NotifyChargingLimit', { chargingLimit: { chargingLimitSource: 'SO' }, chargingSchedule: [{ id: 2, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 4140, numberPhases: 3 }] }] });
  await eventually(() => gw.app.balancer!.caps('CP1').some((c) => c.connectorId === undefined && c.amps === 6), 'a 6 A cap on the whole charger (4140 W / 3 / 230 V)');
  t.match((await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json.externalLimits, [{ connectorId: 0, source: 'SO', amps: 6 }]);
  await cp1.call('ClearedChargingLimit', { chargingLimitSource: 'SO' });
  await eventually(() => gw.app.balancer!.caps('CP1').length === 0, 'cleared without evseId: every SO limit on the charger');
});

/** CP1 as a strict 2.0.1 charger with its handlers in place before it connects (the gateway may ask at once). */
async function charger201(t: Test, url: string, handlers: Record<string, (ctx: { params: any }) => unknown>): Promise<RpcClient> {
  const { RPCClient } = rpc as unknown as { RPCClient: new (options: Record<string, unknown>) => RpcClient };
  const client = new RPCClient({ endpoint: url, identity: 'CP1', password: PASSWORDS.CP1, protocols: ['ocpp2.0.1'], strictMode: true, reconnect: false, callTimeoutMs: PATIENCE_MS });
  for (const [action, handler] of Object.entries(handlers)) client.handle(action, handler);
  await client.connect();
  t.teardown(() => client.close({ force: true }).catch(() => undefined));
  return client;
}

t.test('GetCompositeSchedule through the 1.6-shaped route: EVSE, duration and unit sent in 2.0.1, the schedule answered in 1.6 shape', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = HTTP) });
  const asked: any[] = [];
  const cp = await charger201(t, gw.url, {
    GetCompositeSchedule: ({ params }) => {
      asked.push(params);
      return {
        status: 'Accepted',
        schedule: { evseId: 1, duration: 3600, scheduleStart: '2025-06-01T10:00:00.000Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 3 }, { startPeriod: 1800, limit: 8 }] },
      };
    },
  });
  await cp.call('BootNotification', boot201);
  const res = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/composite-schedule?duration=3600&unit=A', { token: TOKENS.full });
  t.equal(res.status, 200);
  t.same(asked, [{ evseId: 1, duration: 3600, chargingRateUnit: 'A' }], 'the charger was asked in 2.0.1 terms');
  t.same(res.json.answer, {
    status: 'Accepted',
    connectorId: 1,
    scheduleStart: '2025-06-01T10:00:00.000Z',
    chargingSchedule: { duration: 3600, startSchedule: '2025-06-01T10:00:00.000Z', chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16, numberPhases: 3 }, { startPeriod: 1800, limit: 8 }] },
  });
});

t.test('installed profiles: collected over several ReportChargingProfiles frames; a report nobody asked for is answered and logged', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger, patch: (c) => (c.http = HTTP) });
  const profile = (id: number, purpose: string, limit: number, extra: Record<string, unknown> = {}) => ({
    id, stackLevel: 1, chargingProfilePurpose: purpose, chargingProfileKind: 'Absolute', ...extra,
    chargingSchedule: [{ id, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
  });
  let cp!: RpcClient;
  const asked: any[] = [];
  cp = await charger201(t, gw.url, {
    GetChargingProfiles: ({ params }) => {
      asked.push(params);
      // The reports follow the answer, in three frames (K09.FR.02: tbc on all but the last).
      setImmediate(async () => {
        await cp.call('ReportChargingProfiles', { requestId: params.requestId, chargingLimitSource: 'CSO', evseId: 0, tbc: true, chargingProfile: [profile(7000, 'ChargingStationMaxProfile', 32)] });
        await cp.call('ReportChargingProfiles', { requestId: params.requestId, chargingLimitSource: 'CSO', evseId: 1, tbc: true, chargingProfile: [profile(7101, 'TxDefaultProfile', 10), profile(7201, 'TxProfile', 12, { transactionId: 'livo-9' })] });
        await cp.call('ReportChargingProfiles', { requestId: params.requestId, chargingLimitSource: 'EMS', evseId: 1, chargingProfile: [profile(1, 'ChargingStationExternalConstraints', 8)] });
      });
      return { status: 'Accepted' };
    },
  });
  await cp.call('BootNotification', boot201);
  const res = await api(gw.httpUrl, '/api/chargers/CP1/charging-profiles/installed', { token: TOKENS.full });
  t.equal(res.status, 200);
  t.same(asked, [{ requestId: res.json.requestId, chargingProfile: {} }], 'GetChargingProfiles with chargegate\'s requestId');
  t.match(res.json, { chargerId: 'CP1', status: 'Accepted', complete: true });
  t.same(res.json.profiles.map((p: any) => [p.connectorId, p.source, p.profile.chargingProfileId, p.profile.chargingProfilePurpose, p.profile.chargingSchedule.chargingSchedulePeriod[0].limit]), [
    [0, 'CSO', 7000, 'ChargePointMaxProfile', 32],
    [1, 'CSO', 7101, 'TxDefaultProfile', 10],
    [1, 'CSO', 7201, 'TxProfile', 12],
    [1, 'EMS', 1, 'ChargePointMaxProfile', 8],
  ], 'all four profiles of the three frames, in the 1.6 shape');
  t.equal(res.json.profiles[2].chargerTransactionId, 'livo-9', "a TxProfile keeps the charger's transactionId");
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/charging-profiles/installed', { token: TOKENS.read })).status, 403, 'asking the charger is a command: the read token may not');

  t.same(await cp.call('ReportChargingProfiles', { requestId: 424242, chargingLimitSource: 'CSO', evseId: 1, chargingProfile: [profile(5, 'TxDefaultProfile', 6)] }), {}, 'a report nobody asked for is answered');
  await eventually(() => log.entries().some((e) => e.requestId === 424242 && /nobody asked for/.test(e.msg)), 'and logged');

  // A charger with no profiles answers NoProfiles: no report is waited for.
  cp.handle('GetChargingProfiles', () => ({ status: 'NoProfiles' }));
  t.match((await api(gw.httpUrl, '/api/chargers/CP1/charging-profiles/installed?connectorId=1', { token: TOKENS.full })).json, { status: 'NoProfiles', complete: true, profiles: [] });
});

t.test('GetTransactionStatus: asked when a 2.0.1 charger reconnects with a session running (shown on its view), and on request', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = HTTP) });
  const first = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await first.call('BootNotification', boot201);
  await first.call('TransactionEvent', started201('livo-tx-7'));
  const session = gw.app.store.sessions.list({ chargerId: 'CP1', state: 'active' })[0]!;
  await first.close({ force: true });
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === false, 'CP1 gone');

  const asked: any[] = [];
  const cp = await charger201(t, gw.url, {
    GetTransactionStatus: ({ params }) => {
      asked.push(params);
      return { messagesInQueue: asked.length === 1, ongoingIndicator: true };
    },
  });
  await eventually(() => asked.length === 1, 'asked on the reconnect');
  t.same(asked[0], { transactionId: 'livo-tx-7' }, "about the session, by the charger's own transactionId");
  await eventually(() => gw.app.gateway.registry.get('CP1')?.online === true, 'CP1 back');
  const view = await viewUntil(gw.httpUrl, (v) => v.transactionQueues !== undefined, 'the answer on the view');
  t.match(view.transactionQueues, [{ transactionId: session.transactionId, messagesInQueue: true, ongoing: true }], 'the view shows its messages are still queued at the charger');

  const res = await api(gw.httpUrl, `/api/chargers/CP1/transaction-status?transactionId=${session.transactionId}`, { token: TOKENS.full });
  t.match(res.json, { chargerId: 'CP1', transactionId: session.transactionId, messagesInQueue: false, ongoing: true }, 'asked again: nothing queued any more');
  const whole = await api(gw.httpUrl, '/api/chargers/CP1/transaction-status', { token: TOKENS.full });
  t.same(asked.at(-1), {}, 'without transactionId: about the charger\'s queue as a whole');
  t.match(whole.json, { messagesInQueue: false });
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/transaction-status?transactionId=999999', { token: TOKENS.full })).status, 400, 'a session not on this charger: 400');
  await cp.close();
});

/** CP1's view once `check` holds (the API asked until then). */
async function viewUntil(base: string, check: (view: any) => boolean, what: string): Promise<any> {
  let view: any;
  await eventually(async () => check((view = (await api(base, '/api/chargers/CP1', { token: TOKENS.read })).json)), what);
  return view;
}

t.test("NotifyEvent: a connector's fault cause becomes its error info, where the Faulted status has none", async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = HTTP) });
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  await cp.call('StatusNotification', { timestamp: now(), connectorStatus: 'Faulted', evseId: 1, connectorId: 1 });
  const connector = async () => (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json.connectors[0];
  t.match(await connector(), { status: 'Faulted', errorCode: 'OtherError' });
  t.notOk((await connector()).info, 'the status alone says no cause');
  const fault = (actualValue: string, extra: Record<string, unknown> = {}) => ({
    generatedAt: now(), seqNo: 0,
    eventData: [
      { eventId: 1, timestamp: now(), trigger: 'Periodic', actualValue: '231.2', component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Voltage' }, eventNotificationType: 'HardWiredMonitor' },
      { eventId: 2, timestamp: now(), trigger: 'Delta', actualValue, techCode: 'RCD-TRIP', techInfo: 'Residual current device tripped', component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'Problem' }, eventNotificationType: 'HardWiredNotification', ...extra },
    ],
  });
  t.same(await cp.call('NotifyEvent', fault('true')), {}, 'answered');
  await eventually(() => gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.info === 'Residual current device tripped', 'the cause on the connector');
  t.match(await connector(), { status: 'Faulted', errorCode: 'OtherError', info: 'Residual current device tripped' });
  t.equal(gw.app.gateway.registry.get('CP1')!.connectors.get(1)!.vendorErrorCode, 'RCD-TRIP');

  // A later Faulted status carries the cause too; once cleared, a new Faulted has none again.
  await cp.call('StatusNotification', { timestamp: now(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  await cp.call('StatusNotification', { timestamp: now(), connectorStatus: 'Faulted', evseId: 1, connectorId: 1 });
  t.match(await connector(), { status: 'Faulted', info: 'Residual current device tripped' });
  await cp.call('NotifyEvent', fault('false', { cleared: true }));
  await cp.call('StatusNotification', { timestamp: now(), connectorStatus: 'Faulted', evseId: 1, connectorId: 1 });
  t.notOk((await connector()).info, 'cleared: no cause any more');
});
