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

/**
 * How long a charger's latest MeterValues counts as what its car draws (ms): one and a half of
 * the longest sample interval chargegate lets a balanced charger have
 * (chargers.setup.meterValueSampleInterval, 60 s by default; owned-keys.ts), never less than the
 * grid meter's own timeout. Real chargers report every 10–60 s (Easee no faster than 30 s) while
 * the meter reads every second or two; a reading dropped after the meter's timeout (10 s) made
 * the car's own draw count as house load until its next report, so the car was cut to half of
 * what was left and raised again at every report (seen: 32 A fuse, 10 A house, a car reporting
 * every 30 s held at 10–12 A instead of 22, a profile every few seconds).
 *
 * Why counting an older reading keeps the fuse: a car that draws more than its reading says
 * shows as house load, the safe side. One that draws less makes the house look smaller by the
 * difference, so a neighbour may be given that room; but the moment the car draws its reading
 * again, the meter sees the sum and the room is gone with that reading — the same step, read
 * and answered the same way, as a kettle switched on in the house. Past this time the reading
 * counts as none (the car as house load), as before.
 */
export function readingTrustMs(meterTimeoutS: number, sampleIntervalS: number): number {
  return Math.max(meterTimeoutS, 1.5 * sampleIntervalS) * 1000;
}

export interface ChargerState {
  /** Its latest fresh MeterValues currents per charger phase, A, and when they came (epoch ms). */
  reported?: { currents: readonly number[]; at: number };
  /** The limit in force (A per phase), the one before it, and when each was first accepted. */
  limit?: { amps: number; from?: number; acceptedAt: number; fromAcceptedAt?: number };
  /** When its running session started (epoch ms); undefined: no session. */
  sessionStartedAt?: number;
  /** It takes its limits (not uncontrolled): its car draws no more than `limit` once it followed. */
  controlled?: boolean;
  /**
   * On how many of its phases (from its L1) the plan counts its car while no reading says which
   * it uses (allocate.ts phasesOf): its wired phases, fewer for a car that declared fewer (its
   * 2.0.1 charging needs) or a charger switched to one. Undefined: all of them.
   */
  limitPhases?: number;
}

export interface CarDraw {
  /** A per charger phase: while it changes, the most it may draw (paired with the meter under failsafe.ts's hold). */
  currents: number[];
  changing: boolean;
  /**
   * A per charger phase: the least it may draw now; the same as `currents` unless it changes.
   * A meter reading with no earlier estimate to hold (the first one, or the first after the
   * meter was silent) is paired with this: the house load comes out at its most, never less
   * than it is.
   */
  least: number[];
}

export interface DrawSettings {
  responseMs: number;
  /** How long a reading counts (readingTrustMs); a session with none yet is counted at its limit as long. */
  readingMs: number;
  /** A car drawing this much below its old limit is held back by itself: a raise will not move it. */
  slackA: number;
  phases: number;
}

