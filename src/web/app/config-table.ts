/**
 * A charger's configuration (GetConfiguration, OCPP 1.6 §5.8), a row per key; a key the charger
 * lets change has its value editable in place and saved with ChangeConfiguration (§5.3). The
 * answer shows in the row: Accepted, RebootRequired, Rejected, NotSupported, or chargegate's
 * own answer and why, for the keys it owns.
 */
import { ocpp, Unauthorized } from './api.js';
import { answerText } from './answer.js';
import { h } from './dom.js';
import type { ConfigurationKey } from './types.js';

export interface ConfigOptions {
  mayCommand: boolean;
  onUnauthorized(): void;
}

export function configurationPanel(chargerId: string, options: ConfigOptions): { element: HTMLElement; load(): Promise<void> } {
  const body = h('tbody', { id: 'config-body' });
  const note = h('p', { class: 'muted', id: 'config-note', role: 'status' });
  const filter = h('input', { type: 'search', placeholder: 'filter keys', 'aria-label': 'filter keys', id: 'config-filter' });
  const read: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', id: 'config-read', onclick: () => void load() }, 'Read');
  filter.addEventListener('input', () => {
    const q = filter.value.toLowerCase();
    for (const row of body.children) (row as HTMLElement).hidden = !(row as HTMLElement).dataset.key!.toLowerCase().includes(q);
  });

  async function load(): Promise<void> {
    read.disabled = true;
    note.textContent = 'asking the charger…';
    try {
      const outcome = await ocpp(chargerId, 'GetConfiguration', {});
      if (!outcome.ok) {
        note.textContent = `could not read the configuration: ${answerText(outcome).text}`;
        return;
      }
      const keys = ((outcome.answer.configurationKey ?? []) as ConfigurationKey[]).slice().sort((a, b) => a.key.localeCompare(b.key));
      const unknown = (outcome.answer.unknownKey ?? []) as string[];
      body.replaceChildren(...keys.map((k) => row(chargerId, k, options)));
      note.textContent = `${keys.length} keys${unknown.length ? ` · unknown: ${unknown.join(', ')}` : ''}`;
    } catch (err) {
      if (err instanceof Unauthorized) return options.onUnauthorized();
      note.textContent = `could not read the configuration: ${(err as Error).message}`;
    } finally {
      read.disabled = !options.mayCommand;
    }
  }

  read.disabled = !options.mayCommand;
  if (!options.mayCommand) note.textContent = 'Reading the configuration is an OCPP command: it needs the full token (http.token); this one is read-only.';
  const element = h(
    'section',
    { class: 'panel', id: 'config' },
    h('h2', {}, 'Configuration', read, filter),
    note,
    h('div', { class: 'table-wrap' }, h('table', { class: 'config' }, h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, 'Value'), h('th', {}, ''), h('th', {}, 'Answer'))), body)),
  );
  return { element, load };
}

function row(chargerId: string, k: ConfigurationKey, options: ConfigOptions): HTMLTableRowElement {
  const answer = h('td', { 'data-role': 'answer', class: 'answer' });
  if (k.readonly || !options.mayCommand) {
    return h('tr', { 'data-key': k.key }, h('td', { class: 'cfg-key' }, k.key), h('td', { 'data-role': 'value', class: 'value' }, k.value ?? ''), h('td', { class: 'muted' }, k.readonly ? 'read-only' : ''), answer);
  }
  // CiString500 (OCPP 1.6 §7.9): the longest value ChangeConfiguration carries.
  const input = h('input', { type: 'text', value: k.value ?? '', maxlength: '500', 'aria-label': `value of ${k.key}`, 'data-role': 'value' });
  const save: HTMLButtonElement = h('button', { type: 'submit' }, 'Save');
  const form = h('form', { class: 'inline-edit' }, input, save);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save.disabled = true;
    answer.textContent = 'sending…';
    answer.className = 'answer';
    ocpp(chargerId, 'ChangeConfiguration', { key: k.key, value: input.value })
      .then((outcome) => {
        const { text, ok } = answerText(outcome);
        answer.textContent = text;
        answer.className = `answer ${ok ? 'ok-text' : 'bad-text'}`;
        if (ok) input.defaultValue = input.value;
      })
      .catch((err: Error) => {
        if (err instanceof Unauthorized) return options.onUnauthorized();
        answer.textContent = err.message;
        answer.className = 'answer bad-text';
      })
      .finally(() => (save.disabled = false));
  });
  return h('tr', { 'data-key': k.key }, h('td', { class: 'cfg-key' }, k.key), h('td', { class: 'value' }, form), h('td', {}, ''), answer);
}
