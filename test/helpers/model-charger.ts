/**
 * An independent OCPP 2.0.1 charger (ocpp-rpc, strict) with a device model (2.0.1 Part 1 §4):
 * it answers GetBaseReport and then sends the model in NotifyReport parts (seqNo 0…, tbc true
 * until the last), and answers GetVariables / SetVariables from the same variables (ReadOnly
 * ones refuse a change). How it answers GetBaseReport is a choice: report, refuse (a status),
 * stop half-way, or not at all (NotImplemented, ocpp-rpc's answer to an unhandled call).
 * Every call it receives is counted.
 */
import type { Test } from 'tap';
import { boot201, rpcCharger201, type RpcClient } from './rpc-charger.js';

export interface ModelVariable {
  component: string;
  evse?: number;
  connector?: number;
  variable: string;
  instance?: string;
  value: string;
  mutability?: 'ReadOnly' | 'ReadWrite';
  valuesList?: string;
}

export const v = (component: string, variable: string, value: string, extra: Partial<ModelVariable> = {}): ModelVariable => ({ component, variable, value, ...extra });
const ro = { mutability: 'ReadOnly' as const };

/** A 2-EVSE AC charger with smart charging, sampling only energy every 300 s. */
export const SMART_MODEL: ModelVariable[] = [
  v('DeviceDataCtrlr', 'ItemsPerMessage', '4', { ...ro, instance: 'GetVariables' }),
  v('SmartChargingCtrlr', 'Available', 'true', ro),
  v('SmartChargingCtrlr', 'Enabled', 'true'),
  v('SmartChargingCtrlr', 'RateUnit', 'A,W', ro),
  v('SmartChargingCtrlr', 'ProfileStackLevel', '8', ro),
  v('SmartChargingCtrlr', 'PeriodsPerSchedule', '24', ro),
  v('SmartChargingCtrlr', 'Entries', '4', { ...ro, instance: 'ChargingProfiles' }),
  v('SampledDataCtrlr', 'TxUpdatedMeasurands', 'Energy.Active.Import.Register', { valuesList: 'Current.Import,Power.Active.Import,Energy.Active.Import.Register,Voltage' }),
  v('SampledDataCtrlr', 'TxUpdatedInterval', '300'),
  v('AuthCtrlr', 'LocalAuthorizeOffline', 'true'),
  v('AuthCtrlr', 'LocalPreAuthorize', 'false'),
  v('TxCtrlr', 'StopTxOnInvalidId', 'true'),
  v('TxCtrlr', 'EVConnectionTimeOut', '60'),
  v('SecurityCtrlr', 'SecurityProfile', '1', ro),
  v('EVSE', 'AvailabilityState', 'Available', { ...ro, evse: 1 }),
  v('EVSE', 'AvailabilityState', 'Available', { ...ro, evse: 2 }),
  v('Connector', 'ConnectorType', 'cType2', { ...ro, evse: 1, connector: 1 }),
  v('Connector', 'ConnectorType', 'cType2', { ...ro, evse: 2, connector: 1 }),
];

export type ReportMode = 'report' | 'half' | 'Rejected' | 'NotSupported' | 'unhandled';

export interface ModelChargerOptions {
  url: string;
  id: string;
  password: string;
  model?: ModelVariable[];
  /** How it answers GetBaseReport (default: the whole report). */
  report?: ReportMode;
  /** Variables per NotifyReport part (default 6). */
  partSize?: number;
}

export interface ModelCharger {
  cp: RpcClient;
  calls: { action: string; params: any }[];
  profiles: any[];
  count(action: string): number;
  value(component: string, variable: string, instance?: string): string | undefined;
  /** Sends the model (or `list`) as a report nobody asked for. */
  sendReport(requestId: number, list?: ModelVariable[]): Promise<void>;
  boot(): Promise<unknown>;
}

const same = (m: ModelVariable, component: string, variable: string, instance?: string, evse?: number) => m.component === component && m.variable === variable && m.instance === instance && (evse === undefined || m.evse === evse);

