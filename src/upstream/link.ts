/**
 * One upstream connection to the cloud CSMS, as a charge point (role 'charger'), in OCPP 1.6J
 * or 2.0.1 (`protocol`; the boot and heartbeat are the same in both, 2.0.1 B01/G02): connect
 * (ws:// or wss:// with certificate verification, Basic auth, a client certificate when the
 * cloud requires mutual TLS), BootNotification after every
 * (re)connect (OCPP 1.6 §4.2), nothing else sent until the boot is Accepted (a Pending or
 * Rejected boot is retried after the interval the cloud gave, §4.2.1), Heartbeat at the cloud's
 * interval (§4.6), and reconnect with exponential back-off and jitter.
 */
import type { Logger } from '../log.js';
import { connectOcpp, type ClientConnection } from '../ocpp/client.js';
import { answerName, repairAnswer } from '../ocpp/answer-repair.js';
import { OcppOfflineError, type OcppVersion } from '../ocpp/errors.js';
import type { InboundLimits } from '../ocpp/inbound-gate.js';
import type { CallHandler } from '../ocpp/session.js';
import { validatorFor } from '../ocpp/validate.js';
import type { BootNotificationResponse } from '../ocpp/v16/types.js';
import { reconnectDelayMs, type Backoff } from './policy.js';

export type LinkState = 'connecting' | 'booting' | 'pending' | 'rejected' | 'accepted' | 'offline' | 'stopped';

export interface LinkOptions {
  url: string;
  identity: string;
  /** Read at each connect (the cloud may have changed it: authorization-key.ts). */
  password?: string | undefined;
  ca?: string;
  /** Client certificate and key (PEM) for a cloud that requires mutual TLS. */
  cert?: string;
  key?: string;
  callTimeoutMs: number;
  /** How many of the cloud's CALLs are handled at once and how fast (upstream.maxCallsInFlight, callRate, callBurst). */
  inboundLimits?: InboundLimits;
  backoff: Backoff;
  /** The subprotocol offered (default ocpp1.6); the cloud's frames are validated against its schemas. */
  protocol?: OcppVersion;
  /** Answers the cloud's CALLs (commands). */
  handler: CallHandler;
  /** In the cloud's version (wire.ts): its answer has the same status, currentTime and interval in 1.6 and 2.0.1 (B01). */
  bootPayload(): unknown;
  onState(state: LinkState): void;
  logger: Logger;
  random?: () => number;
}

/** When a boot answer gives interval 0 (1.6 leaves the retry to the charge point). */
const DEFAULT_BOOT_RETRY_S = 60;

export class UpstreamLink {
  private conn: ClientConnection | undefined;
  private stateNow: LinkState = 'offline';
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  /** Deviations of the cloud's answers already logged, by kind and answer: each once. */
  private readonly deviationsLogged = new Set<string>();

  constructor(private readonly opts: LinkOptions) {}

  /**
   * The cloud's answers get the safe repairs a lenient charger's get (ocpp/answer-repair.ts): a
   * CSMS that adds a property to its StartTransaction.conf took the transaction. Read as a
   * refusal, it was sent again up to transactionMessageAttempts times (a new transaction in the
   * cloud each time) and then went to the dead letters.
   */
  private readonly repairAnswer = (action: string, payload: unknown): { payload: unknown } | null => {
    const validator = validatorFor(this.opts.protocol ?? 'ocpp1.6');
    const repaired = repairAnswer(validator, action, payload);
    if (!repaired) return null;
    const answer = answerName(validator, action);
    for (const n of repaired.notes) {
      const key = `${n.kind}\n${answer}`;
      if (this.deviationsLogged.has(key)) continue;
      this.deviationsLogged.add(key);
      this.opts.logger.warn({ kind: n.kind, action: answer, detail: n.detail }, "tolerated a deviation in the cloud's answer (logged once per kind and action)");
    }
    return { payload: repaired.payload };
  };

  /** The heartbeat interval the cloud gave in its last accepted boot, seconds. */
  heartbeatIntervalS = 0;

  /** The last thing that went wrong (unreachable, closed, boot not accepted), for the operator's view. */
  lastError: { message: string; at: string } | undefined;

  private failed(message: string): void {
    this.lastError = { message, at: new Date().toISOString() };
  }

  private lastRefusal: { status: 'Pending' | 'Rejected'; interval: number } | undefined;

  /** The cloud's Pending or Rejected boot answer while it stands (state pending or rejected); else undefined. */
  get bootRefusal(): { status: 'Pending' | 'Rejected'; interval: number } | undefined {
    return this.stateNow === 'pending' || this.stateNow === 'rejected' ? this.lastRefusal : undefined;
  }

  get state(): LinkState {
    return this.stateNow;
  }

  /** Connected and booted: messages may flow. */
  get ready(): boolean {
    return this.stateNow === 'accepted';
  }

  start(): void {
    this.loop ??= this.connectLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.conn?.close(1000, 'chargegate is shutting down');
    await this.loop;
    this.setState('stopped');
  }

  /** Closes the connection; the loop connects again (with the password as it is now) after its back-off. */
  reconnect(reason: string): void {
    this.conn?.close(1000, reason);
  }

