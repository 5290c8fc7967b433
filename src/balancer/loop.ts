/**
 * The load balancer's controller, the one impure file of src/balancer: it listens to the event
 * bus, keeps what allocate() needs (sessions, measured currents, what each charger accepted and
 * what is in flight, who is uncontrolled, caps, external limits), runs allocate() when something
 * changed (coalesced to one run per turn of the event loop) and every recheckInterval, and sends
 * the result with SetChargingProfile (OCPP 1.6 §5.16).
 *
 * No charger can hold up another: a run decides and enqueues, it never awaits a charger. Each
 * charger's CALLs queue on its own connection (one at a time, OCPP-J §4.1.1); a connector with
 * an order in flight gets its next one when that is answered (which triggers a new run). What
 * may go out is decided by the budget invariant (budget.ts): decreases at once, increases only
 * while every constraint holds with what each charger has *accepted* or may still apply.
 */
import type { Config } from '../config/schema.js';
import type { ControlResult, LimitControl } from '../control/ports.js';
import type { AllocationChanged, ChargerControl, EventBus, GatewayEvents } from '../events.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Logger } from '../log.js';
import type { GridMeter } from '../meters/ports.js';
import { OcppCallError, OcppOfflineError, OcppTimeoutError, OcppUnreadableAnswerError } from '../ocpp/errors.js';
import type { ConnectorState, MeterSample, Store } from '../store/ports.js';
import { allocate, chargerOf, phasesOf, supplyCapacity } from './allocate.js';
import { siteIndex } from './site-index.js';
import { gridPowerW } from '../meters/grid-power.js';
import { exposureOf, releaseOrders, type Loaded, type Order } from './budget.js';
import * as control from './control.js';
import { externalLimits, type RuntimeLimit } from './external.js';
import { EMPTY_PEAKS, estimateOtherLoad, judgeMeter, judgeOverdraw, rememberPeak, type OverdrawMemory, type PeakMemory } from './failsafe.js';
import { PHASE_NAMES, connectorKey, type Allocation, type ConnectorKey, type BalancerState, type ChargerModel, type ConnectorAllocation, type ConnectorInput, type OtherLoad, type PhaseCurrents, type SiteModel } from './model.js';
import { carDraw, expectedDraw, readingTrustMs, type ChargerState, type DrawSettings } from './draw.js';
import { carReading } from './car-reading.js';
import { nextStep, type InForce } from './ramp.js';
import { TX_PROFILE_ID, ordersFor } from './to-profile.js';
import { EV_NEEDS_SOURCE, reportedLimitSource } from '../gateway/charging-needs.js';
import { RECENT_RUNS, paceDelay, typicalCost, type PacingPolicy, type RunCause, type RunCost } from './pacing.js';
import { readingAsksForRun, type HoldingLimit, type Reading } from './replan.js';

/** The meta-table key of the limits the chargers accepted (survives a restart). */
const ACCEPTED_KEY = 'balancer.acceptedLimits';
const KEEP_ACCEPTED_MS = 1000;
/** TxProfiles rejected in this many transactions in a row: the charger takes none (until it reconnects). */
const TX_STRIKES = 2;

export interface BalancerDeps {
  config: Config;
  site: SiteModel;
  events: EventBus;
  gateway: Pick<Gateway, 'registry' | 'limitCommands'>;
  store: Store;
  logger: Logger;
  now: () => Date;
  meter?: GridMeter;
  /** IANA zone of schedule times; main passes the system's when the config names none. */
  timeZone?: string;
  /** The site's tariff price per kWh at an instant (src/cost): site.prices compares it with its threshold. */
  tariffPrice?: (atMs: number) => number | undefined;
  /**
   * The process's time used so far, ms (pacing.ts): a run's cost is what it moved. Tests give
   * their own to make runs look expensive. Without it, a run costs the lesser of the process's
   * time and the wall time it took (the process's time counts its other threads too: the
   * garbage collector's, the disk's).
   */
  processMs?: () => number;
}

/** The share of a core the runs asked for by readings may keep busy (pacing.ts). */
const RUN_SHARE = 0.025;
/** The share of a core the runs asked for by changes may keep busy: a flood of them leaves three quarters to the chargers (pacing.ts). */
const CHANGE_SHARE = 0.25;
/** Runs cheaper than this (ms of process time) are not paced: a small site runs in the next turn, as always. */
const CHEAP_RUN_MS = 1;
/** The longest a run asked for waits (pacing.ts), and at most a tenth of site.balancing.responseTime. */
const MAX_PACE_MS = 250;

function processMsNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface Balancer extends LimitControl {
  start(): void;
  stop(): Promise<void>;
  /** The latest allocation (undefined before the first run). */
  allocation(): Allocation | undefined;
  /** A site limit from an outside source ("cloud": its ChargePointMaxProfiles, upstream/cloud-caps.ts); null clears it. */
  setExternalLimit(source: string, amps: number | null, untilMs?: number): ControlResult;
  /** Replaces the price table (a dynamic tariff feed). */
  setPrices(table: readonly { from: string; price: number }[]): ControlResult;
  /** Runs one allocation and sends what follows; resolves when the orders of that run were answered (tests, bench). */
  reconcile(): Promise<void>;
  /** A run is scheduled or an order is still unanswered: what the balancer does next is not decided yet (tests, bench). */
  busy(): boolean;
  /** Per charger: controlled or not, and why (also in every 'allocation.changed'). */
  control(): ChargerControl[];
  /** The caps on a charger by source (cloud, user profile 12, mqtt…; connectorId absent: the whole charger); the lowest applies. */
  caps(chargerId: string): { connectorId?: number; source: string; amps: number }[];
  /** Phase switching (charge modes): the phases a connector's charger is to use while its session runs; null: as wired. */
  setPhases(chargerId: string, connectorId: number, phases: 1 | 3 | null): void;
  /** What a connector's car draws now as far as its readings and limits tell, A on its highest phase (draw.ts expectedDraw); 0 without a session. */
  drawA(chargerId: string, connectorId: number): number;
}


