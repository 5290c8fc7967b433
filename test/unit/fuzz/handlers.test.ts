/** CI slice of `npm run fuzz`: every charger action's handler in a real app; and a planted bug it must find. */
import t from 'tap';
import { runTarget } from '../../../src/fuzz/harness.js';
import { sharedSite } from '../../../src/fuzz/site.js';
import { handlerTarget } from '../../../src/fuzz/targets/handlers.js';

t.test('a seeded slice of schema-valid and broken payloads: answered, never InternalError', async (t) => {
  const target = handlerTarget({ site: sharedSite() });
  await target.setup();
  const r = await runTarget(target, { seed: 20261203, inputs: 2500 });
  await target.teardown();
  t.equal(r.inputs, 2500);
  t.same(r.findings, [], 'no findings');
  t.equal(r.crashes + r.hangs, 0);
  for (const action of ['BootNotification', 'StartTransaction', 'MeterValues', 'StopTransaction', 'StatusNotification', 'Authorize', 'DataTransfer', 'Heartbeat']) {
    t.ok(r.outcomes.has(`${action}:CALLRESULT`), `${action} answered`);
  }
});

t.test('a planted bug: a handler that throws on MeterValues with many samples is found and shrunk', async (t) => {
  const target = handlerTarget({
    site: sharedSite(),
    wrap: (handler) => (action, payload) => {
      const values = (payload as { meterValue?: unknown[] }).meterValue;
      if (action === 'MeterValues' && Array.isArray(values) && values.length >= 2) throw new TypeError('planted');
      return handler(action, payload);
    },
  });
  await target.setup();
  const r = await runTarget(target, { seed: 3, inputs: 600 });
  await target.teardown();
  t.ok(r.crashes > 0, `crashes found: ${r.crashes}`);
  const f = r.findings[0]!;
  t.match(f.error, /InternalError|planted/);
  t.match(f.input, /"action":"MeterValues"/);
  t.equal((JSON.parse(f.input) as { payload: { meterValue: unknown[] } }).payload.meterValue.length, 2, 'shrunk to the two values that trigger it');
});
