/**
 * The cloud's ChargePointMaxProfiles (aggregate mode, connector 0) as one site limit: which
 * profiles are kept (OCPP 1.6 §3.13.2, §5.5, §5.16), which one is in force at an instant, its
 * limit in A per phase, and when that next changes. Pure: times are epoch ms, passed in.
 *
 * The schedule arithmetic of one profile (period in force, duration, Absolute/Relative/
 * Recurring starts, validFrom/validTo) is src/ocpp/v16/schedule.ts, shared with the simulator, so chargegate
 * and its simulated chargers read a schedule the same way.
 */
import type { ClearChargingProfileRequest } from '../ocpp/v16/types.js';
import { breakpoints, periodAt, toAmps, type ChargingProfile, type InstalledProfile } from '../ocpp/v16/schedule.js';

/** A ChargePointMaxProfile from the cloud, with when chargegate accepted it. */
export interface CloudMaxProfile {
  profile: ChargingProfile;
  /** Epoch ms. The start of a Relative schedule (there is no session on connector 0) and of one without startSchedule. */
  receivedAt: number;
}

export interface Supply {
  /** Phase-to-neutral, V. */
  voltage: number;
  /** What a W period without numberPhases is spread over (§7.13 says 3; chargegate says: the supply's). */
  phases: number;
}

export interface SiteLimitAt {
  /** The limit in force, A per phase (floored to 0.1 A); null when no profile has a period in force. */
  amps: number | null;
  /** The chargingProfileId it comes from. */
  profileId?: number;
  /**
   * Epoch ms when `amps` changes next: a later period, a schedule's end, a recurrence, a
   * profile becoming valid or expiring. Undefined when it never changes. When recurring
   * profiles show no change within LOOKAHEAD_MS, the end of the look-ahead: look again then.
   */
  nextChangeAt?: number;
}

/** How far ahead recurring schedules are unrolled to find the next change: a week and a day. */
export const LOOKAHEAD_MS = 8 * 86_400_000;

/** chargegate keeps at most this many (its MaxChargingProfilesInstalled for connector 0). */
export const MAX_PROFILES = 16;

const parse = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

const installed = (p: CloudMaxProfile): InstalledProfile => ({ connectorId: 0, profile: p.profile, installedAt: p.receivedAt });

/** Why a ChargePointMaxProfile cannot be honoured (the answer is then Rejected), or undefined. */
export function profileProblem(profile: ChargingProfile): string | undefined {
  const schedule = profile.chargingSchedule;
  if (schedule.chargingSchedulePeriod.length === 0) return 'the schedule has no periods';
  for (const p of schedule.chargingSchedulePeriod) {
    if (!(p.limit >= 0)) return `a negative limit (${p.limit})`;
    if (!(p.startPeriod >= 0)) return `a negative startPeriod (${p.startPeriod})`;
    if (p.numberPhases !== undefined && !(p.numberPhases >= 1 && p.numberPhases <= 3)) return `numberPhases ${p.numberPhases}`;
  }
  if (schedule.duration !== undefined && !(schedule.duration >= 0)) return `a negative duration (${schedule.duration})`;
  // §7.13: a Recurring profile restarts "daily or weekly"; without recurrencyKind it cannot.
  if (profile.chargingProfileKind === 'Recurring' && profile.recurrencyKind === undefined) return 'a Recurring profile without recurrencyKind';
  for (const [name, value] of [['validFrom', profile.validFrom], ['validTo', profile.validTo], ['startSchedule', schedule.startSchedule]] as const) {
    if (value !== undefined && parse(value) === undefined) return `${name} is not a date-time`;
  }
  return undefined;
}

/**
 * SetChargingProfile (§5.16, §3.13.2): a profile with the same chargingProfileId, or the same
 * stackLevel and purpose (all of these are ChargePointMaxProfiles on connector 0), is replaced.
 */
