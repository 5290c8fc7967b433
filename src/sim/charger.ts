/**
 * One simulated OCPP 1.6J AC charger on one connection: connects (and reconnects with back-off),
 * boots, heartbeats, reports status, answers the central system (central-calls.ts), and offers a
 * deterministic programmatic API for tests and the fleet: nothing happens by itself except the
 * connection's own housekeeping (reconnect, boot, heartbeat) and, when asked for with
 * `autoMeterValues`, periodic MeterValues during a transaction. It can misbehave the way chargers
 * in the field do (misbehaviour.ts): never answer, answer late, refuse or ignore its limits,
 * never boot, drop the connection on a SetChargingProfile.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import { connectOcpp, HandshakeError, type ClientConnection } from '../ocpp/client.js';
import { OcppCallError, OcppOfflineError } from '../ocpp/errors.js';
import type {
  AuthorizeResponse,
  BootNotificationResponse,
  MeterValuesRequest,
  StartTransactionRequest,
  StartTransactionResponse,
  StatusNotificationRequest,
  StopTransactionRequest,
} from '../ocpp/v16/types.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { answerCentralCall, type ChargerCore } from './central-calls.js';
import { Configuration } from './configuration.js';
import { LocalAuthorization } from './local-auth.js';
import { measurandList, sampleMeter } from './meter-values.js';
import { formatMisbehaviour, planCall, type Misbehaviour, type MisbehaviourKind } from './misbehaviour.js';
import { ChargerModel, type Car, type ConnectorStatus, type PhaseCurrents, type StartRefusal } from './model.js';
import type { ChargingProfile, InstalledProfile } from '../ocpp/v16/schedule.js';
import { sleep } from './sleep.js';
import { TransactionQueue, type TxMessage } from './tx-queue.js';
import { answerCsmsCall } from './v201/inbound.js';
import { Outbound201 } from './v201/outbound.js';

// What a test needs to create misbehaving chargers and read their currents, from one module.
export type { Misbehaviour, MisbehaviourKind } from './misbehaviour.js';
export type { PhaseCurrents } from './model.js';

export type StopReason = NonNullable<StopTransactionRequest['reason']>;
export type IdTagStatus = AuthorizeResponse['idTagInfo']['status'];

export interface SimulatedChargerOptions {
  /** Central system base URL, e.g. ws://127.0.0.1:9000/ocpp (the identity is appended). */
  url: string;
  identity: string;
  password?: string;
  connectors?: number;
  phases?: 1 | 3;
  /** The charger's per-phase maximum (A). */
  maxCurrentA?: number;
  voltageV?: number;
  serialNumber?: string;
  firmwareVersion?: string;
  /** The car plugged in by RemoteStartTransaction and by plugIn() without a car. */
  defaultCar?: Car;
  logger: Logger;
  /** Injectable clock (epoch ms). */
  now?: () => number;
  random?: () => number;
  callTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Initial configuration values (not checked: tests may use fractional seconds). */
  configuration?: Record<string, string>;
  /** Send MeterValues every MeterValueSampleInterval seconds during transactions. */
  autoMeterValues?: boolean;
  /** How often schedules are re-evaluated (a period may start without any message). */
  tickMs?: number;
  /** Pause between the steps of a firmware update or diagnostics upload. */
  firmwareStepMs?: number;
  /** How this charger misbehaves (misbehaviour.ts); undefined: it behaves. setMisbehaviour() changes it. */
  misbehave?: Misbehaviour;
  /** The OCPP version it speaks (subprotocol ocpp1.6 or ocpp2.0.1); default 1.6. */
  ocpp?: SimOcppVersion;
}

export type SimOcppVersion = '1.6' | '2.0.1';

export type StartOutcome =
  | { accepted: true; transactionId: number }
  | { accepted: false; reason: StartRefusal | Exclude<IdTagStatus, 'Accepted'> | 'Dropped'; transactionId?: number };

export interface StopOutcome {
  /** Undefined when the Start was never answered. */
  transactionId: number | undefined;
  energyWh: number;
  /** The central system acknowledged the StopTransaction. */
  delivered: boolean;
}

