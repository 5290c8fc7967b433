/**
 * A 2.0.1 charger's device model (2.0.1 Part 1 §4 "Device Model"; Part 2 B07 Get Base Report,
 * B08 Get Custom Report): NotifyReport's reportData as rows to keep, and what a complete model
 * answers for the 1.6 configuration keys the core asks (automatic setup's GetConfiguration), so
 * the core learns a 2.0.1 charger's capabilities without a call per key and without knowing
 * which version it speaks. Pure.
 *
 * A key is answered from the model only where the model is the truth between boots: derived
 * facts (the smart charging feature, the EVSE count) and ReadOnly variables. A value that can
 * change (ReadWrite: the sampled measurands, the interval) is read live with GetVariables.
 */
import type { DeviceModelVariable } from '../../../store/ports.js';
import type { ReportDataType, Requests201, Responses201 } from '../types.js';
import { valueTo16, variableOf } from './variables.js';

/** NotifyReport's reportData (B07.FR.*), one row per variable attribute. */
export function variablesOfReport(reportData: readonly ReportDataType[]): DeviceModelVariable[] {
  const out: DeviceModelVariable[] = [];
  for (const d of reportData) {
    const { customData: _c, ...characteristics } = d.variableCharacteristics ?? ({} as NonNullable<ReportDataType['variableCharacteristics']>);
    for (const a of d.variableAttribute) {
      out.push({
        component: d.component.name,
        ...(d.component.instance !== undefined ? { componentInstance: d.component.instance } : {}),
        ...(d.component.evse ? { evseId: d.component.evse.id, ...(d.component.evse.connectorId !== undefined ? { connectorId: d.component.evse.connectorId } : {}) } : {}),
        variable: d.variable.name,
        ...(d.variable.instance !== undefined ? { variableInstance: d.variable.instance } : {}),
        // The schema's default when omitted (VariableAttributeType.type).
        attributeType: a.type ?? 'Actual',
        ...(a.value !== undefined ? { value: a.value } : {}),
        ...(a.mutability !== undefined ? { mutability: a.mutability } : {}),
        ...(a.persistent !== undefined ? { persistent: a.persistent } : {}),
        ...(a.constant !== undefined ? { constant: a.constant } : {}),
        ...(d.variableCharacteristics ? { characteristics } : {}),
      });
    }
  }
  return out;
}

/** What a complete model says about a 1.6 key: its reading, that the charger lacks it, or to ask the charger. */
export type ModelAnswer = { value?: string; readonly: boolean } | 'unknown' | 'ask';

/** The Actual attribute of a station-wide variable (any EVSE's when the station has none). */
function actual(model: readonly DeviceModelVariable[], component: string, variable: string, instance?: string): DeviceModelVariable | undefined {
  const found = model.filter((v) => v.component === component && v.variable === variable && v.variableInstance === instance && v.attributeType === 'Actual');
  return found.find((v) => v.evseId === undefined) ?? found[0];
}

const isFalse = (v: DeviceModelVariable | undefined) => v?.value?.trim().toLowerCase() === 'false';

/**
 * A functional block is there when its controller is in the model and neither its Available
 * nor its Enabled variable says false (Appendix 3: SmartChargingCtrlr, LocalAuthListCtrlr,
 * ReservationCtrlr each have both).
 */
function featureOn(model: readonly DeviceModelVariable[], controller: string): boolean {
  if (!model.some((v) => v.component === controller)) return false;
  return !isFalse(actual(model, controller, 'Available')) && !isFalse(actual(model, controller, 'Enabled'));
}

/** The EVSEs the charger reported (the EVSE component, one per evse.id > 0). */
export function evseIds(model: readonly DeviceModelVariable[]): number[] {
  return [...new Set(model.filter((v) => v.component === 'EVSE' && v.evseId !== undefined && v.evseId > 0).map((v) => v.evseId!))].sort((a, b) => a - b);
}

/** A 1.6 key as a complete device model answers it. */
export function keyFromModel(model: readonly DeviceModelVariable[], key: string): ModelAnswer {
  switch (key) {
    case 'SupportedFeatureProfiles': {
      // 1.6 §9.1: the feature profiles; 2.0.1 has functional blocks behind controllers instead.
      const features = ['Core', ...(featureOn(model, 'SmartChargingCtrlr') ? ['SmartCharging'] : []), ...(featureOn(model, 'LocalAuthListCtrlr') ? ['LocalAuthListManagement'] : []), ...(featureOn(model, 'ReservationCtrlr') ? ['Reservation'] : [])];
      return { value: features.join(','), readonly: true };
    }
    case 'NumberOfConnectors': {
      // The core's connectors are a 2.0.1 charger's EVSEs (the edge maps connectorId ↔ evseId).
      const n = evseIds(model).length;
      return n > 0 ? { value: String(n), readonly: true } : 'unknown';
    }
    case 'GetConfigurationMaxKeys': {
      // Appendix 3: ItemsPerMessageGetVariables bounds a GetVariables as this bounded a GetConfiguration.
      const items = actual(model, 'DeviceDataCtrlr', 'ItemsPerMessage', 'GetVariables');
      return items?.value !== undefined ? { value: items.value, readonly: true } : 'unknown';
    }
  }
  const ref = variableOf(key);
  if (!ref) return 'unknown';
  const found = actual(model, ref.component, ref.variable, ref.instance);
  if (!found) return 'unknown';
  if (found.mutability !== 'ReadOnly') return 'ask';
  return { ...(found.value !== undefined ? { value: valueTo16(ref, found.value) } : {}), readonly: true };
}

/** The Actual values a SetVariables changed (B05: each result with attributeStatus Accepted), to keep the stored model current. */
export function acceptedValues(req: Requests201['SetVariables'], res: Responses201['SetVariables']): { ref: Omit<DeviceModelVariable, 'attributeType'>; value: string }[] {
  const out: { ref: Omit<DeviceModelVariable, 'attributeType'>; value: string }[] = [];
  req.setVariableData.forEach((d, i) => {
    if ((d.attributeType ?? 'Actual') !== 'Actual' || res.setVariableResult[i]?.attributeStatus !== 'Accepted') return;
    const c = d.component;
    const ref = {
      component: c.name,
      ...(c.instance !== undefined ? { componentInstance: c.instance } : {}),
      ...(c.evse ? { evseId: c.evse.id, ...(c.evse.connectorId !== undefined ? { connectorId: c.evse.connectorId } : {}) } : {}),
      variable: d.variable.name,
      ...(d.variable.instance !== undefined ? { variableInstance: d.variable.instance } : {}),
    };
    out.push({ ref, value: d.attributeValue });
  });
  return out;
}
