/**
 * What the cloud's OCPP version changes in the upstream (#17), chosen once by createUpstream the
 * way mode.ts is: the subprotocol, how a queued message is written for the cloud, how its answer
 * is read back, the calls sent at once, and the cloud's commands. upstream.ts speaks the core's
 * 1.6 shapes throughout; the 1.6 wire passes them as they are, the 2.0.1 wire
 * (v201/wire.ts) translates them. Nothing else in the upstream asks which version the cloud speaks.
 */
import type { OcppVersion } from '../ocpp/errors.js';
import type { CallHandler } from '../ocpp/session.js';
import type { OutboxMessage } from '../store/ports.js';
import type { Prepared } from './courier.js';
import { queuedFor201, rowTo16 } from './v201/requeue.js';

/** A message on its way into the outbox (upstream.ts's StagedMessage with its channel-free fields). */
export type WireMessage = Pick<OutboxMessage, 'action' | 'kind' | 'payload' | 'localTransactionId' | 'coalesceKey'>;

/** Where a queued message comes from: the cloud's channel, whether it is connected, and the charger's connector. */
export interface WireContext {
  channel: string;
  ready: boolean;
  origin?: { chargerId: string; connectorId: number };
}

/** A call sent at once (not queued), in the cloud's terms, and its answer back in 1.6's. */
export interface WireCall {
  action: string;
  payload: unknown;
  answer(response: unknown): unknown;
}

export interface Wire {
  readonly protocol: OcppVersion;
  /**
   * The charge point names its transactions (2.0.1 E01): the id the cloud knows is chargegate's
   * own, known from the Start on, not from the cloud's answer (idmap.ts).
   */
  readonly namesTransactions: boolean;
  /** The BootNotification the link sends after every connect, from the charge point's 1.6 boot. */
  boot(boot16: Record<string, unknown>): unknown;
  /** A message for the outbox, in the cloud's terms: none, one or more (inside the caller's durable write). */
  encode(message: WireMessage, context: WireContext): WireMessage[];
  /**
   * A queued row written for the cloud's other OCPP version (upstream.ocpp changed since, adopt.ts):
   * its form for this cloud (inside the caller's durable write), or why it has none;
   * undefined: the row is this version's already.
   */
  adopt(message: OutboxMessage, context: WireContext): WireMessage[] | { untranslatable: string } | undefined;
  /** A stored message as it goes out; undefined: the 1.6 way (upstream.ts fills in the cloud's transactionId). */
  prepare(message: OutboxMessage): Prepared | undefined;
  /** The cloud's answer to a stored message as the 1.6 answer of the action it stands for (and the idTag that answer is about). */
  answer16(message: OutboxMessage, answer: unknown): { action: string; answer: unknown; idTag?: string };
  /**
   * A call sent at once on `channel`; undefined when the cloud's version has no counterpart
   * (nothing is sent). The core's calls are 1.6's, but for ReservationStatusUpdate (2.0.1 H05,
   * a 2.0.1 charger's reservation ended), which 1.6 lacks.
   */
  request(action16: string, payload16: unknown, channel: string): WireCall | undefined;
  /** The cloud's commands, carried out by the 1.6 handler of the channel (cloud-calls.ts). */
  handler(handler16: CallHandler, channel: string): CallHandler;
  /** At the upstream's stop: the wire's own timers cleared. */
  close?(): void;
}

/** OCPP 1.6J: the cloud speaks the core's language; everything passes as it is. */
export const wire16: Wire = {
  protocol: 'ocpp1.6',
  namesTransactions: false,
  boot: (boot16) => boot16,
  encode: (message) => [message],
  adopt: (message) => (queuedFor201(message) ? rowTo16(message) : undefined),
  // A TransactionEvent was queued for a 2.0.1 cloud before upstream.ocpp changed: no 1.6 form, given up loudly.
  prepare: (message) => (message.action === 'TransactionEvent' ? { unsendable: 'TransactionEvent was queued for an OCPP 2.0.1 cloud (upstream.ocpp changed since)' } : undefined),
  answer16: (message, answer) => ({ action: message.action, answer }),
  // 1.6 §5.13: a reservation ends silently; the cloud is not told.
  request: (action, payload) => (action === 'ReservationStatusUpdate' ? undefined : { action, payload, answer: (response) => response }),
  handler: (handler16) => handler16,
};
