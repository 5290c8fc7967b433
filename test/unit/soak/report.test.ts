import t from 'tap';
import { checkFuse, checkTransactions } from '../../../src/soak/invariants.js';
import { passed, renderReport, type SoakRun } from '../../../src/soak/report.js';
import type { ChargerSession } from '../../../src/soak/ledger.js';

const session: ChargerSession = { idTag: 'A', charger: 'CP1', connector: 1, startedAt: '2026-01-01T10:00:00.000Z', startAnswered: true, stoppedAt: '2026-01-01T10:01:00.000Z', stopAnswered: true, meterValuesAnswered: 0, dropped: false };
const start = { seq: 0, action: 'StartTransaction' as const, connectorId: 1, transactionId: 1, idTag: 'A', timestamp: session.startedAt, duplicate: false };
const stop = { seq: 1, action: 'StopTransaction' as const, connectorId: 1, transactionId: 1, idTag: 'A', timestamp: session.stoppedAt!, duplicate: false };
const calm = Array.from({ length: 20 }, (_, i) => ({ t: i * 100, phases: [50, 50, 50] as [number, number, number] }));

function run(o: Partial<SoakRun> = {}): SoakRun {
  return {
    minutes: 1, chargers: 1, misbehaving: 'none misbehaving', seed: 1, supplyA: 100, marginA: 16, graceS: 5, sessions: 1, kills: 1, crashes: [], cloudOutages: 0, drained: true, deadLetters: 0,
    tx: checkTransactions([session], [start, stop]),
    fuse: checkFuse(calm, 100, 5),
    fuseCompliant: checkFuse(calm, 84, 0),
    fuseWhileDown: checkFuse(calm, 100, 0),
    rss: [{ t: 0, mib: 100 }, { t: 1000, mib: 120 }, { t: 2000, mib: 110 }],
    currents: calm,
    attacks: { tried: { 'http wrong Host': 1 }, through: {}, examples: [], failed: [] },
    mqttReceived: 3,
    ...o,
  };
}

t.test('a clean run passes and shows its table and charts', async (t) => {
  const r = run();
  t.ok(passed(r));
  const text = renderReport(r);
  t.match(text, /Verdict: \*\*PASS\*\*/);
  t.match(text, /\| \*\*lost\*\* Start \/ Stop \/ MeterValues +\| 0 \/ 0 \/ 0 +\| yes +\|/);
  t.match(text, /\| RSS min \/ median \/ max +\| 100\.0 \/ 110\.0 \/ 120\.0 MiB/);
  t.match(text, /RSS of the gateway over time/);
  t.match(text, /against the fuse/);
});

t.test('each failed invariant fails the run', async (t) => {
  const lost = run({ tx: checkTransactions([session], [start]) });
  t.notOk(passed(lost), 'a lost Stop');
  t.match(renderReport(lost), /Verdict: \*\*FAIL\*\*[\s\S]*lost: CP1\/1: StopTransaction/);
  t.notOk(passed(run({ tx: checkTransactions([session], [start, stop, { ...stop, seq: 2, timestamp: '2026-01-01T10:02:00.000Z' }]) })), 'a doubled Stop');
  t.notOk(passed(run({ crashes: [{ at: 1000, code: 1, signal: null, tail: ['RangeError: Maximum call stack size exceeded'] }] })), 'a crash');
  t.match(renderReport(run({ crashes: [{ at: 1000, code: 1, signal: null, tail: ['RangeError: boom'] }] })), /Crash at 1\.0 s: exit code 1[\s\S]*RangeError: boom/);
  const over = Array.from({ length: 100 }, (_, i) => ({ t: i * 100, phases: [101, 0, 0] as [number, number, number] }));
  t.notOk(passed(run({ fuse: checkFuse(over, 100, 5) })), '10 s over the fuse, 5 s beyond the grace');
  t.ok(passed(run({ fuse: checkFuse(over.slice(0, 40), 100, 5) })), '4 s over is within the grace');
  t.notOk(passed(run({ fuseCompliant: checkFuse(over.slice(0, 1), 84, 0) })), 'the well-behaved chargers over the budget even once');
  t.notOk(passed(run({ attacks: { tried: { x: 1 }, through: { x: 1 }, examples: ['x'], failed: [] } })), 'an attack got through');
});
