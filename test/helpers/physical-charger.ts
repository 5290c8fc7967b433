/**
 * An independent "physical" AC charger for integration tests, built on ocpp-rpc in strict mode
 * (every frame in both directions is checked against ocpp-rpc's own copy of the 1.6 schemas).
 *
 * Why: the product's simulator (src/sim) shares the OCPP session, the client and the schedule
 * arithmetic (src/ocpp/v16/schedule.ts) with the gateway, so a bug there is the same on both
 * ends and no test sees it. This charger imports nothing from src/ but types: its OCPP stack is
 * ocpp-rpc and its reading of charging profiles is written here, deliberately simple:
 *
 * - per connector, the TxProfile of the running transaction if any (transactionId absent or
 *   equal), else the connector's TxDefaultProfile, else connector 0's TxDefaultProfile;
 *   ChargePointMaxProfile (connector 0) as a ceiling on every connector (OCPP 1.6 §3.13.2);
 * - of each purpose, the profile with the highest stackLevel that has a period in force now;
 * - Absolute schedules only (others are Rejected): from startSchedule (else the moment it was
 *   installed), the last period whose startPeriod has passed, none past `duration`, none
 *   outside validFrom/validTo;
 * - a limit in A is per phase; in W it is the total: W ÷ (voltage × phases the car uses).
 *   numberPhases is not read.
 *
 * The car draws min(car max, charger max, limit), also below 6 A (no IEC 61851 pause: more
 * current, never less, than a real charger would let flow), following a change of its limit
 * after `responseDelayMs`; a start, a stop and an unplug take effect at once. currents() is
 * what a clamp meter on the charger's cable reads, per charger phase (a 1-phase car draws on
 * L1). During a transaction it sends MeterValues with Current.Import for each of the charger's
 * phases (a 3-phase meter reports 0 A on a phase the car leaves idle) and the energy register.
 *
 * Not modelled: heartbeats, offline queueing, reconnecting, reservations, configuration keys.
 * Calls it has no handler for are answered NotImplemented by ocpp-rpc.
 */
import { EventEmitter } from 'node:events';
import type { Test } from 'tap';
import type {
  ClearChargingProfileRequest,
  RemoteStartTransactionRequest,
  RemoteStopTransactionRequest,
  SetChargingProfileRequest,
  StartTransactionResponse,
  StatusNotificationRequest,
  StopTransactionRequest,
} from '../../src/ocpp/v16/types.js';
import { NOREPLY, rpcCharger, type RpcClient } from './rpc-charger.js';

export type Profile = SetChargingProfileRequest['csChargingProfiles'];
export type Status = StatusNotificationRequest['status'];
export type StopReason = NonNullable<StopTransactionRequest['reason']>;

/** A profile as the charger keeps it. */
export interface Installed {
  connectorId: number;
  profile: Profile;
  /** Epoch ms: where an Absolute schedule without startSchedule starts. */
  installedAt: number;
}

export interface Car {
  /** The most the car draws per phase, A. */
  maxCurrentA: number;
  phases: 1 | 3;
}

// ---- the schedule reading (pure) ------------------------------------------------------------

