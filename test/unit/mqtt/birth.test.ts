/**
 * The birth coalescer on a fake clock (test/helpers/fake-timers.ts): "one republish after the
 * delay" and "not before the interval ends" are facts of the test, not races with a busy machine.
 */
import t from 'tap';
import { silentLogger } from '../../../src/log.js';
import { BIRTH_MIN_INTERVAL_MS, createBirthCoalescer } from '../../../src/mqtt/birth.js';
import { installFakeTimers } from '../../helpers/fake-timers.js';

t.test('many birth messages: one republish after the delay, then at most one per interval', async (t) => {
  t.ok(BIRTH_MIN_INTERVAL_MS >= 30_000, 'at most once per 30 s in production');
  const clock = installFakeTimers(t);
  let count = 0;
  const birth = createBirthCoalescer({ republish: () => count++, nowMs: () => clock.now, logger: silentLogger(), delayMs: 20, minIntervalMs: 300 });
  t.teardown(() => birth.stop());
  for (let i = 0; i < 2000; i++) birth.trigger();
  t.equal(count, 0, 'not at once: a burst joins the first');
  clock.tick(19);
  t.equal(count, 0, 'not before the delay');
  clock.tick(1);
  t.equal(count, 1, '2,000 birth messages, one republish');
  birth.trigger();
  birth.trigger();
  clock.tick(299);
  t.equal(count, 1, 'inside the interval: waits');
  clock.tick(1);
  t.equal(count, 2, 'one more when the interval ends: a late birth message is not lost');
  t.equal(birth.republished, 2);
  clock.tick(10_000);
  t.equal(count, 2, 'and nothing without a birth message');
  t.equal(clock.pending, 0, 'no timer left planned');
});

t.test('stop cancels a planned republish; a failing republish is logged, not thrown', async (t) => {
  const clock = installFakeTimers(t);
  let count = 0;
  const birth = createBirthCoalescer({ republish: () => count++, nowMs: () => clock.now, logger: silentLogger(), delayMs: 20, minIntervalMs: 50 });
  birth.trigger();
  birth.stop();
  birth.trigger();
  clock.tick(1_000);
  t.equal(count, 0);
  const failing = createBirthCoalescer({
    republish: () => {
      throw new Error('broker gone');
    },
    nowMs: () => clock.now,
    logger: silentLogger(),
    delayMs: 5,
    minIntervalMs: 50,
  });
  t.teardown(() => failing.stop());
  failing.trigger();
  t.doesNotThrow(() => clock.tick(5), 'the failure stays inside');
  t.equal(failing.republished, 1);
});
