/** The pure device model translations (src/ocpp/v201/translate/device-model.ts) and the report policy. */
import t from 'tap';
import { acceptedValues, evseIds, keyFromModel, variablesOfReport } from '../../../../src/ocpp/v201/translate/device-model.js';
import type { ReportDataType } from '../../../../src/ocpp/v201/types.js';
import { REPORT_AGAIN_AFTER_MS, shouldAskReport } from '../../../../src/gateway/edge201/report-policy.js';
import type { DeviceModelVariable } from '../../../../src/store/ports.js';

const row = (component: string, variable: string, value: string, extra: Partial<DeviceModelVariable> = {}): DeviceModelVariable => ({ component, variable, value, attributeType: 'Actual', mutability: 'ReadOnly', ...extra });

t.test('reportData: one row per attribute, the EVSE and connector, the characteristics; type Actual when omitted', async (t) => {
  const data = [
    {
      component: { name: 'Connector', evse: { id: 2, connectorId: 1 } },
      variable: { name: 'Available' },
      variableAttribute: [{ value: 'true', mutability: 'ReadOnly', constant: true }, { type: 'Target', value: 'true', persistent: true }],
      variableCharacteristics: { dataType: 'boolean', supportsMonitoring: true },
    },
    { component: { name: 'OCPPCommCtrlr', instance: 'x' }, variable: { name: 'MessageAttempts', instance: 'TransactionEvent' }, variableAttribute: [{ mutability: 'WriteOnly' }] },
  ] as unknown as ReportDataType[];
  t.same(variablesOfReport(data), [
    { component: 'Connector', evseId: 2, connectorId: 1, variable: 'Available', attributeType: 'Actual', value: 'true', mutability: 'ReadOnly', constant: true, characteristics: { dataType: 'boolean', supportsMonitoring: true } },
    { component: 'Connector', evseId: 2, connectorId: 1, variable: 'Available', attributeType: 'Target', value: 'true', persistent: true, characteristics: { dataType: 'boolean', supportsMonitoring: true } },
    { component: 'OCPPCommCtrlr', componentInstance: 'x', variable: 'MessageAttempts', variableInstance: 'TransactionEvent', attributeType: 'Actual', mutability: 'WriteOnly' },
  ]);
});

t.test('1.6 keys from a complete model: derived facts and ReadOnly variables answered, ReadWrite ones asked, missing ones unknown', async (t) => {
  const model = [
    row('SmartChargingCtrlr', 'Available', 'true'),
    row('SmartChargingCtrlr', 'RateUnit', 'A'),
    row('SmartChargingCtrlr', 'ProfileStackLevel', '0'),
    row('SampledDataCtrlr', 'TxUpdatedInterval', '60', { mutability: 'ReadWrite' }),
    row('SampledDataCtrlr', 'TxUpdatedMeasurands', 'Energy.Active.Import.Register', { mutability: undefined }),
    row('LocalAuthListCtrlr', 'Enabled', 'true', { mutability: 'ReadWrite' }),
    row('DeviceDataCtrlr', 'ItemsPerMessage', '8', { variableInstance: 'GetVariables' }),
    row('EVSE', 'Power', '11000', { evseId: 1 }),
    row('EVSE', 'Power', '11000', { evseId: 3 }),
    row('Connector', 'ConnectorType', 'cType2', { evseId: 3, connectorId: 1 }),
  ];
  t.same(keyFromModel(model, 'SupportedFeatureProfiles'), { value: 'Core,SmartCharging,LocalAuthListManagement', readonly: true });
  t.same(keyFromModel(model, 'ChargingScheduleAllowedChargingRateUnit'), { value: 'Current', readonly: true }, 'spelt the 1.6 way');
  t.same(keyFromModel(model, 'ChargeProfileMaxStackLevel'), { value: '0', readonly: true });
  t.same(keyFromModel(model, 'GetConfigurationMaxKeys'), { value: '8', readonly: true }, 'ItemsPerMessageGetVariables');
  t.same(keyFromModel(model, 'NumberOfConnectors'), { value: '2', readonly: true }, 'EVSE 1 and 3');
  t.same(evseIds(model), [1, 3]);
  t.equal(keyFromModel(model, 'MeterValueSampleInterval'), 'ask', 'ReadWrite: read live');
  t.equal(keyFromModel(model, 'MeterValuesSampledData'), 'ask', 'no mutability means ReadWrite');
  t.equal(keyFromModel(model, 'ChargingScheduleMaxPeriods'), 'unknown', 'not in the complete model');
  t.equal(keyFromModel(model, 'MeterValuesSampledDataMaxLength'), 'unknown', 'no 2.0.1 variable');

  const off = [row('SmartChargingCtrlr', 'Available', 'true'), row('SmartChargingCtrlr', 'Enabled', 'FALSE', { mutability: 'ReadWrite' })];
  t.same(keyFromModel(off, 'SupportedFeatureProfiles'), { value: 'Core', readonly: true }, 'disabled: no smart charging');
  t.same(keyFromModel([], 'SupportedFeatureProfiles'), { value: 'Core', readonly: true }, 'no SmartChargingCtrlr at all');
  t.equal(keyFromModel([], 'NumberOfConnectors'), 'unknown');
});

t.test('the values a SetVariables changed: Accepted Actual values only', async (t) => {
  const req = {
    setVariableData: [
      { component: { name: 'TxCtrlr' }, variable: { name: 'EVConnectionTimeOut' }, attributeValue: '30' },
      { component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' }, attributeValue: '7000', attributeType: 'MaxSet' },
      { component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'Enabled', instance: 'a' }, attributeValue: 'true' },
      { component: { name: 'AuthCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' },
    ],
  } as never;
  const res = { setVariableResult: ['Accepted', 'Accepted', 'Accepted', 'Rejected'].map((attributeStatus) => ({ attributeStatus, component: { name: 'x' }, variable: { name: 'y' } })) } as never;
  t.same(acceptedValues(req, res), [
    { ref: { component: 'TxCtrlr', variable: 'EVConnectionTimeOut' }, value: '30' },
    { ref: { component: 'Connector', evseId: 1, connectorId: 1, variable: 'Enabled', variableInstance: 'a' }, value: 'true' },
  ]);
});

t.test('when to ask for the report: first boot, a day later, a new firmware; not at each boot', async (t) => {
  const at = Date.UTC(2026, 0, 1);
  const last = { requestId: 1, state: 'refused' as const, reason: 'GetBaseReport answered NotSupported', firmware: '1.0', requestedAt: new Date(at).toISOString() };
  t.same(shouldAskReport(undefined, '1.0', at), { ask: true });
  t.match(shouldAskReport(last, '1.0', at + 1000), { ask: false, why: /refused: GetBaseReport answered NotSupported.*not again before 2026-01-02T00:00:00.000Z/ });
  t.same(shouldAskReport({ ...last, state: 'complete' }, '1.1', at + 1000), { ask: true }, 'new firmware');
  t.same(shouldAskReport(last, '1.0', at + REPORT_AGAIN_AFTER_MS), { ask: true }, 'a day later');
  t.match(shouldAskReport({ ...last, state: 'requested', firmware: undefined }, undefined, at + 5000), { ask: false }, 'a report cut short by a reboot counts');
});
