import t from 'tap';
import { carDraw as carDrawWithLeast, readingTrustMs } from '../../../src/balancer/draw.js';

/** The count paired with the meter under the hold (the most a changing car may draw); `least` has its own test below. */
function carDraw(...args: Parameters<typeof carDrawWithLeast>) {
  const { least: _least, ...most } = carDrawWithLeast(...args);
  return most;
}

// responseTime 5 s; a reading counts 90 s (1.5 × the default 60 s sample interval).
const s = { responseMs: 5000, readingMs: 90_000, slackA: 2, phases: 1 };

t.test('settled: what the charger reported after its car had time to follow', async (t) => {
  const d = carDraw({ reported: { currents: [11.8], at: 20_000 }, limit: { amps: 12, from: 32, acceptedAt: 10_000 }, sessionStartedAt: 0 }, 21_000, s);
  t.same(d, { currents: [11.8], changing: false });
});

t.test('cut: until a report after the response time, counted at what it reported (it comes down from there)', async (t) => {
  // Cut from 32 to 12 A at 10 s; the report at 12 s (32 A) may be from before the car moved.
  const d = carDraw({ reported: { currents: [32], at: 12_000 }, limit: { amps: 12, from: 32, acceptedAt: 10_000 }, sessionStartedAt: 0 }, 12_100, s);
  t.same(d, { currents: [32], changing: true });
});

t.test('cut after a reading older than the old limit: it may be anywhere up to the old limit, so counted there', async (t) => {
  // A car's session starts at 1 s and it reports 0 A at 1.5 s; raised to 30 A at 2 s, cut to 15 A
  // at 2.2 s (a second car arrived) before its charger reported again: the meter sees it at 30.
  const raisedThenCut = { reported: { currents: [0], at: 1_500 }, limit: { amps: 15, from: 30, acceptedAt: 2_200, fromAcceptedAt: 2_000 }, sessionStartedAt: 1_000 };
  t.same(carDraw(raisedThenCut, 2_300, s), { currents: [30], changing: true }, 'at the old limit, not at the 0 A from before the raise');
  const readUnderOld = carDraw({ ...raisedThenCut, reported: { currents: [28], at: 7_500 }, limit: { ...raisedThenCut.limit, acceptedAt: 8_000 } }, 8_100, s);
  t.same(readUnderOld, { currents: [28], changing: true }, 'a reading taken after its response time under the old limit: it comes down from that');
  const unknown = carDraw({ ...raisedThenCut, limit: { amps: 15, from: 30, acceptedAt: 2_200 } }, 2_300, s);
  t.same(unknown, { currents: [0], changing: true }, "the old limit's time unknown (after a restart): what it reported, as before");
});

t.test('the least a car may draw (paired with a meter reading that has no earlier estimate to hold)', async (t) => {
  const least = (...args: Parameters<typeof carDrawWithLeast>) => carDrawWithLeast(...args).least;
  t.same(least({ reported: { currents: [11.8], at: 20_000 }, limit: { amps: 12, from: 32, acceptedAt: 10_000 }, sessionStartedAt: 0 }, 21_000, s), [11.8], 'settled: what it draws');
  t.same(least({ reported: { currents: [0], at: 9_000 }, limit: { amps: 12, from: 0, acceptedAt: 10_000 }, sessionStartedAt: 0 }, 10_100, s), [0], 'raised: still at its reading');
  t.same(least({ reported: { currents: [32], at: 12_000 }, limit: { amps: 12, from: 32, acceptedAt: 10_000 }, sessionStartedAt: 0 }, 12_100, s), [12], 'cut: it may be down at its new limit already');
  t.same(least({ reported: { currents: [0], at: 1_500 }, limit: { amps: 15, from: 30, acceptedAt: 2_200, fromAcceptedAt: 2_000 }, sessionStartedAt: 1_000 }, 2_300, s), [0], 'raised and cut before it reported: at its reading (it may not have moved)');
  t.same(least({ limit: { amps: 16, acceptedAt: 1_000 }, sessionStartedAt: 30_000 }, 30_500, s), [0], 'a session that just started, nothing reported: 0 A');
});

