import t from 'tap';
import { backoffDelayMs } from '../../../src/sim/backoff.js';

t.test('exponential from 0.5 s to 30 s with jitter in [base/2, base]', async (t) => {
  t.equal(backoffDelayMs(0, () => 1), 500);
  t.equal(backoffDelayMs(0, () => 0), 250);
  t.equal(backoffDelayMs(3, () => 1), 4000);
  t.equal(backoffDelayMs(6, () => 1), 30_000, 'capped');
  t.equal(backoffDelayMs(1000, () => 0), 15_000, 'huge attempt counts stay finite');
  t.equal(backoffDelayMs(1, () => 1, { initialMs: 10, maxMs: 15 }), 15);
});
