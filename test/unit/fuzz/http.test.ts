/** CI slice of `npm run fuzz`: HTTP parameter parsing on the real route table, and through the real server. */
import t from 'tap';
import { runTarget } from '../../../src/fuzz/harness.js';
import { sharedSite } from '../../../src/fuzz/site.js';
import { httpTarget } from '../../../src/fuzz/targets/http.js';
import { httpServerTarget } from '../../../src/fuzz/targets/http-server.js';

t.test('a seeded slice of requests: parsed or refused with an HttpError, never a 500', async (t) => {
  const site = sharedSite();
  const pure = httpTarget({ site });
  const real = httpServerTarget({ site });
  await pure.setup();
  await real.setup();
  const a = await runTarget(pure, { seed: 20261203, inputs: 8000 });
  const b = await runTarget(real, { seed: 20261203, inputs: 400 });
  await pure.teardown();
  await real.teardown();
  t.same([...a.findings, ...b.findings], [], 'no findings');
  t.equal(a.crashes + a.hangs + b.crashes + b.hangs, 0);
  t.ok([...a.outcomes.keys()].some((o) => o.startsWith('ok POST')), 'some commands parse');
  t.ok(a.outcomes.has('bad_query') && a.outcomes.has('bad_body'));
  t.ok(b.outcomes.has('200'));
});
