/**
 * The home view at the top of the dashboard: the site's power now, today's energy and cost,
 * and per charger its connectors in plain words with the charge-mode buttons and the current
 * slider, and each connector's charging plan in words with a form to set or clear it. They use
 * the same HTTP routes as everyone (PUT …/connectors/{n}/mode, POST …/max-current, PUT and
 * DELETE …/connectors/{n}/plan). Elements are built once per charger and updated in place, so a live update
 * never yanks the slider from under a finger.
 */
import { get, post, Unauthorized } from './api.js';
import { byId, h } from './dom.js';
import { capRange, kwText, MODES, nextTimeOfDay, plainStatus, planByValue, planWords, sitePower, todayTotals, userCap } from './home-model.js';
import type { Charger, Plan, Session } from './types.js';

export interface HomeOptions {
  mayCommand: boolean;
  notify(text: string, ok: boolean): void;
  onUnauthorized(): void;
}

interface ModeView {
  chargerId: string;
  connectorId: number;
  mode: string;
}

interface Block {
  el: HTMLElement;
  connectors: HTMLElement;
  connectorCount: number;
  slider?: HTMLInputElement;
  capValue?: HTMLElement;
  noCap?: HTMLButtonElement;
}

const modeKey = (chargerId: string, connectorId: number) => `${chargerId}#${connectorId}`;

export class HomeView {
  private readonly blocks = new Map<string, Block>();
  /** undefined: no charge modes here (no site: section). */
  private modes: Map<string, string> | undefined;
  private readonly caps = new Map<string, number | null>();
  private currency: string | undefined;
  /** undefined: no charging plans here (no cap on any charger, see http/api/plans.ts). */
  private plans: Map<string, Plan> | undefined;

  constructor(private readonly root: HTMLElement, private readonly options: HomeOptions) {}

  /** Asks once for what the live feed does not carry: the modes and the tariff's currency. */
  async load(): Promise<void> {
    await Promise.all([
      this.loadModes(),
      get<{ currency: string }>('/api/tariff').then((t) => void (this.currency = t.currency), () => undefined),
      this.loadPlans(),
    ]);
  }

  /** A plan changed (the live feed's `plan` event): its words and form now, not at the next minute. */
  plan(e: { chargerId: string; connectorId: number; plan: Plan | null }): void {
    if (!this.plans) return;
    const key = modeKey(e.chargerId, e.connectorId);
    if (e.plan) this.plans.set(key, e.plan);
    else this.plans.delete(key);
    const box = this.blocks.get(e.chargerId)?.connectors.querySelector<HTMLElement>(`[data-connector="${e.connectorId}"] [data-role=plan]`);
    if (box) this.showPlan(box, e.plan ?? undefined);
  }

  /** The live feed (re)connected: plans may have changed while it was away. */
  reloadPlans(): void {
    void this.loadPlans().catch(() => undefined);
  }

  update(c: Charger): void {
    let block = this.blocks.get(c.id);
    if (!block) {
      block = this.build(c);
      this.blocks.set(c.id, block);
      const next = [...this.root.children].find((el) => (el as HTMLElement).dataset.charger! > c.id);
      this.root.insertBefore(block.el, next ?? null);
      void this.loadCap(c.id);
    }
    if (block.connectorCount !== c.connectors.length) {
      block.connectors.replaceChildren(...c.connectors.map((k) => this.connector(c, k.connectorId)));
      block.connectorCount = c.connectors.length;
    }
    block.el.classList.toggle('offline', !c.online);
    for (const k of c.connectors) {
      const row = block.connectors.querySelector<HTMLElement>(`[data-connector="${k.connectorId}"]`);
      const status = row?.querySelector<HTMLElement>('[data-role=plain-status]');
      if (!status) continue;
      const plain = plainStatus(c.online, k);
      status.textContent = `${c.connectors.length > 1 ? `#${k.connectorId} · ` : ''}${plain.text}`;
      status.className = `plain-status tone-${plain.tone}`;
    }
    if (block.slider) this.showCap(c.id);
  }

  /** The big numbers: power now, today's energy and (with a tariff) today's cost. */
  totals(chargers: Iterable<Charger>, sessionsToday: Iterable<Session>, midnight: Date): void {
    const list = [...chargers];
    const power = sitePower(list);
    byId('home-power').textContent = kwText(power.w, power.estimated);
    const today = todayTotals(sessionsToday, list, midnight);
    byId('home-energy').textContent = `${(today.energyWh / 1000).toFixed(today.energyWh < 10_000 ? 2 : 1)} kWh`;
    const currency = today.cost?.currency ?? this.currency;
    byId('home-cost-box').hidden = currency === undefined;
    if (currency !== undefined) byId('home-cost').textContent = `${(today.cost?.amount ?? 0).toFixed(2)} ${currency}`;
  }

