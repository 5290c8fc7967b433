/**
 * The aggregate station's device model at a strict 2.0.1 CSMS (#17): a site of a 1.6 charger
 * (CP1, EVSE 1) and a 2.0.1 charger (CP2, EVSE 2) behind chargegate, seen as one station,
 * SITE-GW-1. GetBaseReport and GetReport are answered from what chargegate is and does, in
 * NotifyReport frames the CSMS (ocpp-rpc with its own 2.0.1 schemas) validates; GetVariables and
 * SetVariables from the same model; and the CSMS's charging profiles, merged by the balancer,
 * reach the right charger and come back in GetCompositeSchedule.
 */
import t, { type Test } from 'tap';
import { startCloud201, type TestCloud201 } from '../helpers/cloud201.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { boot201, bootPayload, callSoon, rpcCharger, rpcCharger201 } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const link = { answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };

async function site(t: Test, withSite = false) {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  const gw = await startGateway(t, {
    patch: (c) => {
      if (withSite) c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2, standingInterval: 0 } };
      c.upstream = { mode: 'aggregate', ocpp: '2.0.1', url: cloud.url, identity: SITE, password: 'site-secret-01', ...link };
    },
  });
  // The first connection of a run also compiles ocpp-rpc's 2.0.1 schemas: allow for it.
  await eventually(() => gw.app.upstream!.online(), 'the site online at the CSMS', 20_000);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const cp2 = await rpcCharger201(t, gw.url, 'CP2', PASSWORDS.CP2);
  return { cloud, gw, cp1, cp2 };
}

async function boot(cp1: Awaited<ReturnType<typeof site>>['cp1'], cp2: Awaited<ReturnType<typeof site>>['cp2']) {
  await cp1.call('BootNotification', bootPayload);
  await cp2.call('BootNotification', boot201);
}

/** The report data of one requestId once its last frame is in, and its frames' seqNo/tbc. */
async function report(cloud: TestCloud201, requestId: number) {
  await cloud.waitFor((c) => c.action === 'NotifyReport' && c.params.requestId === requestId && !c.params.tbc, `the last NotifyReport of request ${requestId}`);
  const frames = cloud.calls.filter((c) => c.action === 'NotifyReport' && c.params.requestId === requestId).map((c) => c.params);
  return { frames: frames.map((f) => [f.seqNo, f.tbc ?? false]), data: frames.flatMap((f) => f.reportData) as any[], sizes: frames.map((f) => f.reportData.length) };
}

const named = (data: any[], component: string, variable: string, evse?: number) =>
  data.find((d) => d.component.name === component && d.variable.name === variable && d.component.evse?.id === evse)?.variableAttribute[0];

