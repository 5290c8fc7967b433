/**
 * Every error the HTTP API answers, in one catalogue: a stable code (what clients match on),
 * the HTTP status, and what it means (also listed in the OpenAPI document and docs/http-api.md).
 * The body is always `{ "error": { "code", "message" } }`, the message saying what was wrong.
 */
export const ERRORS = {
  bad_query: { status: 400, means: 'a path or query parameter is unknown, missing or malformed' },
  bad_body: { status: 400, means: 'the JSON body is missing a field, has an unknown one, or a value out of range' },
  bad_json: { status: 400, means: 'the body is not valid JSON' },
  unauthorized: { status: 401, means: 'no token, or an unknown one (send Authorization: Bearer <token>)' },
  forbidden: { status: 403, means: 'the read-only token may not send commands' },
  host_not_allowed: { status: 403, means: 'the Host header is not a name of this API (DNS rebinding); see http.allowedHosts' },
  origin_not_allowed: { status: 403, means: 'a command from another web origin; see http.allowedOrigins' },
  csrf_header_missing: { status: 403, means: 'a command signed by the login cookie without the header X-Requested-With' },
  not_found: { status: 404, means: 'no such path' },
  unknown_charger: { status: 404, means: 'chargegate does not know this charger' },
  too_many_auth_failures: { status: 429, means: 'this client address presented too many wrong tokens (http.maxAuthFailures a minute); any token it presents is refused until Retry-After seconds have passed' },
  method_not_allowed: { status: 405, means: 'the path exists, but not with this method' },
  charger_offline: { status: 409, means: 'the charger is not connected' },
  no_session: { status: 409, means: 'no transaction is running on this connector' },
  no_such_connector: { status: 400, means: 'the charger has no such connector (configured chargers.list[].connectors, or as it reported)' },
  connector_busy: { status: 409, means: 'a remote start to a connector that is charging, finishing, unavailable or faulted, or has a running transaction' },
  not_configured: { status: 409, means: 'the part this needs is not configured (load balancing, upstream)' },
  payload_too_large: { status: 413, means: 'the body is larger than 16 KiB (256 KiB for a local list or an OCPP payload)' },
  file_too_large: { status: 413, means: 'a firmware file larger than firmware.maxBytes' },
  checksum_mismatch: { status: 422, means: 'the file\'s SHA-256 is not the one given; nothing was kept' },
  fetch_failed: { status: 502, means: 'chargegate could not fetch the URL (its status, a refused redirect or a timeout in the message)' },
  unsupported_media_type: { status: 415, means: 'a command needs Content-Type: application/json (an empty body is {})' },
  charger_error: { status: 502, means: 'the charger answered with an OCPP CALLERROR' },
  charger_timeout: { status: 504, means: 'the charger did not answer in time (ocpp.callTimeout)' },
  internal: { status: 500, means: 'a fault inside chargegate (logged); never caused by the request' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Headers the answer carries (Retry-After of a 429). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.status = ERRORS[code].status;
  }
}

export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}