function time(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** The limit of one profile at `at`, A per phase, or undefined when it has no period in force then. */
export function profileAmps(p: Installed, at: number, phases: number, voltageV: number): number | undefined {
  const { profile } = p;
  if (profile.chargingProfileKind !== 'Absolute') return undefined;
  const from = time(profile.validFrom);
  const to = time(profile.validTo);
  if ((from !== undefined && at < from) || (to !== undefined && at >= to)) return undefined;
  const schedule = profile.chargingSchedule;
  const elapsedS = (at - (time(schedule.startSchedule) ?? p.installedAt)) / 1000;
  if (elapsedS < 0) return undefined;
  if (schedule.duration !== undefined && elapsedS >= schedule.duration) return undefined;
  let period: (typeof schedule.chargingSchedulePeriod)[number] | undefined;
  for (const x of schedule.chargingSchedulePeriod) if (x.startPeriod <= elapsedS && (period === undefined || x.startPeriod >= period.startPeriod)) period = x;
  if (period === undefined) return undefined;
  return schedule.chargingRateUnit === 'A' ? period.limit : period.limit / (voltageV * phases);
}

export interface ReadContext {
  /** The running transaction's id on this connector: null when none runs, undefined while its id is not known yet. */
  transactionId: number | null | undefined;
  /** The phases the car uses (for W limits). */
  phases: number;
  voltageV?: number;
}

/**
 * The limit on one connector at `at`, A per phase, from the installed profiles; undefined when
 * no profile limits it (then only the charger's and the car's maximum do).
 */
export function readLimit(installed: readonly Installed[], connectorId: number, at: number, ctx: ReadContext): number | undefined {
  const voltageV = ctx.voltageV ?? 230;
  const top = (connector: number, purpose: Profile['chargingProfilePurpose'], fits: (p: Profile) => boolean = () => true): number | undefined => {
    let best: { level: number; amps: number } | undefined;
    for (const p of installed) {
      if (p.connectorId !== connector || p.profile.chargingProfilePurpose !== purpose || !fits(p.profile)) continue;
      const amps = profileAmps(p, at, ctx.phases, voltageV);
      if (amps !== undefined && (best === undefined || p.profile.stackLevel > best.level)) best = { level: p.profile.stackLevel, amps };
    }
    return best?.amps;
  };
  const running = ctx.transactionId !== null;
  const tx =
    (running ? top(connectorId, 'TxProfile', (p) => p.transactionId === undefined || p.transactionId === ctx.transactionId) : undefined) ??
    top(connectorId, 'TxDefaultProfile') ??
    top(0, 'TxDefaultProfile');
  const max = top(0, 'ChargePointMaxProfile');
  if (tx === undefined && max === undefined) return undefined;
  return Math.min(tx ?? Infinity, max ?? Infinity);
}

/**
 * SetChargingProfile: whether the charger takes it (ChargePointMaxProfile only on connector 0,
 * TxProfile only on a connector whose transaction runs, Absolute only) and the profiles after.
 * A profile with the same id, or the same connector, purpose and stackLevel, is replaced.
 */
export function install(
  installed: readonly Installed[],
  req: SetChargingProfileRequest,
  now: number,
  connectors: number,
  transactionOn: (connectorId: number) => number | null | undefined,
): { status: 'Accepted' | 'Rejected'; installed: readonly Installed[] } {
  const { connectorId, csChargingProfiles: profile } = req;
  const purpose = profile.chargingProfilePurpose;
  const rejected = { status: 'Rejected' as const, installed };
  if (connectorId > connectors || profile.chargingProfileKind !== 'Absolute') return rejected;
  if (purpose === 'ChargePointMaxProfile' && connectorId !== 0) return rejected;
  if (purpose === 'TxProfile') {
    const tx = connectorId === 0 ? null : transactionOn(connectorId);
    if (tx === null) return rejected;
    if (profile.transactionId !== undefined && profile.transactionId !== tx) return rejected;
  }
  const kept = installed.filter(
    (p) => p.profile.chargingProfileId !== profile.chargingProfileId && !(p.connectorId === connectorId && p.profile.chargingProfilePurpose === purpose && p.profile.stackLevel === profile.stackLevel),
  );
  return { status: 'Accepted', installed: [...kept, { connectorId, profile, installedAt: now }] };
}

/** ClearChargingProfile: by id when given, else every profile matching all the criteria given. */
export function clear(installed: readonly Installed[], req: ClearChargingProfileRequest): { status: 'Accepted' | 'Unknown'; installed: readonly Installed[] } {
  const matches = (p: Installed): boolean =>
    req.id !== undefined
      ? p.profile.chargingProfileId === req.id
      : (req.connectorId === undefined || p.connectorId === req.connectorId) &&
        (req.chargingProfilePurpose === undefined || p.profile.chargingProfilePurpose === req.chargingProfilePurpose) &&
        (req.stackLevel === undefined || p.profile.stackLevel === req.stackLevel);
  const kept = installed.filter((p) => !matches(p));
  return { status: kept.length < installed.length ? 'Accepted' : 'Unknown', installed: kept };
}

// ---- the charger ----------------------------------------------------------------------------

export interface PhysicalChargerOptions {
  url: string;
  identity: string;
  password?: string;
  phases: 1 | 3;
  /** The charger's own maximum per phase, A. */
  maxCurrentA: number;
  connectors?: number;
  voltageV?: number;
  /** How long the car takes to follow a new limit, ms (default 0). */
  responseDelayMs?: number;
  /** MeterValues every this many ms during a transaction (default 1000; 0: none). */
  meterIntervalMs?: number;
  /** How often the status is re-derived (a schedule period may start without a message), ms. */
  tickMs?: number;
  /** Send the BootNotification and the StatusNotifications on connect (default true). */
  boot?: boolean;
  /**
   * How its meter reports the current (default perPhase): perPhase, Current.Import for each of
   * its phases; l1Only, for L1 alone whatever the car draws on the others (Enercab Smart, evcc
   * PR #16523); phaseless, one Current.Import without a phase; none, no current at all (the
   * energy register alone: 1.6's default MeterValuesSampledData). powerToo adds the total
   * Power.Active.Import in W (the voltage times the currents of every phase).
   */
  currentReport?: 'perPhase' | 'l1Only' | 'phaseless' | 'none';
  powerToo?: boolean;
}

export interface PhysicalChargerEvents {
  /** A SetChargingProfile received and what it answered. */
  profile: [{ connectorId: number; profile: Profile; status: 'Accepted' | 'Rejected'; at: number }];
  /** A call from the central system (after it was answered). */
  call: [action: string, params: unknown];
  status: [{ connectorId: number; status: Status }];
}

interface Tx {
  idTag: string;
  /** undefined until StartTransaction was answered. */
  transactionId: number | undefined;
  meterStartWh: number;
  /** StartTransaction's answer, while it is awaited. */
  answer?: Promise<unknown>;
}

/**
 * How a car draws on a connector without a transaction: a charger in free-vend mode, or one
 * that sent its StopTransaction and kept its contactor closed. followsDefault: held by the
 * TxDefaultProfiles; ignoresProfiles: by nothing but its and the car's maximum (1.6 §3.13.2
 * gives the TxDefaultProfile to transactions).
 */
export type IdleDraw = 'followsDefault' | 'ignoresProfiles';

interface Connector {
  id: number;
  car: Car | undefined;
  tx: Tx | undefined;
  /** The car draws without a transaction (undefined: it does not). */
  idleDraw: IdleDraw | undefined;
  finishing: boolean;
  energyWh: number;
  status: Status | undefined;
  /** What limited the car when, newest last: the car draws what the one in force `responseDelayMs` ago allowed. */
  history: { at: number; installed: readonly Installed[]; transactionId: number | null | undefined }[];
  meter: NodeJS.Timeout | undefined;
}

export class PhysicalCharger extends EventEmitter<PhysicalChargerEvents> {
  readonly identity: string;
  /** Frames that failed ocpp-rpc's schema check, either way (a test should expect none). */
  readonly validationFailures: unknown[] = [];
  /** Answer a SetChargingProfile Rejected, installing nothing, when this says so (a full profile store, a flash that refuses writes). */
  refuseProfile: ((profile: Profile) => boolean) | undefined;
  /** Answer every ClearChargingProfile Unknown, clearing nothing. */
  refuseClear = false;
  /**
   * The raw frame that answers a SetChargingProfile instead of the well-formed CALLRESULT, given
   * the status it would have answered (after doing what it does): the deviations of real
   * chargers' answers. undefined: the usual answer.
   */
  answerProfileAs: ((status: 'Accepted' | 'Rejected', messageId: string) => string | undefined) | undefined;
  /**
   * Holds a SetChargingProfile, installing nothing and answering nothing, until the promise this
   * returns resolves (a slow flash write); undefined: at once. The CALLs behind it on the
   * connection wait as long (OCPP-J: one CALL at a time).
   */
  holdProfile: ((profile: Profile) => Promise<void> | undefined) | undefined;
  private installed: readonly Installed[] = [];
  private readonly connectors: Connector[];
  private readonly voltageV: number;
  private readonly delayMs: number;
  private tick: NodeJS.Timeout | undefined;
  private lastEnergyAt = Date.now();
  private closed = false;

  constructor(readonly client: RpcClient, private readonly opts: PhysicalChargerOptions) {
    super();
    this.identity = opts.identity;
    this.voltageV = opts.voltageV ?? 230;
    this.delayMs = opts.responseDelayMs ?? 0;
    this.connectors = Array.from({ length: opts.connectors ?? 1 }, (_, i) => ({
      id: i + 1, car: undefined, tx: undefined, idleDraw: undefined, finishing: false, energyWh: 0, status: undefined, history: [], meter: undefined,
    }));
    for (const c of this.connectors) this.remember(c);
    client.on('strictValidationFailure', (e: unknown) => this.validationFailures.push(e));
    client.on('badMessage', (e: unknown) => this.validationFailures.push(e));
    this.handlers();
  }

  // ---- what a clamp meter and the driver see --------------------------------------------------

  /** Amperes flowing now on the charger's phases L1, L2, L3, summed over its connectors. */
  currents(): [number, number, number] {
    const out: [number, number, number] = [0, 0, 0];
    for (const c of this.connectors) {
      const a = this.drawOf(c);
      const phases = this.phasesOf(c);
      out[0] += a;
      if (phases >= 2) out[1] += a;
      if (phases >= 3) out[2] += a;
    }
    return out;
  }

  /** Amperes per phase one connector's car draws now. */
  currentA(connectorId: number): number {
    return this.drawOf(this.get(connectorId));
  }

  /** The limit in force on a connector now, A per phase: min(charger max, profiles). */
  limitA(connectorId: number, at = Date.now()): number {
    const c = this.get(connectorId);
    return Math.min(this.opts.maxCurrentA, readLimit(this.installed, c.id, at, { transactionId: this.txId(c), phases: this.phasesOf(c), voltageV: this.voltageV }) ?? Infinity);
  }

  profiles(): readonly Installed[] {
    return this.installed;
  }

  transactionId(connectorId: number): number | undefined {
    return this.get(connectorId).tx?.transactionId;
  }

  status(connectorId: number): Status | undefined {
    return this.get(connectorId).status;
  }

  // ---- what the driver and the car do -----------------------------------------------------------

  /** BootNotification (until Accepted), then the status of connector 0 and every connector. */
  async boot(): Promise<void> {
    for (;;) {
      const res = await this.client.call<{ status: string; interval: number }>('BootNotification', {
        chargePointVendor: 'PhysicalTest', chargePointModel: 'AC-rpc', chargePointSerialNumber: `PH-${this.identity}`.slice(0, 25), firmwareVersion: '0.9.0',
      });
      if (res.status === 'Accepted') break;
      await new Promise((r) => setTimeout(r, Math.max(1, res.interval) * 1000));
    }
    await this.sendStatus(0, 'Available');
    for (const c of this.connectors) await this.refreshStatus(c, true);
    // A second boot (a restarted communication module) keeps one tick.
    clearInterval(this.tick);
    this.tick = setInterval(() => {
      for (const c of this.connectors) void this.refreshStatus(c);
    }, this.opts.tickMs ?? 100);
  }

  /**
   * A soft reset of a charger that keeps its charging profiles in RAM, not in flash: its
   * transactions end first (StopTransaction, reason SoftReset, as 1.6 §5.14 asks), every profile
   * is gone, and it boots again (BootNotification, the statuses). The cars stay plugged in; a
   * new transaction is the test's to start.
   */
  async reboot(): Promise<void> {
    for (const c of this.connectors) if (c.tx) await this.stopTransaction(c.id, 'SoftReset');
    this.installed = [];
    for (const c of this.connectors) {
      c.finishing = false;
      this.remember(c);
    }
    await this.boot();
  }

  plugIn(connectorId: number, car: Car): void {
    const c = this.get(connectorId);
    c.car = { ...car };
    c.finishing = false;
    this.changed(c);
  }

  async unplug(connectorId: number): Promise<void> {
    const c = this.get(connectorId);
    const stopping = c.tx ? this.stopTransaction(connectorId, 'EVDisconnected') : undefined;
    c.car = undefined;
    c.idleDraw = undefined;
    clearInterval(c.meter);
    c.finishing = false;
    this.changed(c);
    await stopping;
  }

  /** The car wants less (or more) now: a new maximum per phase. */
  setCarMaxCurrent(connectorId: number, maxCurrentA: number): void {
    const c = this.get(connectorId);
    if (c.car) c.car = { ...c.car, maxCurrentA };
    this.changed(c);
  }

  /** The plugged-in car starts drawing with no transaction at all (free vend): MeterValues name none. */
  drawWithoutTransaction(connectorId: number, how: IdleDraw): void {
    const c = this.get(connectorId);
    if (c.tx) throw new Error(`${this.identity}/${connectorId}: a transaction is running`);
    if (!c.car) throw new Error(`${this.identity}/${connectorId}: no car plugged in`);
    this.integrate();
    c.idleDraw = how;
    this.changed(c);
    this.startMeter(c);
  }

  /** Starts charging now and sends StartTransaction; a refused idTag ends it again (DeAuthorized). */
  async startTransaction(connectorId: number, idTag: string): Promise<StartTransactionResponse> {
    const c = this.get(connectorId);
    if (c.tx) throw new Error(`${this.identity}/${connectorId}: a transaction is running`);
    if (!c.car) throw new Error(`${this.identity}/${connectorId}: no car plugged in`);
    this.integrate();
    const tx: Tx = { idTag, transactionId: undefined, meterStartWh: Math.floor(c.energyWh) };
    c.tx = tx;
    c.idleDraw = undefined;
    this.remember(c);
    // StartTransaction first, then the status it leads to (Charging), in that order on the wire.
    const answer = this.client.call<StartTransactionResponse>('StartTransaction', { connectorId, idTag, meterStart: tx.meterStartWh, timestamp: new Date().toISOString() });
    tx.answer = answer;
    void this.refreshStatus(c);
    const res = await answer;
    delete tx.answer;
    if (c.tx !== tx) return res;
    tx.transactionId = res.transactionId;
    this.changed(c);
    if (res.idTagInfo.status !== 'Accepted') await this.stopTransaction(connectorId, 'DeAuthorized');
    else this.startMeter(c);
    return res;
  }

  /**
   * Stops charging now (its TxProfiles go with it, §3.13.2) and sends StopTransaction.
   * keepDrawing: a faulty charger that reports the stop but keeps its contactor closed; the car
   * draws on, without a transaction, and the MeterValues go on naming none.
   */
  async stopTransaction(connectorId: number, reason: StopReason = 'Local', keepDrawing?: IdleDraw): Promise<void> {
    const c = this.get(connectorId);
    const tx = c.tx;
    if (!tx) return;
    this.integrate();
    c.tx = undefined;
    c.finishing = c.car !== undefined && keepDrawing === undefined;
    c.idleDraw = c.car !== undefined ? keepDrawing : undefined;
    clearInterval(c.meter);
    if (c.idleDraw) this.startMeter(c);
    this.installed = this.installed.filter((p) => !(p.connectorId === connectorId && p.profile.chargingProfilePurpose === 'TxProfile'));
    this.remember(c);
    // Never answered: nothing to stop upstream in this simple charger.
    const answer = tx.transactionId === undefined ? undefined : this.client.call('StopTransaction', { transactionId: tx.transactionId, idTag: tx.idTag, meterStop: Math.floor(c.energyWh), timestamp: new Date().toISOString(), reason });
    void this.refreshStatus(c);
    await answer;
  }

  /** Sends one MeterValues for a connector now (also done every meterIntervalMs during a transaction). */
  async sendMeterValues(connectorId: number): Promise<void> {
    const c = this.get(connectorId);
    this.integrate();
    const a = this.drawOf(c);
    const used = this.phasesOf(c);
    const report = this.opts.currentReport ?? 'perPhase';
    const phases = (['L1', 'L2', 'L3'] as const).slice(0, report === 'perPhase' ? this.opts.phases : report === 'none' ? 0 : 1);
    const sampledValue = [
      ...phases.map((phase, i) => ({ value: (i < used ? a : 0).toFixed(1), context: 'Sample.Periodic', measurand: 'Current.Import', ...(report === 'phaseless' ? {} : { phase }), location: 'Outlet', unit: 'A' })),
      ...(this.opts.powerToo ? [{ value: (a * used * this.voltageV).toFixed(0), context: 'Sample.Periodic', measurand: 'Power.Active.Import', location: 'Outlet', unit: 'W' }] : []),
      { value: String(Math.floor(c.energyWh)), context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' },
    ];
    const transactionId = c.tx?.transactionId;
    await this.client.call('MeterValues', { connectorId, ...(transactionId !== undefined ? { transactionId } : {}), meterValue: [{ timestamp: new Date().toISOString(), sampledValue }] });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.tick);
    for (const c of this.connectors) clearInterval(c.meter);
    await this.client.close({ force: true }).catch(() => undefined);
  }

  // ---- internals --------------------------------------------------------------------------------

  private get(connectorId: number): Connector {
    const c = this.connectors[connectorId - 1];
    if (!c) throw new RangeError(`${this.identity} has no connector ${connectorId}`);
    return c;
  }

  private txId(c: Connector): number | null | undefined {
    return c.tx ? c.tx.transactionId : null;
  }

  private phasesOf(c: Connector): number {
    return Math.min(this.opts.phases, c.car?.phases ?? this.opts.phases);
  }

  /** Records what limits the car from now (profiles, transaction, car); the car follows after the delay. */
  private remember(c: Connector): void {
    const now = Date.now();
    c.history.push({ at: now, installed: this.installed, transactionId: this.txId(c) });
    // Keep the newest entry older than the delay, and everything after it.
    const horizon = now - this.delayMs;
    let first = 0;
    for (let i = 0; i < c.history.length; i++) if (c.history[i]!.at <= horizon) first = i;
    if (first > 0) c.history.splice(0, first);
  }

  private changed(c: Connector): void {
    this.remember(c);
    void this.refreshStatus(c);
  }

  /** What the car draws now, A per phase. */
  private drawOf(c: Connector, now = Date.now()): number {
    // A start, a stop and an unplug take effect at once.
    if (!c.car || (!c.tx && !c.idleDraw)) return 0;
    const then = now - this.delayMs;
    let h = c.history[0]!;
    for (const x of c.history) if (x.at <= then) h = x;
    // Schedules move with time: the limit the car follows is the one in force `delay` ago.
    const transactionId = !c.tx ? null : h.transactionId === null ? c.tx.transactionId : h.transactionId;
    const limit = c.idleDraw === 'ignoresProfiles' ? undefined : readLimit(h.installed, c.id, then, { transactionId, phases: this.phasesOf(c), voltageV: this.voltageV });
    return Math.max(0, Math.min(c.car.maxCurrentA, this.opts.maxCurrentA, limit ?? Infinity));
  }

  private integrate(): void {
    const now = Date.now();
    const hours = (now - this.lastEnergyAt) / 3_600_000;
    this.lastEnergyAt = now;
    for (const c of this.connectors) c.energyWh += this.drawOf(c, now) * this.voltageV * this.phasesOf(c) * hours;
  }

  /** The §4.9 status the facts give, sent when it changed. */
  private async refreshStatus(c: Connector, force = false): Promise<void> {
    let status: Status;
    if (c.tx) status = !c.car ? 'SuspendedEV' : c.car.maxCurrentA <= 0 ? 'SuspendedEV' : this.drawOf(c) > 0 ? 'Charging' : 'SuspendedEVSE';
    else if (c.car && c.idleDraw) status = this.drawOf(c) > 0 ? 'Charging' : 'SuspendedEVSE';
    else if (c.car) status = c.finishing ? 'Finishing' : 'Preparing';
    else status = 'Available';
    if (status === c.status && !force) return;
    c.status = status;
    this.emit('status', { connectorId: c.id, status });
    if (this.tick !== undefined || force) await this.sendStatus(c.id, status);
  }

  private async sendStatus(connectorId: number, status: Status): Promise<void> {
    if (this.closed) return;
    await this.client.call('StatusNotification', { connectorId, errorCode: 'NoError', status, timestamp: new Date().toISOString() }).catch(() => undefined);
  }

  private startMeter(c: Connector): void {
    clearInterval(c.meter);
    const ms = this.opts.meterIntervalMs ?? 1000;
    if (ms > 0) c.meter = setInterval(() => void this.sendMeterValues(c.id).catch(() => undefined), ms);
  }

  private handlers(): void {
    const answered = (action: string, params: unknown) => setImmediate(() => this.emit('call', action, params));
    this.client.handle('SetChargingProfile', async ({ params, messageId }) => {
      const answer = (status: 'Accepted' | 'Rejected') => {
        const raw = this.answerProfileAs?.(status, messageId);
        if (raw === undefined) return { status };
        this.client.sendRaw(raw);
        return NOREPLY;
      };
      const req = params as SetChargingProfileRequest;
      // A charger reads its frames in order: StartTransaction's answer (its transactionId) before
      // a TxProfile sent right after it. ocpp-rpc may call this handler before the awaited answer
      // has been taken in (both frames in one read), so the answer is taken in first.
      await this.connectors.find((c) => c.tx?.answer !== undefined)?.tx?.answer?.catch(() => undefined);
      await this.holdProfile?.(req.csChargingProfiles);
      const now = Date.now();
      if (this.refuseProfile?.(req.csChargingProfiles)) {
        this.emit('profile', { connectorId: req.connectorId, profile: req.csChargingProfiles, status: 'Rejected', at: now });
        answered('SetChargingProfile', params);
        return answer('Rejected');
      }
      const result = install(this.installed, req, now, this.connectors.length, (id) => this.txId(this.get(id)));
      this.installed = result.installed;
      for (const c of this.connectors) this.changed(c);
      this.emit('profile', { connectorId: req.connectorId, profile: req.csChargingProfiles, status: result.status, at: now });
      answered('SetChargingProfile', params);
      return answer(result.status);
    });
    this.client.handle('ClearChargingProfile', ({ params }) => {
      if (this.refuseClear) {
        answered('ClearChargingProfile', params);
        return { status: 'Unknown' };
      }
      const result = clear(this.installed, params as ClearChargingProfileRequest);
      this.installed = result.installed;
      for (const c of this.connectors) this.changed(c);
      answered('ClearChargingProfile', params);
      return { status: result.status };
    });
    this.client.handle('RemoteStartTransaction', ({ params }) => {
      const req = params as RemoteStartTransactionRequest;
      const c = this.connectors[(req.connectorId ?? 1) - 1];
      const profile = req.chargingProfile;
      const ok = c !== undefined && c.car !== undefined && c.tx === undefined && (profile === undefined || profile.chargingProfilePurpose === 'TxProfile');
      answered('RemoteStartTransaction', params);
      // §5.11: a TxProfile given with the start is the transaction's, installed once it has its id.
      const start = async (c: Connector) => {
        const res = await this.startTransaction(c.id, req.idTag);
        if (profile === undefined || c.tx?.transactionId !== res.transactionId) return;
        const req2 = { connectorId: c.id, csChargingProfiles: { ...profile, transactionId: res.transactionId } };
        const result = install(this.installed, req2, Date.now(), this.connectors.length, (id) => this.txId(this.get(id)));
        this.installed = result.installed;
        this.changed(c);
        this.emit('profile', { connectorId: c.id, profile: req2.csChargingProfiles, status: result.status, at: Date.now() });
      };
      if (ok) setImmediate(() => void start(c).catch(() => undefined));
      return { status: ok ? 'Accepted' : 'Rejected' };
    });
    this.client.handle('RemoteStopTransaction', ({ params }) => {
      const req = params as RemoteStopTransactionRequest;
      const c = this.connectors.find((x) => x.tx?.transactionId === req.transactionId);
      answered('RemoteStopTransaction', params);
      if (c) setImmediate(() => void this.stopTransaction(c.id, 'Remote').catch(() => undefined));
      return { status: c ? 'Accepted' : 'Rejected' };
    });
  }
}

/** Connects a physical charger (closed at teardown) and, unless `boot: false`, boots it. */
export async function physicalCharger(t: Test, options: PhysicalChargerOptions): Promise<PhysicalCharger> {
  const client = await rpcCharger(t, options.url, options.identity, options.password);
  const charger = new PhysicalCharger(client, options);
  t.teardown(() => charger.close());
  if (options.boot ?? true) await charger.boot();
  return charger;
}
