/** The sessions table (newest first) and its CSV download. */
import { h, kwh, time } from './dom.js';
import type { Session } from './types.js';

export const SHOWN_SESSIONS = 50;

export function sessionRows(sessions: readonly Session[]): HTMLTableRowElement[] {
  return [...sessions]
    .sort((a, b) => b.transactionId - a.transactionId)
    .slice(0, SHOWN_SESSIONS)
    .map((s) =>
      h(
        'tr',
        { 'data-transaction': String(s.transactionId), class: s.state },
        h('td', {}, s.transactionId),
        h('td', {}, `${s.chargerId} #${s.connectorId}`),
        h('td', {}, s.idTag),
        h('td', {}, time(s.startedAt)),
        h('td', {}, s.state === 'active' ? 'charging' : time(s.stoppedAt)),
        h('td', { class: 'num' }, kwh(s.energyWh)),
        h('td', {}, s.stopReason ?? ''),
        h('td', { class: 'num cost' }, s.cost ? `${s.cost.amount.toFixed(2)} ${s.cost.currency}` : ''),
      ),
    );
}
