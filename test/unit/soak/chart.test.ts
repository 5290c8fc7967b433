import t from 'tap';
import { bucketMax, plot, sparkline } from '../../../src/soak/chart.js';
import { killPlan, parseSoakArgs, seededRandom, UsageError } from '../../../src/soak/args.js';
import { median } from '../../../src/soak/report.js';

t.test('sparkline: lowest to highest bar, flat series at the bottom', async (t) => {
  t.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  t.equal(sparkline([5, 5, 5]), '▁▁▁');
  t.equal(sparkline([0, 10], 0, 20), '▁▅', 'a given scale');
  t.equal(sparkline([]), '');
});

t.test('bucketMax keeps a peak that one sample made, and fills empty buckets', async (t) => {
  const points = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ({ t: i * 1000, v: i === 4 ? 100 : 1 }));
  t.same(bucketMax(points, 5), [1, 1, 100, 1, 1]);
  t.same(bucketMax([{ t: 0, v: 3 }, { t: 10_000, v: 7 }], 4), [3, 3, 3, 7], 'gaps repeat the last value');
  t.same(bucketMax([], 4), []);
});

t.test('plot: rows from the top, the scale on the left, the fuse line where no bar reaches', async (t) => {
  const rows = plot([0, 50, 100, 200], { height: 4, unit: 'A', min: 0, max: 200, line: 100 });
  t.same(rows, [
    '200 A ┤   █',
    '150 A ┤   █',
    '100 A ┤┄┄██',
    ' 50 A ┤ ███',
    '  0 A └────',
  ]);
  const half = plot([25], { height: 2, unit: 'A', min: 0, max: 100 });
  t.equal(half[1], ' 50 A ┤▄', 'half a row is a half bar');
});

t.test('median', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 2, 3]), 2.5);
  t.ok(Number.isNaN(median([])));
});

t.test('arguments: defaults, values, refusals', async (t) => {
  t.match(parseSoakArgs([]), { minutes: 5, chargers: 200, seed: 1, out: undefined, killEvery: [30, 120] });
  t.match(parseSoakArgs(['--minutes', '0.3', '--chargers=20', '--seed', '42', '--out', 'r.md', '--kill-every', '5-10']), { minutes: 0.3, chargers: 20, seed: 42, out: 'r.md', killEvery: [5, 10] });
  for (const bad of [['--minutes', '0'], ['--chargers', '1001'], ['--seed', '-1'], ['--kill-every', '10-5'], ['--nope'], ['--out']]) {
    t.throws(() => parseSoakArgs(bad), UsageError, bad.join(' '));
  }
});

t.test('the same seed replays the same chaos; kills every MIN..MAX s, one in a short run', async (t) => {
  t.same(Array.from({ length: 3 }, seededRandom(7)), Array.from({ length: 3 }, seededRandom(7)));
  const plan = killPlan(10 * 60_000, [30, 120], seededRandom(1));
  t.ok(plan.length >= 4 && plan.length <= 20, `${plan.length} kills in 10 minutes`);
  plan.forEach((at, i) => {
    const gap = at - (plan[i - 1] ?? 0);
    t.ok(gap >= 30_000 && gap <= 120_000, `gap ${gap} ms`);
  });
  const short = killPlan(18_000, [30, 120], seededRandom(1));
  t.equal(short.length, 1);
  t.ok(short[0]! >= 6000 && short[0]! <= 12_000, 'in the middle third');
  t.same(killPlan(3000, [30, 120], seededRandom(1)), [], 'too short to come back from a kill');
});