export function createBalancer(deps: BalancerDeps): Balancer {
  const { config, events, gateway, logger } = deps;
  // The balancer's own copy of the chargers: their quirks change at run time (vendor profile,
  // what setup learnt: the 'charger.quirks' event), without a restart.
  const chargers = new Map(deps.site.chargers);
  const site: SiteModel = { ...deps.site, chargers };
  const siteConfig = config.site!;
  const b = siteConfig.balancing;
  const fs = siteConfig.failsafe;
  const nowMs = () => deps.now().getTime();
  const log = logger.child({ component: 'balancer' });
  const responseMs = b.responseTime * 1000;
  /** How long a charger's latest MeterValues counts as what its car draws (draw.ts). */
  const readingMs = readingTrustMs(fs.meterTimeout, config.chargers.setup.meterValueSampleInterval);
  /** Which charger readings ask for a run (replan.ts). */
  const replan = { deadband: b.readingDeadband, phaseThreshold: b.phaseThreshold };
  // A decrease waits at most this long to be decided (pacing.ts says why it is safe for the fuse).
  const pacing: PacingPolicy = { share: RUN_SHARE, changeShare: CHANGE_SHARE, cheapMs: CHEAP_RUN_MS, maxDelayMs: Math.min(MAX_PACE_MS, responseMs / 10) };
  const processMs = deps.processMs ?? processMsNow;
  /** The costs of the latest runs, ms (typicalCost). */
  const recentCosts: number[] = [];
  const backoff: control.BackoffPolicy = { firstMs: b.retryInterval * 1000, maxMs: Math.max(b.retryInterval, b.retryMaxInterval) * 1000 };

  /** Running sessions; not `confirmed` while their StartTransaction is still being written. */
  const sessions = new Map<string, { transactionId: number; startedAt: number; confirmed: boolean }>();
  const measured = new Map<string, { currents: PhaseCurrents; at: number; partial?: true }>();
  /**
   * Connectors without a session whose latest reading named no transaction: what they draw
   * (highest phase) and when it was read. A car drawing there draws outside the limits the plan
   * sets (a charger in free-vend mode, one that sent its StopTransaction but kept the contactor
   * closed); counted by inputs() when it is above the standing limit.
   */
  const idleDraw = new Map<string, { amps: number; at: number }>();
  /** When each connector's latest session ended (ms): its car had until `responseTime` after to stop. */
  const endedAt = new Map<string, number>();
  /** Connectors already warned of for drawing outside a session: once until they stop. */
  const idleDrawWarned = new Set<string>();
  /** Chargers already warned of for a reading that leaves out phases (car-reading.ts): once each. */
  const partialWarned = new Set<string>();
  /** Chargers told that their readings carry no current (warnNoCurrent). */
  const noCurrentWarned = new Set<string>();
  /** When each charger's latest MeterValues arrived, any (warnNoMeterValues), ms. */
  const meterValuesAt = new Map<string, number>();
  /** Chargers told that they send no MeterValues during a session (warnNoMeterValues). */
  const noMeterValuesWarned = new Set<string>();
  /** When warnNoMeterValues last looked, and when the balancer started (a session it found running had no chance to report before), ms. */
  let noMeterValuesCheckedAt = -Infinity;
  const loopStartedAt = nowMs();
  /** Chargers with more than one connector whose main meter (connector 0) reported: told once each. */
  const mainMeterTold = new Set<string>();
  /** Per connector, the reading that last asked for a run (replan.ts). */
  const readingBasis = new Map<string, Reading>();
  /** Connectors whose car has paused (StatusNotification SuspendedEV), since when (ms). */
  const suspended = new Map<string, number>();
  /** What each connector accepted last (the limit in force at the charger). */
  const inForce = new Map<string, InForce>();
  /** The limit of each connector's order sent and not answered yet (at most one each), A. */
  const inFlight = new Map<string, number>();
  /** Limits sent whose answer never came: the charger may have applied them (budget.ts). */
  const doubt = new Map<string, number>();
  /**
   * Per connector, the transaction a TxProfile of ours may be installed for (accepted, or sent
   * without an answer). Kept apart from inForce, whose limits are forgotten whenever they must
   * be sent again (a reboot, a quirk change, someone else's ClearChargingProfile): the profile
   * itself is not forgotten by the charger then, and it outranks the TxDefaultProfile that
   * carries the limit should a later TxProfile be refused (§3.13.2). Gone with the transaction.
   */
  const txInstalled = new Map<string, number>();
  /** Connectors whose limits are sent again although they did not change (a reconnect). */
  const resendTo = new Set<string>();
  /**
   * Connectors whose profiles a ClearChargingProfile sent to their charger may have removed
   * (onCallSent), with the number of the last order sent before it (orderSeq): until an order
   * sent after the clear is accepted, the car may draw its maximum, and no one else's increase
   * counts on less (budget.ts exposure). The plan keeps their limits: they are sent again at
   * once, and a neighbour is not cut for one round trip.
   */
  const unsure = new Map<string, number>();
  /** Numbers the orders (sendLimit) in the order they are issued. */
  let orderSeq = 0;
  /** When each idle connector's standing limit was last raised (flash wear, site.balancing.standingInterval). */
  const standingRaisedAt = new Map<string, number>();
  /**
   * What each connector accepted before the last restart (kept in the store): a charger that
   * has not reconnected yet still holds that standing limit and may draw up to it.
   */
  let accepted = new Map<string, number>();
  let acceptedWritten = '';
  /** Limits were dropped from accepted (a reboot) since the last keepAccepted. */
  let acceptedForgotten = false;
  let keepTimer: NodeJS.Timeout | undefined;
  /** Inoperative through ChangeAvailability (noZeroAmps pauses). */
  const inoperative = new Set<string>();
  /** Chargers chargegate does not control now, and why (control.ts). */
  const uncontrolled = new Map<string, control.Uncontrolled>();
  /**
   * Chargers that rejected a TxProfile: the transaction it named, and how many transactions in
   * a row saw one rejected. A single rejection may be a charger that had not yet handled its
   * StartTransaction answer, so the next transaction tries again; after TX_STRIKES in a row the
   * charger is taken as one without TxProfile support until it reconnects.
   */
  const txRejections = new Map<string, { transactionId: number | undefined; strikes: number }>();
  const refusesTx = (chargerId: string, transactionId: number | undefined): boolean => {
    const r = txRejections.get(chargerId);
    return r !== undefined && (r.strikes >= TX_STRIKES || r.transactionId === transactionId);
  };
  const cannotPause = new Set<string>();
  /** AC phases the car on a connector said it charges on (its charging needs), until its session ends. */
  const evPhases = new Map<string, 1 | 2 | 3>();
  /** Phase switching: the phases each connector's charger is told to use (charge modes), until its session ends. */
  const switched = new Map<string, 1 | 3>();
  /** Caps per charger or connector key, per source (mqtt, http, cloud…): the lowest applies. */
  const caps = new Map<string, Map<string, number>>();
  const runtime = new Map<string, RuntimeLimit>();
  let prices = siteConfig.prices ? { ...siteConfig.prices, table: [...siteConfig.prices.table] } : undefined;
  let state: BalancerState = {};
  let peaks: PeakMemory = EMPTY_PEAKS;
  /** The other load from the latest meter reading, paired with the chargers' draw when it arrived. */
  let otherEstimate: { other: PhaseCurrents; at: number } | undefined;
  let overdraw: OverdrawMemory = {};
  let latest: Allocation | undefined;
  /** The charger views of the latest 'allocation.changed', by charger. */
  let lastControlPublished = new Map<string, ChargerControl>();
  /** The plan last logged (a change of accepted or in-flight limits alone is not logged). */
  let lastPlan = '';
  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;
  /** The latest run's cost and end (monotonic ms), which paces the next one. */
  let lastRun: RunCost | undefined;
  let paceTimer: NodeJS.Timeout | undefined;
  /** When the scheduled run is due (performance.now() ms); undefined: in the next turn. */
  let dueAt: number | undefined;
  let stopped = true;
  /** The orders of the latest run, for reconcile() (the loop itself never awaits them). */
  let sent: Promise<void>[] = [];
  const unsubscribe: (() => void)[] = [];

  for (const c of site.chargers.values()) if (c.quirks.noSmartCharging) uncontrolled.set(c.id, control.noSmartCharging());

  // ---- what the site looks like right now -------------------------------------------------

  /**
   * Every connector the balancer plans for, in a stable order (configured chargers, then those
   * seen, then any with a session). Rebuilt only when one may have appeared or gone (a status,
   * a connection, a session's start or end, a quirk change): not on every run, which on a
   * large site is many times a second.
   */
  type Place = { chargerId: string; connectorId: number; key: ConnectorKey };
  let ids: Place[] | undefined;
  /** The keys of `ids` (undefined with it): the connectors the plan has seen. */
  let planned: ReadonlySet<string> | undefined;
  function connectorIds(): Place[] {
    if (ids) return ids;
    const out = new Map<string, Place>();
    const add = (chargerId: string, connectorId: number) => {
      const key = connectorKey(chargerId, connectorId);
      out.set(key, { chargerId, connectorId, key });
    };
    for (const c of site.chargers.values()) for (let n = 1; n <= c.connectors; n++) add(c.id, n);
    for (const live of gateway.registry.list()) {
      for (const n of live.connectors.keys()) if (n > 0) add(live.id, n);
    }
    for (const key of sessions.keys()) {
      const [chargerId, n] = splitKey(key);
      add(chargerId, n);
    }
    ids = [...out.values()];
    planned = new Set(out.keys());
    return ids;
  }

  /** The chargers configured or seen, sorted (controlView); rebuilt when connectorIds() is. */
  let chargerIds: string[] | undefined;
  function knownChargers(): string[] {
    chargerIds ??= [...new Set([...site.chargers.keys(), ...gateway.registry.list().map((c) => c.id)])].sort();
    return chargerIds;
  }

  /** A connector or charger may have appeared or gone: the lists above are rebuilt on the next run. */
  function siteMayHaveChanged(): void {
    ids = undefined;
    planned = undefined;
    chargerIds = undefined;
  }

  /** Its latest reported current (highest phase), when fresh and of the running session. */
  function freshDraw(key: string, now: number): { amps: number; at: number } | undefined {
    const m = measured.get(key);
    if (!m || now - m.at > readingMs) return undefined;
    return { amps: Math.max(m.currents[0], m.currents[1], m.currents[2]), at: m.at };
  }

  /**
   * A charger's orders can reach it: connected and its BootNotification accepted (§4.2), and
   * no longer describing itself (a 2.0.1 device model report: it may say the charger takes no
   * profiles at all, and setup learns that right after).
   */
  function reachable(chargerId: string): boolean {
    const live = gateway.registry.get(chargerId);
    return live?.online === true && live.booted && live.describing === undefined;
  }

  /** Why a charger's limit cannot be set now, if it cannot (uncontrolled, not booted). */
  function notControlled(chargerId: string): string | undefined {
    const u = uncontrolled.get(chargerId);
    if (u) return u.why;
    const live = gateway.registry.get(chargerId);
    if (live?.online && !live.booted) return 'connected without a BootNotification: no limit can be sent yet';
    if (live?.online && live.describing) return 'reading its device model after its boot: no limit is sent before';
    return undefined;
  }

  /**
   * What allocate() gets per connector. `probe` lists chargers planned as if they were
   * controlled (to learn the limit to send them), although the safe plan counts them fixed.
   */
  function inputs(now: number, probe?: ReadonlySet<string>): ConnectorInput[] {
    const ids = connectorIds();
    // An uncontrolled charger draws at most its maximum in all: counted once, on its first
    // connector that has a session or draws current, else (site.balancing.reserveUncontrolled)
    // on its first connector: idle, it may start at any moment without asking (budget.ts).
    const chargesOn = new Map<string, string>();
    const firstOf = new Map<string, string>();
    for (const { chargerId, key } of ids) {
      if (!firstOf.has(chargerId)) firstOf.set(chargerId, key);
      if (!chargesOn.has(chargerId) && (sessions.has(key) || (freshDraw(key, now)?.amps ?? 0) > site.balancing.phaseThreshold)) chargesOn.set(chargerId, key);
    }
    if (b.reserveUncontrolled) for (const [chargerId, key] of firstOf) if (!chargesOn.has(chargerId)) chargesOn.set(chargerId, key);
    return ids.map(({ chargerId, connectorId, key }) => {
      const charger = chargerOf(site, chargerId);
      const session = sessions.get(key);
      const input: ConnectorInput = session ? { chargerId, connectorId, key, session } : { chargerId, connectorId, key };
      const worst = charger.uncontrolledCurrent ?? charger.maxCurrent;
      const live = gateway.registry.get(chargerId);
      const kept = inForce.get(key)?.amps ?? accepted.get(key);
      const known = doubt.has(key) ? Math.max(kept ?? 0, doubt.get(key)!) : kept;
      const why = probe?.has(chargerId) ? undefined : notControlled(chargerId);
      if (!live?.online) {
        // It keeps what it last accepted; with a session and nothing known, the worst.
        input.fixed = { amps: known ?? (session ? worst : 0), why: 'offline' };
      } else if (why !== undefined) {
        // Not booted but holding a limit it accepted before (profiles are kept in flash): that
        // limit, per connector. Else its worst, once per charger (idle too: reserveUncontrolled).
        const holds = !uncontrolled.has(chargerId) && known !== undefined;
        const amps = holds ? known : chargesOn.get(chargerId) === key ? Math.max(worst, known ?? 0) : 0;
        input.fixed = { amps, why: 'uncontrolled', detail: holds ? `${why}: assumed at the ${known} A it accepted before` : `uncontrolled (${why}): assumed at ${worst} A` };
      } else if (session && known === undefined && !probe?.has(chargerId)) {
        input.fixed = { amps: worst, why: 'unconfirmed' };
      } else if (!session && idleDraw.has(key) && !probe?.has(chargerId)) {
        // No session, yet its car draws above the standing limit it was given (read
        // `responseTime` after that limit and after its last session ended): it follows no
        // limit of ours (1.6 §3.13.2 gives a TxDefaultProfile to transactions, and a free-vend
        // charger runs none; a charger may also end its transaction and keep its contactor
        // closed). Counted at its maximum while its readings show it, as an uncontrolled one:
        // the plan had given its share to a neighbour (seen: 64 A on a 32 A fuse).
        const d = idleDraw.get(key)!;
        const since = Math.max(inForce.get(key)?.changedAt ?? -Infinity, endedAt.get(key) ?? -Infinity);
        if (now - d.at <= readingMs && d.at >= since + responseMs && d.amps > (known ?? 0) + fs.overdrawTolerance) {
          const amps = Math.max(worst, d.amps);
          input.fixed = { amps, why: 'uncontrolled', detail: `draws ${round1(d.amps)} A without a transaction, above its ${known ?? 0} A standing limit: assumed at ${amps} A` };
          if (!idleDrawWarned.has(key)) {
            idleDrawWarned.add(key);
            log.warn({ chargerId, connectorId, amps: round1(d.amps), standingLimit: known ?? 0, assumed: amps }, 'a connector without a transaction draws above its standing limit: counted at its maximum while it does');
          }
        } else idleDrawWarned.delete(key);
      } else if (session && known !== undefined) {
        // It draws above the limit it accepted, though its car had `responseTime` to follow: it
        // is counted at what it draws at once, so the others make room now, not only once
        // overdrawSamples readings in a row flag it (found by the chaos soak: a charger that
        // ignores its limit held the site over the fuse for 10-30 s while the plan counted it
        // at its limit). A charger that follows again is planned normally with its next reading.
        const d = freshDraw(key, now);
        const since = inForce.get(key)?.changedAt ?? -Infinity;
        if (d && d.at >= since + responseMs && d.amps > known + fs.overdrawTolerance) {
          input.fixed = { amps: d.amps, why: 'uncontrolled', detail: `draws ${round1(d.amps)} A above the ${known} A limit it accepted` };
        }
      }
      const m = measured.get(key);
      if (m && session && m.at >= session.startedAt && now - m.at <= readingMs) input.measured = m;
      const since = suspended.get(key);
      if (since !== undefined) input.suspendedSince = since;
      const f = inForce.get(key);
      if (f) input.offered = { amps: f.amps, raisedAt: f.raisedAt };
      const cap = lowestCap(chargerId, key);
      if (cap) input.cap = cap;
      if (cannotPause.has(key)) input.cannotPause = true;
      const declared = evPhases.get(key);
      if (declared !== undefined) input.evPhases = declared;
      const phases = switched.get(key);
      if (phases !== undefined) input.switchedPhases = phases;
      return input;
    });
  }

  /**
   * The site with each multi-connector charger's shared maximum lowered to its whole-charger
   * cap (a cloud's ChargePointMaxProfile limits the charge point, not each connector, §3.13.1);
   * per connector the cap applies as well (its reason). Rebuilt only when those caps change.
   */
  let capped: { signature: string; model: SiteModel } | undefined;
  function cappedSite(): SiteModel {
    const lowered: [string, number][] = [];
    for (const [key, bySource] of caps) {
      const charger = site.chargers.get(key);
      if (!charger || charger.connectors < 2) continue;
      const cap = Math.min(...bySource.values());
      if (cap < charger.maxCurrent) lowered.push([key, cap]);
    }
    if (lowered.length === 0) return site;
    const signature = JSON.stringify(lowered);
    if (capped?.signature !== signature) {
      const chargers = new Map(site.chargers);
      // Its minimum stays: a cap below it pauses the charger rather than giving a car too little.
      for (const [id, cap] of lowered) chargers.set(id, { ...chargers.get(id)!, maxCurrent: cap });
      capped = { signature, model: { ...site, chargers } };
    }
    return capped.model;
  }

  function lowestCap(...keys: string[]): { amps: number; source: string } | undefined {
    if (caps.size === 0) return undefined; // the usual site: nothing to look through
    let best: { amps: number; source: string } | undefined;
    for (const k of keys) {
      const bySource = caps.get(k);
      if (bySource) for (const [source, amps] of bySource) if (!best || amps < best.amps) best = { amps, source };
    }
    return best;
  }

  /**
   * What the chargers' cars account for per site phase, and on which phases one is changing
   * (draw.ts): a meter reading is paired with this when it arrives.
   */
  function chargerDraw(now: number): { draw: PhaseCurrents; least: PhaseCurrents; inTransition: boolean[] } {
    const draw: [number, number, number] = [0, 0, 0];
    const least: [number, number, number] = [0, 0, 0];
    const inTransition = [false, false, false];
    const keys = new Set([...measured.keys(), ...sessions.keys()]);
    for (const key of keys) {
      const charger = chargerOf(site, splitKey(key)[0]);
      const car = carDraw(chargerState(key, now), now, drawSettings(charger));
      car.currents.forEach((a, i) => {
        const phase = charger.rotation[i]!;
        draw[phase] += a;
        least[phase] += car.least[i]!;
        if (car.changing) inTransition[phase] = true;
      });
    }
    return { draw, least, inTransition };
  }

  /** What draw.ts needs to know of one connector's car. */
  function chargerState(key: string, now: number): ChargerState {
    const m = measured.get(key);
    const fresh = m && now - m.at <= readingMs ? m : undefined;
    const limit = inForce.get(key);
    const startedAt = sessions.get(key)?.startedAt;
    const controlled = notControlled(splitKey(key)[0]) === undefined;
    const state: ChargerState = { ...(fresh ? { reported: fresh } : {}), ...(limit ? { limit } : {}), ...(startedAt !== undefined ? { sessionStartedAt: startedAt } : {}), controlled };
    // Without a reading, the phases the plan counts its car on (a car counted at its limit, draw.ts).
    if (!fresh && startedAt !== undefined) state.limitPhases = phasesOf(chargerOf(site, splitKey(key)[0]), siteIndex(site), undefined, b.phaseThreshold, evPhases.get(key), switched.get(key)).length;
    return state;
  }

  function drawSettings(charger: ChargerModel): DrawSettings {
    return { responseMs, readingMs, slackA: b.releaseHeadroom, phases: charger.phases };
  }

  function otherLoad(now: number): OtherLoad | undefined {
    if (!deps.meter) return undefined;
    return judgeMeter({
      estimate: otherEstimate,
      peaks,
      now,
      timeoutMs: fs.meterTimeout * 1000,
      windowMs: fs.peakWindow * 1000,
      failsafeCurrent: fs.current,
      supplyLimit: site.supply.maxCurrent,
    });
  }

  // ---- one run ------------------------------------------------------------------------------

  /** Decides and enqueues; never waits for a charger. */
  function runOnce(): void {
    const now = nowMs();
    const external = externalLimits({ schedule: siteConfig.schedule, timeZone: deps.timeZone ?? siteConfig.timeZone ?? 'UTC', ...(prices ? { prices } : {}), ...(deps.tariffPrice ? { tariffPrice: deps.tariffPrice } : {}), runtime, now });
    const other = otherLoad(now);
    const model = cappedSite();
    const input = { site: model, ...(other ? { otherLoad: other } : {}), external, state, now };
    const result = allocate({ ...input, connectors: inputs(now) });
    state = result.state;
    latest = result;
    // Chargers whose first limit is due, or whose back-off ended: planned as if controlled, to
    // learn what to send them, while the safe plan above still counts them at their worst.
    const probing = new Set<string>();
    for (const a of result.connectors) {
      if (a.reason !== 'fixed' || inFlight.has(a.key) || !reachable(a.chargerId)) continue;
      const u = uncontrolled.get(a.chargerId);
      if (u ? control.mayTry(u, now) : inForce.get(a.key) === undefined) probing.add(a.chargerId);
    }
    const probe = probing.size > 0 ? allocate({ ...input, connectors: inputs(now, probing) }) : undefined;
    const supplyRoom = supplyCapacity(site.supply, result.siteLimit.amps, other);
    sent = dispatch(model, result, probe, probing, supplyRoom, now);
    publish(result, other?.failsafe, now);
    keepAcceptedSoon();
  }

  /**
   * What goes out now. Every connector's exposure is counted (budget.ts); an order that does
   * not raise its connector's exposure goes at once (decreases first in the queue), one that
   * does only when admitIncreases says every constraint still holds.
   */
  function dispatch(model: SiteModel, result: Allocation, probe: Allocation | undefined, probing: ReadonlySet<string>, supplyRoom: readonly number[], now: number): Promise<void>[] {
    const loads: Loaded[] = [];
    const exposure = new Map<string, number>();
    for (const a of result.connectors) {
      const f = inForce.get(a.key);
      const charger = chargerOf(site, a.chargerId);
      const draw = freshDraw(a.key, now);
      const amps =
        a.reason === 'fixed'
          ? Math.max(a.amps, inFlight.get(a.key) ?? 0)
          : exposureOf(
              // Absent is undefined here: one object per connector and run, no spreads.
              {
                accepted: f ? f.amps : accepted.get(a.key),
                acceptedAt: f?.acceptedAt,
                inFlight: inFlight.get(a.key),
                doubt: doubt.get(a.key),
                measured: draw,
                now,
                max: charger.uncontrolledCurrent ?? charger.maxCurrent,
              },
              responseMs,
            );
      // Its profiles may be gone (a clear, onCallSent): its maximum until it takes one again.
      const counted = unsure.has(a.key) ? Math.max(amps, charger.uncontrolledCurrent ?? charger.maxCurrent) : amps;
      exposure.set(a.key, counted);
      loads.push({ chargerId: a.chargerId, phases: a.phases, amps: counted });
    }
    const byKey = probe ? new Map(probe.connectors.map((c) => [c.key, c])) : undefined;
    const orders: (Order & { send: () => Promise<void>; priority: number })[] = [];
    for (const planned of result.connectors) {
      let a = planned;
      if (a.reason === 'fixed') {
        // Only a probe is sent to a fixed connector: its first limit, or a retry after a refusal.
        const p = probing.has(a.chargerId) ? byKey?.get(a.key) : undefined;
        if (!p) continue;
        a = p;
      }
      if (inFlight.has(a.key) || !reachable(a.chargerId)) continue;
      // Its StartTransaction is not answered yet: it keeps its standing limit until then.
      if (sessions.get(a.key)?.confirmed === false) continue;
      const charger = chargerOf(site, a.chargerId);
      const held = inForce.get(a.key);
      const step = nextStep(a.amps, held, now, { hysteresis: b.hysteresis, rampStep: b.rampStep, rampIntervalMs: b.rampInterval * 1000, minCurrent: charger.minCurrent });
      const pausedByAvailability = inoperative.has(a.key);
      const session = sessions.get(a.key);
      // A new transaction needs its TxProfile even when its limit does not change.
      const txMissing = session !== undefined && !charger.quirks.noTxProfile && !refusesTx(a.chargerId, session.transactionId) && held?.txFor !== session.transactionId;
      // A retry of an uncontrolled charger goes out whole, even where nothing changed.
      const resend = resendTo.has(a.key) || probing.has(a.chargerId);
      if (!step && !(pausedByAvailability && a.amps > 0) && !txMissing && !resend) continue;
      const amps = step?.amps ?? held?.amps ?? a.amps;
      const from = exposure.get(a.key) ?? 0;
      // Flash wear: an idle connector's standing limit rises at most once per standingInterval.
      if (!a.active && amps > from && held && now - (standingRaisedAt.get(a.key) ?? -Infinity) < b.standingInterval * 1000) continue;
      const order = { ...a, amps };
      const send = () => sendLimit(order, now, resend);
      orders.push({ key: a.key, chargerId: a.chargerId, phases: a.phases, amps, from, send, priority: charger.priority });
    }
    // Higher priorities first where not every increase fits; decreases go out first.
    orders.sort((x, y) => Number(x.amps > x.from) - Number(y.amps > y.from) || y.priority - x.priority || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const released = releaseOrders(model, supplyRoom, loads, orders);
    return orders.filter((o) => released.has(o.key)).map((o) => o.send());
  }

  /** At most one write per KEEP_ACCEPTED_MS: each is an fsync, and the value is a best guess anyway. */
  function keepAcceptedSoon(): void {
    keepTimer ??= setTimeout(() => {
      keepTimer = undefined;
      void keepAccepted();
    }, KEEP_ACCEPTED_MS);
  }

  /** Writes what the chargers accepted when it changed: one small row, in the group commit. */
  function keepAccepted(): Promise<void> {
    // Most seconds nothing was accepted anew: found without building the text (a site of
    // 1,000 connectors made about 1.5 MB of garbage a second here).
    let changed = acceptedForgotten;
    acceptedForgotten = false;
    for (const [key, f] of inForce) {
      if (accepted.get(key) === f.amps) continue;
      accepted.set(key, f.amps);
      changed = true;
    }
    if (!changed) return Promise.resolve();
    const text = JSON.stringify(Object.fromEntries([...accepted].sort()));
    if (text === acceptedWritten) return Promise.resolve();
    acceptedWritten = text;
    // Runs wait for no fsync of this: it is written from a timer, and on stop.
    return deps.store.durably(() => deps.store.meta.set(ACCEPTED_KEY, text)).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not keep the accepted limits'));
  }

  /** The entries of the latest controlView(), by charger: an unchanged one is the same object. */
  let lastControl = new Map<string, ChargerControl>();
  function controlView(): ChargerControl[] {
    const next = new Map<string, ChargerControl>();
    const out = knownChargers().map((chargerId) => {
      const u = uncontrolled.get(chargerId);
      const why = notControlled(chargerId);
      const since = why !== undefined && u && u.since > 0 ? u.since : undefined;
      const last = lastControl.get(chargerId);
      const same = last !== undefined && last.controlled === (why === undefined) && last.why === why && last.since === (since !== undefined ? new Date(since).toISOString() : undefined);
      const view: ChargerControl = same ? last : why === undefined ? { chargerId, controlled: true } : { chargerId, controlled: false, why, ...(since !== undefined ? { since: new Date(since).toISOString() } : {}) };
      next.set(chargerId, view);
      return view;
    });
    lastControl = next;
    return out;
  }

  type Published = AllocationChanged['connectors'][number];
  /** The connectors of the latest 'allocation.changed', by key: an unchanged one is passed on as the same object. */
  let lastEntries = new Map<string, Published>();
  let lastSite = '';

  /**
   * One connector as published, or `last` itself when nothing it says changed: compared field
   * by field, so a run on a large site builds and compares no more than it must.
   */
  function entryOf(c: ConnectorAllocation, now: number, last: Published | undefined): Published {
    const f = inForce.get(c.key)?.amps ?? accepted.get(c.key);
    const flying = inFlight.get(c.key);
    const d = freshDraw(c.key, now);
    const draw = d === undefined ? undefined : round1(d.amps);
    if (
      last &&
      last.amps === c.amps &&
      last.active === c.active &&
      last.reason === c.reason &&
      last.detail === c.detail &&
      last.accepted === f &&
      last.inFlight === flying &&
      last.measured === draw &&
      last.numberPhases === c.phasesSwitched &&
      samePhases(last.phases, c.phases)
    ) {
      return last;
    }
    return {
      chargerId: c.chargerId,
      connectorId: c.connectorId,
      amps: c.amps,
      phases: c.phases.map((p) => PHASE_NAMES[p]),
      active: c.active,
      reason: c.reason,
      detail: c.detail,
      ...(f !== undefined ? { accepted: f } : {}),
      ...(flying !== undefined ? { inFlight: flying } : {}),
      ...(draw !== undefined ? { measured: draw } : {}),
      ...(c.phasesSwitched !== undefined ? { numberPhases: c.phasesSwitched } : {}),
    };
  }

  /**
   * The allocation with what the chargers accepted, have in flight and draw: the truth, not only
   * the plan. Emitted when any of it changed, with `changed` naming what did, so listeners can
   * work on those alone.
   */
  function publish(result: Allocation, failsafe: string | undefined, now: number): void {
    const entries = new Map<string, Published>();
    const changedConnectors: Published[] = [];
    let planChanged = false;
    let kept = 0;
    const connectors = result.connectors.map((c) => {
      const last = lastEntries.get(c.key);
      if (last) kept++;
      const entry = entryOf(c, now, last);
      entries.set(c.key, entry);
      if (entry !== last) {
        changedConnectors.push(entry);
        if (!last || last.amps !== entry.amps || last.reason !== entry.reason) planChanged = true;
      }
      return entry;
    });
    const chargers = controlView();
    const before = lastControlPublished;
    const changedChargers = chargers.filter((c) => before.get(c.chargerId) !== c);
    const siteSignature = JSON.stringify([result.siteLimit, failsafe]);
    // A connector or charger left the lists (each key is there once: fewer kept than before means one went).
    const gone = kept < lastEntries.size || chargers.filter((c) => before.has(c.chargerId)).length < before.size;
    lastEntries = entries;
    if (siteSignature === lastSite && changedConnectors.length === 0 && changedChargers.length === 0 && !gone) return;
    lastSite = siteSignature;
    lastControlPublished = new Map(chargers.map((c) => [c.chargerId, c]));
    if (planChanged || gone) {
      const plan = JSON.stringify(result.connectors.map((c) => [c.key, c.amps, c.reason]));
      if (plan !== lastPlan) {
        lastPlan = plan;
        log.info(
          { siteLimit: result.siteLimit, load: result.load, ...(failsafe ? { failsafe } : {}), limits: Object.fromEntries(result.connectors.map((c) => [c.key, `${c.amps} A ${c.reason}`])) },
          'allocation changed',
        );
      }
    }
    events.emit('allocation.changed', {
      at: new Date(now).toISOString(),
      siteLimit: result.siteLimit,
      load: result.load,
      ...(failsafe ? { failsafe } : {}),
      connectors,
      chargers,
      // A list that lost an entry is taken whole by the listeners (no `changed`).
      ...(gone ? {} : { changed: { connectors: changedConnectors, chargers: changedChargers } }),
    });
  }

  /**
   * Sends one connector's orders; what it learns lands in inForce, uncontrolled and
   * txRejections, and a new run is scheduled when it is done. Never throws.
   */
  async function sendLimit(a: ConnectorAllocation, now: number, resend: boolean): Promise<void> {
    inFlight.set(a.key, a.amps);
    resendTo.delete(a.key);
    const seq = ++orderSeq;
    try {
      const done = await sendOrders(a, now, resend);
      if (done) {
        settleAccepted(a, done, now);
        // Sent before a clear went out, it may be among what the clear removed (forgetLimits).
        if ((unsure.get(a.key) ?? Infinity) < seq) unsure.delete(a.key);
      }
    } finally {
      inFlight.delete(a.key);
      schedule();
    }
  }

  /**
   * The profiles (and availability) for one connector, in order; undefined when not all were
   * accepted. A resend sends the standing limit too, whatever chargegate believes is in force.
   */
  async function sendOrders(a: ConnectorAllocation, now: number, resend: boolean): Promise<{ amps: number; txDefault?: number; txFor?: number } | undefined> {
    const charger = chargerOf(site, a.chargerId);
    const session = sessions.get(a.key);
    const before = inForce.get(a.key);
    const noTx = !charger.quirks.noTxProfile && session !== undefined && refusesTx(a.chargerId, session.transactionId);
    const effective = noTx ? withoutTx(charger) : charger;
    const options = {
      voltage: site.supply.voltage,
      stackLevel: b.stackLevel,
      ...(session?.confirmed ? { transactionId: session.transactionId } : {}),
      ...(before?.txDefault !== undefined && !resend ? { txDefaultInForce: before.txDefault } : {}),
    };
    const orders = ordersFor(a, effective, options);
    let txDefault = orders.txDefaultAmps ?? before?.txDefault;
    let txFor: number | undefined;
    const clog = () => log.child({ chargerId: a.chargerId, connectorId: a.connectorId });
    if (orders.availability === 'Inoperative') {
      const res = await call(() => gateway.limitCommands.ChangeAvailability(a.chargerId, { connectorId: a.connectorId, type: 'Inoperative' }));
      if (!res.ok || res.answer.status !== 'Accepted') {
        // Scheduled means "after the transaction": no pause now. Plan with it running.
        cannotPause.add(a.key);
        clog().warn({ status: res.ok ? res.answer.status : res.result }, 'cannot pause through ChangeAvailability: kept at its minimum');
        return undefined;
      }
      inoperative.add(a.key);
    } else if (orders.availability === 'Operative' && inoperative.has(a.key)) {
      const res = await call(() => gateway.limitCommands.ChangeAvailability(a.chargerId, { connectorId: a.connectorId, type: 'Operative' }));
      if (!res.ok) return undefined;
      inoperative.delete(a.key);
    }
    for (const request of orders.profiles) {
      const purpose = request.csChargingProfiles.chargingProfilePurpose;
      const res = await setProfile(a, request);
      if (purpose === 'TxProfile' && (res === 'accepted' || mayBeInForce(res))) txInstalled.set(a.key, request.csChargingProfiles.transactionId!);
      if (res === 'accepted') {
        if (purpose === 'TxProfile') {
          txFor = request.csChargingProfiles.transactionId;
          txRejections.delete(a.chargerId);
        }
        continue;
      }
      // Silence, a dropped connection and an answer that cannot be read are no verdict on
      // TxProfiles: the charger is refused as a whole.
      if (purpose === 'TxProfile' && !mayBeInForce(res)) {
        // A refused TxProfile: the TxDefaultProfile carries this transaction's limit (§3.13.2).
        const transactionId = request.csChargingProfiles.transactionId;
        const previous = txRejections.get(a.chargerId);
        const strikes = previous && previous.transactionId === transactionId ? previous.strikes : (previous?.strikes ?? 0) + 1;
        txRejections.set(a.chargerId, { transactionId, strikes });
        clog().warn(
          { answer: res.why, transactionId, strikes },
          strikes >= TX_STRIKES ? 'TxProfile refused again: the TxDefaultProfile carries the limit from now on' : 'TxProfile refused: the TxDefaultProfile carries the limit of this transaction; the next one tries again',
        );
        const live = ordersFor(a, withoutTx(charger), options).profiles[0]!;
        const fallback = await setProfile(a, live);
        if (fallback !== 'accepted') {
          refuse(a.chargerId, `refused its TxDefaultProfile too (${fallback.why})`, now, fallback.kind === 'offline');
          return undefined;
        }
        txDefault = a.amps;
        break;
      }
      refuse(a.chargerId, `${purpose}: ${res.why}`, now, res.kind === 'offline');
      return undefined;
    }
    // A TxProfile of this transaction that the charger took before is still installed, and it
    // outranks the TxDefaultProfile that carries the limit now (§3.13.2): the car kept its old
    // limit whatever the TxDefaultProfile said (seen: a cut whose TxProfile was refused, 48 A on
    // a 32 A fuse until its next reading showed it). It is cleared first; if it cannot be, the
    // charger is not controlled and counts at its maximum. Unknown counts as not cleared: it
    // says no such profile was found, which a charger that took it and kept its transaction may
    // answer when it failed to clear it. (The clear makes the balancer send its other
    // connectors' limits again, as any ClearChargingProfile does: onCallSent.) Not while a
    // noZeroAmps charger is paused through ChangeAvailability: no profile carries a limit then.
    if (txFor === undefined && orders.profiles.length > 0 && session !== undefined && txInstalled.get(a.key) === session.transactionId) {
      const res = await call(() => gateway.limitCommands.ClearChargingProfile(a.chargerId, { id: TX_PROFILE_ID + a.connectorId }));
      const cleared = res.ok && res.answer.status === 'Accepted';
      clog().warn({ transactionId: session.transactionId, txProfileAmps: before?.amps, cleared: res.ok ? res.answer.status : res.result }, 'the TxProfile it took before outranks the TxDefaultProfile that carries its limit now: asked to clear it');
      if (!cleared) {
        refuse(a.chargerId, `its TxProfile${before ? ` of ${before.amps} A` : ''} outranks its limit and was not cleared (${res.ok ? `answered ${res.answer.status}` : res.why})`, now, !res.ok && res.kind === 'offline');
        return undefined;
      }
      txInstalled.delete(a.key);
    }
    return { amps: orders.amps, ...(txDefault !== undefined ? { txDefault } : {}), ...(txFor !== undefined ? { txFor } : {}) };
  }

  /** unreadable: it answered, but not so that it can be read (session.ts OcppUnreadableAnswerError). */
  type Failure = { kind: 'rejected' | 'callerror' | 'timeout' | 'offline' | 'unreadable'; why: string };
  /** No answer, or none that can be read: the charger may have applied it. A refusal or a CALLERROR was not. */
  const mayBeInForce = (f: Failure): boolean => f.kind === 'timeout' || f.kind === 'offline' || f.kind === 'unreadable';

  /** One SetChargingProfile, counted (every write is a write to the charger's flash). */
  async function setProfile(a: ConnectorAllocation, request: Parameters<typeof gateway.limitCommands.SetChargingProfile>[1]): Promise<'accepted' | Failure> {
    const purpose = request.csChargingProfiles.chargingProfilePurpose;
    const res = await call(() => gateway.limitCommands.SetChargingProfile(a.chargerId, request));
    const outcome: 'accepted' | Failure = !res.ok ? res : res.answer.status === 'Accepted' ? 'accepted' : { kind: 'rejected', why: `answered ${res.answer.status}` };
    if (outcome !== 'accepted' && mayBeInForce(outcome)) doubt.set(a.key, Math.max(doubt.get(a.key) ?? 0, a.amps));
    events.emit('balancer.profile', { chargerId: a.chargerId, connectorId: a.connectorId, purpose, result: outcome === 'accepted' ? 'accepted' : outcome.kind });
    return outcome;
  }

  /** A command whose failure is an answer too: a CALLERROR, a timeout, a lost connection. */
  async function call<T>(f: () => Promise<T>): Promise<{ ok: true; answer: T } | (Failure & { ok: false; result: string })> {
    try {
      return { ok: true, answer: await f() };
    } catch (err) {
      const e = err as Error;
      // Sent only to connected chargers: the connection dropped before the answer (mid-call).
      if (e instanceof OcppOfflineError) return { ok: false, kind: 'offline', why: 'the connection dropped before it answered', result: 'offline' };
      if (e instanceof OcppTimeoutError) return { ok: false, kind: 'timeout', why: `no answer in ${config.ocpp.callTimeout} s`, result: 'timeout' };
      if (e instanceof OcppUnreadableAnswerError) return { ok: false, kind: 'unreadable', why: `an answer that cannot be read (${e.description})`.slice(0, 200), result: 'unreadable' };
      if (e instanceof OcppCallError) return { ok: false, kind: 'callerror', why: `CALLERROR ${e.code}${e.message ? `: ${e.message}` : ''}`.slice(0, 200), result: 'callerror' };
      return { ok: false, kind: 'callerror', why: e.message.slice(0, 200), result: 'callerror' };
    }
  }

  function settleAccepted(a: ConnectorAllocation, done: { amps: number; txDefault?: number; txFor?: number }, now: number): void {
    const before = inForce.get(a.key);
    const raised = !before || done.amps > before.amps;
    if (!a.active && raised && before) standingRaisedAt.set(a.key, now);
    // A re-send of the same value (a TxProfile for a new transaction) changes nothing for the car.
    const same = before !== undefined && before.amps === done.amps;
    const change = same
      ? { acceptedAt: before.acceptedAt, ...(before.from !== undefined ? { from: before.from } : {}), ...(before.fromAcceptedAt !== undefined ? { fromAcceptedAt: before.fromAcceptedAt } : {}) }
      : { acceptedAt: nowMs(), ...(before ? { from: before.amps, fromAcceptedAt: before.acceptedAt } : {}) };
    inForce.set(a.key, { amps: done.amps, raisedAt: raised ? now : before.raisedAt, changedAt: now, ...change, ...(done.txDefault !== undefined ? { txDefault: done.txDefault } : {}), ...(done.txFor !== undefined ? { txFor: done.txFor } : {}) });
    doubt.delete(a.key);
    const u = uncontrolled.get(a.chargerId);
    if (u && !control.accepted(u)) {
      uncontrolled.delete(a.chargerId);
      log.info({ chargerId: a.chargerId, was: u.why }, 'charger accepts its limits again: controlled');
    }
    if (log.isLevelEnabled('debug')) log.debug({ chargerId: a.chargerId, connectorId: a.connectorId, amps: done.amps, reason: a.reason }, 'limit accepted');
  }

  /** A refusal in any form: uncontrolled, tried again after a back-off; logged once per change. */
  function refuse(chargerId: string, why: string, now: number, dropsConnection = false): void {
    const prev = uncontrolled.get(chargerId);
    const next = control.refused(prev, why, now, backoff, dropsConnection);
    uncontrolled.set(chargerId, next);
    if (prev?.why !== next.why) {
      log.warn({ chargerId, why, retryInS: Math.round((next.retryAt - now) / 1000) }, 'charger does not take its limit: uncontrolled, counted at its maximum; the others are reduced');
    } else log.debug({ chargerId, attempts: next.attempts }, 'still refused');
  }

  /** Its sessions ended, or it disconnected or rebooted: a refusal or an overdraw may be forgotten (control.ts). */
  function settle(chargerId: string, rule: (u: control.Uncontrolled) => control.Uncontrolled | undefined, why: string): void {
    const u = uncontrolled.get(chargerId);
    if (!u || rule(u)) return;
    uncontrolled.delete(chargerId);
    log.info({ chargerId, was: u.why }, `charger controlled again (${why})`);
  }

  // ---- events -------------------------------------------------------------------------------

  /**
   * Told once per charger: a session that has run for as long as a reading counts with no
   * reading of its current (the energy register alone, or power) gives the balancer nothing of
   * what its car draws. Not at the first reading without one: many chargers send the energy
   * alone at a transaction's start (Transaction.Begin) or on the clock (MeterValuesAlignedData),
   * or split their measurands over several messages, beside readings that carry the current.
   */
  function warnNoCurrent(e: { chargerId: string; connectorId: number; samples: MeterSample[] }, charger: ChargerModel): void {
    if (noCurrentWarned.has(e.chargerId)) return;
    const key = connectorKey(e.chargerId, e.connectorId === 0 && charger.connectors === 1 ? 1 : e.connectorId);
    const session = sessions.get(key);
    const now = nowMs();
    if (!session || now - session.startedAt < readingMs || (measured.get(key)?.at ?? -Infinity) >= session.startedAt) return;
    noCurrentWarned.add(e.chargerId);
    log.warn({ chargerId: e.chargerId, measurands: [...new Set(e.samples.map((x) => x.measurand))] }, 'the charger reports no current (Current.Import) during a session: its cars are counted at their limits, and one that draws more cannot be told (add Current.Import to its MeterValuesSampledData)');
  }

  /**
   * Told once per charger, looked for once per reading time: a session has run for as long as a
   * reading counts, with the charger online, and not one MeterValues from it since the session
   * (or the balancer) started. Some chargers send none until MeterValueSampleInterval is set (0
   * by default on some), and one that refuses setup never does: its cars are counted at their
   * limits (draw.ts), and one that draws more cannot be seen without a grid meter.
   */
  function warnNoMeterValues(now: number): void {
    if (now - noMeterValuesCheckedAt < readingMs) return;
    noMeterValuesCheckedAt = now;
    for (const [key, s] of sessions) {
      const [chargerId, connectorId] = splitKey(key);
      if (noMeterValuesWarned.has(chargerId) || !gateway.registry.get(chargerId)?.online) continue;
      const since = Math.max(s.startedAt, loopStartedAt);
      if (now - since < readingMs || (meterValuesAt.get(chargerId) ?? -Infinity) >= since) continue;
      noMeterValuesWarned.add(chargerId);
      log.warn({ chargerId, connectorId, transactionId: s.transactionId, waitedS: Math.round((now - since) / 1000) }, 'the charger sends no MeterValues during a session (none for longer than a reading counts): its cars are counted at their limits, one that draws more cannot be told, and its sessions show no energy until they stop (set its MeterValueSampleInterval; chargers.setup does where the charger takes it)');
    }
  }

  function onMeterValues(e: { chargerId: string; connectorId: number; transactionId?: number; samples: MeterSample[] }): void {
    meterValuesAt.set(e.chargerId, nowMs());
    const charger = chargerOf(site, e.chargerId);
    const read = carReading(e.samples, charger, site.supply.voltage);
    if (!read) return warnNoCurrent(e, charger);
    const { currents } = read;
    // Connector 0 is the charger's main meter (1.6 §4.7; clock-aligned readings mostly go
    // there): the sum of its connectors, not a load of its own. Counted as one, a car was
    // subtracted twice from the grid meter and the house looked smaller by what it draws (seen:
    // 42 A on a 32 A fuse). With one connector it is that connector's current; with more it
    // cannot be shared out, and each connector's own readings count.
    let connectorId = e.connectorId;
    if (connectorId === 0) {
      if (charger.connectors !== 1) {
        if (!mainMeterTold.has(e.chargerId)) log.info({ chargerId: e.chargerId, connectors: charger.connectors }, "the charger's main meter (connector 0) is not counted as a car's draw: its connectors' own readings are");
        mainMeterTold.add(e.chargerId);
        return;
      }
      connectorId = 1;
    }
    const key = connectorKey(e.chargerId, connectorId);
    const at = nowMs();
    const reading = read.partial ? { currents, at, partial: true as const } : { currents, at };
    if (read.partial && !partialWarned.has(e.chargerId)) {
      partialWarned.add(e.chargerId);
      log.warn({ chargerId: e.chargerId }, 'the charger reports the current of fewer phases than it is wired for, and no total power that tells how many its car uses: its cars are counted on all its phases (add Power.Active.Import to its MeterValuesSampledData)');
    }
    measured.set(key, reading);
    // A reading that names a transaction on a connector without one is a late one of an ended
    // session (a backlog sent after a reconnect, 1.6 §3.7): it says nothing of now.
    // Kept only while it draws: an idle connector that reports 0 A costs the plan nothing.
    if (!sessions.has(key) && e.transactionId === undefined) {
      const amps = Math.max(currents[0], currents[1], currents[2]);
      if (amps > b.phaseThreshold) idleDraw.set(key, { amps, at });
      else forgetIdleDraw(key);
    }
    const limit = inForce.get(key);
    if (sessions.has(key) && limit && !inFlight.has(key) && at - limit.changedAt > b.rampInterval * 1000) {
      const judged = judgeOverdraw(overdraw, { key, draw: Math.max(currents[0], currents[1], currents[2]), limit: limit.amps, tolerance: fs.overdrawTolerance, samples: fs.overdrawSamples });
      overdraw = judged.memory;
      if (judged.flagged) {
        const prev = uncontrolled.get(e.chargerId);
        const next = control.overdrew(prev, `draws ${round1(Math.max(...currents))} A with a limit of ${limit.amps} A`, at);
        uncontrolled.set(e.chargerId, next);
        if (prev !== next) {
          log.warn({ chargerId: e.chargerId, connectorId, why: next.why }, 'charger ignores its limit: uncontrolled, counted at its maximum; the others are reduced');
          // Not more of a known draw: a charger newly flagged, whose overdraw the others must make room for.
          readingBasis.set(key, reading);
          schedule('change');
          return;
        }
      }
    }
    // Within what the plan counts already (the limit, the phases, the deadband): kept, no run.
    if (!readingAsksForRun(readingBasis.get(key), reading, holdingLimit(e.chargerId, key), replan)) return;
    readingBasis.set(key, reading);
    schedule('reading');
  }

  /** The limit a controlled charger accepted for the connector, and when: what holds its car (undefined: none known). */
  function holdingLimit(chargerId: string, key: string): HoldingLimit | undefined {
    if (notControlled(chargerId) !== undefined) return undefined;
    const f = inForce.get(key);
    if (f) return { amps: f.amps, acceptedAt: f.acceptedAt };
    const kept = accepted.get(key);
    return kept === undefined ? undefined : { amps: kept, acceptedAt: -Infinity };
  }

  /**
   * SuspendedEV: the car takes nothing although it may (§4.9); after the settle time its share
   * goes to others (allocate.ts). Back to Charging: its share comes back at once, and what was
   * measured while it paused says nothing about what it wants now.
   */
  function onStatus(s: ConnectorState): void {
    const key = connectorKey(s.chargerId, s.connectorId);
    let changed = false;
    if (s.status === 'SuspendedEV') {
      if (!suspended.has(key)) {
        suspended.set(key, nowMs());
        changed = true;
      }
    } else if (suspended.delete(key)) {
      measured.delete(key);
      readingBasis.delete(key);
      changed = true;
    }
    // No car on the connector: whatever it drew without a transaction has stopped (a charger
    // sends no more MeterValues then, and the last one would count for readingMs).
    if (s.status === 'Available' && idleDraw.has(key)) {
      forgetIdleDraw(key);
      changed = true;
    }
    // A connector the plan has not seen yet. Any other status (Preparing, Finishing, Faulted…)
    // changes nothing the plan counts (sessions begin and end with their transactions): a
    // charger that flaps its status asks for no runs.
    if (s.connectorId > 0 && !planned?.has(key)) {
      siteMayHaveChanged();
      changed = true;
    }
    if (changed) schedule();
  }

  function begin(s: { chargerId: string; connectorId: number; transactionId: number; receivedAt: string }, confirmed: boolean): void {
    const key = connectorKey(s.chargerId, s.connectorId);
    if (sessions.get(key)?.transactionId !== s.transactionId) forget(key);
    sessions.set(key, { transactionId: s.transactionId, startedAt: Date.parse(s.receivedAt) || nowMs(), confirmed });
    siteMayHaveChanged();
    schedule();
  }

  /** A session ended (or its start never reached the disk); a newer one on the connector stays. */
  function end(s: { chargerId: string; connectorId: number; transactionId: number }): void {
    const key = connectorKey(s.chargerId, s.connectorId);
    const current = sessions.get(key);
    if (current && current.transactionId !== s.transactionId) return;
    forget(key);
    endedAt.set(key, nowMs());
    // The car's needs were this session's (the edge forgets them too; this keeps the plan right if it did not).
    if (evPhases.delete(key) || caps.get(key)?.has(EV_NEEDS_SOURCE)) setCap(s.chargerId, s.connectorId, null, EV_NEEDS_SOURCE);
    switched.delete(key);
    siteMayHaveChanged();
    if (![...sessions.keys()].some((k) => splitKey(k)[0] === s.chargerId)) settle(s.chargerId, control.settled, 'its sessions ended');
    schedule();
  }

  function forgetIdleDraw(key: string): void {
    idleDraw.delete(key);
    idleDrawWarned.delete(key);
  }

  function forget(key: string): void {
    // The session's TxProfile goes with it (§3.13.2): the connector is on its TxDefaultProfile.
    const limit = inForce.get(key);
    if (limit && sessions.has(key)) {
      const { txFor: _, ...rest } = limit;
      inForce.set(key, { ...rest, amps: limit.txDefault ?? limit.amps });
    }
    sessions.delete(key);
    txInstalled.delete(key);
    measured.delete(key);
    forgetIdleDraw(key);
    readingBasis.delete(key);
    suspended.delete(key);
    cannotPause.delete(key);
    if (key in overdraw) {
      const { [key]: _, ...rest } = overdraw;
      overdraw = rest;
    }
  }

  function subscribe(): void {
    unsubscribe.push(
      // While the StartTransaction is being written: planned for, so its neighbours make room.
      events.on('session.starting', (s) => begin(s, false)),
      // Only once the StartTransaction.conf is on its way does the car get its own limit: the
      // charger must know the transactionId its TxProfile names (else it rejects it, §3.13.2).
      events.on('session.started', (s) => setImmediate(() => begin(s, true))),
      events.on('session.startFailed', (s) => end(s)),
      events.on('session.ended', (s) => end(s)),
      events.on('meter.values', onMeterValues),
      events.on('connector.status', onStatus),
      events.on('charger.connected', (c) => reconnected(c.chargerId)),
      events.on('charger.boot', (c) => booted(c.chargerId)),
      events.on('charger.disconnected', (c) => {
        siteMayHaveChanged();
        settle(c.chargerId, control.reconnected, 'it disconnected');
        schedule();
      }),
      events.on('ocpp.call', onCallSent),
      events.on('charger.quirks', onQuirks),
      events.on('connector.evNeeds', onEvNeeds),
      events.on('charger.reportedLimit', onReportedLimit),
    );
    deps.meter?.onReading((r) => {
      const now = nowMs();
      // The grid meter as people want to see it (MQTT site/grid topics, dashboard, meter age).
      events.emit('site.state', { grid: { currentA: r.currentsA, powerW: gridPowerW(r, site.supply.voltage), at: new Date(r.at).toISOString() } });
      const { draw, least, inTransition } = chargerDraw(now);
      const fresh = otherEstimate && now - otherEstimate.at <= fs.meterTimeout * 1000 ? otherEstimate.other : undefined;
      otherEstimate = { other: estimateOtherLoad(r.currentsA, draw, fresh, inTransition, least), at: r.at };
      peaks = rememberPeak(peaks, otherEstimate.other, r.at, fs.peakWindow * 1000);
      schedule('reading');
    });
  }

  /**
   * A ClearChargingProfile went to the charger (chargegate's own clear of a stale TxProfile; a
   * command through the gateway's command interface: a user's or the cloud's is kept as a cap
   * while the balancer runs), which may have removed our limits (§5.5): they are sent again, and
   * counted at the charger's maximum in the budget until one sent after the clear is accepted
   * (unsure). They queue behind the clear on the connection (one CALL at a time), so they land
   * after it.
   */
  function onCallSent(c: { chargerId: string; action: string; direction: 'in' | 'out' }): void {
    if (c.direction !== 'out' || c.action !== 'ClearChargingProfile') return;
    log.info({ chargerId: c.chargerId }, 'ClearChargingProfile sent to the charger: its limits are sent again');
    forgetLimits(c.chargerId);
    for (const { chargerId, key } of connectorIds()) if (chargerId === c.chargerId) unsure.set(key, orderSeq);
    schedule();
  }

  /**
   * A charger's effective quirks changed (src/setup/quirks.ts): its limits are sent again in the
   * new shape (unit, stackLevel, purpose), and a refusal of the old shape is forgotten so they
   * go out at once. noSmartCharging makes it uncontrolled for good, or ends that.
   */
  function onQuirks(e: GatewayEvents['charger.quirks']): void {
    const before = chargerOf(site, e.chargerId);
    chargers.set(e.chargerId, { ...before, quirks: { ...e.quirks } });
    capped = undefined;
    siteMayHaveChanged();
    const u = uncontrolled.get(e.chargerId);
    if (e.quirks.noSmartCharging) {
      if (u?.cause !== 'quirk') uncontrolled.set(e.chargerId, control.noSmartCharging(e.why));
    } else if (u?.cause === 'quirk' || u?.cause === 'refused') uncontrolled.delete(e.chargerId);
    forgetLimits(e.chargerId);
    txRejections.delete(e.chargerId);
    log.info({ chargerId: e.chargerId, quirks: e.quirks, why: e.why }, 'charger quirks changed: its limits are sent again accordingly');
    schedule();
  }

  function keysOf(chargerId: string, from: Iterable<string>): string[] {
    return [...from].filter((key) => splitKey(key)[0] === chargerId);
  }

  function forgetLimits(chargerId: string): void {
    for (const key of keysOf(chargerId, inForce.keys())) inForce.delete(key);
    for (const key of keysOf(chargerId, doubt.keys())) doubt.delete(key);
    // A limit in flight lands in inForce when it is answered, after this: it is sent again all
    // the same (seen: someone else's ClearChargingProfile while a TxDefaultProfile was on its
    // way; the answer restored what the clear made unsure, and nothing went out again).
    for (const key of keysOf(chargerId, inFlight.keys())) resendTo.add(key);
  }

  /** Drops a charger's kept limits (accepted), and from the store at the next keepAccepted. */
  function forgetAccepted(chargerId: string): void {
    const keys = keysOf(chargerId, accepted.keys());
    if (keys.length === 0) return;
    for (const key of keys) accepted.delete(key);
    acceptedForgotten = true;
    keepAcceptedSoon();
  }

  /**
   * A reconnect without a reboot: the charger kept its profiles (they live in its flash), so
   * what it accepted still counts; they are sent again all the same, in case it is another unit.
   */
  function reconnected(chargerId: string): void {
    siteMayHaveChanged();
    for (const key of keysOf(chargerId, inForce.keys())) resendTo.add(key);
    txRejections.delete(chargerId);
    schedule();
  }

  /**
   * A (re)boot: it may have lost its profiles (a charger that keeps them in RAM, not in flash,
   * loses them with any reset); everything is sent afresh. What it accepted before the boot no longer says what
   * limits its car either: forgotten too, so until it accepts a limit sent after the boot it
   * counts as a charger never limited (budget.ts: its maximum; a session on it `unconfirmed`).
   * Kept, that value counted a charger that then answered nothing at its old limit while it
   * could draw its maximum, until the call timed out (test/integration/balancer-reboot.test.ts).
   */
  function booted(chargerId: string): void {
    siteMayHaveChanged();
    forgetLimits(chargerId);
    forgetAccepted(chargerId);
    txRejections.delete(chargerId);
    settle(chargerId, control.reconnected, 'it rebooted');
    schedule();
    // A 2.0.1 charger's device model report: set before 'charger.boot' (edge201/device-model.ts).
    void gateway.registry.get(chargerId)?.describing?.then(() => schedule());
  }

  /**
   * Coalesces everything that happened in this turn of the event loop into one run; after an
   * expensive run (a large site), everything until the pace allows the next (pacing.ts): a
   * reading waits for the reading pace, a change for the shorter change pace, and a change
   * that comes while a reading's run waits brings that run forward. A cheap run sets no
   * timer: the next goes in the next turn.
   */
  function schedule(cause: RunCause = 'change'): void {
    if (stopped) return;
    const now = performance.now();
    const delay = paceDelay(lastRun, now, pacing, cause);
    if (scheduled && (dueAt === undefined || dueAt <= now + delay)) return;
    clearTimeout(paceTimer);
    scheduled = true;
    const go = () => {
      if (!scheduled) return;
      scheduled = false;
      paceTimer = undefined;
      dueAt = undefined;
      run();
    };
    if (delay > 0) {
      dueAt = now + delay;
      paceTimer = setTimeout(go, delay);
    } else {
      // The next turn: nothing comes sooner, so nothing replaces it.
      dueAt = undefined;
      paceTimer = undefined;
      setImmediate(go);
    }
  }

  function run(): void {
    if (stopped) return;
    const began = processMs();
    const beganAt = performance.now();
    try {
      runOnce();
      warnNoMeterValues(nowMs());
    } catch (err) {
      log.error({ err }, 'load balancing run failed');
    }
    const endedAt = performance.now();
    const used = processMs() - began;
    recentCosts.push(deps.processMs ? used : Math.min(used, endedAt - beganAt));
    if (recentCosts.length > RECENT_RUNS) recentCosts.shift();
    lastRun = { endedAt, costMs: typicalCost(recentCosts) };
  }

  function readAccepted(): Map<string, number> {
    try {
      const kept = JSON.parse(deps.store.meta.get(ACCEPTED_KEY) ?? '{}') as Record<string, unknown>;
      return new Map(Object.entries(kept).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] >= 0));
    } catch {
      log.warn('the kept accepted limits are unreadable: offline chargers count at 0 A until they reconnect');
      return new Map();
    }
  }

  function withoutTx(charger: ChargerModel): ChargerModel {
    return { ...charger, quirks: { ...charger.quirks, noTxProfile: true } };
  }

  /**
   * The phases the charger is told to use (its profile's numberPhases, to-profile.ts); the
   * allocation counts them (allocate.ts phasesOf). The profile goes out again even where the
   * limit stays the same: the number of phases is what changed.
   */
  function setPhases(chargerId: string, connectorId: number, phases: 1 | 3 | null): void {
    const key = connectorKey(chargerId, connectorId);
    if ((switched.get(key) ?? null) === phases) return;
    if (phases === null) switched.delete(key);
    else switched.set(key, phases);
    if (sessions.has(key)) resendTo.add(key);
    log.info({ chargerId, connectorId, phases }, phases === null ? 'phase switching ends: as wired' : 'phases switched');
    schedule();
  }

  /** A cap per source on a charger (connectorId undefined) or a connector; null clears this source's. */
  function setCap(chargerId: string, connectorId: number | undefined, amps: number | null, source: string): ControlResult {
    const charger = chargerOf(site, chargerId);
    if (!site.chargers.has(chargerId) && !gateway.registry.get(chargerId)) return { accepted: false, reason: `unknown charger ${chargerId}` };
    if (connectorId !== undefined && (connectorId < 1 || connectorId > Math.max(charger.connectors, 8))) return { accepted: false, reason: `no connector ${connectorId} on ${chargerId}` };
    if (amps !== null && !(amps >= 0 && amps <= 1000)) return { accepted: false, reason: `a cap must be a number of A from 0, got ${amps}` };
    const key = connectorId === undefined ? chargerId : connectorKey(chargerId, connectorId);
    let bySource = caps.get(key);
    if (!bySource) caps.set(key, (bySource = new Map()));
    if (amps === null) bySource.delete(source);
    else bySource.set(source, amps);
    if (bySource.size === 0) caps.delete(key);
    log.info({ chargerId, connectorId, amps, source }, amps === null ? 'cap removed' : 'cap set');
    schedule();
    const note = amps !== null && amps > 0 && amps < charger.minCurrent ? ` (below its minimum ${charger.minCurrent} A: it pauses)` : '';
    return { accepted: true, reason: amps === null ? 'cap removed' : `capped at ${amps} A${note}` };
  }

  /**
   * What the car said it takes at most is a cap (the rest goes to other cars), and the phases
   * it charges on are the ones reserved for it until its currents show them (allocate.ts
   * phasesOf; its profile then names them, to-profile.ts). Forgotten when its session ends.
   */
  function onEvNeeds(e: GatewayEvents['connector.evNeeds']): void {
    const key = connectorKey(e.chargerId, e.connectorId);
    setCap(e.chargerId, e.connectorId, e.needs?.maxCurrentA ?? null, EV_NEEDS_SOURCE);
    const before = evPhases.get(key);
    if (e.needs?.phases !== undefined) evPhases.set(key, e.needs.phases);
    else evPhases.delete(key);
    // Its profile names the phases (numberPhases): it goes out again even where the limit stays the same.
    if (evPhases.get(key) !== before && sessions.has(key)) resendTo.add(key);
    schedule();
  }

  /**
   * A limit another party set at the charger (an EMS, the grid operator) is a cap: the charger
   * holds its car to it anyway, so what is above it goes to others; and as the profile sent is
   * never above the allocation, a cleared limit cannot let the car jump above what the fuse
   * allows before the balancer raises it.
   */
  function onReportedLimit(e: GatewayEvents['charger.reportedLimit']): void {
    setCap(e.chargerId, e.connectorId > 0 ? e.connectorId : undefined, e.amps, reportedLimitSource(e.source));
  }

  // ---- LimitControl and the other seams ----------------------------------------------------

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      accepted = readAccepted();
      acceptedWritten = JSON.stringify(Object.fromEntries([...accepted].sort()));
      for (const s of deps.store.sessions.list({ state: 'active' })) {
        sessions.set(connectorKey(s.chargerId, s.connectorId), { transactionId: s.transactionId, startedAt: Date.parse(s.receivedAt) || nowMs(), confirmed: true });
      }
      subscribe();
      deps.meter?.start();
      timer = setInterval(() => schedule('reading'), b.recheckInterval * 1000);
      log.info({ supply: site.supply, circuits: site.circuits.size - 1, meter: deps.meter?.name ?? 'none' }, 'load balancing started');
      schedule();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      clearTimeout(paceTimer);
      paceTimer = undefined;
      scheduled = false;
      for (const off of unsubscribe.splice(0)) off();
      await deps.meter?.stop();
      await Promise.all(sent);
      clearTimeout(keepTimer);
      keepTimer = undefined;
      await keepAccepted();
    },
    allocation: () => latest,
    control: controlView,
    caps(chargerId) {
      const out: { connectorId?: number; source: string; amps: number }[] = [];
      for (const [source, amps] of caps.get(chargerId) ?? []) out.push({ source, amps });
      for (let n = 1; n <= Math.max(chargerOf(site, chargerId).connectors, 8); n++) for (const [source, amps] of caps.get(connectorKey(chargerId, n)) ?? []) out.push({ connectorId: n, source, amps });
      return out;
    },
    busy: () => scheduled || inFlight.size > 0,
    reconcile() {
      run();
      return Promise.all(sent).then(() => undefined);
    },
    setCap,
    setPhases,
    drawA(chargerId, connectorId) {
      const key = connectorKey(chargerId, connectorId);
      if (!sessions.has(key)) return 0;
      const now = nowMs();
      return Math.max(0, ...expectedDraw(chargerState(key, now), now, drawSettings(chargerOf(site, chargerId))));
    },
    setSiteLimit(amps, durationS, source) {
      return this.setExternalLimit(`demand-response (${source})`, amps, amps === null ? undefined : nowMs() + durationS * 1000);
    },
    setExternalLimit(source, amps, untilMs) {
      if (amps === null) {
        runtime.delete(source);
        log.info({ source }, 'external site limit cleared');
      } else {
        if (!(amps >= 0)) return { accepted: false, reason: `a site limit must be a number of A from 0, got ${amps}` };
        if (untilMs !== undefined && !(untilMs > nowMs())) return { accepted: false, reason: 'the duration must be positive' };
        runtime.set(source, { amps, ...(untilMs !== undefined ? { until: untilMs } : {}) });
        log.info({ source, amps, until: untilMs ? new Date(untilMs).toISOString() : 'cleared by hand' }, 'external site limit set');
      }
      schedule();
      return { accepted: true, reason: amps === null ? 'site limit cleared' : `site limited to ${amps} A per phase${untilMs ? ` until ${new Date(untilMs).toISOString()}` : ''}` };
    },
    setPrices(table) {
      if (!prices) return { accepted: false, reason: 'no site.prices in the config (threshold and maxCurrent)' };
      prices = { ...prices, table: [...table] };
      schedule();
      return { accepted: true, reason: `${table.length} prices` };
    },
  };
}

function samePhases(names: readonly string[], phases: readonly number[]): boolean {
  if (names.length !== phases.length) return false;
  for (let i = 0; i < names.length; i++) if (names[i] !== PHASE_NAMES[phases[i] as 0 | 1 | 2]) return false;
  return true;
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
