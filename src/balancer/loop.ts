/**
 * The load balancer's controller, the one impure file of src/balancer: it listens to the event
 * bus, keeps what allocate() needs (sessions, measured currents, what each charger accepted,
 * flags, caps, external limits), runs allocate() when something changed (coalesced to one run
 * per turn of the event loop) and every recheckInterval, and sends the result with
 * SetChargingProfile (OCPP 1.6 §5.16): every decrease first, at once, and only when those were
 * answered the increases, ramped. It implements LimitControl for MQTT, HTTP and the cloud.
 */
import type { Config } from '../config/schema.js';
import type { ControlResult, LimitControl } from '../control/ports.js';
import type { EventBus } from '../events.js';
import type { Gateway } from '../gateway/gateway.js';
import type { Logger } from '../log.js';
import type { GridMeter } from '../meters/ports.js';
import type { ConnectorState, MeterSample, Store } from '../store/ports.js';
import { allocate, chargerOf } from './allocate.js';
import { externalLimits, type RuntimeLimit } from './external.js';
import { EMPTY_PEAKS, estimateOtherLoad, judgeMeter, judgeOverdraw, rememberPeak, type OverdrawMemory, type PeakMemory } from './failsafe.js';
import { PHASE_NAMES, connectorKey, type Allocation, type BalancerState, type ConnectorAllocation, type ConnectorInput, type OtherLoad, type PhaseCurrents, type SiteModel } from './model.js';
import { carDraw } from './draw.js';
import { nextStep, type InForce } from './ramp.js';
import { ordersFor } from './to-profile.js';

/** The meta-table key of the limits the chargers accepted (survives a restart). */
const ACCEPTED_KEY = 'balancer.acceptedLimits';
const KEEP_ACCEPTED_MS = 1000;
/** TxProfiles rejected in this many transactions in a row: the charger takes none (until it reconnects). */
const TX_STRIKES = 2;

export interface BalancerDeps {
  config: Config;
  site: SiteModel;
  events: EventBus;
  gateway: Pick<Gateway, 'registry' | 'commands'>;
  store: Store;
  logger: Logger;
  now: () => Date;
  meter?: GridMeter;
  /** IANA zone of schedule times; main passes the system's when the config names none. */
  timeZone?: string;
}

export interface Balancer extends LimitControl {
  start(): void;
  stop(): Promise<void>;
  /** The latest allocation (undefined before the first run). */
  allocation(): Allocation | undefined;
  /** A site limit from an outside source ("cloud": its ChargePointMaxProfiles, upstream/site-limit.ts); null clears it. */
  setExternalLimit(source: string, amps: number | null, untilMs?: number): ControlResult;
  /** Replaces the price table (a dynamic tariff feed). */
  setPrices(table: readonly { from: string; price: number }[]): ControlResult;
  /** Runs one allocation and sends what follows; resolves when the chargers answered. */
  reconcile(): Promise<void>;
}

interface Flag {
  why: string;
}

