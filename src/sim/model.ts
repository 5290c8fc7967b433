/**
 * The pure model of an AC charger: connectors and their state machine (OCPP 1.6 §4.9 status
 * transitions), the car plugged into each, an energy register per connector integrated from
 * the actual current, and smart charging (§3.13). No I/O and no clock: every method that can
 * change something takes `now` (epoch ms). Status and limit changes are collected for the
 * caller to announce (takeChanges).
 */
import type { ClearChargingProfileRequest, GetCompositeScheduleResponse, StatusNotificationRequest } from '../ocpp/v16/types.js';
import { ProfileStore, type InstallResult, type TransactionView } from './profiles.js';
import { breakpoints, toAmps, type ActivePeriod, type ChargingProfile, type InstalledProfile, type RateUnit } from '../ocpp/v16/schedule.js';

export type ConnectorStatus = StatusNotificationRequest['status'];

/** IEC 61851-1: below 6 A a car is not required to charge, so the charger pauses instead. */
export const MIN_CHARGING_CURRENT_A = 6;

/** Amperes on the charger's own phases L1, L2, L3 (its wiring to the site is the site's business). */
export type PhaseCurrents = [l1: number, l2: number, l3: number];

export interface Car {
  /** The most current per phase the car draws (A); 0 = the car does not want energy now. */
  maxCurrentA: number;
  phases: 1 | 3;
}

export interface Transaction {
  /** Our own reference, known before the central system assigns the transactionId. */
  ref: number;
  idTag: string;
  /** Assigned by the central system in StartTransaction.conf (§4.8); undefined until then. */
  transactionId: number | undefined;
  startedAt: number;
  meterStartWh: number;
  reservationId?: number;
}

export interface Reservation {
  reservationId: number;
  idTag: string;
  expiresAt: number;
}

export interface ConnectorView {
  id: number;
  status: ConnectorStatus;
  car: Car | undefined;
  transaction: Transaction | undefined;
  /** The Energy.Active.Import.Register, Wh, monotonic. */
  energyWh: number;
  /**
   * The current the charger offers per phase (A): min(charger max, composite limit); what it
   * reports as Current.Offered, even when it ignores its limits (obeysLimits false).
   */
  limitA: number;
  /** The current actually flowing per phase (A). */
  currentA: number;
  /** Phases actually in use: min(charger, car). */
  phases: number;
  operative: boolean;
  reservation: Reservation | undefined;
}

export interface ChargerModelOptions {
  connectors: number;
  phases: 1 | 3;
  /** The charger's own per-phase maximum (A). */
  maxCurrentA: number;
  voltageV?: number;
  maxStackLevel?: number;
  maxProfilesInstalled?: number;
  maxSchedulePeriods?: number;
  /**
   * false: a charger that accepts its limits and ignores them (seen in the field): the car
   * draws its maximum whatever the limit, which is still reported as offered. Default true.
   */
  obeysLimits?: boolean;
}

export type StartRefusal = 'NoSuchConnector' | 'Faulted' | 'Unavailable' | 'Busy' | 'NotPluggedIn' | 'Reserved';

export interface ModelChanges {
  statuses: { connector: number; status: ConnectorStatus }[];
  limits: { connector: number; limitA: number; currentA: number }[];
}

interface ConnectorState {
  id: number;
  car: Car | undefined;
  transaction: Transaction | undefined;
  energyWh: number;
  limitA: number;
  currentA: number;
  faulted: boolean;
  operative: boolean;
  /** ChangeAvailability answered Scheduled: applied when the transaction ends (§5.2). */
  pendingOperative: boolean | undefined;
  /** The transaction ended with the car still plugged in: Finishing until it leaves (§4.9). */
  finishing: boolean;
  reservation: Reservation | undefined;
  status: ConnectorStatus;
  /** The phases its profiles in force allow (their numberPhases, §7.13: 3 when absent): a charger that switches phases. */
  profilePhases: number;
}

