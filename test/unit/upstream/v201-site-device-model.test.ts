/** The aggregate station's device model (#17, site-device-model.ts), pure: what each report holds, GetVariables and SetVariables decided from it. */
import t from 'tap';
import { validatorFor } from '../../../src/ocpp/validate.js';
import { reportFrames } from '../../../src/upstream/v201/report.js';
import { availabilityOf, baseReport, customReport, getVariables, reportData, setDecision, siteDeviceModel, type SiteFacts } from '../../../src/upstream/v201/site-device-model.js';

const v201 = validatorFor('ocpp2.0.1');

const facts = (over: Partial<SiteFacts> = {}): SiteFacts => ({
  identity: 'SITE-GW-1',
  version: '1.4.0',
  heartbeatInterval: 300,
  messageTimeout: 30,
  transactionMessageAttempts: 5,
  transactionMessageRetryInterval: 10,
  stopTxOnInvalidId: true,
  offlineTxForUnknownId: false,
  securityProfile: 2,
  supply: { phases: 3, voltage: 230 },
  sampleInterval: 60,
  balancer: true,
  evses: [
    { id: 1, chargerId: 'CP1', connectorId: 1, status: 'Charging', maxCurrent: 16, phases: 3 },
    { id: 2, chargerId: 'CP1', connectorId: 2, status: 'Faulted', maxCurrent: 16, phases: 3 },
    // A charger not in the config and not connected now.
    { id: 3, chargerId: 'CP9', connectorId: 1 },
  ],
  ...over,
});

const value = (vars: ReturnType<typeof siteDeviceModel>, component: string, variable: string, evse?: number) =>
  vars.find((v) => v.component.name === component && v.variable.name === variable && v.component.evse?.id === evse)?.value;

t.test('the model: chargegate as the station, its settings, each EVSE from its connector', async (t) => {
  const model = siteDeviceModel(facts());
  t.equal(value(model, 'ChargingStation', 'FirmwareVersion'), '1.4.0');
  t.equal(value(model, 'OCPPCommCtrlr', 'HeartbeatInterval'), '300');
  t.equal(value(model, 'AuthCtrlr', 'OfflineTxForUnknownIdEnabled'), 'false');
  t.equal(value(model, 'SecurityCtrlr', 'SecurityProfile'), '2');
  t.same([1, 2, 3].map((id) => value(model, 'EVSE', 'AvailabilityState', id)), ['Occupied', 'Faulted', 'Unavailable'], 'a charger not connected: Unavailable');
  t.same([1, 2, 3].map((id) => value(model, 'EVSE', 'Problem', id)), ['false', 'true', 'false']);
  t.equal(value(model, 'EVSE', 'Power', 1), String(16 * 3 * 230));
  t.equal(value(model, 'EVSE', 'Power', 3), undefined, 'no configured limit: no Power');
  t.equal(value(model, 'SmartChargingCtrlr', 'RateUnit'), 'A,W');
  const without = siteDeviceModel(facts({ balancer: false, securityProfile: undefined }));
  t.equal(value(without, 'SmartChargingCtrlr', 'RateUnit'), 'A', 'profiles go to the chargers: A');
  t.equal(value(without, 'SmartChargingCtrlr', 'PeriodsPerSchedule'), undefined, 'the chargers\' own limit: not chargegate\'s to tell');
  t.equal(value(without, 'SecurityCtrlr', 'SecurityProfile'), undefined);
  t.ok(model.filter((v) => v.mutability !== 'ReadOnly').every((v) => ['HeartbeatInterval', 'BasicAuthPassword'].includes(v.variable.name)), 'settable: only what chargegate honours');
  t.same(['Preparing', 'SuspendedEV', 'Finishing', 'Reserved', 'Unavailable', undefined].map(availabilityOf), ['Occupied', 'Occupied', 'Occupied', 'Reserved', 'Unavailable', 'Unavailable']);
});

t.test('every report frame passes the official 2.0.1 schema', async (t) => {
  const model = siteDeviceModel(facts());
  for (const base of ['FullInventory', 'ConfigurationInventory', 'SummaryInventory'] as const) {
    const frames = reportFrames(1, '2025-06-01T10:00:00.000Z', reportData(baseReport(model, base)), 50);
    t.ok(frames.length > 0, base);
    for (const f of frames) t.equal(v201.checkRequest('NotifyReport', f)?.description ?? null, null, `${base} frame ${f.seqNo}`);
  }
});

t.test('GetReport: by component and variable, by criteria, both', async (t) => {
  const model = siteDeviceModel(facts());
  const names = (vars: ReturnType<typeof siteDeviceModel>) => vars.map((v) => `${v.component.name}${v.component.evse ? `/${v.component.evse.id}${v.component.evse.connectorId ? `/${v.component.evse.connectorId}` : ''}` : ''}.${v.variable.name}`);
  t.same(names(customReport(model, { componentVariable: [{ component: { name: 'Connector', evse: { id: 2 } }, variable: { name: 'AvailabilityState' } }] })), ['Connector/2/1.AvailabilityState']);
  t.same(names(customReport(model, { componentCriteria: ['Problem'] })).filter((n) => n.endsWith('.Problem')), ['EVSE/2.Problem'], 'only the faulted EVSE');
  t.same(customReport(model, { componentCriteria: ['Active'] }), [], 'nothing chargegate reports is Active: EmptyResultSet');
  t.same(names(customReport(model, { componentCriteria: ['Enabled'], componentVariable: [{ component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Enabled' } }] })), ['LocalAuthListCtrlr.Enabled']);
  t.same(names(customReport(model, { componentVariable: [{ component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage', instance: 'GetVariables' } }] })), ['DeviceDataCtrlr.ItemsPerMessage']);
  t.equal(customReport(model, {}).length, model.length, 'no criteria: everything');
});

t.test('GetVariables and SetVariables decided from the model', async (t) => {
  const model = siteDeviceModel(facts());
  const results = getVariables(model, {
    getVariableData: [
      { component: { name: 'TxCtrlr' }, variable: { name: 'StopTxOnInvalidId' } },
      { component: { name: 'EVSE' }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, attributeType: 'MaxSet' },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } },
    ],
  });
  t.same(results.map((r) => [r.attributeStatus, r.attributeValue]), [['Accepted', 'true'], ['UnknownComponent', undefined], ['Accepted', '11040'], ['NotSupportedAttributeType', undefined]], 'an EVSE is named with its evse');
  const set = (component: string, variable: string, attributeValue: string, instance?: string) => setDecision(model, { component: { name: component }, variable: { name: variable, ...(instance ? { instance } : {}) }, attributeValue });
  t.same(set('OCPPCommCtrlr', 'HeartbeatInterval', '60'), { result: 'Accepted', heartbeatInterval: 60 });
  t.match(set('OCPPCommCtrlr', 'HeartbeatInterval', '0'), { result: 'Rejected', reason: { code: 'InvalidValue' } });
  t.match(set('OCPPCommCtrlr', 'HeartbeatInterval', '1.5'), { result: 'Rejected' });
  t.match(set('SampledDataCtrlr', 'TxUpdatedInterval', '10'), { result: 'Rejected', reason: { code: 'ReadOnly' } }, 'the balancer\'s interval is chargegate\'s');
  t.same(set('SecurityCtrlr', 'BasicAuthPassword', 'a-new-password-123'), { password: 'a-new-password-123' }, 'the password: the AuthorizationKey way');
  t.same(set('OCPPCommCtrlr', 'Nothing', '1'), { result: 'UnknownVariable' });
});
