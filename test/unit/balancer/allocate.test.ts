import t from 'tap';
import { allocate } from '../../../src/balancer/allocate.js';
import type { AllocationInput, ConnectorInput, ExternalLimit, SiteModel } from '../../../src/balancer/model.js';
import { idle, session, site } from '../../helpers/balancer-site.js';

const NOW = 1_000_000_000;

function run(s: SiteModel, connectors: ConnectorInput[], extra: Partial<AllocationInput> = {}) {
  const result = allocate({ site: s, connectors, external: [], state: {}, now: NOW, ...extra });
  const by = Object.fromEntries(result.connectors.map((c) => [c.key, c]));
  return { result, by, amps: (key: string) => by[key]!.amps };
}

t.test('a home, 1 × 32 A, two wallboxes', async (t) => {
  const home = site({ supply: 32, phases: 1, chargers: [{ id: 'left', phases: 1 }, { id: 'right', phases: 1 }] });

  const one = run(home, [session('left'), idle('right')]);
  t.equal(one.amps('left/1'), 32, 'one car alone gets the whole supply');
  t.equal(one.by['left/1']!.reason, 'max');
  t.equal(one.amps('right/1'), 0, 'the idle wallbox keeps no standing share when nothing is left');

  const two = run(home, [session('left'), session('right')]);
  t.equal(two.amps('left/1'), 16, 'two cars share equally');
  t.equal(two.amps('right/1'), 16);
  t.equal(two.by['left/1']!.reason, 'fair-share');
  t.match(two.by['left/1']!.detail, /supply on L1/);

  const house = run(home, [session('left'), session('right')], { otherLoad: { currents: [22, 0, 0] } });
  t.equal(house.amps('left/1') + house.amps('right/1'), 10, 'with 22 A of house load, 10 A are left: one minimum fits');
  t.ok([house.amps('left/1'), house.amps('right/1')].includes(0), 'the other one pauses');
  t.match(Object.values(house.by).map((c) => c.reason).sort(), ['fair-share', 'paused-rotation']);
});

t.test('a 3 × 63 A car park with 20 chargers, some 1-phase on different phases', async (t) => {
  const chargers = Array.from({ length: 20 }, (_, i) => {
    const id = `CP${String(i + 1).padStart(2, '0')}`;
    // Every fourth charger is 1-phase, wired in turn to L1, L2, L3.
    if (i % 4 === 3) return { id, phases: 1 as const, rotation: [[0, 1, 2], [1, 2, 0], [2, 0, 1]][(i >> 2) % 3] as [0 | 1 | 2, 0 | 1 | 2, 0 | 1 | 2] };
    return { id, maxCurrent: 16 };
  });
  const park = site({ supply: 63, margin: 1, chargers });
  const sessions = chargers.map((c) => session(c.id));
  const { result, by } = run(park, sessions);
  for (const p of [0, 1, 2]) t.ok(result.load[p]! <= 62 + 1e-9, `L${p + 1} load ${result.load[p]} ≤ 62 A`);
  const charging = result.connectors.filter((c) => c.amps > 0);
  t.ok(charging.length >= 9, `${charging.length} of 20 charge at once (62 A / 6 A each)`);
  for (const c of result.connectors) t.ok(c.amps === 0 || c.amps >= 6, `${c.key}: 0 or ≥ 6 A`);
  t.same(by['CP04/1']!.phases, [0], 'the 1-phase charger CP04 loads L1 only');
  t.same(by['CP08/1']!.phases, [1], 'CP08 is wired to L2');

  // A 1-phase car on a 3-phase charger is recognised from its currents.
  const measured = sessions.map((s) => (s.chargerId === 'CP01' ? { ...s, measured: { currents: [10, 0, 0] as const, at: NOW } } : s));
  t.same(run(park, measured).by['CP01/1']!.phases, [0], 'current on L1 only: a 1-phase car');
});

