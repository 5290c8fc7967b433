/**
 * OCPP-J error codes and the errors the OCPP layer raises. OCPP-J 1.6 §4.2.3 lists the codes;
 * 1.6 spells "OccurenceConstraintViolation" and "FormationViolation", 2.0.1 spells
 * "OccurrenceConstraintViolation" and "FormatViolation" and adds two codes. We send the
 * spelling of the connection's version and accept both inbound.
 */

export type ErrorCode =
  | 'NotImplemented'
  | 'NotSupported'
  | 'InternalError'
  | 'ProtocolError'
  | 'SecurityError'
  | 'FormationViolation'
  | 'PropertyConstraintViolation'
  | 'OccurenceConstraintViolation'
  | 'TypeConstraintViolation'
  | 'GenericError'
  // 2.0.1 only
  | 'MessageTypeNotSupported'
  | 'RpcFrameworkError';

export type OcppVersion = 'ocpp1.6' | 'ocpp2.0.1';

const INBOUND_ALIASES: Record<string, ErrorCode> = {
  FormatViolation: 'FormationViolation',
  OccurrenceConstraintViolation: 'OccurenceConstraintViolation',
};

const KNOWN: ReadonlySet<string> = new Set<ErrorCode>([
  'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError', 'FormationViolation',
  'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'TypeConstraintViolation', 'GenericError',
  'MessageTypeNotSupported', 'RpcFrameworkError',
]);

/** Maps a code a peer sent (either spelling) to ours; anything unknown becomes GenericError. */
export function normalizeErrorCode(code: string): ErrorCode {
  // Own keys only: a peer's "constructor" or "__proto__" must not reach Object.prototype.
  if (Object.hasOwn(INBOUND_ALIASES, code)) return INBOUND_ALIASES[code]!;
  return KNOWN.has(code) ? (code as ErrorCode) : 'GenericError';
}

/** The spelling a peer of this version expects on the wire. */
export function wireErrorCode(code: ErrorCode, version: OcppVersion): string {
  if (version === 'ocpp1.6') {
    // 1.6 has neither of the 2.0.1 additions: the nearest 1.6 codes (§4.2.3).
    if (code === 'MessageTypeNotSupported' || code === 'RpcFrameworkError') return 'ProtocolError';
    return code;
  }
  if (code === 'FormationViolation') return 'FormatViolation';
  if (code === 'OccurenceConstraintViolation') return 'OccurrenceConstraintViolation';
  return code;
}

/** A CALLERROR: one we answer with, or one a peer answered us with. */
export class OcppCallError extends Error {
  override readonly name = 'OcppCallError';
  constructor(
    readonly code: ErrorCode,
    readonly description: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${code}: ${description}`);
  }
}

/**
 * The peer answered a call of ours, but the answer cannot be read: not JSON, a CALLRESULT
 * without its payload, or one that fails the action's response schema (after the lenient
 * repair, where the charger is lenient). Unlike a CALLERROR it is no refusal: the peer may have
 * done what it was asked (a limit may be in force). An OcppCallError all the same, so callers
 * that tell only answers from errors see it as before; those for whom "maybe" matters (the
 * balancer) test for this class.
 */
export class OcppUnreadableAnswerError extends OcppCallError {}

/** A call we sent got no answer within the timeout. */
export class OcppTimeoutError extends Error {
  override readonly name = 'OcppTimeoutError';
  constructor(readonly action: string, readonly timeoutMs: number) {
    super(`no answer to ${action} within ${timeoutMs} ms`);
  }
}

/** The peer is not connected, or the connection closed before the call was answered. */
export class OcppOfflineError extends Error {
  override readonly name = 'OcppOfflineError';
  constructor(readonly peer: string, detail = 'not connected') {
    super(`${peer} is offline: ${detail}`);
  }
}
