/**
 * One OCPP-J conversation over one connection, either side (central system or charger).
 * Inbound CALLs are validated, handed to the handler and answered, concurrently: some chargers
 * send two CALLs at once and both must be answered. Outbound CALLs go out one at a time
 * (OCPP-J 1.6 §4.1.1: a side SHOULD NOT send a CALL until the previous one was answered or
 * timed out), in order, each with a timeout. The transport feeds frames in and is told to send.
 * The owner may hold outbound CALLs (all but a few actions) until the peer is ready for them,
 * e.g. until it has registered (OCPP 1.6 §4.2): see holdOutbound().
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import {
  OcppCallError,
  OcppOfflineError,
  OcppTimeoutError,
  OcppUnreadableAnswerError,
  normalizeErrorCode,
  wireErrorCode,
  type ErrorCode,
  type OcppVersion,
} from './errors.js';
import { answerTypeOf, CALL, CALLERROR, CALLRESULT, encodeCall, encodeCallError, encodeCallResult, parseFrame, salvageId } from './frame.js';
import { InboundGate, PAUSE_AT, RESUME_AT, type InboundLimits } from './inbound-gate.js';
import { validatorFor, type Direction, type Validator } from './validate.js';

export interface FrameSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Stop and start reading from the peer (TCP backpressure on a flood); optional. */
  pause?(): void;
  resume?(): void;
}

/** Answers one inbound CALL. Throw an OcppCallError to answer with that CALLERROR. */
export type CallHandler = (action: string, payload: unknown) => Promise<unknown> | unknown;

export interface ProtocolErrorInfo {
  direction: 'in' | 'out';
  code: ErrorCode;
  description: string;
  action?: string;
}

export interface SessionOptions {
  version: OcppVersion;
  /** Which side this session is: decides which inbound actions are allowed. */
  role: 'central' | 'charger';
  socket: FrameSocket;
  handler: CallHandler;
  logger: Logger;
  callTimeoutMs: number;
  /** Frames larger than this are answered with a CALLERROR instead of being processed. */
  maxFrameBytes?: number;
  validator?: Validator;
  /**
   * Asked about a schema-invalid inbound CALL before it is refused: it may give the payload to
   * handle instead (repaired in lenient mode, or the salvaged part of a transaction message:
   * a charger that gets a CALLERROR for a Stop may drop it for good, 1.6 §3.7), or the answer
   * to send as is (a transaction message nothing could be taken from, kept raw by the owner).
   * null: refused with the CALLERROR, as before.
   */
  rescue?: (call: { id: string; action: string; payload: unknown }, problem: OcppCallError) => Rescue | null | Promise<Rescue | null>;
  /** Told of every CALLERROR this session sends or receives (for events and metrics). */
  onProtocolError?: (info: ProtocolErrorInfo) => void;
  /** Told of every CALL handled or sent (for metrics). */
  onCall?: (action: string, direction: 'in' | 'out') => void;
  /** How many of the peer's CALLs are handled at once and how fast (inbound-gate.ts); unlimited when absent. */
  inboundLimits?: InboundLimits;
  /**
   * Our own CALLs may carry strings longer than their schema's maxLength: the upstream link
   * relays what chargers sent, and lenient mode keeps a 25-character idTag or a 41-character
   * serial (gateway/tolerance.ts). Refusing to send them would keep a transaction from the
   * cloud for good; the cloud may take them, or answer with a CALLERROR that goes the outbox's
   * usual way (retries, then the dead letters). Every other schema rule still holds.
   */
  relaysLongStrings?: boolean;
  /** Outbound CALLs (and their answers) are translated by it; absent: sent as they are. */
  outboundCodec?: OutboundCodec;
  /**
   * Asked about an answer to our CALL that fails the action's response schema: the repaired
   * payload (lenient mode, gateway/tolerance.ts), or null. Absent or null: the call fails with
   * an OcppUnreadableAnswerError.
   */
  repairAnswer?: (action: string, payload: unknown) => { payload: unknown } | null;
}

