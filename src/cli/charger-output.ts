/**
 * What `chargegate charger` prints and the exit code it ends with, from the API's answer (pure).
 *   0  the charger did it (Accepted, or an answer without a status)
 *   1  the charger (or chargegate for it) refused, or answered with an OCPP error
 *   2  the command line, the config or the token is wrong (the API's 400/401/403/404)
 *   3  the gateway or the charger cannot be reached (not running, charger offline, no answer)
 */
import { answerAccepted } from '../control/ocpp-commands.js';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

export interface Outcome {
  code: number;
  /** For stdout (the answer) and stderr (what went wrong). */
  out: string;
  err: string;
}

const UNREACHABLE = new Set(['charger_offline', 'charger_timeout']);
const REFUSED = new Set(['charger_error', 'no_session', 'connector_busy', 'not_configured', 'internal']);

/** The API's answer (status and JSON body) as text, or as the JSON itself with `json`. */
export function outcome(chargerId: string, status: number, body: any, json: boolean): Outcome {
  if (status !== 200) {
    const code = typeof body?.error?.code === 'string' ? (body.error.code as string) : `http_${status}`;
    const message = typeof body?.error?.message === 'string' ? (body.error.message as string) : `the gateway answered HTTP ${status}`;
    const exit = UNREACHABLE.has(code) ? EXIT.unreachable : REFUSED.has(code) || status >= 500 ? EXIT.refused : EXIT.usage;
    return { code: exit, out: json ? JSON.stringify(body ?? null, null, 2) + '\n' : '', err: `chargegate charger: ${chargerId}: ${message} (${code})\n` };
  }
  // The five site commands answer {accepted, reason}; the OCPP ones {action, answer, answeredBy}.
  const done = 'accepted' in (body ?? {}) ? body.accepted === true : answerAccepted(body?.answer);
  return { code: done ? EXIT.ok : EXIT.refused, out: json ? JSON.stringify(body, null, 2) + '\n' : describe(chargerId, body), err: '' };
}

function describe(chargerId: string, body: any): string {
  if ('accepted' in body) return `${chargerId}: ${body.accepted ? 'accepted' : 'rejected'}: ${body.reason}\n`;
  const { status, ...rest } = (body.answer ?? {}) as Record<string, unknown>;
  const who = body.answeredBy === 'chargegate' ? 'chargegate answered for the charger' : 'the charger answered';
  const lines = [`${chargerId} ${body.action}: ${status === undefined ? 'answered' : String(status)} (${who})`];
  if (body.reason) lines.push(`  reason: ${body.reason}`);
  if (body.reservationId !== undefined) lines.push(`  reservationId: ${body.reservationId}`);
  if (Array.isArray(rest.configurationKey)) {
    for (const k of rest.configurationKey as { key: string; value?: string; readonly: boolean }[]) lines.push(`  ${k.key} = ${k.value ?? '(no value)'}${k.readonly ? '  (read-only)' : ''}`);
    delete rest.configurationKey;
  }
  if (Array.isArray(rest.unknownKey) && rest.unknownKey.length) lines.push(`  unknown: ${(rest.unknownKey as string[]).join(', ')}`);
  delete rest.unknownKey;
  for (const [field, value] of Object.entries(rest)) lines.push(`  ${field}: ${typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value)}`);
  return lines.join('\n') + '\n';
}
