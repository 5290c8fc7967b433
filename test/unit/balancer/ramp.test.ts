import t from 'tap';
import { nextStep } from '../../../src/balancer/ramp.js';

const s = { hysteresis: 1, rampStep: 4, rampIntervalMs: 5000, minCurrent: 6 };
const inForce = (amps: number, changedAt = 0) => ({ amps, raisedAt: changedAt, changedAt, acceptedAt: changedAt });

t.test('a decrease goes out at once, whatever the ramp clock', async (t) => {
  t.same(nextStep(8, inForce(16, 9_999), 10_000, s), { amps: 8, kind: 'decrease' });
});

t.test('an increase waits for the ramp interval and rises one step at a time', async (t) => {
  t.equal(nextStep(20, inForce(8, 8_000), 10_000, s), undefined, 'too soon after the last change');
  t.same(nextStep(20, inForce(8), 10_000, s), { amps: 12, kind: 'increase' });
  t.same(nextStep(13, inForce(12), 10_000, s), { amps: 13, kind: 'increase' });
});

t.test('an increase smaller than the hysteresis is not sent', async (t) => {
  t.equal(nextStep(12.5, inForce(12), 10_000, s), undefined);
});

t.test('a resume starts at the minimum; the first limit goes out as allocated', async (t) => {
  t.same(nextStep(20, inForce(0), 10_000, s), { amps: 6, kind: 'increase' });
  t.same(nextStep(20, undefined, 10_000, s), { amps: 20, kind: 'initial' });
  t.equal(nextStep(12, inForce(12), 10_000, s), undefined);
});
