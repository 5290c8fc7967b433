/**
 * A plan as a user asks for it (HTTP body, MQTT payload), checked, and its deadline as an
 * instant (pure: now and the time zone are passed in). One reading for every door, so HTTP and
 * MQTT accept and refuse the same things in the same words.
 */
import { localClock } from '../balancer/external.js';

export interface PlanRequest {
  energyKWh?: number;
  soc?: number;
  capacityKWh?: number;
  /** "HH:MM" (the next such local time) or a date-time with a zone. */
  by: string;
}

const KEYS = ['energyKWh', 'soc', 'capacityKWh', 'by'];
/** A plan looks at most this far ahead: day-ahead prices cover about a day and a half. */
export const MAX_HORIZON_MS = 7 * 24 * 3600 * 1000;

export function parsePlanRequest(doc: unknown, extraKeys: readonly string[] = []): { request: PlanRequest } | { problem: string } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { problem: 'expected a JSON object such as {"energyKWh": 20, "by": "07:00"} or {"soc": 80, "capacityKWh": 60, "by": "07:00"}' };
  const o = doc as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.includes(k) && !extraKeys.includes(k));
  if (unknown.length > 0) return { problem: `unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${KEYS.join(', ')})` };
  const number = (key: string, min: number, max: number): number | undefined | string => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) return `${key} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`;
    return v;
  };
  const energyKWh = number('energyKWh', 0.1, 1000);
  const soc = number('soc', 1, 100);
  const capacityKWh = number('capacityKWh', 1, 1000);
  for (const x of [energyKWh, soc, capacityKWh]) if (typeof x === 'string') return { problem: x };
  if ((energyKWh === undefined) === (soc === undefined)) return { problem: 'give either energyKWh (kWh to add) or soc (% to reach, with capacityKWh)' };
  if (soc !== undefined && capacityKWh === undefined) return { problem: 'soc needs capacityKWh, the battery\'s usable capacity in kWh' };
  if (energyKWh !== undefined && capacityKWh !== undefined) return { problem: 'capacityKWh goes with soc, not with energyKWh' };
  if (typeof o.by !== 'string' || !(HHMM.test(o.by) || DATE_TIME.test(o.by))) return { problem: `by must be a time of day HH:MM (e.g. 07:00) or a date-time with a zone (e.g. 2026-12-04T07:00:00+01:00), got ${JSON.stringify(o.by)}` };
  return { request: { ...(energyKWh !== undefined ? { energyKWh: energyKWh as number } : {}), ...(soc !== undefined ? { soc: soc as number, capacityKWh: capacityKWh as number } : {}), by: o.by } };
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

/** The instant `by` names: the next HH:MM in the zone after now (tomorrow's if today's has passed), or the date-time. */
export function deadlineOf(by: string, now: number, timeZone: string): { at: number } | { problem: string } {
  if (HHMM.test(by)) {
    const want = Number(by.slice(0, 2)) * 60 + Number(by.slice(3, 5));
    const clock = localClock(timeZone);
    // Minute by minute over two days: daylight saving time needs no special case (a time the
    // clocks skip is taken at the next minute that exists).
    const first = now - (now % 60_000) + 60_000;
    for (let at = first; at < first + 2 * 24 * 3600_000; at += 60_000) {
      const m = clock(at).minutes;
      if (m === want || (m > want && clock(at - 60_000).minutes < want && at !== first)) return { at };
    }
    return { problem: `no ${by} in ${timeZone} in the next two days` };
  }
  const at = Date.parse(by);
  if (Number.isNaN(at)) return { problem: `by is not a valid date-time: ${by}` };
  if (at <= now) return { problem: `by ${by} has passed` };
  if (at - now > MAX_HORIZON_MS) return { problem: `by ${by} is more than 7 days ahead` };
  return { at };
}
