/** CI slice of `npm run fuzz`: MQTT command topics and payloads through the real command path. */
import t from 'tap';
import { runTarget } from '../../../src/fuzz/harness.js';
import { sharedSite } from '../../../src/fuzz/site.js';
import { mqttTarget } from '../../../src/fuzz/targets/mqtt.js';

t.test('a seeded slice of MQTT commands: one answer each, no crash, no hang', async (t) => {
  const target = mqttTarget({ site: sharedSite() });
  await target.setup();
  const r = await runTarget(target, { seed: 20261203, inputs: 4000 });
  await target.teardown();
  t.equal(r.inputs, 4000);
  t.same(r.findings, [], 'no findings');
  t.equal(r.crashes + r.hangs, 0);
  const outcomes = [...r.outcomes.keys()];
  t.ok(outcomes.some((o) => o.startsWith('accepted')), 'some commands are carried out');
  t.ok(outcomes.some((o) => o.startsWith('rejected: malformed payload')), 'some are refused by the parser');
  t.ok(outcomes.includes('ignored'));
});
