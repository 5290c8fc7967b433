/**
 * GetBaseReport (B07) from a 2.0.1 CSMS above a 1.6 charger (#17): the charger's configuration
 * (its GetConfiguration) as the 2.0.1 variables the keys stand for (variables.ts), sent as
 * NotifyReport frames numbered by seqNo, tbc on all but the last (B07.FR.03/04). Keys with no
 * 2.0.1 variable are not reported (nothing truthful to name them by). Pure.
 */
import type { Responses16 } from '../../ocpp/v16/types.js';
import { valueTo201, variableOf } from '../../ocpp/v201/translate/variables.js';
import type { NotifyReportRequest, ReportDataType } from '../../ocpp/v201/types.js';

type ConfigurationKey = NonNullable<Responses16['GetConfiguration']['configurationKey']>[number];

/** The mapped keys as report data: Actual value, ReadOnly / ReadWrite as the charger said. */
export function reportOfConfiguration(keys: readonly ConfigurationKey[]): ReportDataType[] {
  const data: ReportDataType[] = [];
  for (const k of keys) {
    const ref = variableOf(k.key);
    if (!ref) continue;
    data.push({
      component: { name: ref.component },
      variable: { name: ref.variable, ...(ref.instance !== undefined ? { instance: ref.instance } : {}) },
      variableAttribute: [{ type: 'Actual', ...(k.value !== undefined ? { value: valueTo201(ref, k.value).slice(0, 2500) } : {}), mutability: k.readonly ? 'ReadOnly' : 'ReadWrite' }],
    });
  }
  return data;
}

/** The NotifyReport frames of one report: `perFrame` variables each, seqNo from 0, tbc until the last. */
export function reportFrames(requestId: number, generatedAt: string, data: readonly ReportDataType[], perFrame = 20): NotifyReportRequest[] {
  const frames: NotifyReportRequest[] = [];
  for (let i = 0; i < data.length; i += perFrame) {
    const chunk = data.slice(i, i + perFrame) as [ReportDataType, ...ReportDataType[]];
    frames.push({ requestId, generatedAt, seqNo: frames.length, reportData: chunk, ...(i + perFrame < data.length ? { tbc: true } : {}) });
  }
  return frames;
}
