/**
 * What the home view says, in plain words, from the API's data: no OCPP names (those stay on
 * the charger page). Pure, so the unit tests hold it to the words.
 */
import type { Charger, Connector, Plan, Session } from './types.js';

export type Tone = 'ok' | 'charging' | 'warn' | 'bad' | 'off';

/** OCPP 1.6 §7.6 ChargePointErrorCode in words (NoError says nothing). */
const FAULTS: Record<string, string> = {
  ConnectorLockFailure: 'the cable lock failed',
  EVCommunicationError: 'cannot talk to the car',
  GroundFailure: 'earth fault',
  HighTemperature: 'too hot',
  InternalError: 'internal error',
  LocalListConflict: 'card list conflict',
  OtherError: 'error',
  OverCurrentFailure: 'too much current',
  OverVoltage: 'voltage too high',
  PowerMeterFailure: 'meter failure',
  PowerSwitchFailure: 'power switch failure',
  ReaderFailure: 'card reader failure',
  ResetFailure: 'restart failed',
  UnderVoltage: 'voltage too low',
  WeakSignal: 'weak signal',
};

export function faultWords(errorCode: string | undefined): string {
  return (errorCode && FAULTS[errorCode]) || 'unknown error';
}

export const kwText = (w: number, estimated = false) => `${estimated ? '≈' : ''}${(w / 1000).toFixed(1)} kW`;

/** Nominal phase voltage for a charger that reports currents but no power (IEC 60038). */
export const NOMINAL_V = 230;

/**
 * A connector's power, W: as reported, or where only currents are (many chargers send
 * Current.Import alone) estimated at the nominal voltage and marked so.
 */
export function connectorPower(k: Pick<Connector, 'powerW' | 'currentA'>): { w: number; estimated: boolean } {
  if (k.powerW !== null) return { w: k.powerW, estimated: false };
  return { w: (k.currentA ?? []).reduce((sum, a) => sum + a, 0) * NOMINAL_V, estimated: (k.currentA ?? []).some((a) => a > 0) };
}

/**
 * A connector's state as a home user says it (OCPP 1.6 §7.7 ChargePointStatus; a 2.0.1
 * charger's statuses arrive translated to these).
 */
export function plainStatus(online: boolean, k: Pick<Connector, 'status' | 'errorCode' | 'powerW' | 'currentA'>): { text: string; tone: Tone } {
  if (!online) return { text: 'Offline', tone: 'off' };
  switch (k.status) {
    case 'Available':
      return { text: 'Ready', tone: 'ok' };
    case 'Preparing':
      return { text: 'Car plugged in, waiting', tone: 'warn' };
    case 'Charging': {
      const p = connectorPower(k);
      return { text: p.w > 0 ? `Charging at ${kwText(p.w, p.estimated)}` : 'Charging', tone: 'charging' };
    }
    case 'SuspendedEV':
      return { text: 'Car plugged in, the car paused', tone: 'warn' };
    case 'SuspendedEVSE':
      return { text: 'Car plugged in, paused by the limit', tone: 'warn' };
    case 'Finishing':
      return { text: 'Finished, unplug the car', tone: 'ok' };
    case 'Reserved':
      return { text: 'Reserved', tone: 'warn' };
    case 'Unavailable':
      return { text: 'Switched off', tone: 'off' };
    case 'Faulted':
      return { text: `Fault: ${faultWords(k.errorCode)}`, tone: 'bad' };
    default:
      return { text: 'Waiting for the charger', tone: 'off' };
  }
}

/** OCPP 1.6 §7.40 Reason (why a session stopped) in words; the raw reason stays in the CSV. */
const STOP_REASONS: Record<string, string> = {
  EVDisconnected: 'car unplugged',
  Local: 'stopped at the charger',
  Remote: 'stopped from the app',
  DeAuthorized: 'card no longer valid',
  EmergencyStop: 'emergency stop',
  HardReset: 'charger restarted',
  SoftReset: 'charger restarted',
  Reboot: 'charger restarted',
  PowerLoss: 'power cut',
  UnlockCommand: 'cable unlocked',
  Other: 'other',
};

export function stopReasonWords(reason: string | undefined): string {
  return reason === undefined ? '' : (STOP_REASONS[reason] ?? reason);
}

