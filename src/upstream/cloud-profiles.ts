/**
 * The cloud's charging profiles as chargegate keeps them when the site has a load balancer
 * (chargegate is then the site's Local Controller, OCPP 1.6 §3.13.4): which profiles are kept
 * (§3.13.2, §5.5, §5.16), the limit each one of the cloud's connectors is under at an instant
 * (§3.13.2 stacking, purposes), when any of that next changes, and the composite schedule
 * (§5.7). Pure: times are epoch ms, passed in.
 *
 * Connector numbers are the cloud's: 0 is the charge point (the site in aggregate mode, the
 * charger in transparent mode); cloud-caps.ts maps them to chargers. The schedule arithmetic of
 * one profile (period in force, duration, Absolute/Relative/Recurring starts, validFrom/validTo)
 * is src/ocpp/v16/schedule.ts, shared with the simulator, so chargegate and its simulated
 * chargers read a schedule the same way.
 */
import type { ClearChargingProfileRequest } from '../ocpp/v16/types.js';
import { breakpoints, periodAt, toAmps, type ChargingProfile, type InstalledProfile, type RateUnit } from '../ocpp/v16/schedule.js';

/** A profile from the cloud, with where and when chargegate accepted it. */
export interface CloudProfile {
  /** The connector as the cloud named it (0 = the charge point). */
  connectorId: number;
  profile: ChargingProfile;
  /** Epoch ms. The start of a ChargePointMaxProfile's Relative schedule (no session on connector 0) and of one without startSchedule. */
  receivedAt: number;
  /** A TxProfile's session: chargegate's transactionId, and when it started (epoch ms; Relative schedules run from it, §7.13). */
  session?: { transactionId: number; startedAt: number };
}

export interface Supply {
  /** Phase-to-neutral, V: W limits become A through it. */
  voltage: number;
}

/** What the stacking needs to know of the charge point behind one upstream connection. */
export interface ChargePointView {
  /** The cloud's connector numbers (> 0) that exist. */
  connectors: readonly number[];
  /** When the session on a connector started, epoch ms (a TxDefaultProfile's Relative schedule runs from it). */
  sessionStart: ReadonlyMap<number, number>;
  /**
   * The phases a W limit on a connector (0: the charge point) is spread over when its period
   * names none (§7.13 says 3; chargegate says: the supply's at the site, the charger's at a charger).
   */
  phases(connectorId: number): number;
}

export interface Limit {
  /** A per phase, floored to 0.1 A; null when no profile has a period in force. */
  amps: number | null;
  /** The chargingProfileId it comes from. */
  profileId?: number;
}

export interface CloudLimits {
  /** ChargePointMaxProfile (connector 0). `endsAt`: when it lapses with nothing after it. */
  chargePoint: Limit & { endsAt?: number };
  /** Per connector (> 0): its TxProfile, else its TxDefaultProfile, else the connector-0 TxDefaultProfile. */
  connectors: Map<number, Limit>;
  /**
   * Epoch ms when any of these changes next: a later period, a schedule's end, a recurrence, a
   * profile becoming valid or expiring. Undefined when nothing ever changes. When recurring
   * profiles show no change within LOOKAHEAD_MS, the end of the look-ahead: look again then.
   */
  nextChangeAt?: number;
}

/** How far ahead recurring schedules are unrolled to find the next change: a week and a day. */
export const LOOKAHEAD_MS = 8 * 86_400_000;

/** chargegate keeps at most this many per connector (its MaxChargingProfilesInstalled). */
export const MAX_PROFILES = 16;

const parse = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

const installed = (p: CloudProfile): InstalledProfile => ({ connectorId: p.connectorId, profile: p.profile, installedAt: p.receivedAt });
const purposeOf = (p: CloudProfile) => p.profile.chargingProfilePurpose;

