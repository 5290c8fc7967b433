/**
 * Charging-schedule arithmetic (OCPP 1.6 §3.13.1-§3.13.3, §7.13): which period of one profile is
 * in force at an instant, and when that can change. Pure: times are epoch milliseconds, passed in.
 */
import type { SetChargingProfileRequest } from './types.js';

export type ChargingProfile = SetChargingProfileRequest['csChargingProfiles'];
export type ChargingPurpose = ChargingProfile['chargingProfilePurpose'];
export type RateUnit = 'A' | 'W';

/** A profile as the charger keeps it: where it was installed and when (the fallback start). */
export interface InstalledProfile {
  connectorId: number;
  profile: ChargingProfile;
  installedAt: number;
}

export interface ActivePeriod {
  limit: number;
  unit: RateUnit;
  numberPhases?: number;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The instant the schedule's period clock starts from, for the cycle containing t.
 * Absolute: startSchedule. Relative: the start of the transaction (§7.13 "Relative"); with no
 * transaction the schedule is read as if it started now. Recurring: startSchedule repeated daily
 * or weekly (§7.13 "Recurring").
 */
export function scheduleStart(p: InstalledProfile, t: number, txStart: number | undefined): number {
  const { profile } = p;
  const declared = parseTime(profile.chargingSchedule.startSchedule) ?? parseTime(profile.validFrom) ?? p.installedAt;
  switch (profile.chargingProfileKind) {
    case 'Absolute':
      return declared;
    case 'Relative':
      return txStart ?? t;
    case 'Recurring': {
      const cycle = profile.recurrencyKind === 'Weekly' ? WEEK_MS : DAY_MS;
      const offset = (((t - declared) % cycle) + cycle) % cycle;
      return t - offset;
    }
  }
}

function isValidAt(profile: ChargingProfile, t: number): boolean {
  const from = parseTime(profile.validFrom);
  const to = parseTime(profile.validTo);
  return (from === undefined || t >= from) && (to === undefined || t < to);
}

/** The period in force at t, or undefined when the profile does not apply then (not yet valid, expired, past its duration). */
export function periodAt(p: InstalledProfile, t: number, txStart: number | undefined): ActivePeriod | undefined {
  const { profile } = p;
  if (!isValidAt(profile, t)) return undefined;
  const schedule = profile.chargingSchedule;
  const offsetS = (t - scheduleStart(p, t, txStart)) / 1000;
  if (offsetS < 0) return undefined;
  if (schedule.duration !== undefined && offsetS >= schedule.duration) return undefined;
  let found: (typeof schedule.chargingSchedulePeriod)[number] | undefined;
  for (const period of schedule.chargingSchedulePeriod) {
    if (period.startPeriod <= offsetS && (!found || period.startPeriod >= found.startPeriod)) found = period;
  }
  if (!found) return undefined;
  return { limit: found.limit, unit: schedule.chargingRateUnit, ...(found.numberPhases !== undefined ? { numberPhases: found.numberPhases } : {}) };
}

/** Instants in (from, to) where the profile's limit may change: period starts, the end of its duration, validity bounds. */
export function breakpoints(p: InstalledProfile, from: number, to: number, txStart: number | undefined): number[] {
  const { profile } = p;
  const out: number[] = [];
  const add = (t: number | undefined): void => {
    if (t !== undefined && t > from && t < to) out.push(t);
  };
  add(parseTime(profile.validFrom));
  add(parseTime(profile.validTo));
  const schedule = profile.chargingSchedule;
  const addCycle = (start: number): void => {
    for (const period of schedule.chargingSchedulePeriod) add(start + period.startPeriod * 1000);
    if (schedule.duration !== undefined) add(start + schedule.duration * 1000);
  };
  if (profile.chargingProfileKind === 'Recurring') {
    const cycle = profile.recurrencyKind === 'Weekly' ? WEEK_MS : DAY_MS;
    for (let start = scheduleStart(p, from, txStart); start < to; start += cycle) addCycle(start);
  } else {
    addCycle(scheduleStart(p, from, txStart));
  }
  return out;
}

/** Converts a limit to amperes per phase: W → A through voltage × phases (§3.13.1: W is the total power). */
export function toAmps(limit: number, unit: RateUnit, phases: number, voltageV: number): number {
  return unit === 'A' ? limit : limit / (voltageV * phases);
}
