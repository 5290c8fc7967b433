/**
 * Lenient validation for OCPP 2.0.1 (issue 16): the repairs of 1.6's (v16/leniency.ts, issue 14)
 * for the deviations 2.0.1 chargers send, with 2.0.1's enumerations. Pure: nothing here logs,
 * counts or stores; the caller (gateway/edge201/rescue.ts) gets the repaired payload and the
 * list of what was done.
 *
 * - a property the schema does not know is dropped (the OCA 2.0.1 schemas say
 *   additionalProperties: false on every type but CustomDataType);
 * - a `customData` that is not an object with a text `vendorId` (its one required field) is
 *   dropped: it is vendor data chargegate does not read;
 * - a string over its maxLength is kept whole: serialNumber over 25, firmwareVersion over 50,
 *   a NotifyReport value over 2500, an idToken over 36;
 * - a number sent as a clean decimal string (`"value": "230.1"`, `"evseId": "1"`, firmware
 *   ported from 1.6, where sampled values are text) is read as the number, a text field sent
 *   as a number as its text;
 * - a list sent as one object (`"meterValue": {…}`, seen from 1.6 chargers of Huawei) is read
 *   as a list of one;
 * - an enum value that differs only in case or punctuation ("energy.active.import.register",
 *   "L1N", "iso14443") is that member; past that, ENUM_RULES_201: the spec's own catch-all
 *   where it has one (Other, Unknown), Unavailable for a connector status it does not know and
 *   Occupied for 1.6's words for an occupied connector; a sampled value whose measurand, phase
 *   or location is unknown is dropped (a mislabelled value would be wrong data);
 * - StatusNotification without its `connectorId` (1.6 has none within an EVSE) is connector 1:
 *   chargegate counts a status per EVSE anyway (docs/chargers.md, EVSEs).
 * Dates without a UTC offset are accepted by the validator itself, in both modes (validate.ts).
 * Left refused: an enum with no safe substitute (triggerReason, idToken.type, firmware and log
 * statuses), a missing required field that has no safe default, a wrong type that is not a
 * clean number.
 */
import { define, isPlainObject, nearestByRules, repairAgainst, type EnumRule, type EnumVerdict, type Leniency, type Repaired } from '../repair.js';

const ENUM_RULES_201: Record<string, EnumRule> = {
  // BootNotification reason (BootReasonEnumType): the spec's own Unknown.
  reason: { to: 'Unknown', why: 'the spec\'s own unknown boot reason' },
  // StatusNotification (ConnectorStatusEnumType): not offered for a new session until a known
  // status comes; a session already on the EVSE keeps its budget (the balancer goes by sessions).
  connectorStatus: { to: 'Unavailable', why: 'not offered for new sessions until a known status comes' },
  // TransactionEvent stoppedReason (ReasonEnumType): the spec's catch-all.
  stoppedReason: { to: 'Other', why: 'the spec\'s catch-all stop reason' },
  // SampledValue context (ReadingContextEnumType): the spec's catch-all.
  context: { to: 'Other', why: 'the spec\'s catch-all reading context' },
  measurand: { drop: 'no other measurand describes this value' },
  phase: { drop: 'no other phase describes this value' },
  location: { drop: 'no other location describes this value' },
};

/** OCPP 1.6 ChargePointStatus words that mean a 2.0.1 Occupied connector (a car or cable is on it). */
const OCCUPIED_16: Record<string, string> = { preparing: 'Occupied', charging: 'Occupied', suspendedev: 'Occupied', suspendedevse: 'Occupied', finishing: 'Occupied' };

export function nearestEnum201(field: string, value: string, members: readonly string[]): EnumVerdict {
  return nearestByRules(field, value, members, ENUM_RULES_201, { connectorStatus: OCCUPIED_16 });
}

/** Repairs `payload` against `schema`, the OCA 2.0.1 request schema of `action`. */
export function repairRequest201(action: string, payload: unknown, schema: object): Repaired {
  const notes: Leniency[] = [];
  const cleaned = withoutBadCustomData(payload, '', notes);
  const repaired = repairAgainst(cleaned, schema, { version: 'OCPP 2.0.1', nearest: (field, value, members) => nearestEnum201(field, value, members), emptiedList: 'sampledValue', wrapSingle: true });
  notes.push(...repaired.notes);
  let out = repaired.payload;
  if (action === 'StatusNotification' && isPlainObject(out) && out.connectorId === undefined && out.evseId !== undefined) {
    out = { ...out, connectorId: 1 };
    notes.push({ kind: 'filled-in', path: 'connectorId', detail: 'connectorId missing: connector 1 of the EVSE (chargegate counts a status per EVSE)' });
  }
  return { payload: out, notes, lossy: repaired.lossy || notes.some((n) => n.kind === 'unknown-property') };
}

/** Every `customData` that CustomDataType would refuse, left out (it carries nothing chargegate reads). */
function withoutBadCustomData(value: unknown, path: string, notes: Leniency[]): unknown {
  const at = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (Array.isArray(value)) return value.map((v, i) => withoutBadCustomData(v, at(i), notes));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'customData' && !(isPlainObject(v) && typeof v.vendorId === 'string')) {
      notes.push({ kind: 'unknown-property', path: at(k), detail: `${at(k)} without a text vendorId: ignored` });
      continue;
    }
    define(out, k, k === 'customData' ? v : withoutBadCustomData(v, at(k), notes));
  }
  return out;
}
