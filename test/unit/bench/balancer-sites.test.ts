import t from 'tap';
import { allocate } from '../../../src/balancer/allocate.js';
import { scaleSite } from '../../../src/bench/balancer.js';

// The bench's allocate() line for the scale part's site says what it times: 1,000 unlisted
// chargers on the supply alone, a third of them waiting their turn, the others sharing the
// supply at their minimum. If the site drifted (everyone fits) the line would time an
// allocation that needs no ranking.
t.test("the scale part's site: 1,000 unlisted chargers, a third waiting their turn", async (t) => {
  const { site, connectors } = scaleSite();
  t.equal(site.chargers.size, 0, 'no charger in the config: each one is on the default model');
  const result = allocate({ site, connectors, external: [], state: {}, now: 1_000_000 });
  const waiting = result.connectors.filter((c) => c.amps === 0);
  const charging = result.connectors.filter((c) => c.amps > 0);
  t.equal(result.connectors.length, 1000);
  t.equal(charging.length, 666, '4,000 A holds 666 minima of 6 A');
  t.ok(waiting.every((c) => c.reason === 'paused-rotation'), 'the others wait their turn');
  t.ok(charging.every((c) => c.amps === 6 && c.reason === 'fair-share'), 'each charging car has its fair share: the minimum');
  t.ok(result.load.every((a) => a <= 4000), 'within the supply on every phase');
});