export async function modelCharger(t: Test, o: ModelChargerOptions): Promise<ModelCharger> {
  const model = structuredClone(o.model ?? SMART_MODEL);
  const size = o.partSize ?? 6;
  const cp = await rpcCharger201(t, o.url, o.id, o.password);
  const state: ModelCharger = {
    cp,
    calls: [],
    profiles: [],
    count: (action) => state.calls.filter((c) => c.action === action).length,
    value: (component, variable, instance) => model.find((m) => same(m, component, variable, instance))?.value,
    sendReport: (requestId, list = model) => sendReport(requestId, list, list.length),
    boot: () => cp.call('BootNotification', boot201),
  };

  const reportData = (m: ModelVariable) => ({
    component: { name: m.component, ...(m.evse !== undefined ? { evse: { id: m.evse, ...(m.connector !== undefined ? { connectorId: m.connector } : {}) } } : {}) },
    variable: { name: m.variable, ...(m.instance !== undefined ? { instance: m.instance } : {}) },
    variableAttribute: [{ type: 'Actual', value: m.value, mutability: m.mutability ?? 'ReadWrite' }],
    variableCharacteristics: { dataType: m.valuesList ? 'MemberList' : 'string', supportsMonitoring: false, ...(m.valuesList ? { valuesList: m.valuesList } : {}) },
  });

  /** The parts in order, each after the previous one was answered; `upTo` variables in all. */
  async function sendReport(requestId: number, list: ModelVariable[], upTo: number): Promise<void> {
    const parts: ModelVariable[][] = [];
    for (let i = 0; i < list.length; i += size) parts.push(list.slice(i, i + size));
    for (const [seqNo, part] of parts.entries()) {
      if (seqNo * size >= upTo) return;
      await cp.call('NotifyReport', { requestId, generatedAt: new Date().toISOString(), seqNo, tbc: seqNo < parts.length - 1, reportData: part.map(reportData) });
    }
  }

  if (o.report !== 'unhandled') {
    cp.handle('GetBaseReport', ({ params }) => {
      state.calls.push({ action: 'GetBaseReport', params });
      if (o.report === 'Rejected' || o.report === 'NotSupported') return { status: o.report };
      // After the answer is on the wire (B07.FR.01: Accepted, then the NotifyReports).
      setImmediate(() => void sendReport(params.requestId, model, o.report === 'half' ? size : model.length).catch(() => undefined));
      return { status: 'Accepted' };
    });
  }
  cp.handle('GetVariables', ({ params }) => {
    state.calls.push({ action: 'GetVariables', params });
    return {
      getVariableResult: params.getVariableData.map((d: any) => {
        const m = model.find((x) => same(x, d.component.name, d.variable.name, d.variable.instance, d.component.evse?.id));
        return { component: d.component, variable: d.variable, attributeStatus: m ? 'Accepted' : 'UnknownVariable', ...(m ? { attributeValue: m.value } : {}) };
      }),
    };
  });
  cp.handle('SetVariables', ({ params }) => {
    state.calls.push({ action: 'SetVariables', params });
    return {
      setVariableResult: params.setVariableData.map((d: any) => {
        const m = model.find((x) => same(x, d.component.name, d.variable.name, d.variable.instance, d.component.evse?.id));
        const status = !m ? 'UnknownVariable' : m.mutability === 'ReadOnly' ? 'Rejected' : 'Accepted';
        if (m && status === 'Accepted') m.value = d.attributeValue;
        return { component: d.component, variable: d.variable, attributeStatus: status };
      }),
    };
  });
  cp.handle('SetChargingProfile', ({ params }) => {
    state.calls.push({ action: 'SetChargingProfile', params });
    state.profiles.push(params);
    return { status: 'Accepted' };
  });
  for (const action of ['ClearChargingProfile', 'ChangeAvailability']) {
    cp.handle(action, ({ params }) => {
      state.calls.push({ action, params });
      return { status: 'Accepted' };
    });
  }
  return state;
}