export interface SimChargerEvents {
  connected: [];
  disconnected: [{ code: number; reason: string }];
  booted: [BootNotificationResponse];
  /**
   * The charger sends its own CALLs on this connection from now on: after its BootNotification
   * was accepted, or at once for a `noboot` charger.
   */
  online: [];
  /** A misbehaviour changed what the charger did with a CALL from the central system. */
  misbehaved: [{ kind: MisbehaviourKind; action: string }];
  /** An action received from the central system. */
  call: [action: string, payload: unknown];
  profile: [{ connectorId: number; profile: ChargingProfile | undefined; status: string }];
  status: [{ connector: number; status: ConnectorStatus }];
  limit: [{ connector: number; limitA: number; currentA: number }];
  transactionStarted: [{ connector: number; transactionId: number; idTag: string; accepted: boolean }];
  transactionStopped: [{ connector: number; transactionId: number | undefined; energyWh: number; reason: StopReason }];
}

export class SimulatedCharger extends EventEmitter<SimChargerEvents> {
  readonly identity: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly model: ChargerModel;
  private readonly config: Configuration;
  private readonly auth = new LocalAuthorization();
  private readonly queue: TransactionQueue;
  private readonly core: ChargerCore;
  private readonly defaultCar: Car;
  private conn: ClientConnection | undefined;
  private booted = false;
  /** May send its own CALLs on the current connection (booted, or a `noboot` charger). */
  private online = false;
  private misbehaviour: Misbehaviour | undefined;
  private running = false;
  private stopSignal = new AbortController();
  private loop: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly meterTimers = new Map<number, NodeJS.Timeout>();
  private readonly lastLoggedLimit = new Map<number, number>();
  private readonly pendingTxProfiles = new Map<number, ChargingProfile>();
  private nextRef = 1;
  /** A 2.0.1 station: its 1.6 model's messages are translated at the edge (v201/). */
  private readonly v201: Outbound201 | undefined;

  constructor(private readonly opts: SimulatedChargerOptions) {
    super();
    this.identity = opts.identity;
    this.logger = opts.logger.child({ charger: opts.identity });
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    const connectors = opts.connectors ?? 1;
    const phases = opts.phases ?? 3;
    this.defaultCar = opts.defaultCar ?? { maxCurrentA: 32, phases };
    this.config = new Configuration({ connectors, heartbeatIntervalS: 300, meterValueSampleIntervalS: 60 }, opts.configuration);
    this.misbehaviour = opts.misbehave;
    this.model = new ChargerModel(
      {
        connectors,
        phases,
        maxCurrentA: opts.maxCurrentA ?? 16,
        ...(opts.voltageV !== undefined ? { voltageV: opts.voltageV } : {}),
        maxStackLevel: this.config.number('ChargeProfileMaxStackLevel'),
        maxProfilesInstalled: this.config.number('MaxChargingProfilesInstalled'),
        maxSchedulePeriods: this.config.number('ChargingScheduleMaxPeriods'),
        obeysLimits: opts.misbehave?.kind !== 'ignore',
      },
      this.now(),
    );
    this.queue = new TransactionQueue({
      send: (action, payload) => this.callNow(action, payload),
      attempts: () => Math.max(1, this.config.number('TransactionMessageAttempts')),
      retryIntervalMs: () => this.config.number('TransactionMessageRetryInterval') * 1000,
      sleep: (ms) => sleep(ms, this.stopSignal.signal),
      logger: this.logger,
      onStartAnswered: (ref, answer) => this.onStartAnswered(ref, answer),
      onDropped: (message) => this.onDropped(message),
    });
    this.core = this.buildCore(opts.firmwareStepMs ?? 1000);
    this.v201 = opts.ocpp === '2.0.1' ? new Outbound201(this.logger) : undefined;
    this.v201?.setOnline(false, this.now());
  }

  /** The OCPP version this charger speaks. */
  get ocppVersion(): SimOcppVersion {
    return this.v201 ? '2.0.1' : '1.6';
  }