  private build(c: Charger): Block {
    const connectors = h('div', { class: 'home-connectors' });
    const el = h('article', { class: 'home-charger', id: `home-${c.id}`, 'data-charger': c.id }, h('h3', {}, h('a', { href: `#/chargers/${encodeURIComponent(c.id)}` }, c.id)), connectors);
    const block: Block = { el, connectors, connectorCount: -1 };
    if (this.options.mayCommand) Object.assign(block, this.capControl(c, el));
    return block;
  }

  private connector(c: Charger, connectorId: number): HTMLElement {
    const row = h('div', { class: 'home-connector', 'data-connector': String(connectorId) }, h('p', { class: 'plain-status', 'data-role': 'plain-status' }));
    if (this.options.mayCommand && this.modes) {
      const current = this.modes.get(modeKey(c.id, connectorId));
      const buttons = MODES.map(({ mode, label }) => {
        const b: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', 'data-mode': mode, 'aria-pressed': String(current === mode), onclick: () => void this.setMode(c.id, connectorId, mode, b) }, label);
        return b;
      });
      row.append(h('div', { class: 'segmented modes', role: 'group', 'aria-label': `charge mode of ${c.id} connector ${connectorId}`, 'data-role': 'modes' }, ...buttons));
    }
    if (this.plans) row.append(this.planControl(c.id, connectorId));
    return row;
  }

