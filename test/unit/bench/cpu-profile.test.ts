/**
 * The profile breakdown behind docs/performance.md "Where the time goes": a SQLite call counts
 * for the chargegate code that made it, and only samples inside the window count.
 */
import t from 'tap';
import { OTHER_STAGE, stageBreakdown, type CpuProfile } from '../../../src/bench/cpu-profile.js';

const frame = (functionName: string, url = '') => ({ functionName, url });

// root → handleCall (session) → meterValues (handler) → durably (group commit) → append (meters) → run (native)
//                                                     ↘ commit (group commit) → exec (better-sqlite3) → (native)
//      → (garbage collector);  → onStreamRead (node) with nothing of ours under it
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 8, 9] },
    { id: 2, callFrame: frame('handleCall', 'file:///x/dist/ocpp/session.js'), children: [3] },
    { id: 3, callFrame: frame('meterValues', 'file:///x/dist/gateway/handlers/transactions.js'), children: [4, 6] },
    { id: 4, callFrame: frame('durably', 'file:///x/dist/store/sqlite/group-commit.js'), children: [5] },
    { id: 5, callFrame: frame('append', 'file:///x/dist/store/sqlite/meters.js'), children: [10] },
    { id: 6, callFrame: frame('commit', 'file:///x/dist/store/sqlite/group-commit.js'), children: [7] },
    { id: 7, callFrame: frame('exec', 'file:///x/node_modules/better-sqlite3/lib/methods/wrappers.js') },
    { id: 8, callFrame: frame('(garbage collector)') },
    { id: 9, callFrame: frame('onStreamRead', 'node:internal/stream_base_commons') },
    { id: 10, callFrame: frame('run') },
  ],
  startTime: 1_000,
  // Sample times: 1010, 1020, 1030, 1040, 1050, 1060, 2000 (the last outside the window).
  samples: [10, 10, 7, 3, 8, 9, 10],
  timeDeltas: [10, 10, 10, 10, 10, 10, 940],
};

t.test('each sample goes to the stage of the nearest frame a rule knows, inside the window only', async (t) => {
  t.same(stageBreakdown(profile, 1_005, 1_500), [
    { stage: 'store insert (meter_samples)', us: 20 },
    { stage: 'commit (COMMIT to the WAL)', us: 10 },
    { stage: 'handler (1.6 MeterValues)', us: 10 },
    { stage: 'garbage collector', us: 10 },
    { stage: OTHER_STAGE, us: 10 },
  ]);
  t.same(stageBreakdown(profile, 1_500, 3_000), [{ stage: 'store insert (meter_samples)', us: 940 }], 'the late sample alone');
});
