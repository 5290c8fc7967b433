/**
 * OCPP-J framing (OCPP-J 1.6 §4): pure parse and encode of the three message types.
 *   CALL        [2, "<id>", "<action>", {payload}]
 *   CALLRESULT  [3, "<id>", {payload}]
 *   CALLERROR   [4, "<id>", "<code>", "<description>", {details}]
 * No I/O, no clock: the session decides what to do with a parse failure.
 */
import type { ErrorCode } from './errors.js';

export const CALL = 2;
export const CALLRESULT = 3;
export const CALLERROR = 4;

/** OCPP-J 1.6 §4.1.3: the message id is a string of at most 36 characters. */
export const MAX_MESSAGE_ID_LENGTH = 36;

export interface CallFrame { type: typeof CALL; id: string; action: string; payload: unknown }
export interface CallResultFrame { type: typeof CALLRESULT; id: string; payload: unknown }
export interface CallErrorFrame { type: typeof CALLERROR; id: string; code: string; description: string; details: unknown }
export type Frame = CallFrame | CallResultFrame | CallErrorFrame;

/** Why a frame could not be taken, and the id to answer to (null: cannot be answered). */
export interface FrameProblem {
  id: string | null;
  /** Whether the unparseable frame was (as far as we can tell) a CALL: only CALLs get a CALLERROR. */
  wasCall: boolean;
  /**
   * An answer as far as we can tell (its message type 3 or 4 readable): the call it names fails
   * at once, as unreadable (3) or refused (4), rather than at its timeout (session.ts).
   */
  answer?: typeof CALLRESULT | typeof CALLERROR;
  code: ErrorCode;
  description: string;
  /**
   * The code OCPP-J 2.0.1 §4.3 names when it has a closer one than 1.6's: RpcFrameworkError for
   * a frame that is no RPC message (not JSON, not an array, an unreadable message id or
   * action), MessageTypeNotSupported for a message type number it does not define (§4.4).
   */
  code201?: 'RpcFrameworkError' | 'MessageTypeNotSupported';
}

export type ParseResult = { ok: true; frame: Frame } | { ok: false; problem: FrameProblem };

const fail = (id: string | null, wasCall: boolean, code: ErrorCode, description: string, code201?: FrameProblem['code201'], answer?: FrameProblem['answer']): ParseResult => ({
  ok: false,
  problem: { id, wasCall, code, description, ...(code201 ? { code201 } : {}), ...(answer ? { answer } : {}) },
});

/** The message type an unparseable frame starts with, when it is an answer's (3 or 4). */
export function answerTypeOf(text: string): FrameProblem['answer'] {
  const m = /^\s*\[\s*([34])\s*,/.exec(text);
  return m ? (Number(m[1]) as 3 | 4) : undefined;
}
const RPC = 'RpcFrameworkError';

/**
 * How deep a frame may nest arrays and objects. OCPP's deepest payloads nest about eight levels
 * (a 2.0.1 charging profile's periods, a report's variable attributes), vendor customData a few
 * more. JSON.parse reads thousands of levels, but what handles a frame writes it back
 * (the raw frame of a transaction message it could not take whole, a dropped value's
 * description, a 2.0.1 DataTransfer's data for the core): at about 5,000 levels JSON.stringify
 * overflowed the stack, and a Start, Stop or MeterValues got an InternalError and was not kept.
 */
export const MAX_FRAME_DEPTH = 64;

/** Whether JSON text nests arrays and objects deeper than `max` (brackets inside strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // a backslash: the next character is escaped
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return true;
    } else if (c === 93 || c === 125) depth--;
  }
  return false;
}

/** Whether the text holds more than `max` opening brackets at all: found by indexOf, cheaper than a scan of every character. */
function opensMoreThan(text: string, max: number): boolean {
  let count = 0;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++count > max) return true;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++count > max) return true;
  return false;
}