export function createBalancer(deps: BalancerDeps): Balancer {
  const { config, site, events, gateway, logger } = deps;
  const siteConfig = config.site!;
  const b = siteConfig.balancing;
  const fs = siteConfig.failsafe;
  const nowMs = () => deps.now().getTime();
  const log = logger.child({ component: 'balancer' });

  /** Running sessions; not `confirmed` while their StartTransaction is still being written. */
  const sessions = new Map<string, { transactionId: number; startedAt: number; confirmed: boolean }>();
  const measured = new Map<string, { currents: PhaseCurrents; at: number }>();
  /** Connectors whose car has paused (StatusNotification SuspendedEV), since when (ms). */
  const suspended = new Map<string, number>();
  const inForce = new Map<string, InForce>();
  /**
   * What each connector accepted before the last restart (kept in the store): a charger that
   * has not reconnected yet still holds that standing limit and may draw up to it.
   */
  let accepted = new Map<string, number>();
  let acceptedWritten = '';
  let keepTimer: NodeJS.Timeout | undefined;
  /** Inoperative through ChangeAvailability (noZeroAmps pauses). */
  const inoperative = new Set<string>();
  const flagged = new Map<string, Flag>();
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
  const caps = new Map<string, { amps: number; source: string }>();
  const runtime = new Map<string, RuntimeLimit>();
  let prices = siteConfig.prices ? { ...siteConfig.prices, table: [...siteConfig.prices.table] } : undefined;
  let state: BalancerState = {};
  let peaks: PeakMemory = EMPTY_PEAKS;
  /** The other load from the latest meter reading, paired with the chargers' draw when it arrived. */
  let otherEstimate: { other: PhaseCurrents; at: number } | undefined;
  let overdraw: OverdrawMemory = {};
  let latest: Allocation | undefined;
  let lastPublished = '';
  let timer: NodeJS.Timeout | undefined;
  let scheduled = false;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  const unsubscribe: (() => void)[] = [];

  // ---- what the site looks like right now -------------------------------------------------

  function connectorIds(): { chargerId: string; connectorId: number }[] {
    const out = new Map<string, { chargerId: string; connectorId: number }>();
    for (const c of site.chargers.values()) for (let n = 1; n <= c.connectors; n++) out.set(connectorKey(c.id, n), { chargerId: c.id, connectorId: n });
    for (const live of gateway.registry.list()) {
      for (const n of live.connectors.keys()) if (n > 0) out.set(connectorKey(live.id, n), { chargerId: live.id, connectorId: n });
    }
    for (const key of sessions.keys()) {
      const [chargerId, n] = splitKey(key);
      out.set(key, { chargerId, connectorId: n });
    }
    return [...out.values()];
  }

  function inputs(now: number): ConnectorInput[] {
    return connectorIds().map(({ chargerId, connectorId }) => {
      const key = connectorKey(chargerId, connectorId);
      const charger = chargerOf(site, chargerId);
      const session = sessions.get(key);
      const input: ConnectorInput = { chargerId, connectorId, ...(session ? { session } : {}) };
      const flag = flagged.get(key) ?? flagged.get(chargerId);
      const online = gateway.registry.get(chargerId)?.online ?? false;
      if (flag) input.fixed = { amps: charger.maxCurrent, why: 'flagged' };
      else if (!online) {
        // It keeps what it last accepted; with a session and nothing known, the worst.
        const known = inForce.get(key)?.amps ?? accepted.get(key);
        input.fixed = { amps: known ?? (session ? charger.maxCurrent : 0), why: 'offline' };
      }
      const m = measured.get(key);
      if (m && session && m.at >= session.startedAt && now - m.at <= fs.meterTimeout * 1000 * 6) input.measured = m;
      const since = suspended.get(key);
      if (since !== undefined) input.suspendedSince = since;
      const f = inForce.get(key);
      if (f) input.offered = { amps: f.amps, raisedAt: f.raisedAt };
      const cap = minCap(caps.get(key), caps.get(chargerId));
      if (cap) input.cap = cap;
      if (cannotPause.has(key)) input.cannotPause = true;
      return input;
    });
  }

  /**
   * What the chargers' cars account for per site phase, and on which phases one is changing
   * (draw.ts): a meter reading is paired with this when it arrives.
   */
  function chargerDraw(now: number): { draw: PhaseCurrents; inTransition: boolean[] } {
    const draw: [number, number, number] = [0, 0, 0];
    const inTransition = [false, false, false];
    const keys = new Set([...measured.keys(), ...sessions.keys()]);
    for (const key of keys) {
      const charger = chargerOf(site, splitKey(key)[0]);
      const m = measured.get(key);
      const fresh = m && now - m.at <= fs.meterTimeout * 1000 ? m : undefined;
      const limit = inForce.get(key);
      const startedAt = sessions.get(key)?.startedAt;
      const car = carDraw(
        { ...(fresh ? { reported: fresh } : {}), ...(limit ? { limit } : {}), ...(startedAt !== undefined ? { sessionStartedAt: startedAt } : {}) },
        now,
        { responseMs: b.responseTime * 1000, slackA: b.releaseHeadroom, phases: charger.phases },
      );
      car.currents.forEach((a, i) => {
        const phase = charger.rotation[i]!;
        draw[phase] += a;
        if (car.changing) inTransition[phase] = true;
      });
    }
    return { draw, inTransition };
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

  async function runOnce(): Promise<void> {
    const now = nowMs();
    const external = externalLimits({ schedule: siteConfig.schedule, timeZone: deps.timeZone ?? siteConfig.timeZone ?? 'UTC', ...(prices ? { prices } : {}), runtime, now });
    const other = otherLoad(now);
    const result = allocate({ site, connectors: inputs(now), ...(other ? { otherLoad: other } : {}), external, state, now });
    state = result.state;
    latest = result;
    // The orders go out first (apply sends up to its first await); the MQTT and HTTP mirrors
    // of the allocation then run while the chargers answer.
    const applying = apply(result, now);
    publish(result, other?.failsafe, now);
    await applying;
    keepAcceptedSoon();
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
    for (const [key, f] of inForce) accepted.set(key, f.amps);
    const text = JSON.stringify(Object.fromEntries([...accepted].sort()));
    if (text === acceptedWritten) return Promise.resolve();
    acceptedWritten = text;
    // Runs wait for no fsync of this: it is written from a timer, and on stop.
    return deps.store.durably(() => deps.store.meta.set(ACCEPTED_KEY, text)).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not keep the accepted limits'));
  }

  function publish(result: Allocation, failsafe: string | undefined, now: number): void {
    const connectors = result.connectors.map((c) => ({
      chargerId: c.chargerId,
      connectorId: c.connectorId,
      amps: c.amps,
      phases: c.phases.map((p) => PHASE_NAMES[p]),
      active: c.active,
      reason: c.reason,
      detail: c.detail,
    }));
    const signature = JSON.stringify([result.siteLimit, failsafe, connectors]);
    if (signature === lastPublished) return;
    lastPublished = signature;
    log.info(
      { siteLimit: result.siteLimit, load: result.load, ...(failsafe ? { failsafe } : {}), limits: Object.fromEntries(result.connectors.map((c) => [c.key, `${c.amps} A ${c.reason}`])) },
      'allocation changed',
    );
    events.emit('allocation.changed', { at: new Date(now).toISOString(), siteLimit: result.siteLimit, load: result.load, ...(failsafe ? { failsafe } : {}), connectors });
  }

  /** Decreases first and awaited, then increases: the sum in force never passes the allocation. */
  async function apply(result: Allocation, now: number): Promise<void> {
    const decreases: (() => Promise<boolean>)[] = [];
    const increases: (() => Promise<boolean>)[] = [];
    for (const a of result.connectors) {
      if (a.reason === 'fixed') continue;
      // Its StartTransaction is not answered yet: it keeps its standing limit until then.
      if (sessions.get(a.key)?.confirmed === false) continue;
      if (!gateway.registry.get(a.chargerId)?.online) continue;
      const charger = chargerOf(site, a.chargerId);
      const step = nextStep(a.amps, inForce.get(a.key), now, { hysteresis: b.hysteresis, rampStep: b.rampStep, rampIntervalMs: b.rampInterval * 1000, minCurrent: charger.minCurrent });
      const pausedByAvailability = inoperative.has(a.key);
      const session = sessions.get(a.key);
      // A new transaction needs its TxProfile even when its limit does not change.
      const txMissing = session !== undefined && !charger.quirks.noTxProfile && !refusesTx(a.chargerId, session.transactionId) && inForce.get(a.key)?.txFor !== session.transactionId;
      if (!step && !(pausedByAvailability && a.amps > 0) && !txMissing) continue;
      const amps = step?.amps ?? inForce.get(a.key)?.amps ?? a.amps;
      const send = () => sendLimit({ ...a, amps }, now);
      if (step?.kind === 'increase' || (!step && pausedByAvailability)) increases.push(send);
      else decreases.push(send);
    }
    const down = await Promise.all(decreases.map((f) => f()));
    // A decrease that did not land means the sum in force is unknown: no increase this round.
    if (down.some((ok) => !ok)) return;
    await Promise.all(increases.map((f) => f()));
  }

  /** Sends one connector's orders; true when everything was accepted. */
  async function sendLimit(a: ConnectorAllocation, now: number): Promise<boolean> {
    const charger = chargerOf(site, a.chargerId);
    const session = sessions.get(a.key);
    // The charger as one that takes no TxProfile: made only when needed (not on every order).
    const withoutTx = () => ({ ...charger, quirks: { ...charger.quirks, noTxProfile: true } });
    const effective = refusesTx(a.chargerId, session?.transactionId) ? withoutTx() : charger;
    const before = inForce.get(a.key);
    const options = { voltage: site.supply.voltage, stackLevel: b.stackLevel, ...(session ? { transactionId: session.transactionId } : {}), ...(before?.txDefault !== undefined ? { txDefaultInForce: before.txDefault } : {}) };
    const orders = ordersFor(a, effective, options);
    let txDefault = orders.txDefaultAmps ?? before?.txDefault;
    // Made when something is logged: a child logger per order would cost every run.
    const clog = () => log.child({ chargerId: a.chargerId, connectorId: a.connectorId });
    let txFor: number | undefined;
    try {
      if (orders.availability === 'Inoperative') {
        const res = await gateway.commands.ChangeAvailability(a.chargerId, { connectorId: a.connectorId, type: 'Inoperative' });
        if (res.status !== 'Accepted') {
          // Scheduled means "after the transaction": no pause now. Plan with it running.
          cannotPause.add(a.key);
          clog().warn({ status: res.status }, 'cannot pause through ChangeAvailability: kept at its minimum');
          schedule();
          return false;
        }
        inoperative.add(a.key);
      } else if (orders.availability === 'Operative' && inoperative.has(a.key)) {
        await gateway.commands.ChangeAvailability(a.chargerId, { connectorId: a.connectorId, type: 'Operative' });
        inoperative.delete(a.key);
      }
      for (const request of orders.profiles) {
        const res = await gateway.commands.SetChargingProfile(a.chargerId, request);
        const purpose = request.csChargingProfiles.chargingProfilePurpose;
        if (res.status === 'Accepted') {
          if (purpose === 'TxProfile') {
            txFor = request.csChargingProfiles.transactionId;
            txRejections.delete(a.chargerId);
          }
          continue;
        }
        if (purpose === 'TxProfile') {
          const transactionId = request.csChargingProfiles.transactionId;
          const previous = txRejections.get(a.chargerId);
          const strikes = previous && previous.transactionId === transactionId ? previous.strikes : (previous?.strikes ?? 0) + 1;
          txRejections.set(a.chargerId, { transactionId, strikes });
          clog().warn(
            { status: res.status, transactionId, strikes },
            strikes >= TX_STRIKES ? 'TxProfile rejected again: the TxDefaultProfile carries the limit from now on' : 'TxProfile rejected: the TxDefaultProfile carries the limit of this transaction; the next one tries again',
          );
          const live = ordersFor(a, withoutTx(), options).profiles[0]!;
          const fallback = await gateway.commands.SetChargingProfile(a.chargerId, live);
          if (fallback.status !== 'Accepted') {
            flag(a.chargerId, `rejected a TxDefaultProfile (${fallback.status})`);
            return false;
          }
          txDefault = a.amps;
          break;
        }
        flag(a.chargerId, `rejected a ${purpose} (${res.status})`);
        return false;
      }
    } catch (err) {
      clog().warn({ err: (err as Error).message, amps: a.amps }, 'could not send the limit');
      return false;
    }
    const raised = !before || a.amps > before.amps;
    // A re-send of the same value (a TxProfile for a new transaction) changes nothing for the car.
    const same = before !== undefined && before.amps === orders.amps;
    const change = same ? { acceptedAt: before.acceptedAt, ...(before.from !== undefined ? { from: before.from } : {}) } : { acceptedAt: nowMs(), ...(before ? { from: before.amps } : {}) };
    inForce.set(a.key, { amps: orders.amps, raisedAt: raised ? now : before.raisedAt, changedAt: now, ...change, ...(txDefault !== undefined ? { txDefault } : {}), ...(txFor !== undefined ? { txFor } : {}) });
    if (log.isLevelEnabled('debug')) clog().debug({ amps: orders.amps, reason: a.reason }, 'limit sent');
    return true;
  }

  function flag(id: string, why: string): void {
    if (flagged.has(id)) return;
    flagged.set(id, { why });
    log.warn({ chargerOrConnector: id, why }, 'charger flagged: assumed at its maximum, the others are reduced');
    schedule();
  }

  // ---- events -------------------------------------------------------------------------------

  function onMeterValues(e: { chargerId: string; connectorId: number; samples: MeterSample[] }): void {
    const currents = currentsOf(e.samples);
    if (!currents) return;
    const key = connectorKey(e.chargerId, e.connectorId);
    const at = nowMs();
    measured.set(key, { currents, at });
    const limit = inForce.get(key);
    if (sessions.has(key) && limit && at - limit.changedAt > b.rampInterval * 1000) {
      const judged = judgeOverdraw(overdraw, { key, draw: Math.max(...currents), limit: limit.amps, tolerance: fs.overdrawTolerance, samples: fs.overdrawSamples });
      overdraw = judged.memory;
      if (judged.flagged) flag(key, `draws ${Math.max(...currents)} A with a limit of ${limit.amps} A`);
    }
    schedule();
  }

  /**
   * SuspendedEV: the car takes nothing although it may (§4.9); after the settle time its share
   * goes to others (allocate.ts). Back to Charging: its share comes back at once, and what was
   * measured while it paused says nothing about what it wants now.
   */
  function onStatus(s: ConnectorState): void {
    const key = connectorKey(s.chargerId, s.connectorId);
    if (s.status === 'SuspendedEV') {
      if (!suspended.has(key)) suspended.set(key, nowMs());
    } else if (suspended.delete(key)) measured.delete(key);
    schedule();
  }

  function begin(s: { chargerId: string; connectorId: number; transactionId: number; receivedAt: string }, confirmed: boolean): void {
    const key = connectorKey(s.chargerId, s.connectorId);
    if (sessions.get(key)?.transactionId !== s.transactionId) forget(key);
    sessions.set(key, { transactionId: s.transactionId, startedAt: Date.parse(s.receivedAt) || nowMs(), confirmed });
    schedule();
  }

  /** A session ended (or its start never reached the disk); a newer one on the connector stays. */
  function end(s: { chargerId: string; connectorId: number; transactionId: number }): void {
    const key = connectorKey(s.chargerId, s.connectorId);
    const current = sessions.get(key);
    if (current && current.transactionId !== s.transactionId) return;
    forget(key);
    schedule();
  }

  function forget(key: string): void {
    // The session's TxProfile goes with it (§3.13.2): the connector is on its TxDefaultProfile.
    const limit = inForce.get(key);
    if (limit && sessions.has(key)) {
      const { txFor: _, ...rest } = limit;
      inForce.set(key, { ...rest, amps: limit.txDefault ?? limit.amps });
    }
    sessions.delete(key);
    measured.delete(key);
    suspended.delete(key);
    flagged.delete(key);
    cannotPause.delete(key);
    const { [key]: _, ...rest } = overdraw;
    overdraw = rest;
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
      events.on('charger.connected', (c) => resend(c.chargerId)),
      events.on('charger.boot', (c) => resend(c.chargerId)),
      events.on('charger.disconnected', () => schedule()),
      events.on('ocpp.call', onCallSent),
    );
    deps.meter?.onReading((r) => {
      const now = nowMs();
      // The grid meter as people want to see it (MQTT site/grid topics, dashboard, meter age).
      events.emit('site.state', { grid: { currentA: r.currentsA, at: new Date(r.at).toISOString() } });
      const { draw, inTransition } = chargerDraw(now);
      const fresh = otherEstimate && now - otherEstimate.at <= fs.meterTimeout * 1000 ? otherEstimate.other : undefined;
      otherEstimate = { other: estimateOtherLoad(r.currentsA, draw, fresh, inTransition), at: r.at };
      peaks = rememberPeak(peaks, otherEstimate.other, r.at, fs.peakWindow * 1000);
      schedule();
    });
  }

  /** A (re)connected charger gets its limits again (it may have lost them, or be a replacement). */
  /**
   * Someone else (the cloud, an MQTT or HTTP command) sent the charger a ClearChargingProfile,
   * which may have removed our standing limit (§5.5): send the limits again. They queue behind
   * the clear on the connection (one CALL at a time), so they land after it.
   */
  function onCallSent(c: { chargerId: string; action: string; direction: 'in' | 'out' }): void {
    if (c.direction !== 'out' || c.action !== 'ClearChargingProfile') return;
    log.info({ chargerId: c.chargerId }, 'ClearChargingProfile sent to the charger: its limits are sent again');
    forgetLimits(c.chargerId);
    schedule();
  }

  function forgetLimits(chargerId: string): void {
    for (const key of [...inForce.keys()]) if (key.startsWith(`${chargerId}/`)) inForce.delete(key);
  }

  function resend(chargerId: string): void {
    forgetLimits(chargerId);
    txRejections.delete(chargerId);
    flagged.delete(chargerId);
    schedule();
  }

  /** Coalesces everything that happened in this turn of the event loop into one run. */
  function schedule(): void {
    if (stopped || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void reconcile();
    });
  }

  function reconcile(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = runOnce()
      .catch((err: unknown) => log.error({ err }, 'load balancing run failed'))
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          schedule();
        }
      });
    return running;
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
      timer = setInterval(() => schedule(), b.recheckInterval * 1000);
      log.info({ supply: site.supply, circuits: site.circuits.size - 1, meter: deps.meter?.name ?? 'none' }, 'load balancing started');
      schedule();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const off of unsubscribe.splice(0)) off();
      await deps.meter?.stop();
      await running;
      clearTimeout(keepTimer);
      keepTimer = undefined;
      await keepAccepted();
    },
    allocation: () => latest,
    reconcile,
    setCap(chargerId, connectorId, amps, source) {
      const charger = chargerOf(site, chargerId);
      if (!site.chargers.has(chargerId) && !gateway.registry.get(chargerId)) return { accepted: false, reason: `unknown charger ${chargerId}` };
      if (connectorId !== undefined && (connectorId < 1 || connectorId > Math.max(charger.connectors, 8))) return { accepted: false, reason: `no connector ${connectorId} on ${chargerId}` };
      if (amps !== null && !(amps >= 0 && amps <= 1000)) return { accepted: false, reason: `a cap must be a number of A from 0, got ${amps}` };
      const key = connectorId === undefined ? chargerId : connectorKey(chargerId, connectorId);
      if (amps === null) caps.delete(key);
      else caps.set(key, { amps, source });
      log.info({ chargerId, connectorId, amps, source }, amps === null ? 'cap removed' : 'cap set');
      schedule();
      const note = amps !== null && amps > 0 && amps < charger.minCurrent ? ` (below its minimum ${charger.minCurrent} A: it pauses)` : '';
      return { accepted: true, reason: amps === null ? 'cap removed' : `capped at ${amps} A${note}` };
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

/** Current.Import per phase L1..L3 of the charger from one MeterValues; a phase-less value counts as L1. */
export function currentsOf(samples: readonly MeterSample[]): PhaseCurrents | undefined {
  const out: [number, number, number] = [0, 0, 0];
  let found = false;
  for (const s of samples) {
    if (s.measurand !== 'Current.Import') continue;
    const value = Number(s.value);
    if (!Number.isFinite(value)) continue;
    const i = s.phase ? ['L1', 'L2', 'L3'].indexOf(s.phase.slice(0, 2)) : 0;
    if (i < 0) continue;
    out[i] = value;
    found = true;
  }
  return found ? out : undefined;
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function minCap(...caps: ({ amps: number; source: string } | undefined)[]): { amps: number; source: string } | undefined {
  let best: { amps: number; source: string } | undefined;
  for (const c of caps) if (c && (!best || c.amps < best.amps)) best = c;
  return best;
}
