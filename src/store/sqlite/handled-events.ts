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
  const sets = new Map<string, Set<number>>();
  const keyOf = (chargerId: string, reference: string) => `${chargerId}\u0000${reference}`;
  return {
    seen(chargerId, reference, seqNo, load) {
      const key = keyOf(chargerId, reference);
      let set = sets.get(key);
      if (!set) {
        set = new Set(load());
        if (sets.size >= maxTransactions) sets.delete(sets.keys().next().value!);
        sets.set(key, set);
      }
      return set.has(seqNo);
    },
    added(chargerId, reference, seqNo, ended) {
      const key = keyOf(chargerId, reference);
      // After its Ended a transaction is rarely asked about again: its set is not kept.
      if (ended) sets.delete(key);
      else sets.get(key)?.add(seqNo);
    },
    forget() {
      sets.clear();
    },
  };
}
