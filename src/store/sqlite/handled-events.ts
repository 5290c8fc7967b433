/**
 * The replay check of OCPP 2.0.1 TransactionEvents (E01-E15: a resent event is known by its
 * transactionId and seqNo) answered from memory. The transaction_seq_nos table stays the truth:
 * one row per transaction, its handled seqNos as ranges (seq-ranges.ts), rewritten in the
 * durable write of each event (migration 21; until then a row per event, whose inserts spread
 * over as many b-tree pages per group commit as chargers were sending: docs/performance.md).
 * This holds, per transaction asked about, the row as read once and then kept in step with
 * every write on this database connection (a write in an open group commit is visible to the
 * next look-up, as the table's own was), so a periodic Updated costs a range check and the row
 * to write is made without reading it.
 *
 * A write that is undone (a durable write that throws rolls its savepoint back; a failed COMMIT
 * rolls the group back) may have added seqNos that are not in the table: `forget()` then drops
 * every set, and the next look-up reads the table again.
 *
 * The transaction asked about last is kept at hand as well: an event's replay check and its
 * record (seen, then add) name the same transaction, and a charger's Updated come one after
 * another. It is the same set object as the maps hold (never a copy), matched by charger and
 * transactionId exactly, and let go with the set (drop, forget): on any miss the maps, then the
 * table, answer.
 */
import { addSeqNo, formatSeqRanges, hasSeqNo, parseSeqRanges, type SeqRanges } from './seq-ranges.js';

/** A transaction's row: its handled seqNos, and those of them the charger sent offline (E: offline flag). */
export interface SeqNosRow {
  handled: string;
  offline: string;
}

/** The row to write for an event, and what of it is known to be in the table already. */
export interface SeqNosWrite extends SeqNosRow {
  /**
   * The row is in the table (read from it, or written by an earlier event on this connection
   * that was not undone since: an undone write makes forget() drop the set) and its offline
   * column is unchanged: updating `handled` alone writes the same row as the upsert.
   */
  onlyHandled: boolean;
}

/** Reads a transaction's row from the table (one function for the store's life: no closure per event). */
export type LoadSeqNos = (chargerId: string, reference: string) => SeqNosRow | undefined;

export interface HandledEvents {
  /** Whether this seqNo of the transaction was handled; `load` reads the table's row on a miss. */
  seen(chargerId: string, reference: string, seqNo: number, load: LoadSeqNos): boolean;
  /** Takes an event as handled: the transaction's row to write, undefined when it was handled already. */
  add(chargerId: string, reference: string, seqNo: number, offline: boolean, ended: boolean, load: LoadSeqNos): SeqNosWrite | undefined;
  forget(): void;
}

interface Held {
  handled: SeqRanges;
  offline: SeqRanges;
  /** The offline column as last written: unchanged by an online event. */
  offlineText: string;
  /** The transaction's row is in the table (see SeqNosWrite.onlyHandled). */
  stored: boolean;
}

/** Transactions whose sets are kept; beyond this the longest-held set is dropped (it is read again if needed). */
const MAX_TRANSACTIONS = 10_000;

export function createHandledEvents(maxTransactions = MAX_TRANSACTIONS): HandledEvents {
  // By charger, then transactionId: no key string built per event (a joined key is a new
  // string to hash on every look-up).
  const sets = new Map<string, Map<string, Held>>();
  /** Every set held, in the order they were read: the longest held is dropped first. */
  const order = new Map<Held, [chargerId: string, reference: string]>();
  /** The transaction asked about last, and its set (one of the maps' own). */
  let lastCharger: string | undefined;
  let lastReference: string | undefined;
  let lastHeld: Held | undefined;
  const drop = (chargerId: string, reference: string) => {
    const ofCharger = sets.get(chargerId);
    const held = ofCharger?.get(reference);
    if (!ofCharger || !held) return;
    if (held === lastHeld) lastCharger = lastReference = lastHeld = undefined;
    order.delete(held);
    ofCharger.delete(reference);
    if (ofCharger.size === 0) sets.delete(chargerId);
  };
  const get = (chargerId: string, reference: string, load: LoadSeqNos): Held => {
    if (lastHeld !== undefined && chargerId === lastCharger && reference === lastReference) return lastHeld;
    let ofCharger = sets.get(chargerId);
    let held = ofCharger?.get(reference);
    if (!held) {
      if (order.size >= maxTransactions) drop(...order.values().next().value!);
      const row = load(chargerId, reference);
      held = { handled: parseSeqRanges(row?.handled ?? ''), offline: parseSeqRanges(row?.offline ?? ''), offlineText: row?.offline ?? '', stored: row !== undefined };
      if (!ofCharger) sets.set(chargerId, (ofCharger = new Map()));
      ofCharger.set(reference, held);
      order.set(held, [chargerId, reference]);
    }
    lastCharger = chargerId;
    lastReference = reference;
    lastHeld = held;
    return held;
  };
  return {
    seen(chargerId, reference, seqNo, load) {
      return hasSeqNo(get(chargerId, reference, load).handled, seqNo);
    },
    add(chargerId, reference, seqNo, offline, ended, load) {
      const held = get(chargerId, reference, load);
      if (!addSeqNo(held.handled, seqNo)) return undefined;
      let onlyHandled = held.stored;
      if (offline && addSeqNo(held.offline, seqNo)) {
        held.offlineText = formatSeqRanges(held.offline);
        onlyHandled = false;
      }
      const row = { handled: formatSeqRanges(held.handled), offline: held.offlineText, onlyHandled };
      // The caller writes the row in this durable write; if that is undone, forget() drops the set.
      held.stored = true;
      // After its Ended a transaction is rarely asked about again: its set is not kept.
      if (ended) drop(chargerId, reference);
      return row;
    },
    forget() {
      lastCharger = lastReference = lastHeld = undefined;
      sets.clear();
      order.clear();
    },
  };
}