  /** A 2.0.1 station's own transactionId of a transaction (the model's integer id). */
  transactionReference(connector: number): string | undefined {
    const id = this.transactionId(connector);
    return id === undefined ? undefined : this.v201?.referenceOf(id);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** Connects in the background, retrying with back-off until stop(); listen for 'booted'. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopSignal = new AbortController();
    if (this.misbehaviour) this.logger.info({ misbehave: formatMisbehaviour(this.misbehaviour) }, `this charger misbehaves: ${formatMisbehaviour(this.misbehaviour)}`);
    this.tickTimer = setInterval(() => this.refresh(), this.opts.tickMs ?? 1000);
    this.loop = this.connectLoop();
  }

  /** Powers the charger off: no messages are sent any more (running transactions are not stopped). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopSignal.abort();
    clearInterval(this.tickTimer);
    this.stopHeartbeat();
    for (const c of [...this.meterTimers.keys()]) this.stopAutoMeter(c);
    this.conn?.close(1000, 'charger stopped');
    await this.loop;
  }

  /** Drops the connection as a network failure would; the charger reconnects by itself. */
  disconnect(): void {
    this.conn?.close(1001, 'simulated network failure');
  }

  // ---- state -------------------------------------------------------------------------------

  get connected(): boolean {
    return this.conn !== undefined;
  }

  get isBooted(): boolean {
    return this.booted;
  }

  /** Sends its own CALLs on the current connection (booted, or connected without booting: `noboot`). */
  get isOnline(): boolean {
    return this.online;
  }

  get misbehave(): Misbehaviour | undefined {
    return this.misbehaviour;
  }

  /**
   * Starts (or, with undefined, stops) misbehaving. Takes effect with the next CALL from the
   * central system; `ignore` at once for the current; `noboot` from the next connection.
   * Installed profiles are kept, as a real charger keeps them in flash.
   */
  setMisbehaviour(misbehaviour: Misbehaviour | undefined): void {
    this.misbehaviour = misbehaviour;
    this.logger.info({ misbehave: misbehaviour ? formatMisbehaviour(misbehaviour) : 'none' }, misbehaviour ? `misbehaving from now: ${formatMisbehaviour(misbehaviour)}` : 'behaving from now');
    this.model.setLimitsObeyed(misbehaviour?.kind !== 'ignore', this.now());
    this.announce();
  }

  get connectorCount(): number {
    return this.model.connectorCount;
  }

  /** Transaction messages waiting to be delivered. */
  get queuedMessages(): number {
    return this.queue.length;
  }

  transactionId(connector: number): number | undefined {
    return this.model.connector(connector).transaction?.transactionId;
  }

  hasTransaction(connector: number): boolean {
    return this.model.connector(connector).transaction !== undefined;
  }

  status(connector: number): ConnectorStatus {
    this.refresh();
    return this.model.status(connector);
  }

  currentA(connector: number): number {
    this.refresh();
    return this.model.connector(connector).currentA;
  }

  /**
   * The current actually flowing now on the charger's phases L1, L2, L3 (A), summed over its
   * connectors: what a clamp meter on its supply cable would read, whatever it was told or
   * reports. A one-phase car draws on L1; the site phase of each follows the charger's wiring
   * (the gateway config's phaseRotation).
   */
  currents(): PhaseCurrents {
    this.refresh();
    return this.model.phaseCurrents();
  }

  /** The current flowing now on one connector's phases L1, L2, L3 (A). */
  connectorCurrents(connector: number): PhaseCurrents {
    this.refresh();
    return this.model.phaseCurrents(connector);
  }

  limitA(connector: number): number {
    this.refresh();
    return this.model.connector(connector).limitA;
  }

  energyWh(connector: number): number {
    this.refresh();
    return this.model.connector(connector).energyWh;
  }

  /** Active power of a connector (W). */
  powerW(connector: number): number {
    const c = this.model.connector(connector);
    return this.currentA(connector) * this.model.voltageV * c.phases;
  }

  profiles(): readonly InstalledProfile[] {
    return this.model.profiles();
  }

  configurationValue(key: string): string | undefined {
    return this.config.get(key);
  }

  /** Resolves once every queued transaction message was delivered or dropped. */
  whenQueueEmpty(): Promise<void> {
    return this.queue.drained();
  }

  // ---- what a driver and a car do -----------------------------------------------------------

  plugIn(connector: number, car: Partial<Car> = {}): void {
    this.model.plugIn(connector, { ...this.defaultCar, ...car }, this.now());
    this.announce();
  }