export function parseFrame(text: string): ParseResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON: still try to recover the id so the peer can match our CALLERROR to its call;
    // an answer gets none (a Grizzl-E answers GetConfiguration with broken JSON), but the call
    // it names fails at once.
    const answer = answerTypeOf(text);
    return fail(salvageId(text), answer === undefined, 'FormationViolation', 'frame is not valid JSON', RPC, answer);
  }
  // Only a frame with more brackets than the limit can nest deeper: the usual frame is not scanned.
  if (opensMoreThan(text, MAX_FRAME_DEPTH) && nestsDeeperThan(text, MAX_FRAME_DEPTH)) {
    // Refused here, so nothing that handles frames ever holds it. FormationViolation (2.0.1:
    // FormatViolation): the payload is not of the action's structure, which nests far less.
    // An answer (type 3 or 4) is not answered; anything else is, with its id when readable.
    const head = Array.isArray(data) ? data : [];
    const answer = head[0] === CALLRESULT || head[0] === CALLERROR;
    const id = typeof head[1] === 'string' && head[1].length >= 1 && head[1].length <= MAX_MESSAGE_ID_LENGTH ? head[1] : null;
    return fail(id, !answer, 'FormationViolation', `frame nested deeper than ${MAX_FRAME_DEPTH} levels`, undefined, answer ? (head[0] as 3 | 4) : undefined);
  }
  if (!Array.isArray(data)) return fail(null, true, 'FormationViolation', 'frame is not a JSON array', RPC);
  if (data.length === 0) return fail(null, true, 'FormationViolation', 'frame is an empty array', RPC);
  // Indexed, not destructured: `const [a, b] = data` runs the array iterator, for every frame.
  const type: unknown = data[0];
  const id: unknown = data[1];
  const idText = typeof id === 'string' ? id : typeof id === 'number' ? String(id) : null;
  if (type !== CALL && type !== CALLRESULT && type !== CALLERROR) {
    return fail(idText, true, 'ProtocolError', `message type ${describeValue(type)} is not 2 (CALL), 3 (CALLRESULT) or 4 (CALLERROR)`, typeof type === 'number' ? 'MessageTypeNotSupported' : RPC);
  }
  const isCall = type === CALL;
  if (typeof id !== 'string') return fail(idText, isCall, 'FormationViolation', 'message id must be a string', RPC);
  if (id.length === 0 || id.length > MAX_MESSAGE_ID_LENGTH) {
    return fail(id, isCall, 'FormationViolation', `message id must be 1 to ${MAX_MESSAGE_ID_LENGTH} characters`, RPC);
  }
  switch (type) {
    case CALL: {
      const action: unknown = data[2];
      const payload: unknown = data[3];
      if (data.length < 4) return fail(id, true, 'ProtocolError', 'CALL must have 4 elements: [2, id, action, payload]', RPC);
      if (typeof action !== 'string' || action.length === 0) return fail(id, true, 'FormationViolation', 'action must be a non-empty string', RPC);
      if (!isPlainObject(payload)) return fail(id, true, 'FormationViolation', 'payload must be a JSON object');
      return { ok: true, frame: { type: CALL, id, action, payload } };
    }
    case CALLRESULT: {
      if (data.length < 3) return fail(id, false, 'ProtocolError', 'CALLRESULT must have 3 elements: [3, id, payload]', undefined, CALLRESULT);
      return { ok: true, frame: { type: CALLRESULT, id, payload: data[2] } };
    }
    default: {
      const [, , code, description, details] = data;
      if (typeof code !== 'string') return fail(id, false, 'FormationViolation', 'CALLERROR code must be a string', undefined, CALLERROR);
      return {
        ok: true,
        frame: { type: CALLERROR, id, code, description: typeof description === 'string' ? description : '', details: details ?? {} },
      };
    }
  }
}

export function encodeCall(id: string, action: string, payload: unknown): string {
  return JSON.stringify([CALL, id, action, payload]);
}

export function encodeCallResult(id: string, payload: unknown): string {
  return JSON.stringify([CALLRESULT, id, payload]);
}

export function encodeCallError(id: string, code: string, description: string, details: unknown = {}): string {
  return JSON.stringify([CALLERROR, id, code, description, details]);
}

/** The message id of a frame too broken to parse, when its start is still readable. */
export function salvageId(text: string): string | null {
  const m = /^\s*\[\s*[234]\s*,\s*"([^"\\]{1,36})"/.exec(text);
  return m ? m[1]! : null;
}

/**
 * A peer's value in a few characters. Not JSON.stringify: a deeply nested array, which
 * JSON.parse reads without trouble, overflows the stack when written back (found by `npm run fuzz`).
 */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
