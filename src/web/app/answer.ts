/** An OCPP command's outcome in words, the same for every button and form of the charger page. */
import type { OcppOutcome } from './api.js';

export function answerText(outcome: OcppOutcome): { text: string; ok: boolean } {
  if (!outcome.ok) {
    // 403: the token is the read-only one (http.readToken): commands need http.token.
    const why = outcome.status === 403 && outcome.code === 'forbidden' ? 'not allowed with a read-only token' : outcome.message;
    return { text: `${why} (${outcome.code})`, ok: false };
  }
  const status = typeof outcome.answer.status === 'string' ? outcome.answer.status : JSON.stringify(outcome.answer);
  const ok = ['Accepted', 'Unlocked', 'Scheduled', 'RebootRequired'].includes(status);
  const by = outcome.answeredBy === 'chargegate' ? ` by chargegate${outcome.reason ? `: ${outcome.reason}` : ''}` : '';
  const hint = status === 'RebootRequired' ? ' (the charger applies it after a reset)' : '';
  return { text: `${status}${by}${hint}`, ok };
}
