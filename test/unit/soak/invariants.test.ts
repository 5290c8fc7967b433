import t from 'tap';
import { checkFuse, checkTransactions } from '../../../src/soak/invariants.js';
import type { ChargerSession, CloudMessage, FuseSample } from '../../../src/soak/ledger.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();

function session(idTag: string, o: Partial<ChargerSession> = {}): ChargerSession {
  return { idTag, charger: 'CP1', connector: 1, startedAt: at(0), startAnswered: true, stoppedAt: at(50), stopAnswered: true, meterValuesAnswered: 1, dropped: false, ...o };
}

/** The cloud's log from a compact list; seq is the position. */
function cloud(list: Omit<CloudMessage, 'seq' | 'duplicate' | 'connectorId'>[], duplicates: number[] = []): CloudMessage[] {
  return list.map((m, seq) => ({ seq, connectorId: 1, duplicate: duplicates.includes(seq), ...m }));
}
const start = (tx: number, idTag: string, s: number) => ({ action: 'StartTransaction' as const, transactionId: tx, idTag, timestamp: at(s) });
const stop = (tx: number, idTag: string, s: number) => ({ action: 'StopTransaction' as const, transactionId: tx, idTag, timestamp: at(s) });
const mv = (tx: number, s: number) => ({ action: 'MeterValues' as const, transactionId: tx, idTag: undefined, timestamp: at(s) });

t.test('a clean run: every message once and in order', async (t) => {
  const v = checkTransactions([session('A'), session('B', { startedAt: at(60), stoppedAt: at(90) })], cloud([start(1, 'A', 0), mv(1, 10), stop(1, 'A', 50), start(2, 'B', 60), mv(2, 70), stop(2, 'B', 90)]));
  t.match(v, { startsAnswered: 2, stopsAnswered: 2, cloudStarts: 2, cloudStops: 2, cloudMeterValues: 2, lostStarts: 0, lostStops: 0, lostMeterValues: 0, doubled: 0, outOfOrder: 0, redelivered: 0 });
  t.same(v.violations, []);
});

t.test('a lost Start, a lost Stop, lost MeterValues', async (t) => {
  const lostStart = checkTransactions([session('A', { stopAnswered: false, stoppedAt: undefined })], []);
  t.equal(lostStart.lostStarts, 1);
  t.match(lostStart.violations[0], { kind: 'lost', what: /StartTransaction .*idTag A/ });

  const lostStop = checkTransactions([session('A')], cloud([start(1, 'A', 0), mv(1, 10)]));
  t.equal(lostStop.lostStops, 1);
  t.equal(lostStop.lostStarts, 0);

  const lostMv = checkTransactions([session('A', { meterValuesAnswered: 3 })], cloud([start(1, 'A', 0), mv(1, 10), mv(1, 20), stop(1, 'A', 50)]));
  t.equal(lostMv.lostMeterValues, 1, 'three answered, two distinct readings at the cloud');
});

t.test('not lost: what the charger was never answered for, or still holds', async (t) => {
  const v = checkTransactions([session('A', { startAnswered: false, stopAnswered: false, meterValuesAnswered: 0 })], []);
  t.match(v, { lostStarts: 0, lostStops: 0, startsQueued: 1, stopsQueued: 1 });
  const dropped = checkTransactions([session('A', { startAnswered: false, stopAnswered: false, meterValuesAnswered: 0, dropped: true })], []);
  t.match(dropped, { startsQueued: 0, stopsQueued: 0, chargerDropped: 1 });
});

t.test('an identical resend is absorbed; a different second Start or Stop is a double', async (t) => {
  const resent = checkTransactions([session('A')], cloud([start(1, 'A', 0), start(1, 'A', 0), mv(1, 10), stop(1, 'A', 50), stop(1, 'A', 50)], [1, 4]));
  t.match(resent, { redelivered: 2, doubled: 0, cloudStarts: 1, cloudStops: 1, outOfOrder: 0 });

  const twoStarts = checkTransactions([session('A')], cloud([start(1, 'A', 0), start(2, 'A', 0), mv(2, 10), stop(2, 'A', 50)]));
  t.equal(twoStarts.doubled, 1, 'one session, two transactions at the cloud');
  t.match(twoStarts.violations, [{ kind: 'doubled', what: /transactionIds 1 and 2/ }]);

  const doubledStop = checkTransactions([session('A')], cloud([start(1, 'A', 0), mv(1, 10), stop(1, 'A', 50), stop(1, 'A', 51)]));
  t.equal(doubledStop.doubled, 1);
  t.equal(doubledStop.redelivered, 0, 'a Stop with another timestamp is not a resend');
});

