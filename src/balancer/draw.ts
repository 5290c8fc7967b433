/**
 * How much of a grid meter reading one charger's car can account for. Pure: the clock is passed.
 *
 * The meter and the charger's MeterValues do not arrive together. Right after a charger accepted
 * a new limit (or a session started), the meter may already see the car at its new current while
 * its last MeterValues still show the old one; for up to `responseMs` the car may also still be on
 * its way (IEC 61851-1 gives a car 5 s to follow). Until the charger reports after that, the car is
 * "changing": it is counted at the most of the reading it can explain, and the balancer lets the
 * other load on its phases rise but not fall (failsafe.ts estimateOtherLoad). So a car's own step
 * never shows up as a house load that comes and goes, which made cars pause and flap.
 *
 * After that, a charger that takes its limits (not uncontrolled, control.ts) is counted at no
 * more than its limit: a reading above it comes late (a slow link, a loaded box, a backlog sent
 * after a reconnect, OCPP 1.6 §3.7: older samples than the meter's), and subtracting it from the
 * meter would make the house look smaller than it is, so a neighbour, or the car itself, would
 * be given room that is not there (seen: a stale 8 A after a cut to 0 gave its car 16 A where
 * 15.5 A were left). A car that really draws more is counted twice meanwhile (here and in its
 * exposure): on the fuse's side, until the overdraw flags its charger as uncontrolled.
 */

export interface ChargerState {
  /** Its latest fresh MeterValues currents per charger phase, A, and when they came (epoch ms). */
  reported?: { currents: readonly number[]; at: number };
  /** The limit in force (A per phase), the one before it, and when that value was first accepted. */
  limit?: { amps: number; from?: number; acceptedAt: number };
  /** When its running session started (epoch ms); undefined: no session. */
  sessionStartedAt?: number;
  /** It takes its limits (not uncontrolled): its car draws no more than `limit` once it followed. */
  controlled?: boolean;
}

export interface CarDraw {
  /** A per charger phase. */
  currents: number[];
  changing: boolean;
}

export interface DrawSettings {
  responseMs: number;
  /** A car drawing this much below its old limit is held back by itself: a raise will not move it. */
  slackA: number;
  phases: number;
}

export function carDraw(c: ChargerState, now: number, s: DrawSettings): CarDraw {
  const since = Math.max(c.limit?.acceptedAt ?? -Infinity, c.sessionStartedAt ?? -Infinity);
  const reported = c.reported?.currents ?? [];
  const currents = Array.from({ length: s.phases }, (_, i) => reported[i] ?? 0);
  if (!c.reported) {
    // Nothing heard since the session started: the car went from 0 A towards its limit.
    const changing = c.sessionStartedAt !== undefined && c.limit !== undefined && now < since + s.responseMs;
    return { currents: changing ? currents.map(() => c.limit!.amps) : currents, changing };
  }
  const changing = c.reported.at < since + s.responseMs;
  if (!changing && c.limit && c.controlled) {
    const cap = c.limit.amps;
    return { currents: currents.map((a) => Math.min(a, cap)), changing };
  }
  if (!changing || !c.limit) return { currents, changing };
  const { amps, acceptedAt } = c.limit;
  // A session that started under this limit started from 0 A.
  const from = c.sessionStartedAt !== undefined && c.sessionStartedAt >= acceptedAt ? 0 : c.limit.from;
  // After a cut the car comes down from what it reported; after a raise it may already be at
  // its new limit, unless it drew well below the old one (then it takes no more).
  const raised = from !== undefined && amps > from;
  return { currents: currents.map((a) => (raised && a >= from - s.slackA ? Math.max(a, amps) : a)), changing };
}