/** The site's power now: every online connector's, W; estimated when any part is. */
export function sitePower(chargers: Iterable<Charger>): { w: number; estimated: boolean } {
  let w = 0;
  let estimated = false;
  for (const c of chargers) {
    if (!c.online) continue;
    for (const k of c.connectors) {
      const p = connectorPower(k);
      w += p.w;
      estimated ||= p.estimated;
    }
  }
  return { w, estimated };
}

/** Local midnight before `now`, as the API's `from`. */
export function startOfDay(now: Date): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}

/**
 * Today's energy and cost: the sessions that started since midnight (a session counts on the
 * day it started, as GET /api/energy counts it). A running session's energy is taken from its
 * connector's live reading, which is newer than the list's.
 */
export function todayTotals(sessions: Iterable<Session>, chargers: Iterable<Charger>, midnight: Date): { energyWh: number; cost: { amount: number; currency: string } | null } {
  const live = new Map<number, number>();
  for (const c of chargers) for (const k of c.connectors) if (k.session?.energyWh !== null && k.session?.energyWh !== undefined) live.set(k.session.transactionId, k.session.energyWh);
  let energyWh = 0;
  let amount = 0;
  let currency: string | undefined;
  for (const s of sessions) {
    if (Date.parse(s.startedAt) < midnight.getTime()) continue;
    energyWh += live.get(s.transactionId) ?? s.energyWh ?? 0;
    if (s.cost) {
      amount += s.cost.amount;
      currency = s.cost.currency;
    }
  }
  return { energyWh, cost: currency === undefined ? null : { amount, currency } };
}

/** The per-charger cap's slider: 6 A (the IEC 61851 minimum) up to the charger's maximum. */
export const MIN_CAP_A = 6;
export function capRange(maxCurrentA: number | undefined): { min: number; max: number } {
  return { min: MIN_CAP_A, max: Math.max(MIN_CAP_A, Math.floor(maxCurrentA ?? 32)) };
}

/** The cap a local user set on the whole charger (HTTP, the dashboard, MQTT, Home Assistant); null: none. */
export function userCap(caps: readonly { connectorId?: number; source: string; amps: number }[]): number | null {
  const mine = caps.filter((c) => c.connectorId === undefined && (c.source === 'http' || c.source === 'mqtt'));
  return mine.length === 0 ? null : Math.min(...mine.map((c) => c.amps));
}

export const MODES = [
  { mode: 'off', label: 'Off' },
  { mode: 'now', label: 'Now' },
  { mode: 'minsolar', label: 'Min+Solar' },
  { mode: 'solar', label: 'Solar' },
] as const;

/** A time as the page shows it: HH:MM in the browser's zone. */
export const clockTime = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/**
 * A charging plan in plain words: "20 kWh by 07:00 — charging 02:00–04:00, ≈ 3.10 EUR".
 * `time` formats an instant (the page: clockTime; the unit tests: a fixed zone).
 */
export function planWords(plan: Plan, time: (iso: string) => string = clockTime): string {
  const target = plan.soc !== undefined ? `${plan.soc} %` : `${plan.energyKWh ?? 0} kWh`;
  const head = `${target} by ${time(plan.by)}`;
  const cost = plan.expectedCost !== null && plan.currency ? `, ≈ ${plan.expectedCost.toFixed(2)} ${plan.currency}` : '';
  const windows = plan.windows.map((w) => `${time(w.from)}–${time(w.to)}`).join(', ');
  switch (plan.status) {
    case 'reached':
      return `${head} — done`;
    case 'unreachable':
      return `${head} — not reachable in time: charging now${cost}`;
    default:
      return `${head} — ${windows ? `charging ${windows}` : 'waiting'}${cost}`;
  }
}

/**
 * The form's "by" (HH:MM, as the page shows times: the browser's zone) as the next such
 * instant, sent with its zone, so a browser in another zone than the tariff's means its own 07:00.
 */
export function nextTimeOfDay(hhmm: string, now: Date): string {
  const [hours = 0, minutes = 0] = hhmm.split(':').map(Number);
  const at = new Date(now);
  at.setHours(hours, minutes, 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at.toISOString();
}

/** The time input's value for the plan form: the plan's "by" as HH:MM, or the morning. */
export const planByValue = (plan: Plan | undefined, time: (iso: string) => string = clockTime): string => (plan ? time(plan.by) : '07:00');