  /** The plan in words; for a command login, the energy and time to set one and a Clear button. */
  private planControl(chargerId: string, connectorId: number): HTMLElement {
    const words = h('p', { class: 'plan-words', 'data-role': 'plan-words' });
    const box = h('div', { class: 'home-plan', 'data-role': 'plan' }, words);
    if (this.options.mayCommand) {
      const label = `${chargerId} connector ${connectorId}`;
      const energy = h('input', { type: 'number', min: '1', max: '200', step: '1', value: '20', inputmode: 'numeric', required: '', 'data-role': 'plan-energy', 'aria-label': `energy to charge on ${label}, kWh` });
      const by = h('input', { type: 'time', value: '07:00', required: '', 'data-role': 'plan-by', 'aria-label': `time the energy must be in the car on ${label}` });
      const clear: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', 'data-role': 'plan-clear', hidden: '', onclick: () => void this.sendPlan(chargerId, connectorId, null, clear) }, 'Clear plan');
      const set: HTMLButtonElement = h('button', { type: 'submit', 'data-role': 'plan-set' }, 'Plan');
      const form = h('form', { class: 'plan-form', 'data-role': 'plan-form' }, h('label', {}, energy, ' kWh'), h('label', {}, 'by ', by), set, clear);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void this.sendPlan(chargerId, connectorId, { energyKWh: Number(energy.value), by: nextTimeOfDay(by.value, new Date()) }, set);
      });
      box.append(form);
    }
    this.showPlan(box, this.plans?.get(modeKey(chargerId, connectorId)));
    return box;
  }

  private showPlan(box: HTMLElement, plan: Plan | undefined): void {
    box.querySelector<HTMLElement>('[data-role=plan-words]')!.textContent = plan ? `Plan: ${planWords(plan)}` : 'No charging plan';
    const clear = box.querySelector<HTMLButtonElement>('[data-role=plan-clear]');
    if (clear) clear.hidden = plan === undefined;
    const by = box.querySelector<HTMLInputElement>('[data-role=plan-by]');
    // Not while the user types in it.
    if (by && plan && document.activeElement !== by) by.value = planByValue(plan);
  }

  /** Sets (plan) or clears (null) the connector's plan, then shows what chargegate made of it. */
  private async sendPlan(chargerId: string, connectorId: number, plan: { energyKWh: number; by: string } | null, button: HTMLButtonElement): Promise<void> {
    const path = `/api/chargers/${encodeURIComponent(chargerId)}/connectors/${connectorId}/plan`;
    button.disabled = true;
    try {
      const result = plan ? await post(path, plan, 'PUT') : await post(path, undefined, 'DELETE');
      this.options.notify(`${chargerId} #${connectorId}: ${result.reason}`, result.accepted);
      await this.loadPlans();
    } catch (err) {
      if (err instanceof Unauthorized) this.options.onUnauthorized();
      else this.options.notify(`${chargerId} #${connectorId}: ${(err as Error).message}`, false);
    } finally {
      button.disabled = false;
    }
  }

  private async loadPlans(): Promise<void> {
    try {
      const answer = await get<{ plans: Plan[] }>('/api/site/plans');
      this.plans = new Map(answer.plans.map((p) => [modeKey(p.chargerId, p.connectorId), p]));
    } catch (err) {
      if (err instanceof Unauthorized) throw err;
      this.plans = undefined; // no caps anywhere, so no plans
      return;
    }
    for (const box of this.root.querySelectorAll<HTMLElement>('[data-role=plan]')) {
      const row = box.closest<HTMLElement>('[data-connector]');
      const charger = box.closest<HTMLElement>('[data-charger]');
      if (row && charger) this.showPlan(box, this.plans.get(modeKey(charger.dataset.charger!, Number(row.dataset.connector))));
    }
  }

  private capControl(c: Charger, el: HTMLElement): Pick<Block, 'slider' | 'capValue' | 'noCap'> {
    const { min, max } = capRange(c.maxCurrentA);
    const slider = h('input', { type: 'range', min: String(min), max: String(max), step: '1', value: String(max), 'data-role': 'cap-slider', 'aria-label': `current limit of ${c.id} in A` });
    const capValue = h('output', { 'data-role': 'cap-value' }, '–');
    const noCap: HTMLButtonElement = h('button', { type: 'button', class: 'secondary', 'data-role': 'no-cap', onclick: () => this.sendCap(c.id, null) }, 'No cap');
    slider.addEventListener('input', () => (capValue.textContent = `${slider.value} A`));
    slider.addEventListener('change', () => this.sendCap(c.id, Number(slider.value)));
    el.append(h('div', { class: 'home-cap', 'data-role': 'cap' }, h('label', {}, 'Current limit ', capValue), h('div', { class: 'row' }, slider, noCap)));
    return { slider, capValue, noCap };
  }

  private showCap(chargerId: string): void {
    const block = this.blocks.get(chargerId);
    if (!block?.slider || !block.capValue || !block.noCap) return;
    const cap = this.caps.get(chargerId) ?? null;
    // Not while the user holds it: a live update must not move it.
    if (document.activeElement !== block.slider && cap !== null) block.slider.value = String(cap);
    block.capValue.textContent = cap === null ? 'no cap' : `${cap} A`;
    block.noCap.setAttribute('aria-pressed', String(cap === null));
  }

  /** One cap request at a time; a value set meanwhile goes after it (the latest wins). */
  private readonly capQueue = new Map<string, { sending: boolean; next?: number | null }>();

  private sendCap(chargerId: string, amps: number | null): void {
    const q = this.capQueue.get(chargerId) ?? { sending: false };
    this.capQueue.set(chargerId, q);
    q.next = amps;
    if (q.sending) return;
    const send = async (): Promise<void> => {
      while (q.next !== undefined) {
        const value = q.next;
        delete q.next;
        q.sending = true;
        try {
          const result = await post(`/api/chargers/${encodeURIComponent(chargerId)}/max-current`, { amps: value });
          this.options.notify(`${chargerId}: ${result.reason}`, result.accepted);
        } catch (err) {
          if (err instanceof Unauthorized) this.options.onUnauthorized();
          else this.options.notify(`${chargerId}: ${(err as Error).message}`, false);
        }
      }
      q.sending = false;
      await this.loadCap(chargerId);
    };
    void send();
  }

  private async setMode(chargerId: string, connectorId: number, mode: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    try {
      const result = await post(`/api/chargers/${encodeURIComponent(chargerId)}/connectors/${connectorId}/mode`, { mode }, 'PUT');
      this.options.notify(`${chargerId} #${connectorId}: ${result.reason}`, result.accepted);
      await this.loadModes();
    } catch (err) {
      if (err instanceof Unauthorized) this.options.onUnauthorized();
    } finally {
      button.disabled = false;
    }
  }

  private async loadModes(): Promise<void> {
    try {
      const answer = await get<{ connectors: ModeView[] }>('/api/site/modes');
      this.modes = new Map(answer.connectors.map((m) => [modeKey(m.chargerId, m.connectorId), m.mode]));
    } catch (err) {
      if (err instanceof Unauthorized) throw err;
      this.modes = undefined; // no site: section, so no modes
      return;
    }
    for (const button of this.root.querySelectorAll<HTMLButtonElement>('[data-mode]')) {
      const row = button.closest<HTMLElement>('[data-connector]');
      const charger = button.closest<HTMLElement>('[data-charger]');
      if (row && charger) button.setAttribute('aria-pressed', String(this.modes.get(modeKey(charger.dataset.charger!, Number(row.dataset.connector))) === button.dataset.mode));
    }
  }

  private async loadCap(chargerId: string): Promise<void> {
    if (!this.options.mayCommand) return;
    try {
      const answer = await get<{ caps: { connectorId?: number; source: string; amps: number }[] }>(`/api/chargers/${encodeURIComponent(chargerId)}/charging-profiles`);
      this.caps.set(chargerId, userCap(answer.caps));
    } catch {
      this.caps.set(chargerId, null);
    }
    this.showCap(chargerId);
  }
}