  /** Sends a CALL; only once the boot was accepted (else OcppOfflineError, the message waits). */
  call<T = unknown>(action: string, payload: unknown): Promise<T> {
    if (!this.ready || !this.conn) return Promise.reject(new OcppOfflineError('cloud', `link ${this.stateNow}`));
    return this.conn.session.call<T>(action, payload);
  }

  private setState(state: LinkState): void {
    if (state === this.stateNow) return;
    this.stateNow = state;
    this.opts.onState(state);
  }

  private async connectLoop(): Promise<void> {
    const log = this.opts.logger;
    const random = this.opts.random ?? Math.random;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      this.setState('connecting');
      try {
        this.conn = await connectOcpp({
          url: this.opts.url,
          identity: this.opts.identity,
          ...(this.opts.password !== undefined ? { password: this.opts.password } : {}),
          ...(this.opts.ca !== undefined ? { ca: this.opts.ca } : {}),
          ...(this.opts.cert !== undefined && this.opts.key !== undefined ? { cert: this.opts.cert, key: this.opts.key } : {}),
          protocols: [this.opts.protocol ?? 'ocpp1.6'],
          role: 'charger',
          // It relays what chargers sent, kept whole in lenient mode (a 25-character idTag).
          relaysLongStrings: true,
          repairAnswer: this.repairAnswer,
          handler: this.opts.handler,
          logger: log,
          callTimeoutMs: this.opts.callTimeoutMs,
          ...(this.opts.inboundLimits ? { inboundLimits: this.opts.inboundLimits } : {}),
        });
      } catch (err) {
        this.failed(`cannot reach the cloud CSMS: ${(err as Error).message}`);
        this.setState('offline');
        const delay = reconnectDelayMs(failures++, random, this.opts.backoff);
        log.warn({ err: (err as Error).message, retryInMs: Math.round(delay) }, 'cannot reach the cloud CSMS');
        await this.sleep(delay);
        continue;
      }
      failures = 0;
      log.info({ url: this.opts.url }, 'connected to the cloud CSMS');
      const closed = this.conn.closed;
      if (this.abort.signal.aborted) this.conn.close(1000, 'chargegate is shutting down');
      void this.boot(this.conn);
      const { code, reason } = await closed;
      this.stopHeartbeat();
      this.conn = undefined;
      if (!this.abort.signal.aborted) this.failed(`the connection closed (${code}${reason ? ` ${reason}` : ''})`);
      this.setState('offline');
      if (this.abort.signal.aborted) return;
      const delay = reconnectDelayMs(failures++, random, this.opts.backoff);
      log.warn({ code, reason, retryInMs: Math.round(delay) }, 'the cloud CSMS connection closed');
      await this.sleep(delay);
    }
  }

  /** BootNotification until Accepted (1.6 §4.2); Pending/Rejected: nothing else, retry after the interval. */
  private async boot(conn: ClientConnection): Promise<void> {
    while (conn.session.isOpen && !this.abort.signal.aborted) {
      this.setState('booting');
      let answer: BootNotificationResponse;
      try {
        answer = await conn.session.call<BootNotificationResponse>('BootNotification', this.opts.bootPayload());
      } catch (err) {
        if (!conn.session.isOpen) return;
        this.opts.logger.warn({ err: (err as Error).message }, 'BootNotification to the cloud failed; retrying');
        await this.sleep(DEFAULT_BOOT_RETRY_S * 1000);
        continue;
      }
      if (answer.status === 'Accepted') {
        this.opts.logger.info({ heartbeatInterval: answer.interval }, 'the cloud CSMS accepted the boot');
        this.heartbeatIntervalS = answer.interval;
        this.startHeartbeat(conn, answer.interval);
        this.setState('accepted');
        return;
      }
      const waitS = answer.interval > 0 ? answer.interval : DEFAULT_BOOT_RETRY_S;
      this.failed(`BootNotification ${answer.status}`);
      this.lastRefusal = { status: answer.status, interval: waitS };
      this.setState(answer.status === 'Pending' ? 'pending' : 'rejected');
      this.opts.logger.warn({ status: answer.status, retryInS: waitS }, 'the cloud CSMS did not accept the boot yet; nothing is sent until it does');
      await this.sleep(waitS * 1000);
    }
  }

  /**
   * The cloud set HeartbeatInterval (2.0.1 B05 SetVariables of OCPPCommCtrlr.HeartbeatInterval):
   * from now until the next accepted boot, whose interval sets it again (B01).
   */
  setHeartbeatInterval(intervalS: number): void {
    this.heartbeatIntervalS = intervalS;
    if (this.conn && this.stateNow === 'accepted') this.startHeartbeat(this.conn, intervalS);
  }

  private startHeartbeat(conn: ClientConnection, intervalS: number): void {
    this.stopHeartbeat();
    if (intervalS <= 0) return;
    this.heartbeat = setInterval(() => {
      conn.session.call('Heartbeat', {}).catch((err: unknown) => this.opts.logger.debug({ err: (err as Error).message }, 'heartbeat to the cloud failed'));
    }, intervalS * 1000);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
