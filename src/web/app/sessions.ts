/** The sessions table (newest first) and its CSV download. */
import { h, kwh, time } from './dom.js';
import { stopReasonWords } from './home-model.js';
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
        // The labels head each cell where a phone shows a session as a card (style.css).
        h('td', { 'data-label': '#' }, s.transactionId),
        h('td', { 'data-label': 'Charger' }, `${s.chargerId} #${s.connectorId}`),
        h('td', { 'data-label': 'Card' }, s.idTag),
        h('td', { 'data-label': 'Started' }, time(s.startedAt)),
        h('td', { 'data-label': 'Stopped' }, s.state === 'active' ? 'charging' : time(s.stoppedAt)),
        h('td', { class: 'num', 'data-label': 'Energy' }, kwh(s.energyWh)),
        h('td', { 'data-label': 'Ended by', ...(s.stopReason ? { title: s.stopReason } : {}) }, stopReasonWords(s.stopReason)),
        h('td', { class: 'num cost', 'data-label': 'Cost' }, s.cost ? `${s.cost.amount.toFixed(2)} ${s.cost.currency}` : ''),
      ),
    );
}
