/**
 * The device model of the aggregate station (#17): the site as one 2.0.1 Charging Station,
 * chargegate itself, whose EVSEs are the site's connectors. Built from what chargegate knows and
 * does (its config, the link, the connectors' latest status), never from what a charger claims
 * about itself, so each value is true of chargegate: a ReadWrite variable is one chargegate
 * honours when set (OCPPCommCtrlr.HeartbeatInterval), everything else is ReadOnly.
 * Names from 2.0.1 Part 2 Appendix 3 "Standardized components and variables". Pure: the facts
 * come in; GetBaseReport (B07), GetReport (B08), GetVariables (B06) and SetVariables (B05) are
 * answered from the same list.
 */
import type {
  AttributeEnumType,
  ComponentCriterionEnumType,
  ComponentType,
  DataEnumType,
  GetVariableResultType,
  MutabilityEnumType,
  ReportBaseEnumType,
  ReportDataType,
  Requests201,
  SetVariableResultType,
  VariableType,
} from '../../ocpp/v201/types.js';

/** One EVSE of the station: a connector of a charger, numbered as the CSMS knows it. */
export interface SiteEvse {
  id: number;
  chargerId: string;
  connectorId: number;
  /** The connector's latest 1.6 status; undefined: its charger is not connected to chargegate. */
  status?: string;
  /** chargers.list[].maxCurrent, A per phase, and the charger's phases (unconfigured charger: undefined). */
  maxCurrent?: number;
  phases?: number;
  /** Its ConnectorType as a 2.0.1 charger reported it (its device model); undefined: not known. */
  connectorType?: string;
}

/** What chargegate knows of itself as the aggregate station. */
export interface SiteFacts {
  identity: string;
  version: string;
  /** Seconds: the link's heartbeat interval now (the boot's, or the CSMS's SetVariables). */
  heartbeatInterval: number;
  /** upstream.callTimeout, s. */
  messageTimeout: number;
  transactionMessageAttempts: number;
  transactionMessageRetryInterval: number;
  stopTxOnInvalidId: boolean;
  offlineTxForUnknownId: boolean;
  /** The link's security profile (1, 2, 3), when it has one. */
  securityProfile?: number;
  /** The site's supply: phases and phase voltage (site.supply; 3 and 230 without a site). */
  supply: { phases: number; voltage: number };
  /** chargers.setup.meterValueSampleInterval, s: the chargers' sample interval (owned by chargegate while balanced). */
  sampleInterval: number;
  /** A load balancer keeps the CSMS's charging profiles as its limits (cloud-caps.ts); false: they go to the chargers. */
  balancer: boolean;
  evses: readonly SiteEvse[];
}

/** One variable attribute of the model (the model has one attribute per variable). */
export interface SiteVariable {
  component: ComponentType;
  variable: VariableType;
  type: AttributeEnumType;
  /** Absent only for WriteOnly. */
  value?: string;
  mutability: MutabilityEnumType;
  dataType: DataEnumType;
  unit?: string;
  minLimit?: number;
  maxLimit?: number;
  valuesList?: string;
}

/** DeviceDataCtrlr.ItemsPerMessage: the most variables a GetVariables / SetVariables / GetReport may name, and per NotifyReport. */
export const ITEMS_PER_MESSAGE = 50;
/** DeviceDataCtrlr.BytesPerMessage: the largest frame the link takes from the CSMS (ocpp/client.ts: the WebSocket's maxPayload, 1 MiB). */
export const BYTES_PER_MESSAGE = 1 << 20;
/** The most periods a schedule may have (the 2.0.1 schema's own bound): the balancer takes any schedule within it. */
const PERIODS_PER_SCHEDULE = 1024;

type Kind = Pick<SiteVariable, 'dataType'> & Partial<Pick<SiteVariable, 'unit' | 'minLimit' | 'maxLimit' | 'valuesList' | 'mutability' | 'type'>>;
const bool: Kind = { dataType: 'boolean' };
const int: Kind = { dataType: 'integer' };
const text: Kind = { dataType: 'string' };
const seconds: Kind = { dataType: 'integer', unit: 's' };

const AVAILABILITY = 'Available,Occupied,Reserved,Unavailable,Faulted';