export interface CallOptions {
  /**
   * Queued ahead of every call that is not urgent; still after the one outstanding (one CALL at
   * a time, OCPP-J 1.6 §4.1.1). For the balancer's limits: a cut must not wait behind a
   * cloud's, a user's or setup's calls to the same charger (measured: 100 GetConfiguration
   * queued ahead held a cut back until the charger had answered them all).
   */
  urgent?: boolean;
}

/**
 * The most calls that wait on one connection, urgent ones aside. Beyond, a call fails at once
 * with a GenericError instead of growing the queue, and the memory it holds, without end (a
 * cloud or an MQTT user that sends faster than the charger answers).
 */
export const MAX_QUEUED_CALLS = 100;

/** payload: handle this instead; answer: send this as the CALLRESULT; refuse: this CALLERROR (what still fails after a repair). */
export type Rescue = { payload: unknown } | { answer: unknown } | { refuse: OcppCallError };

/**
 * Translates the owner's outbound CALLs before they are checked and sent, and their answers
 * back: the OCPP 2.0.1 edge speaks the core's commands to a 2.0.1 charger through it
 * (src/gateway/edge201/). encode() may answer without sending, or throw an OcppCallError.
 */
export interface OutboundCodec {
  encode(action: string, payload: unknown): { action: string; payload: unknown; decode(answer: unknown): unknown } | { answer: unknown };
}

interface QueuedCall {
  id: string;
  action: string;
  payload: unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** Queued ahead of the calls that are not (CallOptions). */
  urgent?: boolean;
  /** Set while the call is held: fails it if it is still unsent when it fires. */
  heldTimer?: NodeJS.Timeout;
}

export interface OutboundHold {
  /** Actions that still go out while the hold lasts (they overtake the held calls). */
  except: ReadonlySet<string>;
  /** Why calls are held, in words: it ends up in the error of a held call that times out. */
  reason: string;
  /**
   * Called after each CALLRESULT this session sent; returning true ends the hold there. So
   * the answer that makes the peer ready (e.g. BootNotification.conf Accepted) is on the wire
   * before the first held CALL.
   */
  releaseAfterAnswer?: (action: string, response: unknown) => boolean;
}

/**
 * A held CALL that was never sent: the peer was not ready for it within the call timeout.
 * An OcppTimeoutError, so that callers that handle "no answer in time" handle this as well.
 */
export class OcppHeldError extends OcppTimeoutError {
  constructor(action: string, timeoutMs: number, readonly reason: string) {
    super(action, timeoutMs);
    this.message = `${action} was not sent within ${timeoutMs} ms: ${reason}`;
  }
}

/**
 * OCPP-J 1.6 §4.1.4: a CALL's message id must differ from every id the sender used before on
 * the same connection (at most 36 characters, §4.1.3). A counter does that at no cost per call;
 * a random prefix per session keeps ids distinct across reconnects too, for a peer or a log that
 * matches them over more than one connection. "xxxxxxxx-<n>" stays far below 36 characters.
 */
function messageIdPrefix(): string {
  return randomUUID().slice(0, 8) + '-';
}

export class OcppSession {
  private readonly validator: Validator;
  private readonly inboundDirection: Direction;
  private readonly outboundDirection: Direction;
  private readonly queue: QueuedCall[] = [];
  private outstanding: QueuedCall | null = null;
  /**
   * One timer per session for the outstanding CALL's timeout, restarted (refresh()) when a CALL
   * is sent rather than created per call: there is only ever one outstanding CALL (§4.1.1). When
   * it fires with nothing outstanding (the call was answered) it does nothing.
   */
  private callTimer: NodeJS.Timeout | undefined;
  private readonly idPrefix = messageIdPrefix();
  private lastId = 0;
  /**
   * The ids of the peer's CALLs being handled. An array, not a Set: a charger has one or a few
   * in flight (ocpp.maxCallsInFlight), and a Set that goes from one entry to none reallocated
   * its table at every delete, for every message (issue #19).
   */
  private readonly inboundInFlight: string[] = [];
  private closedReason: string | null = null;
  private hold: OutboundHold | null = null;