export function installProfile(kept: readonly CloudMaxProfile[], incoming: CloudMaxProfile): CloudMaxProfile[] {
  const { chargingProfileId, stackLevel } = incoming.profile;
  return [...kept.filter((k) => k.profile.chargingProfileId !== chargingProfileId && k.profile.stackLevel !== stackLevel), incoming];
}

/**
 * ClearChargingProfile (§5.5): by id alone when an id is given; otherwise every profile that
 * matches all the criteria given (connectorId 0, purpose ChargePointMaxProfile, stackLevel).
 */
export function clearProfiles(kept: readonly CloudMaxProfile[], criteria: ClearChargingProfileRequest): { kept: CloudMaxProfile[]; removed: number } {
  const matches = (k: CloudMaxProfile): boolean => {
    if (criteria.id !== undefined) return k.profile.chargingProfileId === criteria.id;
    return (
      (criteria.connectorId === undefined || criteria.connectorId === 0) &&
      (criteria.chargingProfilePurpose === undefined || criteria.chargingProfilePurpose === 'ChargePointMaxProfile') &&
      (criteria.stackLevel === undefined || criteria.stackLevel === k.profile.stackLevel)
    );
  };
  const left = kept.filter((k) => !matches(k));
  return { kept: left, removed: kept.length - left.length };
}

/** Past its validTo: it can never apply again (§7.13 validTo), so it need not be kept. */
export function expired(p: CloudMaxProfile, now: number): boolean {
  const to = parse(p.profile.validTo);
  return to !== undefined && to <= now;
}

/**
 * The limit at t. §3.13.2: the profile with the highest stackLevel valid at t prevails. A
 * profile whose schedule has no period at t (not started yet, past its duration, outside its
 * recurrence) gives way to the next stackLevel down, as the OCPP 1.6 test cases (TC_072_CS:
 * a short stackLevel 1 over a longer stackLevel 0) and EVerest libocpp read it.
 */
function limitAt(profiles: readonly CloudMaxProfile[], t: number, supply: Supply): { amps: number | null; profileId?: number } {
  let best: { stackLevel: number; amps: number; profileId: number } | undefined;
  for (const p of profiles) {
    if (best && p.profile.stackLevel <= best.stackLevel) continue;
    // Relative (and no startSchedule): the schedule runs from when chargegate accepted it.
    const period = periodAt(installed(p), t, p.receivedAt);
    if (!period) continue;
    const amps = toAmps(period.limit, period.unit, period.numberPhases ?? supply.phases, supply.voltage);
    best = { stackLevel: p.profile.stackLevel, amps, profileId: p.profile.chargingProfileId };
  }
  if (!best) return { amps: null };
  // Floored, not rounded: a limit is never exceeded by the rounding (1.6 limits are multiples of 0.1).
  return { amps: Math.max(0, Math.floor(best.amps * 10 + 1e-9) / 10), profileId: best.profileId };
}

/** The cloud's site limit at `now` and when it next changes (one timer is enough). */
export function siteLimitAt(profiles: readonly CloudMaxProfile[], now: number, supply: Supply): SiteLimitAt {
  const current = limitAt(profiles, now, supply);
  const horizon = now + LOOKAHEAD_MS;
  // Non-recurring schedules have finitely many breakpoints: all of them count. Recurring ones
  // repeat: unrolled up to the horizon, past which nothing is known without unrolling more.
  const recurringBeyond = profiles.some((p) => p.profile.chargingProfileKind === 'Recurring' && (parse(p.profile.validTo) ?? Infinity) > horizon);
  const searchTo = recurringBeyond ? horizon : Infinity;
  const candidates = new Set<number>();
  for (const p of profiles) {
    const to = p.profile.chargingProfileKind === 'Recurring' ? Math.min(horizon, searchTo) : searchTo;
    for (const t of breakpoints(installed(p), now, to, p.receivedAt)) candidates.add(t);
  }
  for (const t of [...candidates].sort((a, b) => a - b)) {
    if (limitAt(profiles, t, supply).amps !== current.amps) return { ...current, nextChangeAt: t };
  }
  return recurringBeyond ? { ...current, nextChangeAt: horizon } : current;
}