export class ChargerModel {
  readonly voltageV: number;
  readonly connectorCount: number;
  private readonly store: ProfileStore;
  private readonly connectors: ConnectorState[];
  private chargerOperative = true;
  private chargerStatus: ConnectorStatus = 'Available';
  private lastTick: number;
  private changes: ModelChanges = { statuses: [], limits: [] };
  private obeysLimits: boolean;

  constructor(private readonly opts: ChargerModelOptions, now: number) {
    this.voltageV = opts.voltageV ?? 230;
    this.connectorCount = opts.connectors;
    this.store = new ProfileStore({
      connectors: opts.connectors,
      maxStackLevel: opts.maxStackLevel ?? 8,
      maxInstalled: opts.maxProfilesInstalled ?? 16,
      maxPeriods: opts.maxSchedulePeriods ?? 24,
    });
    this.obeysLimits = opts.obeysLimits ?? true;
    this.lastTick = now;
    this.connectors = Array.from({ length: opts.connectors }, (_, i) => ({
      id: i + 1,
      car: undefined,
      transaction: undefined,
      energyWh: 0,
      limitA: opts.maxCurrentA,
      currentA: 0,
      faulted: false,
      operative: true,
      pendingOperative: undefined,
      finishing: false,
      reservation: undefined,
      status: 'Available',
      profilePhases: 3,
    }));
  }

  get maxCurrentA(): number {
    return this.opts.maxCurrentA;
  }

  get phases(): 1 | 3 {
    return this.opts.phases;
  }

  get limitsObeyed(): boolean {
    return this.obeysLimits;
  }

  /** Makes the charger obey its limits again, or start ignoring them (from `now`). */
  setLimitsObeyed(obeyed: boolean, now: number): void {
    this.update(now, () => {
      this.obeysLimits = obeyed;
    });
  }

  /** Status of connector 0 (the charge point as a whole) or of connector N. */
  status(connectorId: number): ConnectorStatus {
    return connectorId === 0 ? this.chargerStatus : this.get(connectorId).status;
  }

  connector(connectorId: number): ConnectorView {
    const c = this.get(connectorId);
    return {
      id: c.id,
      status: c.status,
      car: c.car ? { ...c.car } : undefined,
      transaction: c.transaction ? { ...c.transaction } : undefined,
      energyWh: c.energyWh,
      limitA: c.limitA,
      currentA: c.currentA,
      phases: this.phasesOf(c),
      operative: c.operative,
      reservation: c.reservation ? { ...c.reservation } : undefined,
    };
  }

  exists(connectorId: number): boolean {
    return Number.isInteger(connectorId) && connectorId >= 1 && connectorId <= this.connectorCount;
  }

  /**
   * The current flowing now on the charger's phases (A), of one connector or (no argument)
   * summed over all of them. A car on fewer phases than the charger draws on the first ones,
   * L1 for a one-phase car: a charger has no phase rotation of its own. As of the last
   * advance(); call advance(now) first for "now".
   */
  phaseCurrents(connectorId?: number): PhaseCurrents {
    const out: PhaseCurrents = [0, 0, 0];
    const of = connectorId === undefined ? this.connectors : [this.get(connectorId)];
    for (const c of of) {
      const phases = this.phasesOf(c);
      out[0] += c.currentA;
      if (phases >= 2) out[1] += c.currentA;
      if (phases >= 3) out[2] += c.currentA;
    }
    return out;
  }

  profiles(): readonly InstalledProfile[] {
    return this.store.list();
  }

  /** Integrates energy up to `now` and re-evaluates limits (schedules move with time). */
  advance(now: number): void {
    this.integrate(now);
    this.recompute(now);
  }

  /** Status and limit changes since the last call, in the order they happened. */
  takeChanges(): ModelChanges {
    const out = this.changes;
    this.changes = { statuses: [], limits: [] };
    return out;
  }

