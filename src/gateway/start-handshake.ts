/**
 * The start handshake: how a StartTransaction is told to the rest of chargegate while the
 * charger waits for its answer. One contract between the transactions handler (the only caller)
 * and whoever listens on the bus, first of all the load balancer (src/balancer/loop.ts); this is
 * the only place that emits its three events.
 *
 *   'session.starting'     The session is written and its durable commit is on its way to the
 *                          disk; the charger has no answer yet. The balancer counts the car from
 *                          now on, so its neighbours' decreases may go out while the disk works,
 *                          but it sends the car itself nothing: there is no transactionId the
 *                          charger knows yet.
 *   'session.started'      Durable. Emitted as the StartTransaction.conf naming this session's
 *                          transactionId is returned; the OCPP session writes that answer to the
 *                          socket in the same turn of the event loop, before any setImmediate
 *                          callback runs. A listener that sends the charger something about the
 *                          session defers it by one turn (the balancer: setImmediate), so it
 *                          reaches the charger after the answer: a TxProfile naming a
 *                          transactionId the charger does not know yet is Rejected (1.6 §3.13.2,
 *                          §5.16).
 *   'session.startFailed'  The write never became durable, or the answer could not be formed:
 *                          the charger gets a CALLERROR, not a transactionId, and listeners take
 *                          the session back (its resend is then a new start or a replay).
 *
 * Guarantees, for each handshake:
 * - ordering: 'session.starting' first, then at most one of the two outcomes;
 * - at most one outcome: a second answer() throws, a fail() after an outcome does nothing;
 * - one transactionId: the answer and 'session.started' name the transactionId announced in
 *   'session.starting' (answer() builds the StartTransaction.conf itself from it).
 * A replayed StartTransaction (the same transaction again, 1.6 §3.7) has no handshake: it was
 * announced the first time.
 */
import type { EventBus } from '../events.js';
import type { StartTransactionResponse } from '../ocpp/v16/types.js';
import type { SessionRecord } from '../store/ports.js';
import type { IdTagInfo } from './authorize.js';

export interface StartHandshake {
  /** The transactionId announced in 'session.starting'. */
  readonly transactionId: number;
  /**
   * The start is durable: emits 'session.started' with `session` (as stored now, with the
   * cloud's verdict) and returns the answer for the charger, naming the announced transactionId.
   */
  answer(session: SessionRecord, idTagInfo: IdTagInfo): StartTransactionResponse;
  /** The start will not be answered: emits 'session.startFailed' (nothing if an outcome was already told). */
  fail(): void;
}

/** Announces a freshly written start ('session.starting'), before its write is durable. */
export function beginStart(events: Pick<EventBus, 'emit'>, written: SessionRecord): StartHandshake {
  const { chargerId, connectorId, transactionId } = written;
  let settled = false;
  events.emit('session.starting', written);
  return {
    transactionId,
    answer(session, idTagInfo) {
      if (settled) throw new Error(`the start of transaction ${transactionId} was already settled`);
      if (session.transactionId !== transactionId) throw new Error(`transaction ${session.transactionId} answered for the start of transaction ${transactionId}`);
      settled = true;
      events.emit('session.started', session);
      return { transactionId, idTagInfo };
    },
    fail() {
      if (settled) return;
      settled = true;
      events.emit('session.startFailed', { chargerId, connectorId, transactionId });
    },
  };
}
