/**
 * The charger page's buttons, each one OCPP 1.6 command through chargegate's one door: Reset
 * (§5.13), ChangeAvailability (§5.2), UnlockConnector (§5.18), RemoteStopTransaction (§5.12),
 * TriggerMessage (§5.17), ClearCache (§5.4). The disruptive ones ask first; every answer shows.
 */
import { ocpp, Unauthorized } from './api.js';
import { answerText } from './answer.js';
import { h } from './dom.js';
import type { Charger, Connector } from './types.js';

export interface ActionOptions {
  mayCommand: boolean;
  onUnauthorized(): void;
}

/** What a button sends, and the question asked before it when it interrupts charging or the charger. */
interface Action {
  label: string;
  action: string;
  payload: Record<string, unknown>;
  confirm?: string;
  className?: string;
}

const TRIGGERS = ['StatusNotification', 'MeterValues', 'Heartbeat', 'BootNotification'] as const;

/** Rebuilt when the charger's connectors or sessions change; the answer line stays. */
export function actionsPanel(options: ActionOptions): { element: HTMLElement; update(c: Charger): void } {
  const answer = h('p', { id: 'action-answer', class: 'answer', role: 'status', 'aria-live': 'polite' });
  const buttons = h('div', { class: 'action-groups' });
  const note = options.mayCommand ? null : h('p', { class: 'muted', id: 'actions-note' }, 'Actions need the full token (http.token); this one is read-only.');
  let shown = '';

  const run = async (c: Charger, a: Action, button: HTMLButtonElement) => {
    if (a.confirm && !window.confirm(a.confirm)) return;
    button.disabled = true;
    answer.textContent = `${a.label}: sending…`;
    answer.className = 'answer';
    try {
      const { text, ok } = answerText(await ocpp(c.id, a.action, a.payload));
      answer.textContent = `${a.label}: ${text}`;
      answer.className = `answer ${ok ? 'ok-text' : 'bad-text'}`;
    } catch (err) {
      if (err instanceof Unauthorized) return options.onUnauthorized();
      answer.textContent = `${a.label}: ${(err as Error).message}`;
      answer.className = 'answer bad-text';
    } finally {
      button.disabled = !options.mayCommand;
    }
  };
  const button = (c: Charger, a: Action) => {
    const b: HTMLButtonElement = h('button', { type: 'button', class: a.className ?? 'secondary', 'data-action': a.action, disabled: !options.mayCommand, onclick: () => void run(c, a, b) }, a.label);
    return b;
  };

  function update(c: Charger): void {
    // Only a change of what the buttons are rebuilds them (not each new meter reading).
    const signature = JSON.stringify([c.id, c.status, c.connectors.map((k) => [k.connectorId, k.status, k.session?.transactionId])]);
    if (signature === shown) return;
    shown = signature;
    const trigger = h('select', { 'aria-label': 'message to trigger', id: 'trigger-message', disabled: !options.mayCommand }, ...TRIGGERS.map((m) => h('option', { value: m }, m)));
    const triggerButton: HTMLButtonElement = h('button', {
      type: 'button',
      class: 'secondary',
      'data-action': 'TriggerMessage',
      disabled: !options.mayCommand,
      onclick: () => void run(c, { label: `Trigger ${trigger.value}`, action: 'TriggerMessage', payload: { requestedMessage: trigger.value } }, triggerButton),
    }, 'Trigger');
    buttons.replaceChildren(
      h(
        'div',
        { class: 'actions', 'data-scope': 'charger' },
        button(c, { label: 'Soft reset', action: 'Reset', payload: { type: 'Soft' }, confirm: `Soft reset ${c.id}? Running sessions are stopped.` }),
        button(c, { label: 'Hard reset', action: 'Reset', payload: { type: 'Hard' }, confirm: `Hard reset (reboot) ${c.id}? Running sessions are stopped.`, className: 'danger' }),
        availability(c, 0, c.status, button),
        button(c, { label: 'Clear cache', action: 'ClearCache', payload: {}, confirm: `Clear the authorization cache of ${c.id}?` }),
        trigger,
        triggerButton,
      ),
      ...c.connectors.map((k) => connectorActions(c, k, button)),
    );
  }

  const element = h('section', { class: 'panel', id: 'actions' }, h('h2', {}, 'Actions'), note, buttons, answer);
  return { element, update };
}

type MakeButton = (c: Charger, a: Action) => HTMLButtonElement;

function connectorActions(c: Charger, k: Connector, button: MakeButton): HTMLElement {
  const n = k.connectorId;
  return h(
    'div',
    { class: 'actions', 'data-scope': 'connector', 'data-connector': String(n) },
    h('strong', {}, `#${n}`),
    button(c, { label: 'Unlock', action: 'UnlockConnector', payload: { connectorId: n }, confirm: `Unlock connector #${n} of ${c.id}? A running session on it stops.` }),
    availability(c, n, k.status, button),
    k.session
      ? button(c, {
          label: `Stop session ${k.session.transactionId}`,
          action: 'RemoteStopTransaction',
          payload: { transactionId: k.session.transactionId },
          confirm: `Stop the session of ${k.session.idTag} on #${n}?`,
          className: 'danger',
        })
      : null,
  );
}

/** ChangeAvailability to the other state than the one shown (connector 0: the whole charger). */
function availability(c: Charger, connectorId: number, status: string, button: MakeButton): HTMLButtonElement {
  const where = connectorId === 0 ? c.id : `connector #${connectorId}`;
  return status === 'Unavailable'
    ? button(c, { label: connectorId === 0 ? 'Make available' : 'Available', action: 'ChangeAvailability', payload: { connectorId, type: 'Operative' } })
    : button(c, { label: connectorId === 0 ? 'Make unavailable' : 'Unavailable', action: 'ChangeAvailability', payload: { connectorId, type: 'Inoperative' }, confirm: `Make ${where} unavailable? No new sessions start until it is made available again.` });
}
