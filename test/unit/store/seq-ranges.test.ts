/**
 * The seqNo sets of the 2.0.1 replay check (src/store/sqlite/seq-ranges.ts): checked against a
 * plain Set over many random orders, gaps and repeats, and through their text form.
 */
import t from 'tap';
import { addSeqNo, formatSeqRanges, hasSeqNo, parseSeqRanges, type SeqRanges } from '../../../src/store/sqlite/seq-ranges.js';

/** A small deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

t.test('ranges hold exactly the seqNos added, in any order, and read back from their text', async (t) => {
  const next = random(16);
  for (let round = 0; round < 300; round++) {
    const ranges: SeqRanges = [];
    const expected = new Set<number>();
    const span = 1 + Math.floor(next() * 60);
    for (let i = 0; i < 80; i++) {
      // Mostly in order (a transaction's events), sometimes anywhere (gaps, replays).
      const n = next() < 0.6 ? expected.size : Math.floor(next() * span);
      if (addSeqNo(ranges, n) === expected.has(n)) t.fail(`round ${round}: add ${n}`);
      expected.add(n);
    }
    for (let n = -1; n <= span + 81; n++) {
      if (hasSeqNo(ranges, n) !== expected.has(n)) t.fail(`round ${round}: seqNo ${n}`);
    }
    // Sorted, disjoint and not touching: the shortest form.
    for (let i = 0; i + 1 < ranges.length; i++) if (!(ranges[i]! <= ranges[i + 1]! && (i % 2 === 0 || ranges[i]! + 1 < ranges[i + 1]!))) t.fail(`round ${round}: ${formatSeqRanges(ranges)}`);
    t.same(parseSeqRanges(formatSeqRanges(ranges)), ranges, 'text and back');
    t.same(parseSeqRanges([...expected].reverse().join(',')), ranges, 'a list in any order (migration 21) reads as the same ranges');
  }
});

t.test('the text form', async (t) => {
  const ranges: SeqRanges = [];
  for (const n of [0, 1, 2, 3, 7, 9, 8, 12]) addSeqNo(ranges, n);
  t.equal(formatSeqRanges(ranges), '0-3,7-9,12');
  t.equal(formatSeqRanges([]), '');
  t.same(parseSeqRanges(''), []);
  t.same(parseSeqRanges('5-9,0-2,3'), [0, 3, 5, 9]);
  t.same(parseSeqRanges('5-9,0-2,3,4'), [0, 9]);
  t.throws(() => parseSeqRanges('3-1'), /not a seqNo or range/);
  t.throws(() => parseSeqRanges('x'), /not a seqNo or range/);
});
