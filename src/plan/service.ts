/**
 * Charging plans at run time: one plan per connector ("20 kWh by 07:00", or "80 % of a 60 kWh
 * battery by 07:00" where the car reports its SoC), kept on disk, re-planned at every reading,
 * price change and quarter hour by the pure planner (planner.ts), and turned into a cap of
 * source "charging plan": 0 A outside the planned slots (and once the energy is in), none
 * within. It is the same path as a user's cap and a charge mode's, the lowest cap wins: the
 * fuse rules of the balancer always win, and within a slot the charge mode decides (mode now:
 * full power).
 *
 * A plan holds for one session: it ends when the session on its connector ends (a plan set
 * before the car is plugged in waits for it), or when its deadline passes without a session.
 */
import type { ControlResult, LimitControl } from '../control/ports.js';
import type { EventBus, PlanState } from '../events.js';
import type { Logger } from '../log.js';
import type { PlanRecord, SessionRecord, Store } from '../store/ports.js';
import type { PriceAt } from '../cost/tariff.js';
import { energyReadings } from '../cost/session-cost.js';
import { connectorKey } from '../balancer/model.js';
import { plan, type Planned } from './planner.js';
import { deadlineOf, parsePlanRequest } from './request.js';

/** The caps' source, shown as the connector's reason ("capped at 0 A by charging plan"). */
export const PLAN_SOURCE = 'charging plan';

export interface PlansDeps {
  /** The balancer, or each charger's own cap without a site: section; undefined: neither. */
  limits: () => Pick<LimitControl, 'setCap'> | undefined;
  events: EventBus;
  store: Pick<Store, 'plans' | 'sessions' | 'meters' | 'durably'>;
  /** The tariff's price at an instant; undefined without a tariff: section. */
  prices?: { priceAt: PriceAt; currency: string };
  /** The zone "by": "07:00" is read in (the tariff's). */
  timeZone: string;
  /** What the charger's car takes at full current, W (phases × voltage × its maximum A). */
  powerW(chargerId: string): number;
  knowsCharger(chargerId: string): boolean;
  /** The highest connector number the charger has. */
  connectors(chargerId: string): number;
  /** How often plans are looked at again without a reading, ms (a slot begins). */
  recheckMs: number;
  logger: Logger;
  now: () => Date;
}

/** A refusal's kind, for the HTTP status (the reason says it in words). */
export type PlanRefusal = 'unknown_charger' | 'no_such_connector' | 'bad_body' | 'not_configured';

export type PlanResult = ControlResult & { plan?: PlanState; refusal?: PlanRefusal };

export interface Plans {
  start(): void;
  stop(): void;
  set(chargerId: string, connectorId: number, doc: unknown): Promise<PlanResult>;
  clear(chargerId: string, connectorId: number): Promise<PlanResult>;
  list(): PlanState[];
  get(chargerId: string, connectorId: number): PlanState | undefined;
}

