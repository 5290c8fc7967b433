/**
 * The load-balancing part of `npm run bench`, short: the gateway in this process, the 100
 * chargers of its fleet in a child process, as in the bench. What is checked is that the two
 * sides agree on every trial (the bench stops when they do not), not how fast anything was:
 * figures live in the bench and docs/performance.md.
 */
import t from 'tap';
import { benchSilent, benchToLastProfile } from '../../src/bench/balancer.js';

t.setTimeout(240_000);

t.test('CALL → last profile at step 1 A: every trial the fleet timed is a trial the gateway timed', async (t) => {
  const r = await benchToLastProfile(1, 8);
  t.equal(r.chargers, 100);
  t.same(r.sessions, { start: 61, resume: 40 });
  for (const kind of ['start', 'resume'] as const) {
    const f = r[kind];
    t.equal(f.trials, 8, `${kind}: 8 trials timed on both sides`);
    t.ok(f.profiles[0] >= 1, `${kind}: each trial caused profiles (${f.profiles.join('–')})`);
    t.ok(f.gateway.p50 > 0 && f.charger.p50 > 0, `${kind}: timed at the gateway and at the chargers`);
  }
});

t.test('one silent charger: the trials while the gateway waits on it and after it is flagged pair up on both sides', async (t) => {
  // A 3 s ocpp.callTimeout: its first CALL (the boot's GetConfiguration) times out after 3 s,
  // its first SetChargingProfile, sent then, after 6: the flag. Timed from the first CALL, as
  // the fleet did until 4 December, the trials from 4 s on were "after" at the fleet and
  // "before" at the gateway, and the bench stopped on the mismatch.
  const r = await benchSilent(6, 3);
  t.equal(r.silent.id, 'BAL-SILENT');
  t.ok(r.silent.calls >= 2, `the gateway's CALLs to it went unanswered (${r.silent.calls}, first ${r.silent.firstCall})`);
  t.ok(r.flaggedAfterMs >= 3000, `flagged uncontrolled ${(r.flaggedAfterMs / 1000).toFixed(2)} s after its first CALL, not before a time-out`);
  t.ok(r.before.trials >= 1, `${r.before.trials} trials while the gateway waited on it`);
  t.equal(r.after.trials, 6, '6 trials after the flag, on both sides');
  t.ok(r.before.profiles[0] >= 1 && r.after.profiles[0] >= 1, 'every trial changed a compliant charger\'s limit');
});
