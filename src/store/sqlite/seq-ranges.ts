/**
 * A set of seqNos (OCPP 2.0.1 E: a TransactionEvent's number within its transaction, from 0,
 * one more per event) kept as sorted, disjoint ranges, and written as text: "0-41,45,47-50".
 * A transaction's events come in order, so its set is one range however long it runs, and
 * each event's record is a rewrite of one short row (transaction_seq_nos, migration 21) where
 * it was a row of its own. A gap (an event the charger dropped from a full offline queue) is
 * kept exactly: a seqNo inside it is not taken for handled.
 * Pure.
 */

/** Sorted, disjoint, non-adjacent ranges, flat: [from0, to0, from1, to1, …], bounds included. */
export type SeqRanges = number[];

export function hasSeqNo(ranges: SeqRanges, seqNo: number): boolean {
  // The latest range first: a live transaction asks about its newest seqNos.
  for (let i = ranges.length - 2; i >= 0; i -= 2) {
    if (seqNo > ranges[i + 1]!) return false;
    if (seqNo >= ranges[i]!) return true;
  }
  return false;
}

/** Adds the seqNo in place; false when it was there already. */
export function addSeqNo(ranges: SeqRanges, seqNo: number): boolean {
  // Past the last range: the common case (the next event of a transaction), no search.
  let i = ranges.length - 2;
  while (i >= 0 && seqNo < ranges[i]! - 1) i -= 2;
  // Now ranges[i] - 1 <= seqNo (or i < 0): the seqNo touches or follows range i.
  if (i >= 0 && seqNo <= ranges[i + 1]!) {
    if (seqNo >= ranges[i]!) return false;
    ranges[i] = seqNo; // one below the range
  } else if (i >= 0 && seqNo === ranges[i + 1]! + 1) {
    ranges[i + 1] = seqNo;
  } else {
    ranges.splice(i + 2, 0, seqNo, seqNo);
    i += 2;
  }
  // Range i may now touch its neighbours.
  if (i + 2 < ranges.length && ranges[i + 1]! + 1 >= ranges[i + 2]!) {
    ranges.splice(i + 1, 2);
  }
  if (i >= 2 && ranges[i - 1]! + 1 >= ranges[i]!) {
    ranges.splice(i - 1, 2);
  }
  return true;
}

export function formatSeqRanges(ranges: SeqRanges): string {
  let text = '';
  for (let i = 0; i < ranges.length; i += 2) {
    const from = ranges[i]!;
    const to = ranges[i + 1]!;
    text += `${i === 0 ? '' : ','}${from}${to === from ? '' : `-${to}`}`;
  }
  return text;
}

/** Reads what formatSeqRanges wrote, and any list of seqNos and ranges in any order (migration 21 writes "0,1,2"). */
export function parseSeqRanges(text: string): SeqRanges {
  const pairs: [number, number][] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const dash = part.indexOf('-', 1);
    const from = Number(dash < 0 ? part : part.slice(0, dash));
    const to = dash < 0 ? from : Number(part.slice(dash + 1));
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) throw new Error(`not a seqNo or range of seqNos: ${JSON.stringify(part)}`);
    pairs.push([from, to]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  const ranges: SeqRanges = [];
  for (const [from, to] of pairs) {
    const last = ranges.length - 1;
    if (last > 0 && from <= ranges[last]! + 1) ranges[last] = Math.max(ranges[last]!, to);
    else ranges.push(from, to);
  }
  return ranges;
}
