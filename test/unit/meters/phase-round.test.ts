/**
 * An MQTT meter with one topic per phase (src/meters/mqtt.ts createPhaseRound): a reading is
 * taken only once every phase has sent a value since the last one, and is as old as its oldest
 * phase, so a phase's new value is never paired with the others' old ones and a quiet phase
 * makes the meter silent (failsafe.meterTimeout) instead of looking fresh for ever.
 */
import t from 'tap';
import { createPhaseRound } from '../../../src/meters/mqtt.js';

t.test('a reading once every phase has sent a value, as old as the oldest of them', async (t) => {
  const round = createPhaseRound(3);
  t.equal(round.arrive(0, 40, 1000), undefined, 'L1 alone: no reading');
  t.equal(round.arrive(1, 41, 1010), undefined, 'L1 and L2: no reading');
  t.same(round.arrive(2, 42, 1020), { values: [40, 41, 42], at: 1000 }, 'all three: one reading, taken when L1 was');
});

t.test('a new value on one phase is not paired with the others\' old ones', async (t) => {
  const round = createPhaseRound(3);
  round.arrive(0, 45, 0);
  round.arrive(1, 45, 1);
  round.arrive(2, 45, 2);
  t.equal(round.arrive(0, 40, 100), undefined, 'L1 at 40 while L2 and L3 still say 45: no reading');
  t.equal(round.arrive(0, 39, 150), undefined, 'L1 again: still none');
  t.equal(round.arrive(1, 40, 160), undefined);
  t.same(round.arrive(2, 40, 170), { values: [39, 40, 40], at: 150 }, 'the round complete: the latest of each, as old as the oldest of them');
});

t.test('a phase that goes quiet: no reading at all, however often the others send', async (t) => {
  const round = createPhaseRound(3);
  round.arrive(0, 10, 0);
  round.arrive(1, 10, 0);
  t.ok(round.arrive(2, 10, 0), 'a first reading');
  const after: unknown[] = [];
  for (let i = 1; i <= 50; i++) {
    after.push(round.arrive(0, 10, i * 100));
    after.push(round.arrive(1, 10, i * 100));
  }
  t.ok(after.every((r) => r === undefined), 'fifty rounds of L1 and L2 without L3: no reading, so the meter falls silent');
  t.same(round.arrive(2, 12, 5100), { values: [10, 10, 12], at: 5000 }, 'L3 back: a reading again');
});

t.test('a site with one or two phase topics', async (t) => {
  const one = createPhaseRound(1);
  t.same(one.arrive(0, 7, 5), { values: [7], at: 5 });
  t.same(one.arrive(0, 8, 6), { values: [8], at: 6 }, 'each message a reading');
  const two = createPhaseRound(2);
  t.equal(two.arrive(1, 3, 1), undefined);
  t.same(two.arrive(0, 2, 4), { values: [2, 3], at: 1 });
});
