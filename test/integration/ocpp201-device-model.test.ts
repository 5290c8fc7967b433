/**
 * The OCPP 2.0.1 device model (issue 16): after an accepted boot chargegate asks a 2.0.1
 * charger for its FullInventory (GetBaseReport, B07), keeps the NotifyReport parts in SQLite,
 * and automatic setup learns from it; a charger that refuses or never finishes is read with
 * GetVariables instead. Against strict ocpp-rpc 2.0.1 chargers (test/helpers/model-charger.ts).
 */
import t from 'tap';
import type { AllocationChanged } from '../../src/events.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { modelCharger, SMART_MODEL, v } from '../helpers/model-charger.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
const WANTED = 'Current.Import,Power.Active.Import,Energy.Active.Import.Register';
const withSetup = (c: Record<string, any>) => {
  c.chargers.setup = { mode: 'auto' };
  c.http = HTTP;
};
const asked = (calls: { action: string; params: any }[], action: string) =>
  calls.filter((c) => c.action === action).flatMap((c) => (c.params.getVariableData ?? c.params.setVariableData).map((d: any) => `${d.component.name}.${d.variable.name}${d.attributeValue !== undefined ? `=${d.attributeValue}` : ''}`));

t.test('the report is asked for, collected over several NotifyReport parts and stored; setup learns from it and sets the sampled measurands and interval', async (t) => {
  const gw = await startGateway(t, { patch: withSetup });
  const charger = await modelCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1, partSize: 6 });
  await charger.boot();
  await eventually(() => gw.app.setup.view('CP1').state === 'done', 'setup to finish');

  t.equal(charger.count('GetBaseReport'), 1);
  t.equal(charger.calls[0]!.params.reportBase, 'FullInventory', 'the full inventory: ReadOnly capabilities are in it (B07)');
  const report = gw.app.store.deviceModel.report('CP1');
  t.match(report, { state: 'complete', requestId: charger.calls[0]!.params.requestId, firmware: '2.4.1' }, 'three parts (seqNo 0-2), the last with tbc false');
  t.equal(gw.app.store.deviceModel.list('CP1').length, SMART_MODEL.length, 'every variable stored');

  t.same(asked(charger.calls, 'GetVariables'), ['SampledDataCtrlr.TxUpdatedMeasurands', 'SampledDataCtrlr.TxUpdatedInterval'], 'only what may change is read live; the ReadOnly capabilities come from the model');
  t.same(asked(charger.calls, 'SetVariables'), [`SampledDataCtrlr.TxUpdatedMeasurands=${WANTED}`, 'SampledDataCtrlr.TxUpdatedInterval=60'], 'per-phase current, power and energy, every 60 s');
  t.equal(charger.value('SampledDataCtrlr', 'TxUpdatedInterval'), '60');

  const setup = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json.setup;
  t.match(setup.learnt, {
    SupportedFeatureProfiles: { value: 'Core,SmartCharging', readonly: true },
    ChargingScheduleAllowedChargingRateUnit: { value: 'Current,Power', readonly: true },
    ChargeProfileMaxStackLevel: { value: '8', readonly: true },
    MaxChargingProfilesInstalled: { value: '4', readonly: true },
    NumberOfConnectors: { value: '2', readonly: true },
  });
  t.match(setup.quirks, { noSmartCharging: { value: false, source: 'learnt' }, wattsOnly: { value: false, source: 'learnt' }, stackLevelZeroOnly: { value: false, source: 'learnt' } });

  // The route, filtered by component.
  const smart = await api(gw.httpUrl, '/api/chargers/CP1/device-model?component=SmartChargingCtrlr', { token: TOKENS.read });
  t.equal(smart.status, 200);
  t.match(smart.json.report, { state: 'complete' });
  t.same(smart.json.variables.map((x: any) => x.variable).sort(), ['Available', 'Enabled', 'Entries', 'PeriodsPerSchedule', 'ProfileStackLevel', 'RateUnit']);
  t.match(smart.json.variables.find((x: any) => x.variable === 'RateUnit'), { component: 'SmartChargingCtrlr', attributeType: 'Actual', value: 'A,W', mutability: 'ReadOnly', characteristics: { dataType: 'string' } });
  const whole = (await api(gw.httpUrl, '/api/chargers/CP1/device-model', { token: TOKENS.read })).json;
  t.match(whole.variables.find((x: any) => x.component === 'Connector' && x.evseId === 2), { connectorId: 1, variable: 'ConnectorType', value: 'cType2' });
  t.match(whole.variables.find((x: any) => x.variable === 'TxUpdatedInterval'), { value: '60' }, 'a change chargegate made is in the model');
  t.equal((await api(gw.httpUrl, '/api/chargers/NOPE/device-model', { token: TOKENS.read })).status, 404);
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/device-model')).status, 401, 'the read token is needed');

  // A second boot within a day, same firmware: not asked again; setup uses the stored model.
  await charger.boot();
  await eventually(() => charger.count('GetVariables') === 2, 'the second run to read the live values');
  await eventually(() => gw.app.setup.view('CP1').state === 'done', 'the second run to finish');
  t.equal(charger.count('GetBaseReport'), 1, 'the report is not asked for at every boot');
});

