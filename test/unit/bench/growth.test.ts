import t from 'tap';
import { goalVerdict, growthTable } from '../../../src/bench/growth.js';

const rows = [
  { chargers: 100, cpuPercent: 2, rssMiB: 100 },
  { chargers: 1000, cpuPercent: 10, rssMiB: 150 },
  { chargers: 5000, cpuPercent: 60, rssMiB: 400 },
];

t.test('the growth table compares each site size with the one before and gives the cost per charger', async (t) => {
  const [head, rule, first, second, third] = growthTable(rows);
  t.match(head, /chargers\s+CPU % of a core\s+RSS MiB\s+chargers ×\s+CPU ×\s+RSS ×\s+CPU % per 1,000/);
  t.equal(rule!.replace(/[- ]/g, ''), '', 'a rule under the head');
  t.same(first!.trim().split(/\s{2,}/), ['100', '2.00', '100.0', '—', '—', '—', '20.00', '—'], 'the first row has nothing to compare with');
  // 10× the chargers, 5× the CPU, 1.5× the RSS; 50 MiB more for 900 more chargers = 56.9 KiB each.
  t.same(second!.trim().split(/\s{2,}/), ['1000', '10.00', '150.0', '×10.00', '×5.00', '×1.50', '10.00', '56.9']);
  t.same(third!.trim().split(/\s{2,}/), ['5000', '60.00', '400.0', '×5.00', '×6.00', '×2.67', '12.00', '62.7']);
  t.equal(new Set([head, first, second, third].map((l) => l!.length)).size, 1, 'columns line up');
});

t.test('the 1,000-charger line against the goal: CPU under 15 % of a core, RSS under 200 MB', async (t) => {
  t.equal(goalVerdict(rows), '1000 chargers: CPU 10.00 % of a core (goal < 15 %) PASS, RSS 157.3 MB (goal < 200 MB) PASS');
  t.match(goalVerdict([{ chargers: 1000, cpuPercent: 15, rssMiB: 191 }]), /CPU 15\.00 % .* ABOVE, RSS 200\.3 MB .* ABOVE/, 'at or over the goal is above it (191 MiB is 200.3 MB)');
  t.equal(goalVerdict([rows[0]!]), undefined, 'no line without a 1,000-charger row');
});