t.test('nested circuits are never exceeded', async (t) => {
  const s = site({
    supply: 63,
    circuits: [
      { id: 'garage', maxCurrent: 32 },
      { id: 'garage-left', maxCurrent: 16, parent: 'garage' },
    ],
    chargers: [
      { id: 'A', circuit: 'garage-left' },
      { id: 'B', circuit: 'garage-left' },
      { id: 'C', circuit: 'garage' },
      { id: 'D' },
    ],
  });
  const { by } = run(s, ['A', 'B', 'C', 'D'].map((id) => session(id)));
  t.equal(by['A/1']!.amps + by['B/1']!.amps, 16, 'garage-left: 16 A shared by A and B');
  t.equal(by['A/1']!.reason, 'circuit-full');
  t.match(by['A/1']!.detail, /garage-left/);
  t.equal(by['C/1']!.amps, 16, 'garage (32 A) has 16 A left for C');
  t.equal(by['D/1']!.amps, 31, 'D on the supply gets the rest (63 − 32), up to its max');
});

t.test('priorities: the lowest pauses first', async (t) => {
  const s = site({ supply: 16, chargers: [{ id: 'boss', priority: 10 }, { id: 'guest', priority: 0 }, { id: 'guest2', priority: 0 }] });
  const { by } = run(s, [session('guest'), session('boss'), session('guest2')]);
  t.equal(by['boss/1']!.amps, 10, 'the boss gets everything above the one minimum that fits');
  t.equal(by['guest/1']!.amps + by['guest2/1']!.amps, 6, 'one guest charges at its minimum');
  const paused = [by['guest/1']!, by['guest2/1']!].find((c) => c.amps === 0)!;
  t.equal(paused.reason, 'paused-rotation');
});

t.test('external limits cap the site and show as the reason', async (t) => {
  const s = site({ supply: 32, chargers: [{ id: 'A' }] });
  const external: ExternalLimit[] = [
    { source: 'schedule 17:00-20:00', amps: 20 },
    { source: 'demand-response (mqtt)', amps: 10 },
  ];
  const { by, result } = run(s, [session('A')], { external });
  t.equal(by['A/1']!.amps, 10);
  t.equal(by['A/1']!.reason, 'external');
  t.match(by['A/1']!.detail, /demand-response/);
  t.same(result.siteLimit, { amps: 10, source: 'demand-response (mqtt)' });
});

t.test('a lower site limit raises nobody, also where 3-phase cars couple a circuit to a busy phase', async (t) => {
  // A (3-phase) and B (1-phase, L2) share circuit X; C (1-phase, L1) hangs off the supply;
  // the house takes 26 A of L1. At the fuse, L1 holds A back, so B takes the rest of X.
  const s = site({
    supply: 40,
    circuits: [{ id: 'X', maxCurrent: 20 }],
    chargers: [
      { id: 'A', circuit: 'X' },
      { id: 'B', phases: 1, rotation: [1, 2, 0], circuit: 'X' },
      { id: 'C', phases: 1 },
    ],
  });
  const sessions = [session('A'), session('B'), session('C')];
  const otherLoad = { currents: [26, 0, 0] as const };
  const fuse = run(s, sessions, { otherLoad });
  t.same([fuse.amps('A/1'), fuse.amps('B/1'), fuse.amps('C/1')], [7, 13, 7], 'at the fuse: L1 shared by A and C, X by A and B');
  t.equal(fuse.by['B/1']!.reason, 'circuit-full');

  const limited = run(s, sessions, { otherLoad, external: [{ source: 'demand-response (http)', amps: 38 }] });
  t.same([limited.amps('A/1'), limited.amps('C/1')], [6, 6], 'L1 loses 2 A: A and C drop to their minimum');
  t.equal(limited.amps('B/1'), 13, 'B keeps its 13 A and does not take the 1 A A left on X (plain water-filling would give 14)');
  t.equal(limited.by['A/1']!.reason, 'external');
  t.match(limited.by['A/1']!.detail, /site limited to 38 A by demand-response/);
  t.equal(limited.by['B/1']!.reason, 'circuit-full', 'B is still held by its circuit, as at the fuse');
});

t.test('a car drawing less than offered releases the rest after the settle time', async (t) => {
  const s = site({ supply: 32, chargers: [{ id: 'A' }, { id: 'B' }] });
  const slow = { measured: { currents: [8, 8, 8] as const, at: NOW }, offered: { amps: 16, raisedAt: NOW - 60_000 } };
  const { by } = run(s, [session('A', slow), session('B')]);
  t.equal(by['A/1']!.amps, 10, 'A keeps its draw plus 2 A headroom');
  t.equal(by['A/1']!.reason, 'released');
  t.equal(by['B/1']!.amps, 22, 'B gets the rest');

  const early = { measured: { currents: [8, 8, 8] as const, at: NOW }, offered: { amps: 16, raisedAt: NOW - 5_000 } };
  t.equal(run(s, [session('A', early), session('B')]).amps('A/1'), 16, 'not before the settle time');

  const wantsMore = { measured: { currents: [9.8, 9.9, 9.8] as const, at: NOW }, offered: { amps: 10, raisedAt: NOW - 60_000 } };
  t.equal(run(s, [session('A', wantsMore), session('B')]).amps('A/1'), 16, 'a car at its released limit gets its fair share back');
});