t.test('a charger whose model has no smart charging: noSmartCharging learnt, and the balancer sends it no profile', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      withSetup(c);
      c.site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2 } };
    },
  });
  const allocations: AllocationChanged[] = [];
  gw.app.events.on('allocation.changed', (a) => allocations.push(a));
  const model = SMART_MODEL.filter((m) => m.component !== 'SmartChargingCtrlr');
  const charger = await modelCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1, model });
  await charger.boot();
  await eventually(() => gw.app.setup.view('CP1').state === 'done', 'setup to finish');
  t.match(gw.app.setup.view('CP1').quirks.noSmartCharging, { value: true, source: 'learnt', detail: 'SupportedFeatureProfiles = Core' });

  const now = new Date().toISOString();
  await charger.cp.call('StatusNotification', { timestamp: now, connectorStatus: 'Occupied', evseId: 1, connectorId: 1 });
  await charger.cp.call('TransactionEvent', {
    eventType: 'Started', timestamp: now, triggerReason: 'Authorized', seqNo: 0,
    transactionInfo: { transactionId: 'nosmart-1', chargingState: 'Charging' },
    evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'TAG1', type: 'ISO14443' },
  });
  await eventually(() => allocations.some((a) => a.connectors.some((c) => c.chargerId === 'CP1' && c.active)), 'the balancer to plan with the session');
  const view = (await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json;
  t.match(view, { controlled: false, uncontrolledWhy: /no smart charging/ });
  t.equal(charger.count('SetChargingProfile'), 0, 'no profile was ever sent');
});

t.test('a charger that refuses GetBaseReport: setup reads it with GetVariables instead, and it is not asked again at its next boot', async (t) => {
  for (const mode of ['NotSupported', 'Rejected', 'unhandled'] as const) {
    await t.test(mode, async (t) => {
      const gw = await startGateway(t, { patch: withSetup });
      const charger = await modelCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1, report: mode });
      await charger.boot();
      await eventually(() => gw.app.setup.view('CP1').state === 'done', 'setup to finish');
      t.match(gw.app.store.deviceModel.report('CP1'), { state: 'refused', reason: mode === 'unhandled' ? /CALLERROR NotImplemented/ : new RegExp(`answered ${mode}`) });
      t.ok(asked(charger.calls, 'GetVariables').includes('SmartChargingCtrlr.RateUnit'), 'the capabilities read one by one with GetVariables');
      t.same(asked(charger.calls, 'SetVariables'), [`SampledDataCtrlr.TxUpdatedMeasurands=${WANTED}`, 'SampledDataCtrlr.TxUpdatedInterval=60'], 'the same setup as with a model');
      const before = charger.count('GetVariables');
      await charger.boot();
      await eventually(() => charger.count('GetVariables') >= before + 5 && gw.app.setup.view('CP1').state === 'done', 'the second run');
      t.equal(charger.count('GetBaseReport'), mode === 'unhandled' ? 0 : 1, 'asked once, not at every boot');
    });
  }
});

t.test('a report that stops half-way: setup goes on after ocpp.callTimeout of silence, with GetVariables', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (withSetup(c), (c.ocpp.callTimeout = 1)) });
  const charger = await modelCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1, report: 'half', partSize: 6 });
  await charger.boot();
  await eventually(() => gw.app.setup.view('CP1').state === 'done', 'setup to finish');
  t.match(gw.app.store.deviceModel.report('CP1'), { state: 'incomplete', reason: 'no NotifyReport part for 1 s' });
  t.equal(gw.app.store.deviceModel.list('CP1').length, 6, 'the part that came is kept');
  t.ok(asked(charger.calls, 'GetVariables').includes('SmartChargingCtrlr.RateUnit'), 'read with GetVariables, as without a model');
  t.equal(charger.count('GetBaseReport'), 1);
});

