/**
 * The simulated 2.0.1 station's device model as NotifyReport parts (2.0.1 B07 Get Base Report),
 * derived from what its 1.6 model really is — its configuration keys (GetConfiguration) — so
 * the report tells the truth the station then acts on: the variables the 1.6 keys stand for
 * (translate/variables.ts), the controllers of the features it has (SupportedFeatureProfiles →
 * SmartChargingCtrlr, LocalAuthListCtrlr, ReservationCtrlr with Available/Enabled), and one EVSE
 * component per connector (NumberOfConnectors). Pure.
 *
 * reportBase (B07.FR.01–03): FullInventory and SummaryInventory report everything (the model
 * is small); ConfigurationInventory only what an operator may set (ReadWrite).
 */
import type { Responses16 } from '../../ocpp/v16/types.js';
import type { ReportDataType, Requests201 } from '../../ocpp/v201/types.js';
import { KEY_TO_VARIABLE, valueTo201 } from '../../ocpp/v201/translate/variables.js';

type ConfigurationKey = NonNullable<Responses16['GetConfiguration']['configurationKey']>[number];
type ReportBase = Requests201['GetBaseReport']['reportBase'];

/** Rows per NotifyReport part: small, so a report of this size comes in several parts (tbc). */
export const ROWS_PER_PART = 8;

const FEATURE_CONTROLLERS: Readonly<Record<string, string>> = {
  SmartCharging: 'SmartChargingCtrlr',
  LocalAuthListManagement: 'LocalAuthListCtrlr',
  Reservation: 'ReservationCtrlr',
};

function row(component: ReportDataType['component'], variable: string, value: string, mutability: 'ReadOnly' | 'ReadWrite', instance?: string): ReportDataType {
  return { component, variable: { name: variable, ...(instance !== undefined ? { instance } : {}) }, variableAttribute: [{ type: 'Actual', value, mutability }] };
}

/** The station's device model, as report rows. */
export function deviceModelRows(configuration: readonly ConfigurationKey[], reportBase: ReportBase): ReportDataType[] {
  const value = (key: string) => configuration.find((c) => c.key === key)?.value;
  const rows: ReportDataType[] = [];
  for (const c of configuration) {
    const ref = Object.hasOwn(KEY_TO_VARIABLE, c.key) ? KEY_TO_VARIABLE[c.key]! : undefined;
    if (!ref || c.value === undefined) continue;
    rows.push(row({ name: ref.component }, ref.variable, valueTo201(ref, c.value), c.readonly ? 'ReadOnly' : 'ReadWrite', ref.instance));
  }
  const features = (value('SupportedFeatureProfiles') ?? '').split(',').map((f) => f.trim());
  for (const [feature, controller] of Object.entries(FEATURE_CONTROLLERS)) {
    if (!features.includes(feature)) continue;
    rows.push(row({ name: controller }, 'Available', 'true', 'ReadOnly'), row({ name: controller }, 'Enabled', 'true', 'ReadOnly'));
  }
  const evses = Number(value('NumberOfConnectors') ?? '0');
  for (let id = 1; id <= evses; id++) rows.push(row({ name: 'EVSE', evse: { id } }, 'Available', 'true', 'ReadOnly'));
  return reportBase === 'ConfigurationInventory' ? rows.filter((r) => r.variableAttribute[0].mutability === 'ReadWrite') : rows;
}

/** The rows as NotifyReport parts: seqNo from 0, tbc true on every part but the last (B07.FR.*). */
export function reportParts(rows: readonly ReportDataType[], requestId: number, generatedAt: string, perPart = ROWS_PER_PART): Requests201['NotifyReport'][] {
  const parts: Requests201['NotifyReport'][] = [];
  for (let i = 0; i < rows.length; i += perPart) {
    const reportData = rows.slice(i, i + perPart) as [ReportDataType, ...ReportDataType[]];
    parts.push({ requestId, generatedAt, seqNo: parts.length, tbc: i + perPart < rows.length, reportData });
  }
  return parts;
}
