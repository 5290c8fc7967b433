/**
 * The lenient repair of a peer's answer to one of our CALLs (a CALLRESULT that fails the
 * action's response schema), for a charger's answers (gateway/tolerance.ts) and the cloud's
 * (upstream/link.ts). Pure. The safe repairs only: a property the schema does not know is
 * dropped, a value that differs from a member of its enumeration only in case or punctuation
 * ("accepted") is that member, a number sent as a clean decimal string is that number, a string
 * over its length is kept. No catch-all: a status "OK" has no safe member (was the limit taken
 * or not?), so that answer stays unreadable (session.ts: OcppUnreadableAnswerError).
 */
import { repairAgainst, squash, type EnumVerdict, type Leniency } from './repair.js';
import type { Validator } from './validate.js';

function sameSpelling(_field: string, value: string, members: readonly string[]): EnumVerdict {
  const member = members.find((m) => squash(m) === squash(value));
  return member ? { value: member, why: 'same value, other spelling' } : null;
}

/** The repaired answer and what was done, or null when no safe repair makes it valid. */
export function repairAnswer(validator: Validator, action: string, payload: unknown): { payload: unknown; notes: Leniency[] } | null {
  const schema = validator.responseSchema(action);
  if (!schema) return null;
  const v201 = validator.version === 'ocpp2.0.1';
  const repaired = repairAgainst(payload, schema, { version: v201 ? 'OCPP 2.0.1' : 'OCPP 1.6', nearest: sameSpelling, emptiedList: 'sampledValue', wrapSingle: v201 });
  if (validator.checkResponseLenient(action, repaired.payload)) return null;
  return { payload: repaired.payload, notes: repaired.notes };
}

/** How an answer is named in a leniency's action: 1.6 `<Action>.conf`, 2.0.1 `<Action>Response`. */
export function answerName(validator: Validator, action: string): string {
  return validator.version === 'ocpp2.0.1' ? `${action}Response` : `${action}.conf`;
}