  /** Unplugging ends a running transaction (StopTransactionOnEVSideDisconnect, reason EVDisconnected). */
  async unplug(connector: number): Promise<void> {
    const stopping = this.hasTransaction(connector) && this.config.bool('StopTransactionOnEVSideDisconnect') ? this.stopTransaction(connector, 'EVDisconnected') : undefined;
    this.model.unplug(connector, this.now());
    this.announce();
    await stopping;
  }

  setCarMaxCurrent(connector: number, maxCurrentA: number): void {
    this.model.setCarMaxCurrent(connector, maxCurrentA, this.now());
    this.announce();
  }

  /** A connector fault: current stops and a running transaction ends (reason Other). */
  async fault(connector: number): Promise<void> {
    this.model.fault(connector, this.now());
    this.announce();
    if (this.hasTransaction(connector)) await this.stopTransaction(connector, 'Other');
  }

  clearFault(connector: number): void {
    this.model.clearFault(connector, this.now());
    this.announce();
  }

  /** Authorize.req when online (and remember the answer); offline, the local list / cache rules (§3.5). */
  async authorize(idTag: string): Promise<IdTagStatus> {
    if (this.online) {
      try {
        const res = await this.callNow<AuthorizeResponse>('Authorize', { idTag });
        if (this.config.bool('AuthorizationCacheEnabled')) this.auth.remember(idTag, res.idTagInfo);
        return res.idTagInfo.status;
      } catch (err) {
        if (!(err instanceof OcppOfflineError)) this.logger.warn({ err: (err as Error).message }, 'Authorize failed; deciding locally');
      }
    }
    return this.auth.offlineStatus(idTag, {
      useList: this.config.bool('LocalAuthListEnabled'),
      useCache: this.config.bool('LocalAuthorizeOffline') && this.config.bool('AuthorizationCacheEnabled'),
      allowUnknown: this.config.bool('AllowOfflineTxForUnknownId'),
    });
  }

  /**
   * Starts a transaction now (charging begins at once, online or not) and queues the
   * StartTransaction; resolves when the central system answered it. Refused locally when the
   * connector cannot charge (not plugged in, busy, faulted, unavailable, reserved for another).
   */
  startTransaction(connector: number, idTag: string): Promise<StartOutcome> {
    const ref = this.nextRef++;
    const now = this.now();
    const begun = this.model.beginTransaction(connector, idTag, ref, now);
    this.announce();
    if (!begun.ok) {
      this.logger.info({ connector, reason: begun.reason }, 'transaction refused locally');
      return Promise.resolve({ accepted: false, reason: begun.reason });
    }
    const tx = begun.transaction;
    const payload: StartTransactionRequest = {
      connectorId: connector,
      idTag,
      meterStart: tx.meterStartWh,
      timestamp: new Date(now).toISOString(),
      ...(tx.reservationId !== undefined ? { reservationId: tx.reservationId } : {}),
    };
    this.startAutoMeter(connector);
    return this.queue.enqueue({ action: 'StartTransaction', ref, payload }).then((answer): StartOutcome => {
      if (answer === undefined) return { accepted: false, reason: 'Dropped' };
      const { idTagInfo, transactionId } = answer as StartTransactionResponse;
      return idTagInfo.status === 'Accepted' ? { accepted: true, transactionId } : { accepted: false, reason: idTagInfo.status, transactionId };
    });
  }

  /** Ends the transaction on a connector now and queues the StopTransaction; undefined when none runs. */
  stopTransaction(connector: number, reason: StopReason = 'Local'): Promise<StopOutcome | undefined> {
    const now = this.now();
    const ended = this.model.endTransaction(connector, now);
    if (!ended) return Promise.resolve(undefined);
    this.stopAutoMeter(connector);
    this.pendingTxProfiles.delete(connector);
    this.announce();
    const { transaction: tx, meterStopWh } = ended;
    const energyWh = meterStopWh - tx.meterStartWh;
    const transactionId = this.queue.transactionIdFor(tx.ref);
    this.logger.info({ connector, transactionId: transactionId ?? 'pending', reason, kWh: round(energyWh / 1000, 3) }, 'session stopped');
    this.emit('transactionStopped', { connector, transactionId, energyWh, reason });
    const endData = measurandList(this.config.get('StopTxnSampledData'));
    const view = this.model.connector(connector);
    const payload: Omit<StopTransactionRequest, 'transactionId'> = {
      idTag: tx.idTag,
      meterStop: meterStopWh,
      timestamp: new Date(now).toISOString(),
      reason,
      ...(endData.length > 0 ? { transactionData: [sampleMeter(view, this.model.voltageV, endData, 'Transaction.End', now)] } : {}),
    };
    return this.queue.enqueue({ action: 'StopTransaction', ref: tx.ref, payload }).then((answer) => ({
      transactionId: this.queue.transactionIdFor(tx.ref),
      energyWh,
      delivered: answer !== undefined,
    }));
  }