t.test('out of order: Stop before Start, MeterValues after the Stop, sessions swapped, time backwards', async (t) => {
  const stopFirst = checkTransactions([session('A')], cloud([stop(1, 'A', 50), start(1, 'A', 0)]));
  t.equal(stopFirst.outOfOrder, 1);
  t.match(stopFirst.violations, [{ kind: 'out-of-order', what: /before any StartTransaction/ }]);
  t.equal(stopFirst.lostStops, 1, 'and a Stop for no transaction of the session counts as not delivered');

  const mvAfterStop = checkTransactions([session('A')], cloud([start(1, 'A', 0), stop(1, 'A', 50), mv(1, 10)]));
  t.equal(mvAfterStop.outOfOrder, 2, 'after its Stop, and older than the Stop');

  const swapped = checkTransactions(
    [session('A'), session('B', { startedAt: at(60), stoppedAt: at(90), meterValuesAnswered: 0 })],
    cloud([start(1, 'A', 0), mv(1, 10), start(2, 'B', 60), stop(1, 'A', 50), stop(2, 'B', 90)]),
  );
  t.equal(swapped.outOfOrder, 1, 'the Stop of A (t=50) after the Start of B (t=60) on the same connector');

  const otherConnector = checkTransactions(
    [session('A'), session('B', { connector: 2, startedAt: at(5), stoppedAt: at(30), meterValuesAnswered: 0 })],
    cloud([start(1, 'A', 0), mv(1, 10), start(2, 'B', 5), stop(1, 'A', 50), stop(2, 'B', 30)]),
  );
  t.equal(otherConnector.outOfOrder, 0, 'order is per connector');

  const backwards = checkTransactions([session('A', { meterValuesAnswered: 2 })], cloud([start(1, 'A', 0), mv(1, 20), mv(1, 10), stop(1, 'A', 50)]));
  t.equal(backwards.outOfOrder, 1);
});

t.test('seconds over the fuse: raw, and beyond a grace per episode', async (t) => {
  // 10 Hz; L2 over 100 A from 1.0 s to 2.5 s (15 samples), L3 over for one sample.
  const samples: FuseSample[] = Array.from({ length: 40 }, (_, i) => ({ t: i * 100, phases: [90, i >= 10 && i < 25 ? 101 : 99, i === 30 ? 100.5 : 100] }));
  const v = checkFuse(samples, 100, 1);
  t.equal(Math.round(v.secondsOver[0] * 10), 0);
  t.equal(Math.round(v.secondsOver[1] * 10), 15, 'L2 1.5 s');
  t.equal(Math.round(v.secondsOver[2] * 10), 1, 'L3 0.1 s (exactly at the fuse is not over)');
  t.equal(Math.round(v.secondsOverBeyondGrace[1] * 10), 5, 'the first second of the L2 episode is excused');
  t.equal(v.secondsOverBeyondGrace[2], 0);
  t.equal(Math.round(v.longestEpisodeS * 10), 15);
  t.equal(v.peakA, 101);
  t.equal(v.worstExcessA, 1);

  const two = checkFuse(
    Array.from({ length: 40 }, (_, i) => ({ t: i * 100, phases: [i % 20 < 8 ? 120 : 0, 0, 0] as [number, number, number] })),
    100,
    0.5,
  );
  t.equal(Math.round(two.secondsOver[0] * 10), 16, 'two episodes of 0.8 s');
  t.equal(Math.round(two.secondsOverBeyondGrace[0] * 10), 6, 'each excused its first 0.5 s');
  t.equal(checkFuse([], 100, 5).samples, 0);
});