t.test('a report the charger sends unasked is stored too', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.http = HTTP) });
  const charger = await modelCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1, report: 'unhandled' });
  await charger.boot();
  await charger.sendReport(77, [v('OCPPCommCtrlr', 'HeartbeatInterval', '120'), v('EVSE', 'Power', '11000', { evse: 1, mutability: 'ReadOnly' })]);
  const got = (await api(gw.httpUrl, '/api/chargers/CP1/device-model', { token: TOKENS.read })).json;
  t.match(got.variables, [
    { component: 'EVSE', evseId: 1, variable: 'Power', value: '11000', mutability: 'ReadOnly' },
    { component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '120' },
  ]);
});

t.test('native 2.0.1 GetVariables / SetVariables from the HTTP API, with the owned keys kept owned', async (t) => {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.http = HTTP;
      c.site = { supply: { maxCurrent: 32, phases: 3 } };
    },
  });
  const charger = await modelCharger(t, { url: gw.url, id: 'CP1', password: PASSWORDS.CP1 });
  await charger.boot();
  await eventually(() => gw.app.store.deviceModel.report('CP1')?.state === 'complete', 'the device model');
  const post = (action: string, body: unknown) => api(gw.httpUrl, `/api/chargers/CP1/ocpp/${action}`, { token: TOKENS.full, method: 'POST', body });
  const set = (component: string, variable: string, attributeValue: string) => ({ component: { name: component }, variable: { name: variable }, attributeValue });

  const got = await post('GetVariables', { getVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' } }] });
  t.equal(got.status, 200);
  t.match(got.json, { action: 'GetVariables', answeredBy: 'charger', answer: { getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300' }] } }, 'sent as it is, the charger\'s answer returned');

  const fine = await post('SetVariables', { setVariableData: [set('AuthCtrlr', 'LocalPreAuthorize', 'true')] });
  t.match(fine.json, { answeredBy: 'charger', answer: { setVariableResult: [{ attributeStatus: 'Accepted' }] } });
  t.equal(charger.value('AuthCtrlr', 'LocalPreAuthorize'), 'true');
  t.match(gw.app.store.deviceModel.list('CP1', { component: 'AuthCtrlr' }).find((x) => x.variable === 'LocalPreAuthorize'), { value: 'true' }, 'the stored model follows');

  const sets = charger.count('SetVariables');
  const owned = await post('SetVariables', { setVariableData: [set('SampledDataCtrlr', 'TxUpdatedInterval', '0'), set('AuthCtrlr', 'LocalPreAuthorize', 'false')] });
  t.match(owned.json, {
    answeredBy: 'chargegate',
    reason: /load balancer needs a reading/,
    answer: { setVariableResult: [{ attributeStatus: 'Rejected', statusInfo: { reasonCode: 'OwnedByChargegate' } }, { attributeStatus: 'Rejected', statusInfo: { reasonCode: 'NotSent' } }] },
  });
  for (const [component, variable, value] of [['SecurityCtrlr', 'BasicAuthPassword', 'another-password-123'], ['SecurityCtrlr', 'SecurityProfile', '2'], ['SampledDataCtrlr', 'TxUpdatedMeasurands', 'Voltage']] as const) {
    const refused = await post('SetVariables', { setVariableData: [set(component, variable, value)] });
    t.match(refused.json, { answeredBy: 'chargegate', answer: { setVariableResult: [{ attributeStatus: 'Rejected' }] } }, `${component}.${variable} is chargegate's`);
  }
  t.equal(charger.count('SetVariables'), sets, 'none of them reached the charger');
  t.equal(charger.value('AuthCtrlr', 'LocalPreAuthorize'), 'true');

  const invalid = await post('SetVariables', { setVariableData: [] });
  t.equal(invalid.status, 400, 'checked against the 2.0.1 schema');
  const report = await post('GetReport', { requestId: 5, componentVariable: [{ component: { name: 'SmartChargingCtrlr' } }] });
  t.equal(report.status, 502, 'GetReport goes to the charger (this one does not handle it: NotImplemented)');

  // A 1.6 charger does not get a 2.0.1-only action.
  const v16 = await rpcCharger(t, gw.url, 'CP2', PASSWORDS.CP2);
  await v16.call('BootNotification', bootPayload);
  const to16 = await api(gw.httpUrl, '/api/chargers/CP2/ocpp/GetVariables', { token: TOKENS.full, method: 'POST', body: { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] } });
  t.equal(to16.status, 400);
  t.match(to16.json, { error: { message: /GetVariables is an OCPP 2.0.1 command and CP2 speaks OCPP 1.6/ } });
});