/** A connector's 1.6 status as 2.0.1's AvailabilityState (a charger chargegate cannot reach is Unavailable, as its StatusNotification says). */
export function availabilityOf(status: string | undefined): string {
  switch (status) {
    case 'Available':
    case 'Reserved':
    case 'Faulted':
      return status;
    case 'Preparing':
    case 'Charging':
    case 'SuspendedEV':
    case 'SuspendedEVSE':
    case 'Finishing':
      return 'Occupied';
    default:
      return 'Unavailable';
  }
}

/** The whole model, in report order: the station, its controllers, then each EVSE and its connector. */
export function siteDeviceModel(f: SiteFacts): SiteVariable[] {
  const out: SiteVariable[] = [];
  const add = (component: ComponentType, variable: string | VariableType, value: string | number | boolean | undefined, kind: Kind) => {
    const { mutability = 'ReadOnly', type = 'Actual', ...characteristics } = kind;
    out.push({ component, variable: typeof variable === 'string' ? { name: variable } : variable, type, ...(value !== undefined ? { value: String(value) } : {}), mutability, ...characteristics });
  };
  const station = { name: 'ChargingStation' };
  add(station, 'AvailabilityState', 'Available', { ...text, valuesList: AVAILABILITY });
  add(station, 'Available', true, bool);
  add(station, 'Model', 'site gateway', text);
  add(station, 'VendorName', 'chargegate', text);
  add(station, 'SerialNumber', f.identity.slice(0, 25), text);
  add(station, 'FirmwareVersion', f.version.slice(0, 50), text);
  add(station, 'SupplyPhases', f.supply.phases, int);

  const comm = { name: 'OCPPCommCtrlr' };
  add(comm, 'HeartbeatInterval', f.heartbeatInterval, { ...seconds, mutability: 'ReadWrite', minLimit: 1, maxLimit: 86_400 });
  add(comm, { name: 'MessageTimeout', instance: 'Default' }, f.messageTimeout, seconds);
  add(comm, { name: 'MessageAttempts', instance: 'TransactionEvent' }, f.transactionMessageAttempts, int);
  add(comm, { name: 'MessageAttemptInterval', instance: 'TransactionEvent' }, f.transactionMessageRetryInterval, seconds);

  // chargegate decides every idTag (local list, then cache, then the CSMS; offline: the lists and the cache).
  const auth = { name: 'AuthCtrlr' };
  add(auth, 'Enabled', true, bool);
  add(auth, 'LocalAuthorizeOffline', true, bool);
  add(auth, 'OfflineTxForUnknownIdEnabled', f.offlineTxForUnknownId, bool);
  add({ name: 'AuthCacheCtrlr' }, 'Enabled', true, bool);
  add({ name: 'AuthCacheCtrlr' }, 'Available', true, bool);
  add({ name: 'LocalAuthListCtrlr' }, 'Enabled', true, bool);
  add({ name: 'LocalAuthListCtrlr' }, 'Available', true, bool);

  const tx = { name: 'TxCtrlr' };
  // The site's transactions are 1.6's (a 2.0.1 charger's pass the core as 1.6's): a StartTransaction once the
  // car is plugged in and authorized (PowerPathClosed); it ends when the authorization ends or the car leaves.
  add(tx, 'TxStartPoint', 'PowerPathClosed', { dataType: 'MemberList', valuesList: 'PowerPathClosed' });
  add(tx, 'TxStopPoint', 'EVConnected,Authorized', { dataType: 'MemberList', valuesList: 'EVConnected,Authorized' });
  add(tx, 'StopTxOnInvalidId', f.stopTxOnInvalidId, bool);

  const sampled = { name: 'SampledDataCtrlr' };
  add(sampled, 'TxUpdatedInterval', f.sampleInterval, seconds);

  const smart = { name: 'SmartChargingCtrlr' };
  add(smart, 'Enabled', true, bool);
  add(smart, 'Available', true, bool);
  // With a balancer the profiles are its limits (A or W, W divided by the supply voltage); without one they go to the chargers, whose own limits apply.
  add(smart, 'RateUnit', f.balancer ? 'A,W' : 'A', { dataType: 'MemberList', valuesList: 'A,W' });
  if (f.balancer) add(smart, 'PeriodsPerSchedule', PERIODS_PER_SCHEDULE, int);

  const security = { name: 'SecurityCtrlr' };
  if (f.securityProfile !== undefined) add(security, 'SecurityProfile', f.securityProfile, int);
  add(security, 'Identity', f.identity, text);
  // The station's password at the CSMS: set by the CSMS, never shown (A01).
  add(security, 'BasicAuthPassword', undefined, { ...text, mutability: 'WriteOnly' });

  const data = { name: 'DeviceDataCtrlr' };
  for (const instance of ['GetReport', 'GetVariables', 'SetVariables']) {
    add(data, { name: 'ItemsPerMessage', instance }, ITEMS_PER_MESSAGE, int);
    add(data, { name: 'BytesPerMessage', instance }, BYTES_PER_MESSAGE, int);
  }

  for (const e of f.evses) {
    const availability = availabilityOf(e.status);
    const evse = { name: 'EVSE', evse: { id: e.id } };
    const connector = { name: 'Connector', evse: { id: e.id, connectorId: 1 } };
    add(evse, 'AvailabilityState', availability, { ...text, valuesList: AVAILABILITY });
    add(evse, 'Available', true, bool);
    add(evse, 'Problem', availability === 'Faulted', bool);
    if (e.maxCurrent !== undefined && e.phases !== undefined) {
      const watts = Math.round(e.maxCurrent * e.phases * f.supply.voltage);
      // The most the charger may draw (chargers.list[].maxCurrent × phases × supply voltage); what it draws now is in the TransactionEvents.
      add(evse, 'Power', watts, { dataType: 'decimal', unit: 'W', type: 'MaxSet', maxLimit: watts });
      add(evse, 'SupplyPhases', e.phases, int);
      add(connector, 'SupplyPhases', e.phases, int);
    }
    add(connector, 'AvailabilityState', availability, { ...text, valuesList: AVAILABILITY });
    add(connector, 'Available', true, bool);
    // A 1.6 charger does not say its connector's type: Unknown (ConnectorEnumType).
    add(connector, 'ConnectorType', (e.connectorType ?? 'Unknown').slice(0, 2500), text);
  }
  return out;
}