  /**
   * What every message reads, kept on the session itself rather than read from `opts`: the
   * options of different sessions come in several shapes (spread from their owner's hooks), and
   * V8 read them at these sites through its slow megamorphic path, some 0.5 µs a stored
   * MeterValues (issue #19, docs/performance.md).
   */
  private readonly socket: FrameSocket;
  private readonly handler: CallHandler;
  private readonly log: Logger;
  private readonly onCall: SessionOptions['onCall'];
  private readonly maxFrameBytes: number | undefined;

  private readonly inbound: InboundGate<{ id: string; action: string; payload: unknown }> | undefined;
  private inboundTimer: NodeJS.Timeout | undefined;
  private paused = false;

  constructor(private readonly opts: SessionOptions) {
    this.socket = opts.socket;
    this.handler = opts.handler;
    this.log = opts.logger;
    this.onCall = opts.onCall;
    this.maxFrameBytes = opts.maxFrameBytes;
    this.inbound = opts.inboundLimits ? new InboundGate(opts.inboundLimits, Date.now()) : undefined;
    this.validator = opts.validator ?? validatorFor(opts.version);
    this.inboundDirection = opts.role === 'central' ? 'toCentral' : 'toCharger';
    this.outboundDirection = opts.role === 'central' ? 'toCharger' : 'toCentral';
  }

  get isOpen(): boolean {
    return this.closedReason === null;
  }

  /** Whether outbound calls are held (holdOutbound() without releaseOutbound() since). */
  get outboundHeld(): boolean {
    return this.hold !== null;
  }

  /**
   * Holds outbound CALLs from now on: they queue, in order, and go out once the hold ends
   * (releaseOutbound(), or `releaseAfterAnswer`). Actions in `except` go out meanwhile. A held
   * call still unsent callTimeoutMs after it was made fails with OcppHeldError, so that no
   * caller waits for ever on a peer that never becomes ready. Calls already queued are held too;
   * the one outstanding is not recalled.
   */
  holdOutbound(hold: OutboundHold): void {
    if (this.closedReason !== null) return;
    this.hold = hold;
    for (const q of this.queue) if (this.isHeld(q)) this.startHeldTimer(q);
  }

  /** Ends the hold: the held calls go out, in the order they were made, one at a time. */
  releaseOutbound(): void {
    if (!this.hold) return;
    this.hold = null;
    for (const q of this.queue) this.stopHeldTimer(q);
    this.pump();
  }

