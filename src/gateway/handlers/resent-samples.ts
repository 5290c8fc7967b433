/**
 * A MeterValues resent after a crash (the gateway stored it, then died before the charger got
 * its answer, so the charger sends it again: 1.6 §3.7) must be stored once and reach the cloud
 * once. The store says which samples were new; this keeps only those in the request that goes
 * on to the cloud. Pure.
 */
import type { MeterValuesRequest } from '../../ocpp/v16/types.js';

type MeterValue = MeterValuesRequest['meterValue'][number];

/**
 * The meter values with only the sampled values flagged new, in the order toSamples() flattened
 * them (meterValue by meterValue, sampledValue by sampledValue); a meterValue left empty is dropped.
 * All of them new (every message but a resend): `values` itself, no copy.
 */
export function onlyNew<V extends readonly MeterValue[]>(values: V, fresh: readonly boolean[]): V | MeterValue[] {
  if (allNew(values, fresh)) return values;
  const out: MeterValue[] = [];
  let i = 0;
  for (const mv of values) {
    const kept = mv.sampledValue.filter(() => fresh[i++] === true);
    if (kept.length > 0) out.push({ ...mv, sampledValue: kept });
  }
  return out;
}

function allNew(values: readonly MeterValue[], fresh: readonly boolean[]): boolean {
  let count = 0;
  for (const mv of values) {
    if (mv.sampledValue.length === 0) return false; // dropped below
    count += mv.sampledValue.length;
  }
  return count === fresh.length && !fresh.includes(false);
}