t.test('raise: counted at its new limit (the meter may already see it there)', async (t) => {
  const d = carDraw({ reported: { currents: [0], at: 9_000 }, limit: { amps: 12, from: 0, acceptedAt: 10_000 }, sessionStartedAt: 0 }, 10_100, s);
  t.same(d, { currents: [12], changing: true });
});

t.test('raise of a car that held itself well below its old limit: it takes no more', async (t) => {
  // 16 A accepted at 1 s; read at 9 s, after its response time: the car took 10 A of 16.
  const d = carDraw({ reported: { currents: [10, 10, 10], at: 9_000 }, limit: { amps: 32, from: 16, acceptedAt: 10_000, fromAcceptedAt: 1_000 }, sessionStartedAt: 0 }, 10_100, { ...s, phases: 3 });
  t.same(d, { currents: [10, 10, 10], changing: true });
});

t.test('raise after a reading older than the old limit: it says nothing of the old limit, so counted at the new one', async (t) => {
  // A ramp 6 → 10 → 14 A (accepted at 10 s and 15 s) from a charger that reports every 30 s:
  // its last reading (0 A at 2 s, the session's start) is from before even the 6 A.
  const ramp = { reported: { currents: [0], at: 2_000 }, limit: { amps: 14, from: 10, acceptedAt: 15_000, fromAcceptedAt: 10_000 }, sessionStartedAt: 1_000 };
  t.same(carDraw(ramp, 15_100, s), { currents: [14], changing: true }, 'at its new limit, as the meter may see it');
  t.same(carDraw(ramp, 40_000, s), { currents: [14], changing: true }, 'and so until it reports, 25 s on');
  const noPrevious = carDraw({ reported: { currents: [0], at: 2_000 }, limit: { amps: 14, from: 10, acceptedAt: 15_000 }, sessionStartedAt: 1_000 }, 15_100, s);
  t.same(noPrevious, { currents: [14], changing: true }, 'the old limit\'s time unknown: the same');
  const early = carDraw({ ...ramp, reported: { currents: [3], at: 12_000 } }, 16_000, s);
  t.same(early, { currents: [14], changing: true }, 'read while it still had time to follow the old limit: the same');
  const held = carDraw({ ...ramp, reported: { currents: [3], at: 15_500 } }, 16_000, s);
  t.same(held, { currents: [3], changing: true }, 'read after that, well below the old limit: it takes no more');
  const followed = carDraw({ ...ramp, reported: { currents: [13.6], at: 21_000 } }, 21_100, s);
  t.same(followed, { currents: [13.6], changing: false }, 'a reading after its response time: what it draws');
});

t.test('a session that started under its limit: from 0 A, so up to the limit until it reports', async (t) => {
  // TxDefaultProfile of 16 A accepted at connect (1 s); the session starts at 30 s.
  const none = carDraw({ limit: { amps: 16, from: 8, acceptedAt: 1_000 }, sessionStartedAt: 30_000 }, 30_500, s);
  t.same(none, { currents: [16], changing: true }, 'nothing reported yet');
  const partial = carDraw({ reported: { currents: [3], at: 31_000 }, limit: { amps: 16, from: 8, acceptedAt: 1_000 }, sessionStartedAt: 30_000 }, 31_100, s);
  t.same(partial, { currents: [16], changing: true }, 'a first report while it ramps up');
  const slow = carDraw({ limit: { amps: 16, acceptedAt: 1_000 }, sessionStartedAt: 30_000 }, 60_000, s);
  t.same(slow, { currents: [16], changing: true }, 'a charger that reports every 30–60 s, 30 s on: at its limit until its first reading is due');
  const quiet = carDraw({ limit: { amps: 16, acceptedAt: 1_000 }, sessionStartedAt: 30_000 }, 120_001, s);
  t.same(quiet, { currents: [0], changing: false }, 'an uncontrolled charger that never reports: after that the meter counts its car as other load (the plan counts it at its maximum)');
});