/** Why a profile's schedule cannot be honoured (the answer is then Rejected), or undefined. */
export function profileProblem(profile: ChargingProfile): string | undefined {
  const schedule = profile.chargingSchedule;
  if (!(profile.stackLevel >= 0)) return `a negative stackLevel (${profile.stackLevel})`;
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
 * Where a purpose may go (§3.13.1, §5.16): a ChargePointMaxProfile on connector 0 only, a
 * TxProfile on a connector > 0 only (it belongs to that connector's transaction).
 */
export function placementProblem(connectorId: number, profile: ChargingProfile): string | undefined {
  if (profile.chargingProfilePurpose === 'ChargePointMaxProfile' && connectorId !== 0) return 'a ChargePointMaxProfile is for connector 0 only';
  if (profile.chargingProfilePurpose === 'TxProfile' && connectorId === 0) return 'a TxProfile is for a connector with a transaction, not connector 0';
  return undefined;
}

/**
 * SetChargingProfile (§5.16, §3.13.2): the new profile replaces a kept one with the same
 * chargingProfileId (whatever its purpose: an id names one profile), or with the same purpose
 * and stackLevel on the same connector.
 */
export function installProfile(kept: readonly CloudProfile[], incoming: CloudProfile): CloudProfile[] {
  const { chargingProfileId, stackLevel, chargingProfilePurpose } = incoming.profile;
  const replaced = (k: CloudProfile) =>
    k.profile.chargingProfileId === chargingProfileId || (k.connectorId === incoming.connectorId && purposeOf(k) === chargingProfilePurpose && k.profile.stackLevel === stackLevel);
  return [...kept.filter((k) => !replaced(k)), incoming];
}

/**
 * ClearChargingProfile (§5.5): by id alone when an id is given; otherwise every profile that
 * matches all the criteria given (connectorId: that connector only, 0 = the charge point's own;
 * purpose; stackLevel); no criteria at all: every profile.
 */
export function clearProfiles(kept: readonly CloudProfile[], criteria: ClearChargingProfileRequest): { kept: CloudProfile[]; removed: number } {
  const matches = (k: CloudProfile): boolean => {
    if (criteria.id !== undefined) return k.profile.chargingProfileId === criteria.id;
    return (
      (criteria.connectorId === undefined || criteria.connectorId === k.connectorId) &&
      (criteria.chargingProfilePurpose === undefined || criteria.chargingProfilePurpose === purposeOf(k)) &&
      (criteria.stackLevel === undefined || criteria.stackLevel === k.profile.stackLevel)
    );
  };
  const left = kept.filter((k) => !matches(k));
  return { kept: left, removed: kept.length - left.length };
}

/** A TxProfile lives as long as its transaction (§3.13.1): the session ended, its profiles go. */
export function endSession(kept: readonly CloudProfile[], transactionId: number): CloudProfile[] {
  return kept.filter((k) => k.session?.transactionId !== transactionId);
}

/** Past its validTo: it can never apply again (§7.13 validTo), so it need not be kept. */
export function expired(p: CloudProfile, now: number): boolean {
  const to = parse(p.profile.validTo);
  return to !== undefined && to <= now;
}

/** How many are kept on a connector (MAX_PROFILES each). */
export const countOn = (kept: readonly CloudProfile[], connectorId: number): number => kept.filter((k) => k.connectorId === connectorId).length;

// ---- stacking ---------------------------------------------------------------------------------

/**
 * The instant a profile's Relative schedule runs from, for one connector (§7.13 Relative: the
 * start of the transaction). ChargePointMax: when chargegate accepted it (there is no session
 * on connector 0). TxProfile: its session. TxDefaultProfile: the session on the connector it is
 * read for; with none, undefined: read as if it started now (its first period), which is what
 * a session starting now would get.
 */
function relativeStart(p: CloudProfile, connectorId: number, view: ChargePointView): number | undefined {
  if (purposeOf(p) === 'ChargePointMaxProfile') return p.receivedAt;
  if (p.session) return p.session.startedAt;
  return view.sessionStart.get(connectorId);
}

/**
 * §3.13.2: of the profiles given, the one with the highest stackLevel that has a period in force
 * at t prevails. A profile whose schedule has no period at t (not started yet, past its
 * duration, outside its recurrence) gives way to the next stackLevel down, as the OCPP 1.6 test
 * cases (TC_072_CS: a short stackLevel 1 over a longer stackLevel 0) and EVerest libocpp read it.
 */
function stackWinner(profiles: readonly CloudProfile[], connectorId: number, t: number, view: ChargePointView, supply: Supply): Limit | undefined {
  let best: { stackLevel: number; amps: number; profileId: number } | undefined;
  for (const p of profiles) {
    if (best && p.profile.stackLevel <= best.stackLevel) continue;
    const period = periodAt(installed(p), t, relativeStart(p, connectorId, view));
    if (!period) continue;
    const phases = period.numberPhases ?? view.phases(connectorId);
    best = { stackLevel: p.profile.stackLevel, amps: toAmps(period.limit, period.unit, phases, supply.voltage), profileId: p.profile.chargingProfileId };
  }
  // Floored, not rounded: a limit is never exceeded by the rounding (1.6 limits are multiples of 0.1).
  return best && { amps: floorTenth(best.amps), profileId: best.profileId };
}

/** The limit one profile sets on its own connector at t (A per phase), stacking aside; null: no period in force. */
export function profileAmpsAt(p: CloudProfile, t: number, view: ChargePointView, supply: Supply): number | null {
  return stackWinner([p], p.connectorId, t, view, supply)?.amps ?? null;
}

const on = (kept: readonly CloudProfile[], connectorId: number, purpose: ChargingProfile['chargingProfilePurpose']) =>
  kept.filter((k) => k.connectorId === connectorId && purposeOf(k) === purpose);

/** The ChargePointMaxProfile limit at t. */
function chargePointAt(kept: readonly CloudProfile[], t: number, view: ChargePointView, supply: Supply): Limit {
  return stackWinner(on(kept, 0, 'ChargePointMaxProfile'), 0, t, view, supply) ?? { amps: null };
}

/**
 * A connector's limit at t (§3.13.2): its TxProfile overrides the default; a TxDefaultProfile on
 * the connector replaces the connector-0 default for it. A layer with no period in force gives
 * way to the next, as a stack level does.
 */
function connectorAt(kept: readonly CloudProfile[], connectorId: number, t: number, view: ChargePointView, supply: Supply): Limit {
  return (
    stackWinner(on(kept, connectorId, 'TxProfile'), connectorId, t, view, supply) ??
    stackWinner(on(kept, connectorId, 'TxDefaultProfile'), connectorId, t, view, supply) ??
    stackWinner(on(kept, 0, 'TxDefaultProfile'), connectorId, t, view, supply) ?? { amps: null }
  );
}

/** Instants in (from, to) where a limit may change, sorted. */
function candidates(kept: readonly CloudProfile[], view: ChargePointView, from: number, to: number): number[] {
  const out = new Set<number>();
  for (const p of kept) {
    // A TxDefaultProfile on connector 0 runs from each connector's own session.
    const readFor = p.connectorId === 0 && purposeOf(p) === 'TxDefaultProfile' ? view.connectors : [p.connectorId];
    const starts = new Set(readFor.map((n) => relativeStart(p, n, view)));
    for (const start of starts) for (const t of breakpoints(installed(p), from, to, start)) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

/** Every limit at t. */
function evaluate(kept: readonly CloudProfile[], view: ChargePointView, t: number, supply: Supply): { chargePoint: Limit; connectors: Map<number, Limit> } {
  return {
    chargePoint: chargePointAt(kept, t, view, supply),
    connectors: new Map(view.connectors.map((n) => [n, connectorAt(kept, n, t, view, supply)])),
  };
}

/** The limits at `now` and when any of them next changes (one timer is enough). */
export function limitsAt(kept: readonly CloudProfile[], view: ChargePointView, now: number, supply: Supply): CloudLimits {
  const current = evaluate(kept, view, now, supply);
  const horizon = now + LOOKAHEAD_MS;
  // Non-recurring schedules have finitely many breakpoints: all of them count. Recurring ones
  // repeat: unrolled up to the horizon, past which nothing is known without unrolling more.
  const recurringBeyond = kept.some((p) => p.profile.chargingProfileKind === 'Recurring' && (parse(p.profile.validTo) ?? Infinity) > horizon);
  const searchTo = recurringBeyond ? horizon : Infinity;
  const same = (a: Limit | undefined, b: Limit | undefined) => (a?.amps ?? null) === (b?.amps ?? null);
  let nextChangeAt: number | undefined;
  let endsAt: number | undefined;
  let chargePointSettled = current.chargePoint.amps === null;
  for (const t of candidates(kept, view, now, searchTo)) {
    const at = evaluate(kept, view, t, supply);
    const cpChanged = !same(at.chargePoint, current.chargePoint);
    if (nextChangeAt === undefined && (cpChanged || view.connectors.some((n) => !same(at.connectors.get(n), current.connectors.get(n))))) nextChangeAt = t;
    if (!chargePointSettled && cpChanged) {
      // The charge point's limit ends here with nothing after it: the balancer can let it lapse on time.
      if (at.chargePoint.amps === null) endsAt = t;
      chargePointSettled = true;
    }
    if (nextChangeAt !== undefined && chargePointSettled) break;
  }
  if (nextChangeAt === undefined && recurringBeyond) nextChangeAt = horizon;
  return {
    chargePoint: { ...current.chargePoint, ...(endsAt !== undefined ? { endsAt } : {}) },
    connectors: current.connectors,
    ...(nextChangeAt !== undefined ? { nextChangeAt } : {}),
  };
}

// ---- the composite schedule (GetCompositeSchedule, §5.7) -------------------------------------

export interface CompositeRequest {
  /** The cloud's connector (0: the charge point). */
  connectorId: number;
  /** Seconds from now. */
  duration: number;
  unit: RateUnit;
  /** chargegate's own limit on it now, A per phase (the balancer's allocation; for 0 the site limit). */
  own: number;
}

export interface CompositeSchedule {
  duration: number;
  chargingRateUnit: RateUnit;
  chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases: number }[];
}

/**
 * The composite schedule from `now` for `duration` seconds: per period the minimum of the
 * ChargePointMaxProfile, the connector's TxProfile/TxDefaultProfile (§3.13.2: "the composite
 * schedule is the minimum of ...") and chargegate's own limit now (it does not know its future
 * allocations: that stays the same). startPeriod is whole seconds (§7.13); a change inside a
 * second is reported from that second for the whole of it at the lower of the limits, so the
 * schedule never promises more than is in force. W: A × voltage × the connector's phases.
 */
export function compositeSchedule(kept: readonly CloudProfile[], view: ChargePointView, now: number, supply: Supply, req: CompositeRequest): CompositeSchedule {
  const n = req.connectorId;
  const at = (t: number): number => {
    const cp = chargePointAt(kept, t, view, supply).amps ?? Infinity;
    const own = n > 0 ? (connectorAt(kept, n, t, view, supply).amps ?? Infinity) : Infinity;
    return Math.min(req.own, cp, own);
  };
  const end = now + req.duration * 1000;
  const changes = candidates(kept, view, now, end);
  const seconds = new Set<number>([0]);
  for (const t of changes) {
    const s = (t - now) / 1000;
    seconds.add(Math.floor(s));
    if (Math.ceil(s) < req.duration) seconds.add(Math.ceil(s));
  }
  const starts = [...seconds].sort((a, b) => a - b);
  const phases = view.phases(n);
  const value = (amps: number) => floorTenth(req.unit === 'A' ? amps : amps * supply.voltage * phases);
  const periods: CompositeSchedule['chargingSchedulePeriod'] = [];
  starts.forEach((s, i) => {
    const from = now + s * 1000;
    const to = now + (starts[i + 1] ?? req.duration) * 1000;
    let amps = at(from);
    for (const t of changes) if (t > from && t < to) amps = Math.min(amps, at(t));
    const limit = value(amps);
    if (periods.at(-1)?.limit !== limit) periods.push({ startPeriod: s, limit, numberPhases: phases });
  });
  return { duration: req.duration, chargingRateUnit: req.unit, chargingSchedulePeriod: periods };
}

/** OCPP 1.6 §7.13: a limit is a decimal with at most one digit after the point. */
function floorTenth(x: number): number {
  return Math.max(0, Math.floor(x * 10 + 1e-9) / 10);
}
