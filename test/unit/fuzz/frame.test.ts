/** CI slice of `npm run fuzz`: the OCPP frame layer, seeded; and a planted hang it must find. */
import t from 'tap';
import { runTarget } from '../../../src/fuzz/harness.js';
import { frameTarget } from '../../../src/fuzz/targets/frame.js';

t.test('a seeded slice of mutated frames: no crash, no hang', async (t) => {
  const target = frameTarget();
  await target.setup();
  const r = await runTarget(target, { seed: 20261203, inputs: 10000 });
  await target.teardown();
  t.equal(r.inputs, 10000);
  t.same(r.findings, [], 'no findings');
  t.equal(r.crashes + r.hangs, 0);
  t.ok(r.outcomes.size >= 8, `the inputs reach many outcomes (${[...r.outcomes.keys()].join(', ')})`);
  t.ok([...r.outcomes.keys()].some((k) => k.startsWith('CALLERROR:FormationViolation')));
  t.ok(r.outcomes.has('CALLRESULT'));
});

t.test('a planted bug: a handler that never answers a StatusNotification is found as a hang', async (t) => {
  const target = frameTarget({
    handler: (action) => (action === 'StatusNotification' ? new Promise(() => {}) : action === 'Heartbeat' ? { currentTime: '2025-06-01T00:00:00Z' } : { idTagInfo: { status: 'Accepted' } }),
  });
  await target.setup();
  const r = await runTarget(target, { seed: 5, inputs: 150, deadlineMs: 100 });
  await target.teardown();
  t.ok(r.hangs > 0, `hangs found: ${r.hangs}`);
  t.match(r.findings.find((f) => f.kind === 'hang')?.input, /StatusNotification/, 'the finding names the input');
});