  plugIn(connectorId: number, car: Car, now: number): void {
    this.update(now, () => {
      const c = this.get(connectorId);
      c.car = { ...car };
    });
  }

  unplug(connectorId: number, now: number): void {
    this.update(now, () => {
      const c = this.get(connectorId);
      c.car = undefined;
      c.finishing = false;
    });
  }

  setCarMaxCurrent(connectorId: number, maxCurrentA: number, now: number): void {
    this.update(now, () => {
      const c = this.get(connectorId);
      if (c.car) c.car.maxCurrentA = maxCurrentA;
    });
  }

  fault(connectorId: number, now: number): void {
    this.update(now, () => {
      this.get(connectorId).faulted = true;
    });
  }

  clearFault(connectorId: number, now: number): void {
    this.update(now, () => {
      this.get(connectorId).faulted = false;
    });
  }

  /** Why a transaction could not start on this connector now, or undefined when it can. */
  startRefusal(connectorId: number, idTag: string, now: number): StartRefusal | undefined {
    if (!this.exists(connectorId)) return 'NoSuchConnector';
    this.advance(now);
    const c = this.get(connectorId);
    if (c.faulted) return 'Faulted';
    if (!c.operative) return 'Unavailable';
    if (c.transaction) return 'Busy';
    if (!c.car) return 'NotPluggedIn';
    if (c.reservation && c.reservation.idTag !== idTag) return 'Reserved';
    return undefined;
  }

  beginTransaction(connectorId: number, idTag: string, ref: number, now: number): { ok: true; transaction: Transaction } | { ok: false; reason: StartRefusal } {
    const refusal = this.startRefusal(connectorId, idTag, now);
    if (refusal) return { ok: false, reason: refusal };
    const c = this.get(connectorId);
    const tx: Transaction = { ref, idTag, transactionId: undefined, startedAt: now, meterStartWh: Math.floor(c.energyWh) };
    // A reservation is used up by the transaction of its idTag (§5.13).
    if (c.reservation) tx.reservationId = c.reservation.reservationId;
    this.update(now, () => {
      c.reservation = undefined;
      c.finishing = false;
      c.transaction = tx;
    });
    return { ok: true, transaction: { ...tx } };
  }

  /** Records the central system's transactionId for our reference (it may have ended meanwhile). */
  assignTransactionId(ref: number, transactionId: number): number | undefined {
    const c = this.connectors.find((x) => x.transaction?.ref === ref);
    if (c?.transaction) c.transaction.transactionId = transactionId;
    return c?.id;
  }

  connectorOfTransaction(transactionId: number): number | undefined {
    return this.connectors.find((c) => c.transaction?.transactionId === transactionId)?.id;
  }

  endTransaction(connectorId: number, now: number): { transaction: Transaction; meterStopWh: number } | undefined {
    const c = this.get(connectorId);
    const tx = c.transaction;
    if (!tx) return undefined;
    this.update(now, () => {
      c.transaction = undefined;
      c.finishing = c.car !== undefined;
      this.store.dropTxProfiles(connectorId);
      if (c.pendingOperative !== undefined) {
        c.operative = c.pendingOperative;
        c.pendingOperative = undefined;
      }
    });
    return { transaction: tx, meterStopWh: Math.floor(c.energyWh) };
  }

