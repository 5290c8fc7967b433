/**
 * The replay check of OCPP 2.0.1 TransactionEvents (E01-E15: a resent event is known by its
 * transactionId and seqNo) answered from memory. The transaction_events table stays the truth;
 * this holds, per transaction asked about, the set of its handled seqNos, read from the table
 * once and then kept in step with every insert on this database connection (a write in an open
 * group commit is visible to the next look-up, as the table's own was). A periodic Updated so
 * costs a set look-up instead of an indexed SELECT per event (docs/performance.md).
 *
 * A write that is undone (a durable write that throws rolls its savepoint back; a failed COMMIT
 * rolls the group back) may have added seqNos that are not in the table: `forget()` then drops
 * every set, and the next look-up reads the table again.
 */
export interface HandledEvents {
  /** Whether this seqNo of the transaction was handled; `load` reads the table's seqNos on a miss. */
  seen(chargerId: string, reference: string, seqNo: number, load: () => readonly number[]): boolean;
  /** An event's row was inserted (in the open write). */
  added(chargerId: string, reference: string, seqNo: number, ended: boolean): void;
  forget(): void;
}

/** Transactions whose sets are kept; beyond this the longest-held set is dropped (it is read again if needed). */
const MAX_TRANSACTIONS = 10_000;

export function createHandledEvents(maxTransactions = MAX_TRANSACTIONS): HandledEvents {
  // By charger, then transactionId: no key string built per event (a joined key is a new
  // string to hash on every look-up).
  const sets = new Map<string, Map<string, Set<number>>>();
  /** Every set held, in the order they were read: the longest held is dropped first. */
  const order = new Map<Set<number>, [chargerId: string, reference: string]>();
  const drop = (chargerId: string, reference: string) => {
    const ofCharger = sets.get(chargerId);
    const set = ofCharger?.get(reference);
    if (!ofCharger || !set) return;
    order.delete(set);
    ofCharger.delete(reference);
    if (ofCharger.size === 0) sets.delete(chargerId);
  };
  return {
    seen(chargerId, reference, seqNo, load) {
      let ofCharger = sets.get(chargerId);
      let set = ofCharger?.get(reference);
      if (!set) {
        if (order.size >= maxTransactions) drop(...order.values().next().value!);
        set = new Set(load());
        if (!ofCharger) sets.set(chargerId, (ofCharger = new Map()));
        ofCharger.set(reference, set);
        order.set(set, [chargerId, reference]);
      }
      return set.has(seqNo);
    },
    added(chargerId, reference, seqNo, ended) {
      // After its Ended a transaction is rarely asked about again: its set is not kept.
      if (ended) drop(chargerId, reference);
      else sets.get(chargerId)?.get(reference)?.add(seqNo);
    },
    forget() {
      sets.clear();
      order.clear();
    },
  };
}