t.test('a charger that takes its limits but reports no current: counted at its limit once its first reading was due, on the phases the plan counts', async (t) => {
  // 16 A accepted at 1 s, the session from 30 s; its MeterValues carry the energy register alone.
  const state = { limit: { amps: 16, acceptedAt: 1_000 }, sessionStartedAt: 30_000, controlled: true };
  const three = { ...s, phases: 3 };
  t.same(carDrawWithLeast(state, 120_001, three), { currents: [16, 16, 16], changing: false, least: [16, 16, 16] }, 'at its limit on its three phases, not as none (its draw as house load cut it to nothing)');
  t.same(carDrawWithLeast({ ...state, limitPhases: 1 }, 120_001, three), { currents: [16, 0, 0], changing: false, least: [16, 0, 0] }, 'a car the plan counts on one phase (declared, or switched): on its L1 alone');
  t.same(carDrawWithLeast(state, 120_001, s), { currents: [16], changing: false, least: [16] }, 'a 1-phase charger');
  t.same(carDraw(state, 60_000, three), { currents: [16, 16, 16], changing: true }, 'before its first reading was due: changing, as before');
  t.same(carDraw({ limit: state.limit, controlled: true }, 120_001, three), { currents: [0, 0, 0], changing: false }, 'no session: nothing');
  t.same(carDraw({ sessionStartedAt: 30_000, controlled: true }, 120_001, three), { currents: [0, 0, 0], changing: false }, 'no limit in force: nothing to count it at');
});

t.test('how long a reading counts: 1.5 × the sample interval chargegate sets, never less than the meter timeout', async (t) => {
  t.equal(readingTrustMs(10, 60), 90_000, 'the defaults: 10 s meter timeout, 60 s interval');
  t.equal(readingTrustMs(10, 4), 10_000, 'a short interval: the meter timeout');
  t.equal(readingTrustMs(1, 4), 6_000);
});

t.test('no session, nothing reported: nothing drawn', async (t) => {
  t.same(carDraw({ limit: { amps: 16, acceptedAt: 1_000 } }, 2_000, s), { currents: [0], changing: false });
});

t.test('a late reading above the limit of a charger that takes its limits: counted at the limit, not more', async (t) => {
  // Cut from 8 to 0 A at 10 s; a reading of 8 A arrives at 16 s, after the response time: it was
  // taken before the cut (a slow link, a backlog). Subtracted from the meter whole, it would make
  // the house look 8 A smaller than it is, and that room would be handed out.
  const state = { reported: { currents: [8, 8, 8], at: 16_000 }, limit: { amps: 0, from: 8, acceptedAt: 10_000 }, sessionStartedAt: 0 };
  const three = { ...s, phases: 3 };
  t.same(carDraw({ ...state, controlled: true }, 16_100, three), { currents: [0, 0, 0], changing: false }, 'controlled: at most its limit');
  t.same(carDraw({ ...state, controlled: false }, 16_100, three), { currents: [8, 8, 8], changing: false }, 'uncontrolled: what it reported (its exposure is its maximum anyway)');
  const below = carDraw({ reported: { currents: [5.2, 16.4], at: 20_000 }, limit: { amps: 16, from: 32, acceptedAt: 10_000 }, sessionStartedAt: 0, controlled: true }, 20_100, { ...s, phases: 2 });
  t.same(below, { currents: [5.2, 16], changing: false }, 'each phase on its own: below the limit as reported');
  const cut = carDraw({ reported: { currents: [32], at: 12_000 }, limit: { amps: 12, from: 32, acceptedAt: 10_000 }, sessionStartedAt: 0, controlled: true }, 12_100, s);
  t.same(cut, { currents: [32], changing: true }, 'within its response time a car is still on its way down: what it reported');
});