export function carDraw(c: ChargerState, now: number, s: DrawSettings): CarDraw {
  const since = Math.max(c.limit?.acceptedAt ?? -Infinity, c.sessionStartedAt ?? -Infinity);
  const reported = c.reported?.currents ?? [];
  const currents = Array.from({ length: s.phases }, (_, i) => reported[i] ?? 0);
  if (!c.reported) {
    // Nothing heard since the session started: the car went from 0 A towards its limit, and a
    // charger that reports every 30–60 s may say nothing for as long: until its first reading
    // is due (readingMs) it is changing, counted at its limit while the house load may rise but
    // not fall. Counted as none after its response time, its own draw became house load and it
    // was cut by it (seen: 32 A fuse, 10 A house, held at 10–12 A until its first report). A
    // charger whose readings carry no current is counted at its limit after that; see below.
    const changing = c.sessionStartedAt !== undefined && c.limit !== undefined && now < since + s.readingMs;
    if (changing) return { currents: currents.map(() => c.limit!.amps), changing, least: currents };
    // A charger that takes its limits but whose MeterValues say nothing of the current (the
    // energy register alone, 1.6's default MeterValuesSampledData; power without the phases it
    // spreads over), or that stopped reporting: its car is counted at its limit, on the phases
    // the plan counts it on. Counted as none, its own draw became house load once the reading
    // time ran out and it was cut to nothing (seen: 32 A fuse, 10 A house, a car at 22 A held at
    // 0 A from 90 s on). At its limit, the meter minus the limit plus the limit in the plan is
    // the room the fuse has whatever the car draws under it; a car that draws more shows as
    // house load (the safe side). One that draws less leaves that room to a neighbour until it
    // draws again, when the meter sees the step like any house load's (as with a reading it no
    // longer draws, readingTrustMs). On phases the plan does not count it on, its limit would
    // make the house look smaller there, and that room would go to a neighbour for good. An
    // uncontrolled one stays as none: the plan counts it at its maximum.
    if (c.sessionStartedAt !== undefined && c.limit !== undefined && c.controlled) {
      const amps = c.limit.amps;
      const on = currents.map((_, i) => (i < (c.limitPhases ?? s.phases) ? amps : 0));
      return { currents: on, changing: false, least: on };
    }
    return { currents, changing, least: currents };
  }
  const changing = c.reported.at < since + s.responseMs;
  if (!changing && c.limit && c.controlled) {
    const cap = c.limit.amps;
    const capped = currents.map((a) => Math.min(a, cap));
    return { currents: capped, changing, least: capped };
  }
  if (!changing || !c.limit) return { currents, changing, least: currents };
  const { amps, acceptedAt } = c.limit;
  // A session that started under this limit started from 0 A.
  const startedUnder = c.sessionStartedAt !== undefined && c.sessionStartedAt >= acceptedAt;
  const from = startedUnder ? 0 : c.limit.from;
  // After a cut the car comes down from what it reported; after a raise it may already be at
  // its new limit, unless it drew well below the old one (then it takes no more). The reading
  // says that only if it was read once the car had had its time to follow the old limit: a
  // charger that reports every 30–60 s may send none between two raises of a ramp (its last
  // reading 0 A from the session's start), and counting the car at that would put its new draw
  // into the house load and pause it (seen: 32 A fuse, 10 A house, paused at 18 A). Counting it
  // high instead is safe: while it changes, the house load may rise but not fall (failsafe.ts).
  const raised = from !== undefined && amps > from;
  const readUnderFrom = startedUnder || (c.limit.fromAcceptedAt !== undefined && c.reported.at >= c.limit.fromAcceptedAt + s.responseMs);
  if (raised) return { currents: currents.map((a) => (!readUnderFrom || a >= from - s.slackA ? Math.max(a, amps) : a)), changing, least: currents };
  // After a cut the car comes down from what it drew under the old limit. A reading taken before
  // it had its response time under that limit says nothing of it: a car raised and cut again
  // before its charger reported (a second car arriving) was counted at its reading from before
  // the raise (0 A) while the meter saw it at the raised current, so that current became house
  // load, held while the cars changed (seen: 40 A fuse, 10 A house, both cars paused for the 90 s
  // a quiet charger's new session counts as changing). Counted at up to the old limit instead,
  // which is safe only under the hold (the house load may rise but not fall while it changes,
  // failsafe.ts); with nothing to hold, at the least it may draw: on its way down to its limit.
  const readBeforeFrom = from !== undefined && c.limit.fromAcceptedAt !== undefined && !readUnderFrom;
  return { currents: readBeforeFrom ? currents.map((a) => Math.max(a, from)) : currents, changing, least: currents.map((a) => Math.min(a, amps)) };
}

/**
 * What the car draws now as far as its readings and limits tell, A per charger phase: for the
 * solar surplus (control/charge-modes.ts), which is the export plus what the solar cars draw.
 * carDraw is made for the fuse: while a car changes it is counted at the most it may draw, its
 * old current after a cut. Here the car is taken to follow its new limit: after a cut at no more
 * than the limit, after a raise at the limit (unless it takes no more). A reading taken after the
 * car had its response time is what it draws. With a charger that reports every 30–60 s, the
 * surplus paired the meter, which sees the car at its new current within seconds, with the
 * car's old reading, so every raise looked like a loss of surplus and was taken back at once
 * (seen: a solar car between 11 and 7 A every 5 s, each a profile in the charger's flash).
 */
export function expectedDraw(c: ChargerState, now: number, s: DrawSettings): number[] {
  const car = carDraw(c, now, s);
  // An uncontrolled charger need not follow its limit: what it reported.
  if (!car.changing || !c.limit || !c.controlled) return car.currents;
  const cap = c.limit.amps;
  return car.currents.map((a) => Math.min(a, cap));
}