// ---- matching ----------------------------------------------------------------------------

const sameEvse = (a: ComponentType['evse'], b: ComponentType['evse']) => a?.id === b?.id && a?.connectorId === b?.connectorId;
const sameComponent = (a: ComponentType, b: ComponentType) => a.name === b.name && a.instance === b.instance && sameEvse(a.evse, b.evse);
const sameVariable = (a: VariableType, b: VariableType) => a.name === b.name && a.instance === b.instance;

/** The report data of some variables (one attribute each). */
export function reportData(vars: readonly SiteVariable[]): ReportDataType[] {
  return vars.map((v) => ({
    component: v.component,
    variable: v.variable,
    variableAttribute: [{ type: v.type, ...(v.value !== undefined ? { value: v.value } : {}), mutability: v.mutability }],
    variableCharacteristics: {
      dataType: v.dataType,
      supportsMonitoring: false,
      ...(v.unit !== undefined ? { unit: v.unit } : {}),
      ...(v.minLimit !== undefined ? { minLimit: v.minLimit } : {}),
      ...(v.maxLimit !== undefined ? { maxLimit: v.maxLimit } : {}),
      ...(v.valuesList !== undefined ? { valuesList: v.valuesList } : {}),
    },
  }));
}

const SUMMARY = new Set(['AvailabilityState', 'Available', 'Problem']);

/**
 * GetBaseReport (B07): ConfigurationInventory, what the CSMS can set (ReadWrite, WriteOnly);
 * FullInventory, everything; SummaryInventory, the availability and problems of the station,
 * its EVSEs and connectors.
 */
export function baseReport(model: readonly SiteVariable[], reportBase: ReportBaseEnumType): SiteVariable[] {
  switch (reportBase) {
    case 'ConfigurationInventory':
      return model.filter((v) => v.mutability !== 'ReadOnly');
    case 'FullInventory':
      return [...model];
    case 'SummaryInventory':
      return model.filter((v) => ['ChargingStation', 'EVSE', 'Connector'].includes(v.component.name) && SUMMARY.has(v.variable.name));
  }
}

/** A criterion (B08): a component meets it when its variable of that name says true (Problem: Problem; Enabled: Enabled…). */
function meets(model: readonly SiteVariable[], component: ComponentType, criteria: readonly ComponentCriterionEnumType[]): boolean {
  return criteria.some((c) => model.some((v) => sameComponent(v.component, component) && v.variable.name === c && v.variable.instance === undefined && v.value === 'true'));
}