t.test('a car that has paused (SuspendedEV) keeps its minimum after the settle time; the rest goes to others', async (t) => {
  const s = site({ supply: 32, chargers: [{ id: 'A' }, { id: 'B' }] });
  const paused = run(s, [session('A', { suspendedSince: NOW - 30_000 }), session('B')]);
  t.equal(paused.amps('A/1'), 6, 'A keeps its minimum, to start again at once');
  t.equal(paused.by['A/1']!.reason, 'released');
  t.match(paused.by['A/1']!.detail, /SuspendedEV/);
  t.equal(paused.amps('B/1'), 26, 'B gets the rest');
  t.same(
    [run(s, [session('A', { suspendedSince: NOW - 29_999 }), session('B')]).amps('A/1'), run(s, [session('A'), session('B')]).amps('A/1')],
    [16, 16],
    'not before the settle time (30 s), and back to its fair share once it charges again',
  );
  t.equal(run(s, [{ ...idle('A'), suspendedSince: NOW - 60_000 }, session('B')]).by['A/1']!.reason, 'standby', 'an idle connector is not a paused car');
  t.equal(run(s, [session('A', { suspendedSince: NOW - 60_000, cap: { amps: 0, source: 'mqtt' } }), session('B')]).amps('A/1'), 0, 'a cap below its minimum still pauses it');
});

t.test('offline and flagged connectors count at what they may draw', async (t) => {
  const s = site({ supply: 32, chargers: [{ id: 'A' }, { id: 'B' }] });
  const { by } = run(s, [session('A', { fixed: { amps: 32, why: 'uncontrolled' } }), session('B')]);
  t.equal(by['A/1']!.reason, 'fixed');
  t.equal(by['B/1']!.amps, 0, 'a flagged charger at its max leaves nothing');
  t.equal(by['B/1']!.reason, 'paused-capacity');
});

t.test('operator caps', async (t) => {
  const s = site({ supply: 32, chargers: [{ id: 'A' }] });
  const { by } = run(s, [session('A', { cap: { amps: 12, source: 'mqtt' } })]);
  t.equal(by['A/1']!.amps, 12);
  t.equal(by['A/1']!.reason, 'cap');
  t.match(by['A/1']!.detail, /mqtt/);
});

t.test('a stale meter: the failsafe reason', async (t) => {
  const s = site({ supply: 32, chargers: [{ id: 'A' }, { id: 'B' }] });
  const { by } = run(s, [session('A'), session('B')], { otherLoad: { currents: [10, 10, 10], failsafe: 'meter silent for 12 s: assuming the peak other load 10 A' } });
  t.equal(by['A/1']!.amps, 11);
  t.equal(by['A/1']!.reason, 'failsafe');
});

t.test('twin chargers share their own maximum', async (t) => {
  const s = site({ supply: 63, chargers: [{ id: 'twin', connectors: 2, maxCurrent: 32 }] });
  const { by } = run(s, [session('twin', {}, 1), session('twin', {}, 2)]);
  t.equal(by['twin/1']!.amps + by['twin/2']!.amps, 32);
});

t.test('rotation: pauses take turns and the memory goes out and comes back in', async (t) => {
  const s = site({ supply: 6, chargers: [{ id: 'A' }, { id: 'B' }] });
  s.balancing.turnMs = 60_000;
  let state = {};
  const charging: string[] = [];
  for (let minute = 0; minute < 6; minute++) {
    const r = allocate({ site: s, connectors: [session('A'), session('B')], external: [], state, now: NOW + minute * 60_000 });
    state = r.state;
    charging.push(r.connectors.filter((c) => c.amps > 0).map((c) => c.chargerId).join());
  }
  t.same(charging, ['A', 'B', 'A', 'B', 'A', 'B'], 'each gets a one-minute turn');
});
