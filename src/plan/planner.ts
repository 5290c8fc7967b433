/**
 * The charging planner (pure: the clock, the prices and the car's power are passed in): which
 * slots between now and the deadline deliver the energy still needed at the lowest cost.
 *
 * The car charges at full power in a chosen slot and not at all in the others: a car's
 * losses are lowest at full current, and every change is a profile written to the charger's
 * flash, so a slot is all or nothing. With the same power in every slot, taking the cheapest
 * slots first is optimal (the last one only partly needed); equal prices go to the earlier
 * slot, so the car is full sooner. Called again at every reading, the plan follows the energy
 * actually delivered and the prices as they change (a re-plan is just another call).
 */
import type { PriceAt } from '../cost/tariff.js';

export const SLOT_MS = 15 * 60_000;

export interface PlanInput {
  now: number;
  /** Epoch ms the energy must be in the car by. */
  deadline: number;
  /** Energy still to deliver, Wh. */
  neededWh: number;
  /** What the car takes at the current it can get (phases × voltage × A), W. */
  powerW: number;
  priceAt: PriceAt;
  /** Slot length, ms; slots start on multiples of it (quarter hours by default). */
  slotMs?: number;
  /** IANA zone of the times in the reason (the tariff's); default UTC. */
  timeZone?: string;
}

export interface PlanSlot {
  from: number;
  to: number;
  /** Per kWh; undefined: no price known for it (chosen only after every priced slot). */
  price: number | undefined;
}

export interface PlanWindow {
  from: number;
  to: number;
}

export type PlanStatus = 'reached' | 'charging' | 'waiting' | 'unreachable';

export interface Planned {
  status: PlanStatus;
  /** Whether the car charges now (at full power). */
  chargeNow: boolean;
  /** When the car charges: the chosen slots in time order, neighbours joined. */
  windows: PlanWindow[];
  /** The next (or current) chosen slot. */
  next?: { from: number; to: number };
  /** When the energy is expected in the car. */
  finishAt?: number;
  /** The expected cost of the energy still to deliver (priced energy only). */
  cost?: number;
  /** Energy the plan puts in slots without a price, Wh. */
  unpricedWh: number;
  /** In words, for the API, MQTT and the log. */
  reason: string;
}

export function plan(input: PlanInput): Planned {
  const { now, deadline, neededWh, powerW, priceAt } = input;
  const slotMs = input.slotMs ?? SLOT_MS;
  if (neededWh <= 0) return { status: 'reached', chargeNow: false, windows: [], unpricedWh: 0, reason: 'the energy is in the car' };
  if (!(powerW > 0)) return { status: 'unreachable', chargeNow: true, windows: [], unpricedWh: 0, reason: 'the car\'s power is not known: charging now' };
  const hoursNeeded = neededWh / powerW;
  const all = slotsUntil(now, deadline, slotMs, priceAt);
  const capacityWh = all.reduce((sum, s) => sum + whIn(s, powerW), 0);
  if (capacityWh < neededWh) {
    const finishAt = now + hoursNeeded * 3_600_000;
    // At full power from now on; the slots past the deadline priced as they come.
    const slots = slotsUntil(now, finishAt, slotMs, priceAt);
    const { cost, unpricedWh } = priceOf(slots, neededWh, powerW);
    const reason = now >= deadline
      ? `the deadline has passed with ${kwh(neededWh)} kWh still to charge: charging now`
      : `${kwh(neededWh)} kWh cannot be charged by the deadline at ${kwh(powerW)} kW (at most ${kwh(capacityWh)} kWh): charging now`;
    return { status: 'unreachable', chargeNow: true, windows: join(slots), next: { from: now, to: finishAt }, finishAt, ...(cost !== undefined ? { cost } : {}), unpricedWh, reason };
  }
  const ranked = [...all].sort((a, b) => (a.price ?? Infinity) - (b.price ?? Infinity) || a.from - b.from);
  const chosen: PlanSlot[] = [];
  let covered = 0;
  for (const s of ranked) {
    if (covered >= neededWh) break;
    chosen.push(s);
    covered += whIn(s, powerW);
  }
  chosen.sort((a, b) => a.from - b.from);
  const { cost, unpricedWh, finishAt } = priceOf(chosen, neededWh, powerW);
  const chargeNow = chosen[0]!.from <= now;
  const windows = join(chosen);
  const next = windows[0]!;
  const clock = clockIn(input.timeZone ?? 'UTC');
  const priced = cost !== undefined ? `, about ${round(cost)} for ${kwh(neededWh)} kWh` : '';
  const reason = chargeNow
    ? `charging in a planned slot until ${clock(next.to)}${priced}`
    : `waiting for the cheapest slots: next from ${clock(next.from)}${priced}`;
  return { status: chargeNow ? 'charging' : 'waiting', chargeNow, windows, next: { from: next.from, to: next.to }, ...(finishAt !== undefined ? { finishAt } : {}), ...(cost !== undefined ? { cost } : {}), unpricedWh, reason };
}

/** The slots from `from` to `to`: the first and last may be partial, the others start on multiples of slotMs. */
function slotsUntil(from: number, to: number, slotMs: number, priceAt: PriceAt): PlanSlot[] {
  const out: PlanSlot[] = [];
  for (let t = from; t < to; ) {
    const end = Math.min(to, Math.floor(t / slotMs) * slotMs + slotMs);
    out.push({ from: t, to: end, price: priceAt(t) });
    t = end;
  }
  return out;
}

const whIn = (s: PlanSlot, powerW: number) => (powerW * (s.to - s.from)) / 3_600_000;

/** Filling the slots in time order: what the energy costs and when it is all in. */
function priceOf(slots: readonly PlanSlot[], neededWh: number, powerW: number): { cost: number | undefined; unpricedWh: number; finishAt: number | undefined } {
  let left = neededWh;
  let cost = 0;
  let unpricedWh = 0;
  let finishAt: number | undefined;
  for (const s of slots) {
    if (left <= 0) break;
    const wh = Math.min(left, whIn(s, powerW));
    left -= wh;
    if (s.price === undefined) unpricedWh += wh;
    else cost += (wh / 1000) * s.price;
    if (left <= 1e-9) finishAt = s.from + (wh / powerW) * 3_600_000;
  }
  return { cost: unpricedWh >= neededWh ? undefined : round(cost), unpricedWh: Math.round(unpricedWh), finishAt: finishAt === undefined ? undefined : Math.round(finishAt) };
}

/** Neighbouring slots joined into windows. */
function join(slots: readonly PlanSlot[]): PlanWindow[] {
  const out: PlanWindow[] = [];
  for (const s of slots) {
    const last = out.at(-1);
    if (last && last.to === s.from) last.to = s.to;
    else out.push({ from: s.from, to: s.to });
  }
  return out;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const kwh = (wh: number) => String(Math.round(wh / 100) / 10);
/** HH:MM in the zone, for the reason; the API gives the instants in ISO 8601 as well. */
function clockIn(timeZone: string): (ms: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  return (ms) => format.format(ms);
}