export function createPlans(deps: PlansDeps): Plans {
  const log = deps.logger.child({ component: 'plans' });
  const { store } = deps;
  const plans = new Map<string, PlanRecord>(store.plans.list().map((r) => [connectorKey(r.chargerId, r.connectorId), r]));
  const states = new Map<string, PlanState>();
  /** The cap each plan set last: 0 or null (none). */
  const applied = new Map<string, number | null>();
  let timer: NodeJS.Timeout | undefined;
  const off: (() => void)[] = [];

  function activeSession(chargerId: string, connectorId: number): SessionRecord | undefined {
    return store.sessions.list({ state: 'active' }).find((s) => s.chargerId === chargerId && s.connectorId === connectorId);
  }

  /** The session's energy so far, Wh, and the car's latest SoC, %, from its readings. */
  function progress(session: SessionRecord | undefined): { wh: number; soc?: number } {
    if (!session) return { wh: 0 };
    const samples = store.meters.forTransaction(session.transactionId);
    const readings = energyReadings(session, samples);
    let soc: number | undefined;
    for (const s of samples) if (s.measurand === 'SoC' && Number.isFinite(Number(s.value))) soc = Number(s.value);
    return { wh: readings.length > 0 ? readings.at(-1)!.wh - readings[0]!.wh : 0, ...(soc !== undefined ? { soc } : {}) };
  }

  /** Energy the plan still needs, Wh, and a note when it had to assume something. */
  function needed(p: PlanRecord, session: SessionRecord | undefined): { wh: number; note?: string } {
    const done = progress(session);
    if (p.energyWh !== undefined) {
      const base = session && session.transactionId === p.transactionId ? p.baseWh : 0;
      return { wh: Math.max(0, p.energyWh - (done.wh - base)) };
    }
    const capacity = p.capacityWh ?? 0;
    const target = p.soc ?? 0;
    // Without a reading the car may be empty: plan for the whole target, say so.
    if (done.soc === undefined) return { wh: (target / 100) * capacity, note: 'the car has not reported its SoC: planned as if empty' };
    return { wh: Math.max(0, ((target - done.soc) / 100) * capacity) };
  }

  function stateOf(p: PlanRecord, remainingWh: number, planned: Planned, note: string | undefined): PlanState {
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      chargerId: p.chargerId,
      connectorId: p.connectorId,
      ...(p.energyWh !== undefined ? { energyKWh: p.energyWh / 1000 } : { soc: p.soc!, capacityKWh: p.capacityWh! / 1000 }),
      by: p.deadline,
      status: planned.status,
      remainingKWh: Math.round(remainingWh) / 1000,
      nextSlot: planned.next ? { from: iso(planned.next.from), to: iso(planned.next.to) } : null,
      expectedFinish: planned.finishAt !== undefined ? iso(planned.finishAt) : null,
      expectedCost: planned.cost ?? null,
      currency: deps.prices?.currency ?? null,
      windows: planned.windows.map((w) => ({ from: iso(w.from), to: iso(w.to) })),
      reason: note ? `${planned.reason} (${note})` : planned.reason,
    };
  }

  function applyCap(key: string, chargerId: string, connectorId: number, cap: number | null): void {
    if (applied.has(key) && applied.get(key) === cap) return;
    if (!applied.has(key) && cap === null) {
      applied.set(key, cap);
      return;
    }
    deps.limits()?.setCap(chargerId, connectorId, cap, PLAN_SOURCE);
    applied.set(key, cap);
  }

  function evaluate(): void {
    const now = deps.now().getTime();
    for (const [key, p] of plans) {
      const session = activeSession(p.chargerId, p.connectorId);
      const deadline = Date.parse(p.deadline);
      if (!session && now >= deadline) {
        void remove(key, p, 'its deadline passed without a session').catch(failed);
        continue;
      }
      const need = needed(p, session);
      const planned = plan({ now, deadline, neededWh: need.wh, powerW: deps.powerW(p.chargerId), priceAt: deps.prices?.priceAt ?? (() => undefined), timeZone: deps.timeZone });
      const state = stateOf(p, need.wh, planned, need.note);
      // Outside its slots the connector is held at 0 A, within them the plan sets no cap. Once
      // the energy is in, it stays at 0 A: the rest of the night is dearer (clear the plan for more).
      applyCap(key, p.chargerId, p.connectorId, planned.chargeNow ? null : 0);
      const before = states.get(key);
      states.set(key, state);
      if (JSON.stringify(before) !== JSON.stringify(state)) {
        if (before?.status !== state.status || before?.nextSlot?.from !== state.nextSlot?.from) log.info({ chargerId: p.chargerId, connectorId: p.connectorId, status: state.status, nextSlot: state.nextSlot, expectedFinish: state.expectedFinish, expectedCost: state.expectedCost, remainingKWh: state.remainingKWh }, planned.reason);
        deps.events.emit('connector.plan', { chargerId: p.chargerId, connectorId: p.connectorId, plan: state });
      }
    }
  }

  async function remove(key: string, p: PlanRecord, why: string): Promise<void> {
    if (plans.get(key) !== p) return;
    plans.delete(key);
    states.delete(key);
    if (applied.get(key) !== null && applied.has(key)) deps.limits()?.setCap(p.chargerId, p.connectorId, null, PLAN_SOURCE);
    applied.delete(key);
    log.info({ chargerId: p.chargerId, connectorId: p.connectorId, why }, 'charging plan ended');
    deps.events.emit('connector.plan', { chargerId: p.chargerId, connectorId: p.connectorId, plan: null });
    await store.durably(() => store.plans.delete(p.chargerId, p.connectorId));
  }

  function check(chargerId: string, connectorId: number): PlanResult | undefined {
    if (!deps.knowsCharger(chargerId)) return refused('unknown_charger', `unknown charger "${chargerId}"`);
    if (!(Number.isInteger(connectorId) && connectorId >= 1 && connectorId <= Math.max(deps.connectors(chargerId), 8))) return refused('no_such_connector', `no connector ${connectorId} on ${chargerId}`);
    return undefined;
  }

  const refused = (refusal: PlanRefusal, reason: string): PlanResult => ({ accepted: false, reason, refusal });
  const failed = (err: unknown) => log.error({ err: (err as Error).message }, 'charging plan not removed from the database');

  return {
    start() {
      off.push(
        deps.events.on('session.started', () => evaluate()),
        deps.events.on('session.ended', (s) => {
          const key = connectorKey(s.chargerId, s.connectorId);
          const p = plans.get(key);
          if (p) void remove(key, p, 'its session ended').catch(failed);
        }),
        deps.events.on('meter.values', (e) => {
          // Most sites have no plan: no key string per MeterValues then.
          if (plans.size > 0 && plans.has(connectorKey(e.chargerId, e.connectorId))) evaluate();
        }),
        deps.events.on('tariff.price', () => evaluate()),
        deps.events.on('tariff.feed', () => evaluate()),
      );
      timer = setInterval(() => evaluate(), deps.recheckMs);
      timer.unref();
      evaluate();
    },
    stop() {
      clearInterval(timer);
      for (const f of off.splice(0)) f();
    },
    async set(chargerId, connectorId, doc) {
      const bad = check(chargerId, connectorId);
      if (bad) return bad;
      if (!deps.limits()) return refused('not_configured', 'a plan holds the car at 0 A outside its slots, which needs a cap: this charger has none');
      const parsed = parsePlanRequest(doc);
      if ('problem' in parsed) return refused('bad_body', parsed.problem);
      const now = deps.now().getTime();
      const deadline = deadlineOf(parsed.request.by, now, deps.timeZone);
      if ('problem' in deadline) return refused('bad_body', deadline.problem);
      const session = activeSession(chargerId, connectorId);
      const r = parsed.request;
      const record: PlanRecord = {
        chargerId,
        connectorId,
        ...(r.energyKWh !== undefined ? { energyWh: r.energyKWh * 1000 } : { soc: r.soc!, capacityWh: r.capacityKWh! * 1000 }),
        deadline: new Date(deadline.at).toISOString(),
        ...(session ? { transactionId: session.transactionId } : {}),
        baseWh: progress(session).wh,
        createdAt: new Date(now).toISOString(),
      };
      // On disk before the user hears it was taken: a restart keeps it.
      await store.durably(() => store.plans.set(record));
      const key = connectorKey(chargerId, connectorId);
      plans.set(key, record);
      states.delete(key);
      log.info({ chargerId, connectorId, energyWh: record.energyWh, soc: record.soc, capacityWh: record.capacityWh, by: record.deadline }, 'charging plan set');
      evaluate();
      const state = states.get(key)!;
      const priced = deps.prices ? '' : ' (no tariff: section, so every slot is alike: charging now)';
      return { accepted: true, reason: `${state.reason}${priced}`, plan: state };
    },
    async clear(chargerId, connectorId) {
      const bad = check(chargerId, connectorId);
      if (bad) return bad;
      const key = connectorKey(chargerId, connectorId);
      const p = plans.get(key);
      if (!p) return { accepted: true, reason: 'no plan on this connector' };
      await remove(key, p, 'cleared by the user');
      return { accepted: true, reason: 'plan cleared' };
    },
    list: () => [...states.values()],
    get: (chargerId, connectorId) => states.get(connectorKey(chargerId, connectorId)),
  };
}