  /** How many urgent calls wait: they are the head of the queue. */
  private get urgentQueued(): number {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.urgent) n++;
    return n;
  }

  /** Calls waiting to be sent plus the one outstanding. */
  get pendingCalls(): number {
    return this.queue.length + (this.outstanding ? 1 : 0);
  }

  /**
   * Sends a CALL and resolves with the peer's validated answer. Rejects with OcppCallError
   * (invalid request: nothing is sent; or the peer's CALLERROR), OcppTimeoutError or
   * OcppOfflineError.
   */
  call<T = unknown>(action: string, payload: unknown, options: CallOptions = {}): Promise<T> {
    const codec = this.opts.outboundCodec;
    if (!codec) return this.callAsIs<T>(action, payload, options);
    let out: ReturnType<OutboundCodec['encode']>;
    try {
      out = codec.encode(action, payload);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if ('answer' in out) return this.closedReason !== null ? Promise.reject(new OcppOfflineError('peer', this.closedReason)) : Promise.resolve(out.answer as T);
    return this.callAsIs(out.action, out.payload, options).then((answer) => out.decode(answer) as T);
  }

  private callAsIs<T>(action: string, payload: unknown, options: CallOptions): Promise<T> {
    if (this.closedReason !== null) return Promise.reject(new OcppOfflineError('peer', this.closedReason));
    // Callers may route by a name from outside (MQTT, HTTP): only what this side may initiate
    // is sent (OCPP 1.6 §4 and §5), the same rule handleCall applies to the peer.
    if (this.validator.knows(action) && !this.validator.allows(action, this.outboundDirection)) {
      return Promise.reject(new OcppCallError('NotSupported', `${action} is not initiated by the ${this.opts.role === 'central' ? 'central system' : 'charge point'}`));
    }
    const invalid = this.opts.relaysLongStrings ? this.validator.checkRequestLenient(action, payload) : this.validator.checkRequest(action, payload);
    if (invalid) return Promise.reject(invalid);
    const urgent = options.urgent === true;
    if (!urgent && this.queue.length - this.urgentQueued >= MAX_QUEUED_CALLS) {
      return Promise.reject(new OcppCallError('GenericError', `not sent: ${MAX_QUEUED_CALLS} calls already wait for the peer's answers; try again later`));
    }
    return new Promise<T>((resolve, reject) => {
      const queued: QueuedCall = { id: this.idPrefix + String(++this.lastId), action, payload, resolve: resolve as (v: unknown) => void, reject, ...(urgent ? { urgent } : {}) };
      if (urgent) {
        // Ahead of every call that is not urgent, behind the urgent ones before it (their order kept).
        this.queue.splice(this.urgentQueued, 0, queued);
      } else this.queue.push(queued);
      if (this.isHeld(queued)) this.startHeldTimer(queued);
      this.pump();
    });
  }

  /** The transport received a text frame. */
  receive(text: string): void {
    const max = this.maxFrameBytes;
    if (max !== undefined && text.length > max / 4 && Buffer.byteLength(text) > max) {
      this.protocolError('in', 'FormationViolation', `frame of ${Buffer.byteLength(text)} bytes is larger than the limit of ${max} bytes`);
      // Not parsed (that is the point of the limit): only its start is read. Like any other
      // unreadable frame it gets a CALLERROR ("-1" without an id) unless it is an answer.
      const answer = answerTypeOf(text);
      if (answer === undefined) this.sendError(salvageId(text) ?? '-1', 'FormationViolation', `frame larger than ${max} bytes`);
      else this.failUnreadable(salvageId(text), answer, `frame larger than ${max} bytes`);
      return;
    }
    const result = parseFrame(text);
    if (!result.ok) {
      const { problem } = result;
      const code = this.opts.version === 'ocpp2.0.1' && problem.code201 ? problem.code201 : problem.code;
      this.protocolError('in', code, problem.description);
      // A CALLERROR answers a CALL only (OCPP-J 1.6 §4.2.3); "-1" when the id is unreadable (2.0.1 §4.2.3 too).
      if (problem.wasCall) this.sendError(problem.id ?? '-1', code, problem.description);
      else if (problem.answer !== undefined) this.failUnreadable(problem.id, problem.answer, problem.description);
      return;
    }
    const frame = result.frame;
    if (frame.type === CALL) this.admit({ id: frame.id, action: frame.action, payload: frame.payload });
    else if (frame.type === CALLRESULT) this.settle(frame.id, { payload: frame.payload });
    else if (frame.type === CALLERROR) this.settle(frame.id, { error: new OcppCallError(normalizeErrorCode(frame.code), frame.description, asDetails(frame.details)) });
  }

  /** The transport closed: everything waiting fails as offline. */
  closed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    const error = new OcppOfflineError('peer', reason);
    clearTimeout(this.callTimer);
    clearTimeout(this.inboundTimer);
    this.inbound?.clear();
    if (this.outstanding) {
      this.outstanding.reject(error);
      this.outstanding = null;
    }
    this.hold = null;
    for (const q of this.queue.splice(0)) {
      this.stopHeldTimer(q);
      q.reject(error);
    }
  }

  /** A CALL waits its turn when the peer has too many in flight or calls too fast (inbound-gate.ts). */
  private admit(call: { id: string; action: string; payload: unknown }): void {
    if (!this.inbound) return void this.handleCall(call.id, call.action, call.payload);
    this.start(this.inbound.arrive(call, Date.now()));
  }

  /** A CALL let in by the gate was answered (or refused): its place goes to the next. Made once, not a closure per call. */
  private readonly inboundDone = (): void => this.start(this.inbound!.done(Date.now()));
  private readonly inboundFailed = (err: unknown): void => {
    this.log.error({ err }, 'handling a call failed past its own error handling');
    this.inboundDone();
  };

  private start(calls: readonly { id: string; action: string; payload: unknown }[]): void {
    const gate = this.inbound!;
    // Two handlers made once rather than finally(closure): no closure and no extra promise per call.
    for (const c of calls) void this.handleCall(c.id, c.action, c.payload).then(this.inboundDone, this.inboundFailed);
    if (!this.paused && gate.queued >= PAUSE_AT && this.closedReason === null) {
      this.paused = true;
      this.socket.pause?.();
      this.log.warn({ waiting: gate.queued }, `${this.opts.role === 'central' ? 'the charger' : 'the central system'} sends calls faster than they are handled: reading paused until it catches up`);
    } else if (this.paused && gate.queued <= RESUME_AT) {
      this.paused = false;
      this.socket.resume?.();
    }
    const wait = gate.nextTokenInMs();
    if (wait !== undefined && !this.inboundTimer && this.closedReason === null) {
      this.inboundTimer = setTimeout(() => {
        this.inboundTimer = undefined;
        this.start(gate.drain(Date.now()));
      }, wait);
    }
  }

  private async handleCall(id: string, action: string, payload: unknown): Promise<void> {
    const log = this.log;
    if (this.inboundInFlight.includes(id)) {
      // A resend of a CALL still being handled: the one answer we are about to send serves both.
      log.warn({ messageId: id, action }, 'duplicate message id while the first call is still being handled; ignored');
      return;
    }
    this.onCall?.(action, 'in');
    if (!this.validator.knows(action)) return this.refuse(id, action, new OcppCallError('NotImplemented', `action ${action} is not an ${this.validator.version} action`));
    if (!this.validator.allows(action, this.inboundDirection)) {
      return this.refuse(id, action, new OcppCallError('NotSupported', `${action} is not initiated by the ${this.opts.role === 'central' ? 'charge point' : 'central system'}`));
    }
    // In flight from here: a rescue may wait for the disk, and a resend meanwhile is ignored too.
    this.inboundInFlight.push(id);
    try {
      const invalid = this.validator.checkRequest(action, payload);
      if (invalid) {
        const rescued = (await this.opts.rescue?.({ id, action, payload }, invalid)) ?? null;
        if (!rescued) return this.refuse(id, action, invalid);
        if ('answer' in rescued) {
          this.send(encodeCallResult(id, rescued.answer));
          return;
        }
        if ('refuse' in rescued) return this.refuse(id, action, rescued.refuse);
        payload = rescued.payload;
      }
      const response = await this.handler(action, payload);
      const bad = this.validator.checkResponse(action, response);
      if (bad) {
        log.error({ messageId: id, action, problem: bad.description }, 'our own response failed schema validation');
        return this.refuse(id, action, new OcppCallError('InternalError', 'the response could not be built'));
      }
      this.send(encodeCallResult(id, response));
      this.afterAnswer(action, response);
    } catch (err) {
      if (err instanceof OcppCallError) return this.refuse(id, action, err);
      log.error({ err, messageId: id, action }, 'handler failed');
      this.refuse(id, action, new OcppCallError('InternalError', `${action} could not be processed`));
    } finally {
      removeOne(this.inboundInFlight, id);
    }
  }

  /** After the send: the answer that readies the peer goes out before any held CALL. */
  private afterAnswer(action: string, response: unknown): void {
    const hold = this.hold;
    if (!hold?.releaseAfterAnswer) return;
    let release = false;
    try {
      release = hold.releaseAfterAnswer(action, response);
    } catch (err) {
      this.log.error({ err, action }, 'releaseAfterAnswer failed; calls stay held');
    }
    if (release && this.hold === hold) this.releaseOutbound();
  }

  private refuse(id: string, action: string, error: OcppCallError): void {
    this.protocolError('in', error.code, error.description, action);
    this.sendError(id, error.code, error.description, error.details);
  }

  private sendError(id: string, code: ErrorCode, description: string, details: unknown = {}): void {
    this.send(encodeCallError(id, wireErrorCode(code, this.opts.version), description, details));
  }

  private protocolError(direction: 'in' | 'out', code: ErrorCode, description: string, action?: string): void {
    this.log.warn({ direction, code, action, description }, 'OCPP protocol error');
    this.opts.onProtocolError?.({ direction, code, description, ...(action ? { action } : {}) });
  }

  private settle(id: string, outcome: { payload: unknown } | { error: OcppCallError }): void {
    const current = this.outstanding;
    if (!current || current.id !== id) {
      this.log.warn({ messageId: id }, 'answer to a call we are not waiting for (late or unknown); ignored');
      return;
    }
    // The timer is left running: the next CALL restarts it, and if none comes it fires once, idle.
    this.outstanding = null;
    if ('error' in outcome) {
      this.protocolError('out', outcome.error.code, outcome.error.description, current.action);
      current.reject(outcome.error);
    } else {
      const bad = this.validator.checkResponse(current.action, outcome.payload);
      const repaired = bad ? this.opts.repairAnswer?.(current.action, outcome.payload) : undefined;
      if (!bad) current.resolve(outcome.payload);
      else if (repaired) current.resolve(repaired.payload);
      else {
        this.protocolError('out', bad.code, `invalid answer: ${bad.description}`, current.action);
        current.reject(new OcppUnreadableAnswerError(bad.code, bad.description, bad.details));
      }
    }
    this.pump();
  }

  /**
   * An answer frame that could not be read names the call we wait for: that call fails now, not
   * at its timeout (the queue behind it would wait as long). A CALLRESULT is unreadable (the
   * peer may have done what was asked); a CALLERROR without a readable code is still a refusal.
   */
  private failUnreadable(id: string | null, answer: typeof CALLRESULT | typeof CALLERROR, description: string): void {
    const current = this.outstanding;
    if (!current || id === null || current.id !== id) return;
    this.outstanding = null;
    current.reject(answer === CALLERROR ? new OcppCallError('GenericError', `unreadable CALLERROR: ${description}`) : new OcppUnreadableAnswerError('FormationViolation', `unreadable answer: ${description}`));
    this.pump();
  }

  private isHeld(q: QueuedCall): boolean {
    return this.hold !== null && !this.hold.except.has(q.action);
  }

  private startHeldTimer(q: QueuedCall): void {
    if (q.heldTimer || !this.hold) return;
    const reason = this.hold.reason;
    q.heldTimer = setTimeout(() => {
      const at = this.queue.indexOf(q);
      if (at < 0) return;
      this.queue.splice(at, 1);
      delete q.heldTimer;
      this.log.warn({ action: q.action, reason }, 'held call not sent in time; failed');
      q.reject(new OcppHeldError(q.action, this.opts.callTimeoutMs, reason));
    }, this.opts.callTimeoutMs);
    q.heldTimer.unref?.();
  }

  private stopHeldTimer(q: QueuedCall): void {
    clearTimeout(q.heldTimer);
    delete q.heldTimer;
  }

  private pump(): void {
    if (this.outstanding || this.closedReason !== null) return;
    // While held, the first call that may go out now; the held ones keep their order.
    const at = this.hold ? this.queue.findIndex((q) => !this.isHeld(q)) : 0;
    if (at < 0 || at >= this.queue.length) return;
    const next = this.queue.splice(at, 1)[0]!;
    this.outstanding = next;
    if (this.callTimer) this.callTimer.refresh();
    else {
      this.callTimer = setTimeout(() => this.timedOut(), this.opts.callTimeoutMs);
      // The socket keeps the process alive while it is open, not a pending answer.
      this.callTimer.unref?.();
    }
    this.onCall?.(next.action, 'out');
    this.send(encodeCall(next.id, next.action, next.payload));
  }

  /** callTimeoutMs after the last CALL was sent: it times out if it is still unanswered. */
  private timedOut(): void {
    const current = this.outstanding;
    if (!current) return;
    this.outstanding = null;
    current.reject(new OcppTimeoutError(current.action, this.opts.callTimeoutMs));
    this.pump();
  }

  private send(text: string): void {
    if (this.closedReason !== null) return;
    try {
      this.socket.send(text);
    } catch (err) {
      this.log.warn({ err }, 'send failed');
    }
  }
}

function asDetails(details: unknown): Record<string, unknown> {
  return typeof details === 'object' && details !== null && !Array.isArray(details) ? (details as Record<string, unknown>) : {};
}

/** Removes one `item` from `list`, order not kept (the last takes its place): no allocation. */
function removeOne(list: string[], item: string): void {
  const at = list.indexOf(item);
  if (at === -1) return;
  const last = list.pop()!;
  if (at < list.length) list[at] = last;
}