/**
 * GetReport (B08): the variables named by componentVariable (a component without evse: every
 * one of that name; without variable: all its variables), of the components that meet any of
 * componentCriteria; both absent: everything. Empty: the caller answers EmptyResultSet.
 */
export function customReport(model: readonly SiteVariable[], req: Pick<Requests201['GetReport'], 'componentVariable' | 'componentCriteria'>): SiteVariable[] {
  const wanted = (v: SiteVariable) =>
    !req.componentVariable ||
    req.componentVariable.some(
      (cv) =>
        cv.component.name === v.component.name &&
        (cv.component.instance === undefined || cv.component.instance === v.component.instance) &&
        (cv.component.evse === undefined || (cv.component.evse.id === v.component.evse?.id && (cv.component.evse.connectorId === undefined || cv.component.evse.connectorId === v.component.evse?.connectorId))) &&
        (cv.variable === undefined || (cv.variable.name === v.variable.name && (cv.variable.instance === undefined || cv.variable.instance === v.variable.instance))),
    );
  const criteria = req.componentCriteria ?? [];
  return model.filter((v) => wanted(v) && (criteria.length === 0 || meets(model, v.component, criteria)));
}

type Lookup = { found: SiteVariable } | { status: 'UnknownComponent' | 'UnknownVariable' | 'NotSupportedAttributeType' };

function lookup(model: readonly SiteVariable[], component: ComponentType, variable: VariableType, type: AttributeEnumType): Lookup {
  const ofComponent = model.filter((v) => sameComponent(v.component, component));
  if (ofComponent.length === 0) return { status: 'UnknownComponent' };
  const ofVariable = ofComponent.filter((v) => sameVariable(v.variable, variable));
  if (ofVariable.length === 0) return { status: 'UnknownVariable' };
  const found = ofVariable.find((v) => v.type === type);
  return found ? { found } : { status: 'NotSupportedAttributeType' };
}

/** GetVariables (B06): each answered from the model; a WriteOnly variable is Rejected (never read back). */
export function getVariables(model: readonly SiteVariable[], req: Requests201['GetVariables']): GetVariableResultType[] {
  return req.getVariableData.map((d): GetVariableResultType => {
    const base = { component: d.component, variable: d.variable, ...(d.attributeType ? { attributeType: d.attributeType } : {}) };
    const l = lookup(model, d.component, d.variable, d.attributeType ?? 'Actual');
    if ('status' in l) return { ...base, attributeStatus: l.status };
    if (l.found.mutability === 'WriteOnly') return { ...base, attributeStatus: 'Rejected' };
    return { ...base, attributeStatus: 'Accepted', ...(l.found.value !== undefined ? { attributeValue: l.found.value } : {}) };
  });
}

/** What SetVariables (B05) asks of one variable: an answer now, a change chargegate makes, or the station's password (the 1.6 AuthorizationKey path). */
export type SetDecision =
  | { result: SetVariableResultType['attributeStatus']; reason?: { code: 'ReadOnly' | 'InvalidValue'; info: string } }
  | { result: 'Accepted'; heartbeatInterval: number }
  | { password: string };

export function setDecision(model: readonly SiteVariable[], d: Requests201['SetVariables']['setVariableData'][number]): SetDecision {
  const l = lookup(model, d.component, d.variable, d.attributeType ?? 'Actual');
  if ('status' in l) return { result: l.status };
  const v = l.found;
  if (v.mutability === 'ReadOnly') return { result: 'Rejected', reason: { code: 'ReadOnly', info: 'chargegate does not change it on request' } };
  if (v.component.name === 'SecurityCtrlr' && v.variable.name === 'BasicAuthPassword') return { password: d.attributeValue };
  if (v.component.name === 'OCPPCommCtrlr' && v.variable.name === 'HeartbeatInterval') {
    const s = Number(d.attributeValue);
    if (!/^\d+$/.test(d.attributeValue.trim()) || s < (v.minLimit ?? 0) || s > (v.maxLimit ?? Infinity)) return { result: 'Rejected', reason: { code: 'InvalidValue', info: `not a whole number of seconds from ${v.minLimit} to ${v.maxLimit}` } };
    return { result: 'Accepted', heartbeatInterval: s };
  }
  return { result: 'Rejected' };
}