  /**
   * Takes a meter reading now. During a transaction it is a transaction message (queued while
   * offline, §3.7); otherwise it is sent only when online. Resolves true when delivered.
   */
  async sendMeterValues(connector: number, context: 'Sample.Periodic' | 'Trigger' = 'Sample.Periodic'): Promise<boolean> {
    this.refresh();
    const view = this.model.connector(connector);
    const meterValue = [sampleMeter(view, this.model.voltageV, measurandList(this.config.get('MeterValuesSampledData')), context, this.now())];
    if (view.transaction && context === 'Sample.Periodic') {
      return (await this.queue.enqueue({ action: 'MeterValues', ref: view.transaction.ref, payload: { connectorId: connector, meterValue } })) !== undefined;
    }
    const payload: MeterValuesRequest = { connectorId: connector, meterValue, ...(view.transaction?.transactionId !== undefined ? { transactionId: view.transaction.transactionId } : {}) };
    return (await this.send('MeterValues', payload)) !== undefined;
  }

  // ---- connection ----------------------------------------------------------------------------

  private async connectLoop(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      let conn: ClientConnection;
      // The handler needs the connection it serves (to drop it), which exists only once open.
      const link: { conn?: ClientConnection } = {};
      try {
        conn = await connectOcpp({
          url: this.opts.url,
          identity: this.identity,
          ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
          protocols: [this.v201 ? 'ocpp2.0.1' : 'ocpp1.6'],
          handler: (action, payload) =>
            this.v201 ? answerCsmsCall(action, payload, (a16, p16) => this.onCentralCall(a16, p16, link), this.v201, (calls) => this.later201(link, calls)) : this.onCentralCall(action, payload, link),
          logger: this.logger,
          callTimeoutMs: this.opts.callTimeoutMs ?? 30_000,
        });
      } catch (err) {
        const delay = backoffDelayMs(attempt++, this.random, this.opts.backoff ?? DEFAULT_BACKOFF);
        const detail = err instanceof HandshakeError ? { status: err.status } : { err: (err as Error).message };
        this.logger.warn({ ...detail, retryInMs: Math.round(delay) }, 'connection failed');
        await sleep(delay, this.stopSignal.signal);
        continue;
      }
      if (!this.running) {
        conn.close(1000, 'charger stopped');
        break;
      }
      this.conn = conn;
      link.conn = conn;
      this.logger.info({ url: this.opts.url }, 'connected to the central system');
      this.emit('connected');
      const connectionOver = new AbortController();
      void this.startConnection(conn, connectionOver.signal);
      const closed = await conn.closed;
      connectionOver.abort();
      const wasOnline = this.online;
      this.conn = undefined;
      this.booted = false;
      this.online = false;
      this.v201?.setOnline(false, this.now());
      this.queue.setOnline(false);
      this.stopHeartbeat();
      this.emit('disconnected', closed);
      if (this.running) this.logger.warn({ code: closed.code, reason: closed.reason }, 'disconnected');
      if (wasOnline) attempt = 0;
      if (!this.running) break;
      await sleep(backoffDelayMs(attempt++, this.random, this.opts.backoff ?? DEFAULT_BACKOFF), this.stopSignal.signal);
    }
  }

  /**
   * A charger boots first (§4.2). A `noboot` charger goes about its business at once and
   * boots after its delay, if it has one (seen in the field: Wallbox Pulsar Pro never boots).
   */
  private async startConnection(conn: ClientConnection, over: AbortSignal): Promise<void> {
    const m = this.misbehaviour;
    if (m?.kind !== 'noboot') return this.bootSequence(conn, over);
    this.logger.info({ bootDelayS: m.bootDelaySeconds ?? 'never' }, 'connected without BootNotification (misbehaving: noboot)');
    this.goOnline(conn);
    if (m.bootDelaySeconds === undefined) return;
    await sleep(m.bootDelaySeconds * 1000, over);
    if (!over.aborted) await this.bootSequence(conn, over);
  }

  /** BootNotification until Accepted (§4.2: Pending/Rejected → try again after `interval`). */
  private async bootSequence(conn: ClientConnection, over: AbortSignal): Promise<void> {
    // A TriggerMessage may have booted it meanwhile (a `noboot` charger with a delay).
    while (!over.aborted && !this.booted) {
      let res: BootNotificationResponse;
      try {
        res = await this.wire<BootNotificationResponse>(conn, 'BootNotification', this.bootPayload());
      } catch (err) {
        if (err instanceof OcppOfflineError) return;
        this.logger.warn({ err: (err as Error).message }, 'BootNotification failed');
        await sleep(5000, over);
        continue;
      }
      if (res.status === 'Accepted') return this.onBooted(conn, res);
      this.logger.warn({ status: res.status, retryInS: res.interval }, 'boot not accepted yet');
      await sleep((res.interval > 0 ? res.interval : 10) * 1000, over);
    }
  }

  private bootPayload(): Record<string, string> {
    return {
      chargePointVendor: 'chargegate',
      chargePointModel: 'sim-ac',
      chargePointSerialNumber: this.opts.serialNumber ?? `SIM${this.identity.replace(/[^A-Za-z0-9]/g, '')}`.slice(0, 25),
      firmwareVersion: this.opts.firmwareVersion ?? '1.0.0',
    };
  }

  private onBooted(conn: ClientConnection, res: BootNotificationResponse): void {
    if (this.conn !== conn) return;
    if (res.interval > 0) this.config.change('HeartbeatInterval', String(res.interval));
    this.booted = true;
    this.logger.info({ heartbeatS: Number(this.config.get('HeartbeatInterval')), ocpp: this.ocppVersion }, 'charger booted');
    this.emit('booted', res);
    this.goOnline(conn);
  }

  /** From now on the charger sends its own CALLs on this connection. */
  private goOnline(conn: ClientConnection): void {
    if (this.conn !== conn) return;
    const first = !this.online;
    this.online = true;
    this.v201?.setOnline(true, this.now());
    this.startHeartbeat();
    // After a (re)boot or reconnect the central system learns every connector's status afresh (§4.9).
    this.refresh();
    this.model.takeChanges();
    for (let c = 0; c <= this.model.connectorCount; c++) void this.sendStatus(c);
    this.queue.setOnline(true);
    if (first) this.emit('online');
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const seconds = this.config.number('HeartbeatInterval');
    if (!this.running || !this.online || !(seconds > 0)) return;
    this.heartbeatTimer = setInterval(() => void this.send('Heartbeat', {}), seconds * 1000);
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private startAutoMeter(connector: number): void {
    this.stopAutoMeter(connector);
    const seconds = this.config.number('MeterValueSampleInterval');
    // A charger stopped meanwhile (an answer that arrived while its socket closed) starts no
    // timer: one would keep sending into the void and keep the process alive.
    if (!this.running || !this.opts.autoMeterValues || !(seconds > 0)) return;
    this.meterTimers.set(connector, setInterval(() => void this.sendMeterValues(connector), seconds * 1000));
  }

  private stopAutoMeter(connector: number): void {
    clearInterval(this.meterTimers.get(connector));
    this.meterTimers.delete(connector);
  }

  /** A CALL on the current connection, whatever its state; rejects when offline. */
  private callNow<T = unknown>(action: string, payload: unknown): Promise<T> {
    const conn = this.conn;
    if (!conn || !this.online) return Promise.reject(new OcppOfflineError('central system'));
    return this.wire<T>(conn, action, payload);
  }

  /** A CALL as the charger's version says it: a 2.0.1 station translates its 1.6 model's (v201/outbound.ts). */
  private async wire<T>(conn: ClientConnection, action: string, payload: unknown): Promise<T> {
    if (!this.v201) return conn.session.call<T>(action, payload);
    const out = this.v201.translate(action, payload);
    if ('local' in out) return out.local as T;
    return out.answer(await conn.session.call(out.action, out.payload)) as T;
  }

  /** A 2.0.1 station's own CALLs that follow an answer (NotifyReport after GetBaseReport), in order, on that connection. */
  private later201(link: { conn?: ClientConnection }, calls: readonly { action: string; payload: unknown }[]): void {
    setImmediate(() => {
      void (async () => {
        for (const { action, payload } of calls) {
          if (!this.running || !link.conn) return;
          await link.conn.session.call(action, payload);
        }
      })().catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'follow-up of a CSMS call failed'));
    });
  }

  /** A CALL that is not a transaction message: lost when offline (undefined), failures logged. */
  private async send(action: string, payload: unknown): Promise<unknown> {
    try {
      return await this.callNow(action, payload);
    } catch (err) {
      if (!(err instanceof OcppOfflineError)) this.logger.warn({ action, err: (err as Error).message }, 'call failed');
      return undefined;
    }
  }

  private async sendStatus(connector: number): Promise<void> {
    const status = this.model.status(connector);
    const payload: StatusNotificationRequest = {
      connectorId: connector,
      errorCode: status === 'Faulted' ? 'OtherError' : 'NoError',
      status,
      timestamp: new Date(this.now()).toISOString(),
    };
    await this.send('StatusNotification', payload);
  }

  // ---- model changes ----------------------------------------------------------------------

  private refresh(): void {
    this.model.advance(this.now());
    this.announce();
  }

  /** Tells the central system (StatusNotification) and listeners what the model changed. */
  private announce(): void {
    const { statuses, limits } = this.model.takeChanges();
    for (const l of limits) {
      this.emit('limit', l);
      if (this.lastLoggedLimit.get(l.connector) !== l.limitA) {
        this.lastLoggedLimit.set(l.connector, l.limitA);
        this.logger.info({ connector: l.connector, limitA: round(l.limitA, 1), currentA: round(l.currentA, 1) }, `limit changed to ${round(l.limitA, 1)} A`);
      }
    }
    for (const s of statuses) {
      this.emit('status', s);
      this.logger.debug(s, 'status');
      if (this.online) void this.sendStatus(s.connector);
    }
  }

  private onStartAnswered(ref: number, answer: StartTransactionResponse): void {
    const connector = this.model.assignTransactionId(ref, answer.transactionId);
    const accepted = answer.idTagInfo.status === 'Accepted';
    this.logger.info({ connector, transactionId: answer.transactionId, idTagStatus: answer.idTagInfo.status }, accepted ? 'session started' : 'session refused by the central system');
    if (connector === undefined) return; // it already ended offline; its Stop is patched by the queue
    const idTag = this.model.connector(connector).transaction?.idTag ?? '';
    this.emit('transactionStarted', { connector, transactionId: answer.transactionId, idTag, accepted });
    // §3.5 / StopTransactionOnInvalidId: a late refusal ends the session.
    if (!accepted && this.config.bool('StopTransactionOnInvalidId')) void this.stopTransaction(connector, 'DeAuthorized');
  }

  private onDropped(message: TxMessage): void {
    if (message.action === 'StartTransaction') this.logger.error({ connectorId: message.payload.connectorId }, 'StartTransaction dropped: the session will not be known to the central system');
  }

  private onCentralCall(action: string, payload: unknown, link: { conn?: ClientConnection }): unknown {
    this.emit('call', action, payload);
    this.logger.debug({ action }, 'call from central system');
    const m = this.misbehaviour;
    const plan = planCall(m, action);
    if (plan.do === 'answer' || !m) return answerCentralCall(this.core, action, payload);
    this.logger.info({ action, misbehave: formatMisbehaviour(m) }, `misbehaving (${m.kind}): ${action}`);
    this.emit('misbehaved', { kind: m.kind, action });
    switch (plan.do) {
      case 'ignore-call':
        return never();
      case 'delay': {
        const stopped = this.stopSignal.signal;
        // The call takes effect when it is answered, not when it arrived. Answered even if the
        // connection dropped meanwhile (the answer is lost then), but not by a stopped charger.
        return sleep(plan.ms, stopped).then(() => (stopped.aborted ? never() : answerCentralCall(this.core, action, payload)));
      }
      case 'callerror':
        throw new OcppCallError('NotImplemented', `${action} is not implemented by this charger`);
      case 'reject': {
        const req = payload as { connectorId: number; csChargingProfiles: ChargingProfile };
        this.emit('profile', { connectorId: req.connectorId, profile: req.csChargingProfiles, status: 'Rejected' });
        return { status: 'Rejected' };
      }
      case 'drop-connection':
        // A charger that crashes on the call: no answer, the link goes down, it comes back.
        link.conn?.close(1011, `crashed on ${action}`);
        return never();
    }
  }

  private async reboot(type: 'Hard' | 'Soft'): Promise<void> {
    this.logger.info({ type }, 'resetting');
    const reason: StopReason = type === 'Hard' ? 'HardReset' : 'SoftReset';
    for (let c = 1; c <= this.model.connectorCount; c++) if (this.hasTransaction(c)) void this.stopTransaction(c, reason);
    await Promise.race([this.queue.drained(), sleep(3000, this.stopSignal.signal)]);
    this.conn?.close(1012, 'reset');
  }

  private buildCore(firmwareStepMs: number): ChargerCore {
    const self = this;
    return {
      identity: this.identity,
      model: this.model,
      config: this.config,
      auth: this.auth,
      logger: this.logger,
      firmwareStepMs,
      firmwareStatus: 'Idle',
      diagnosticsStatus: 'Idle',
      now: () => this.now(),
      after: (fn) => {
        setImmediate(() => {
          if (!self.running) return;
          Promise.resolve()
            .then(fn)
            .catch((err: unknown) => self.logger.error({ err }, 'follow-up of a central system call failed'));
        });
      },
      sleep: (ms) => sleep(ms, this.stopSignal.signal),
      send: (action, payload) => this.send(action, payload),
      announce: () => this.announce(),
      authorize: (idTag) => this.authorize(idTag),
      startTransaction: (connector, idTag) => this.startTransaction(connector, idTag),
      stopTransaction: (connector, reason) => this.stopTransaction(connector, reason),
      plugInDefaultCar: (connector) => this.plugIn(connector),
      installTxProfileOnStart: (connector, profile) => {
        const result = this.model.setChargingProfile(connector, profile, this.now());
        this.emit('profile', { connectorId: connector, profile, status: result.status });
        this.announce();
      },
      profileChanged: (connectorId, profile, status) => this.emit('profile', { connectorId, profile, status }),
      reboot: (type) => this.reboot(type),
      boot: async () => {
        const m = this.misbehaviour;
        if (m?.kind === 'noboot' && m.bootDelaySeconds === undefined) {
          this.logger.info('TriggerMessage BootNotification accepted but not sent (misbehaving: noboot)');
          this.emit('misbehaved', { kind: 'noboot', action: 'TriggerMessage' });
          return;
        }
        const conn = this.conn;
        const res = (await this.send('BootNotification', this.bootPayload())) as BootNotificationResponse | undefined;
        if (!res) return;
        // A charger that had not booted yet (noboot with a delay) is booted by the trigger.
        if (res.status === 'Accepted' && !this.booted && conn) return this.onBooted(conn, res);
        if (res.interval > 0) {
          this.config.change('HeartbeatInterval', String(res.interval));
          this.startHeartbeat();
        }
      },
      heartbeat: async () => void (await this.send('Heartbeat', {})),
      sendStatus: (connector) => this.sendStatus(connector),
      sendTriggeredMeterValues: async (connector) => void (await this.sendMeterValues(connector, 'Trigger')),
      configurationChanged: (key) => {
        if (key === 'HeartbeatInterval') this.startHeartbeat();
        if (key === 'MeterValueSampleInterval') for (const c of [...this.meterTimers.keys()]) this.startAutoMeter(c);
      },
    };
  }
}

/**
 * The answer of a charger that never answers: a promise that never settles. A new one per
 * call, so that once the connection is gone nothing holds the waiting handler.
 */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
