import t from 'tap';
import { splitAt } from '../../../src/bench/windows.js';

t.test('trials split by their start at a moment', async (t) => {
  const trials = [
    { t0: 0, ms: 5 },
    { t0: 10, ms: 5 },
    { t0: 18, ms: 4 }, // starts before 20, its last profile after: straddles
    { t0: 20, ms: 3 }, // starts at the moment: after
    { t0: 30, ms: 2 },
  ];
  t.same(splitAt(trials, 20), { before: [5, 5, 4], after: [3, 2], straddling: 1 });
  t.same(splitAt(trials, undefined), { before: [5, 5, 4, 3, 2], after: [], straddling: 0 }, 'no moment: all before');
  t.same(splitAt(trials, -1), { before: [], after: [5, 5, 4, 3, 2], straddling: 0 }, 'a moment before all: all after');
  t.same(splitAt([{ t0: 15, ms: 5 }], 20), { before: [5], after: [], straddling: 0 }, 'ending exactly at the moment does not straddle');
  t.same(splitAt([], 20), { before: [], after: [], straddling: 0 });
});