t.test('GetBaseReport of the site station: chargegate, its controllers, one EVSE per site connector, in validated frames', async (t) => {
  const { cloud, gw, cp1, cp2 } = await site(t);
  // The 2.0.1 charger's own report (chargegate asks it after its boot) says its connector's type.
  let reported: Promise<unknown> | undefined;
  cp2.handle('GetBaseReport', ({ params }) => {
    const connectorType = { component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'ConnectorType' }, variableAttribute: [{ type: 'Actual', value: 'cType2', mutability: 'ReadOnly' }] };
    reported = callSoon(cp2, 'NotifyReport', { requestId: params.requestId, generatedAt: new Date().toISOString(), seqNo: 0, reportData: [connectorType] });
    return { status: 'Accepted' };
  });
  await boot(cp1, cp2);
  await eventually(() => gw.app.store.deviceModel.report('CP2')?.state === 'complete', 'CP2\'s own report kept');
  t.same(await reported, {}, 'CP2\'s NotifyReport answered');
  await cp1.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() });
  await cp2.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  await eventually(() => gw.app.gateway.registry.get('CP2')?.connectors.get(1)?.status === 'Available', 'CP2\'s status known');

  t.same(await cloud.command(SITE, 'GetBaseReport', { requestId: 11, reportBase: 'FullInventory' }), { status: 'Accepted' });
  const full = await report(cloud, 11);
  t.same(full.frames, full.frames.map((_, i) => [i, i < full.frames.length - 1]), 'seqNo from 0, tbc on all but the last');
  t.ok(full.frames.length >= 2 && full.sizes.every((n) => n <= 50), `split by DeviceDataCtrlr.ItemsPerMessage (50): ${full.sizes.join(', ')}`);
  const evses = [...new Set(full.data.filter((d) => d.component.name === 'EVSE').map((d) => d.component.evse.id))];
  const connectors = gw.app.store.upstream.connectors.list().map((c) => c.virtual).sort();
  t.same(evses, connectors, 'the EVSEs are the site\'s connectors');
  t.same(evses, [1, 2]);
  t.match(named(full.data, 'ChargingStation', 'VendorName'), { value: 'chargegate', mutability: 'ReadOnly' });
  t.match(named(full.data, 'ChargingStation', 'SerialNumber'), { value: SITE });
  t.match(named(full.data, 'OCPPCommCtrlr', 'HeartbeatInterval'), { value: '300', mutability: 'ReadWrite' }, 'the CSMS\'s boot interval, settable');
  t.match(named(full.data, 'EVSE', 'AvailabilityState', 1), { value: 'Occupied' }, 'CP1 charging');
  t.match(named(full.data, 'EVSE', 'AvailabilityState', 2), { value: 'Available' }, 'the 2.0.1 charger\'s status');
  t.match(named(full.data, 'EVSE', 'Power', 1), { type: 'MaxSet', value: String(16 * 3 * 230) }, 'CP1: 16 A on 3 phases');
  t.match(named(full.data, 'EVSE', 'SupplyPhases', 2), { value: '1' });
  const connectorType = (evse: number) => full.data.find((d) => d.component.name === 'Connector' && d.component.evse.id === evse && d.component.evse.connectorId === 1 && d.variable.name === 'ConnectorType')?.variableAttribute[0].value;
  t.same([connectorType(1), connectorType(2)], ['Unknown', 'cType2'], 'each EVSE\'s connector 1: the 1.6 charger\'s type unknown, the 2.0.1 charger\'s as it reported it');
  t.match(named(full.data, 'SecurityCtrlr', 'BasicAuthPassword'), { mutability: 'WriteOnly' });
  t.notOk(named(full.data, 'SecurityCtrlr', 'BasicAuthPassword').value, 'the password never reported');

  t.same(await cloud.command(SITE, 'GetBaseReport', { requestId: 12, reportBase: 'ConfigurationInventory' }), { status: 'Accepted' });
  const config = await report(cloud, 12);
  t.same(config.data.map((d) => `${d.component.name}.${d.variable.name}`), ['OCPPCommCtrlr.HeartbeatInterval', 'SecurityCtrlr.BasicAuthPassword'], 'only what the CSMS may set');
  t.same(await cloud.command(SITE, 'GetBaseReport', { requestId: 13, reportBase: 'SummaryInventory' }), { status: 'Accepted' });
  const summary = await report(cloud, 13);
  t.same([...new Set(summary.data.map((d) => d.variable.name))].sort(), ['AvailabilityState', 'Available', 'Problem']);
  t.same(cloud.validationFailures, [], 'every NotifyReport passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('GetReport by criteria, GetVariables and SetVariables of the site station', async (t) => {
  const { cloud, cp1, cp2 } = await site(t);
  await boot(cp1, cp2);
  await cloud.waitFor((c) => c.identity === SITE && c.action === 'BootNotification', 'the station booted');

  t.same(await cloud.command(SITE, 'GetReport', { requestId: 21, componentVariable: [{ component: { name: 'EVSE' }, variable: { name: 'AvailabilityState' } }] }), { status: 'Accepted' });
  t.same((await report(cloud, 21)).data.map((d) => [d.component.evse.id, d.variable.name]), [[1, 'AvailabilityState'], [2, 'AvailabilityState']], 'every EVSE');
  t.same(await cloud.command(SITE, 'GetReport', { requestId: 22, componentCriteria: ['Problem'] }), { status: 'EmptyResultSet' }, 'no problem anywhere');
  await cp1.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', timestamp: new Date().toISOString() });
  await eventually(async () => (await cloud.command(SITE, 'GetReport', { requestId: 23, componentCriteria: ['Problem'] })).status === 'Accepted', 'CP1\'s fault a problem of EVSE 1');
  const problem = await report(cloud, 23);
  t.same([...new Set(problem.data.map((d) => `${d.component.name} ${d.component.evse?.id}`))], ['EVSE 1'], 'only the faulted EVSE');
  t.match(named(problem.data, 'EVSE', 'AvailabilityState', 1), { value: 'Faulted' });
  t.same(await cloud.command(SITE, 'GetReport', { requestId: 24, componentCriteria: ['Enabled'], componentVariable: [{ component: { name: 'AuthCtrlr' } }] }), { status: 'Accepted' });
  t.same((await report(cloud, 24)).data.map((d) => d.variable.name), ['Enabled', 'LocalAuthorizeOffline', 'OfflineTxForUnknownIdEnabled'], 'an enabled controller: all its variables');
  t.same(await cloud.command(SITE, 'GetReport', { requestId: 25, componentVariable: [{ component: { name: 'ReservationCtrlr' } }] }), { status: 'EmptyResultSet' });

  const get = (component: Record<string, unknown>, variable: Record<string, unknown>, extra = {}) => ({ component, variable, ...extra });
  const got = await cloud.command(SITE, 'GetVariables', {
    getVariableData: [
      get({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }),
      get({ name: 'EVSE', evse: { id: 2 } }, { name: 'SupplyPhases' }),
      get({ name: 'OCPPCommCtrlr' }, { name: 'NoSuchVariable' }),
      get({ name: 'NoSuchCtrlr' }, { name: 'Enabled' }),
      get({ name: 'EVSE', evse: { id: 9 } }, { name: 'AvailabilityState' }),
      get({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }, { attributeType: 'Target' }),
      get({ name: 'SecurityCtrlr' }, { name: 'BasicAuthPassword' }),
    ],
  });
  t.same(got.getVariableResult.map((r: any) => [r.attributeStatus, r.attributeValue]), [
    ['Accepted', '300'],
    ['Accepted', '1'],
    ['UnknownVariable', undefined],
    ['UnknownComponent', undefined],
    ['UnknownComponent', undefined],
    ['NotSupportedAttributeType', undefined],
    ['Rejected', undefined],
  ]);

  const tooMany = Array.from({ length: 51 }, () => get({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' }));
  const refused = await cloud.command(SITE, 'GetVariables', { getVariableData: tooMany }).catch((err: { rpcErrorCode?: string }) => err);
  t.equal(refused.rpcErrorCode, 'OccurrenceConstraintViolation', 'more than DeviceDataCtrlr.ItemsPerMessage: CALLERROR');

  const set = await cloud.command(SITE, 'SetVariables', {
    setVariableData: [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '1' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Default' }, attributeValue: '5' },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: 'soon' },
      { component: { name: 'NoSuchCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'true' },
    ],
  });
  t.same(set.setVariableResult.map((r: any) => [r.attributeStatus, r.attributeStatusInfo?.reasonCode]), [
    ['Accepted', undefined],
    ['Rejected', 'ReadOnly'],
    ['Rejected', 'InvalidValue'],
    ['UnknownComponent', undefined],
  ]);
  const heartbeats = () => cloud.calls.filter((c) => c.identity === SITE && c.action === 'Heartbeat').length;
  const before = heartbeats();
  await eventually(() => heartbeats() >= before + 2, 'heartbeats every second, as set');
  const after = await cloud.command(SITE, 'GetVariables', { getVariableData: [get({ name: 'OCPPCommCtrlr' }, { name: 'HeartbeatInterval' })] });
  t.equal(after.getVariableResult[0].attributeValue, '1', 'the variable says what is in force');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('SetChargingProfile and GetCompositeSchedule over 2.0.1 aggregate: the balancer merges the CSMS\'s profile, the charger behind the EVSE follows it', async (t) => {
  const { cloud, gw, cp1, cp2 } = await site(t, true);
  // The 2.0.1 charger gets chargegate's own profiles (never the CSMS's), in 2.0.1.
  const limits: { evseId: number; id: number; limit: number }[] = [];
  cp2.handle('SetChargingProfile', ({ params }) => {
    limits.push({ evseId: params.evseId, id: params.chargingProfile.id, limit: params.chargingProfile.chargingSchedule[0].chargingSchedulePeriod[0].limit });
    return { status: 'Accepted' };
  });
  cp2.handle('GetCompositeSchedule', () => ({ status: 'Rejected' }));
  cp1.handle('SetChargingProfile', () => ({ status: 'Accepted' }));
  await boot(cp1, cp2);
  await cp1.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: new Date().toISOString() });
  await cp2.call('StatusNotification', { timestamp: new Date().toISOString(), connectorStatus: 'Available', evseId: 1, connectorId: 1 });
  await eventually(() => limits.length > 0, 'the balancer\'s standing limit on CP2');

  const profile = {
    id: 601,
    stackLevel: 3,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: [{ id: 1, chargingRateUnit: 'A', startSchedule: new Date().toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] }],
  };
  t.same(await cloud.command(SITE, 'SetChargingProfile', { evseId: 2, chargingProfile: profile }), { status: 'Accepted' });
  await eventually(() => limits.at(-1)?.limit === 10, 'CP2 held to the CSMS\'s 10 A by chargegate\'s own profile');
  t.notOk(limits.some((l) => l.id === 601), 'the CSMS\'s profile itself never reached the charger');

  const composite = await cloud.command(SITE, 'GetCompositeSchedule', { evseId: 2, duration: 600 });
  t.match(composite, { status: 'Accepted', schedule: { evseId: 2, duration: 600, chargingRateUnit: 'A' } });
  t.same(composite.schedule.chargingSchedulePeriod.map((p: { limit: number }) => p.limit), [10], 'EVSE 2: the CSMS\'s 10 A');
  const evse1 = await cloud.command(SITE, 'GetCompositeSchedule', { evseId: 1, duration: 600 });
  t.ok(evse1.status === 'Accepted' && evse1.schedule.chargingSchedulePeriod.every((p: { limit: number }) => p.limit !== 10), 'EVSE 1 is not held by EVSE 2\'s profile');
  t.same(await cloud.command(SITE, 'GetCompositeSchedule', { evseId: 3, duration: 60 }), { status: 'Rejected' }, 'no EVSE 3');
  t.same(await cloud.command(SITE, 'ClearChargingProfile', { chargingProfileId: 601 }), { status: 'Accepted' });
  await eventually(() => limits.at(-1)!.limit > 10, 'the cap lifted');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});