  /**
   * ChangeAvailability (§5.2): connector 0 means the whole charge point. Scheduled when a
   * transaction runs on an affected connector: applied when it ends.
   */
  changeAvailability(connectorId: number, operative: boolean, now: number): 'Accepted' | 'Scheduled' | 'Rejected' {
    if (connectorId !== 0 && !this.exists(connectorId)) return 'Rejected';
    const targets = connectorId === 0 ? this.connectors : [this.get(connectorId)];
    let scheduled = false;
    this.update(now, () => {
      if (connectorId === 0) this.chargerOperative = operative;
      for (const c of targets) {
        if (c.transaction && c.operative !== operative) {
          c.pendingOperative = operative;
          scheduled = true;
        } else {
          c.operative = operative;
          c.pendingOperative = undefined;
        }
      }
    });
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  /** ReserveNow (§5.13); connector 0 reservations are not supported (ReserveConnectorZeroSupported false). */
  reserve(connectorId: number, reservation: Reservation, now: number): 'Accepted' | 'Faulted' | 'Occupied' | 'Rejected' | 'Unavailable' {
    if (!this.exists(connectorId)) return 'Rejected';
    this.advance(now);
    const c = this.get(connectorId);
    if (c.faulted) return 'Faulted';
    if (!c.operative) return 'Unavailable';
    const sameReservation = c.reservation?.reservationId === reservation.reservationId;
    if (c.transaction || c.car || (c.reservation && !sameReservation)) return 'Occupied';
    this.update(now, () => {
      c.reservation = { ...reservation };
    });
    return 'Accepted';
  }

  cancelReservation(reservationId: number, now: number): 'Accepted' | 'Rejected' {
    const c = this.connectors.find((x) => x.reservation?.reservationId === reservationId);
    if (!c) return 'Rejected';
    this.update(now, () => {
      c.reservation = undefined;
    });
    return 'Accepted';
  }

  setChargingProfile(connectorId: number, profile: ChargingProfile, now: number): InstallResult {
    let result: InstallResult = { status: 'Rejected', why: 'not evaluated' };
    this.update(now, () => {
      const tx = connectorId > 0 && this.exists(connectorId) ? this.txView(this.get(connectorId)) : undefined;
      result = this.store.install(connectorId, profile, now, tx);
    });
    return result;
  }

  clearChargingProfile(criteria: ClearChargingProfileRequest, now: number): 'Accepted' | 'Unknown' {
    let result: 'Accepted' | 'Unknown' = 'Unknown';
    this.update(now, () => {
      result = this.store.clear(criteria);
    });
    return result;
  }

  /**
   * GetCompositeSchedule (§5.7, §3.13.4): the limit over [now, now + duration] as periods,
   * evaluated at every instant where an involved profile can change; equal neighbours merge.
   * Where no profile applies the limit is the charger's own maximum.
   */
  compositeSchedule(connectorId: number, durationS: number, unit: RateUnit, now: number): NonNullable<GetCompositeScheduleResponse['chargingSchedule']> {
    this.advance(now);
    const end = now + durationS * 1000;
    const c = connectorId > 0 ? this.get(connectorId) : undefined;
    const tx = c ? this.txView(c) : undefined;
    const times = new Set<number>([now]);
    for (const p of this.store.relevantTo(connectorId)) for (const t of breakpoints(p, now, end, tx?.startedAt)) times.add(t);
    const phases = c ? this.phasesOf(c) : this.opts.phases;
    const periods: { startPeriod: number; limit: number; numberPhases: number }[] = [];
    for (const t of [...times].sort((a, b) => a - b)) {
      const amps = this.limitAt(connectorId, t, phases, tx);
      const limit = roundTenth(unit === 'A' ? amps : amps * this.voltageV * phases);
      if (periods.at(-1)?.limit === limit) continue;
      periods.push({ startPeriod: Math.round((t - now) / 1000), limit, numberPhases: phases });
    }
    return { duration: durationS, startSchedule: new Date(now).toISOString(), chargingRateUnit: unit, chargingSchedulePeriod: periods };
  }

  // ---- internals -------------------------------------------------------------------------

  private get(connectorId: number): ConnectorState {
    const c = this.connectors[connectorId - 1];
    if (!c) throw new RangeError(`connector ${connectorId} does not exist (1..${this.connectorCount})`);
    return c;
  }

  private update(now: number, mutate: () => void): void {
    this.integrate(now);
    mutate();
    this.recompute(now);
  }

  /** Energy flows at the current of the interval that just ended: Wh += A × V × phases × h. */
  private integrate(now: number): void {
    const elapsedH = Math.max(0, now - this.lastTick) / 3_600_000;
    if (elapsedH > 0) {
      for (const c of this.connectors) c.energyWh += c.currentA * this.voltageV * this.phasesOf(c) * elapsedH;
    }
    this.lastTick = Math.max(this.lastTick, now);
  }

  private phasesOf(c: ConnectorState): number {
    return Math.min(this.opts.phases, c.car?.phases ?? this.opts.phases, c.profilePhases);
  }

  private txView(c: ConnectorState): TransactionView | undefined {
    return c.transaction ? { transactionId: c.transaction.transactionId, startedAt: c.transaction.startedAt } : undefined;
  }

  private periodAmps(period: ActivePeriod | undefined, phases: number): number {
    if (!period) return Infinity;
    // numberPhases caps the phases the schedule allows (§7.13: default 3).
    const usable = Math.min(phases, period.numberPhases ?? 3);
    return toAmps(period.limit, period.unit, usable, this.voltageV);
  }

  /** Composite limit per phase (A) = min(charger max, ChargePointMax, Tx or TxDefault) (§3.13.4). */
  private limitAt(connectorId: number, t: number, phases: number, tx: TransactionView | undefined): number {
    const active = this.store.activeFor(connectorId, t, tx);
    return Math.min(this.opts.maxCurrentA, this.periodAmps(active.max, phases), this.periodAmps(active.tx, phases));
  }

  private recompute(now: number): void {
    for (const c of this.connectors) {
      if (c.reservation && now >= c.reservation.expiresAt) c.reservation = undefined;
      // A profile's numberPhases switches the car's phases (a charger with phase switching).
      const active = this.store.activeFor(c.id, now, this.txView(c));
      c.profilePhases = Math.min(active.max?.numberPhases ?? 3, active.tx?.numberPhases ?? 3);
      const limitA = this.limitAt(c.id, now, this.phasesOf(c), this.txView(c));
      // A charger that ignores its limits lets the car draw what the charger itself allows.
      const drawLimitA = this.obeysLimits ? limitA : this.opts.maxCurrentA;
      const paused = drawLimitA < MIN_CHARGING_CURRENT_A;
      const flowing = c.transaction && c.car && !c.faulted && !paused;
      const currentA = flowing && c.car ? Math.min(c.car.maxCurrentA, drawLimitA) : 0;
      if (limitA !== c.limitA || currentA !== c.currentA) this.changes.limits.push({ connector: c.id, limitA, currentA });
      c.limitA = limitA;
      c.currentA = currentA;
      const status = this.deriveStatus(c, paused);
      if (status !== c.status) this.changes.statuses.push({ connector: c.id, status });
      c.status = status;
    }
    const chargerStatus: ConnectorStatus = this.chargerOperative ? 'Available' : 'Unavailable';
    if (chargerStatus !== this.chargerStatus) this.changes.statuses.push({ connector: 0, status: chargerStatus });
    this.chargerStatus = chargerStatus;
  }

  /** The §4.9 state machine, derived from the facts rather than stored, so it cannot drift. */
  private deriveStatus(c: ConnectorState, paused: boolean): ConnectorStatus {
    if (c.faulted) return 'Faulted';
    if (c.transaction) {
      if (!c.car) return 'SuspendedEV';
      if (paused) return 'SuspendedEVSE';
      if (c.car.maxCurrentA <= 0) return 'SuspendedEV';
      return 'Charging';
    }
    if (!c.operative) return 'Unavailable';
    if (c.car) return c.finishing ? 'Finishing' : 'Preparing';
    if (c.reservation) return 'Reserved';
    return 'Available';
  }
}

function roundTenth(x: number): number {
  return Math.round(x * 10) / 10;
}
