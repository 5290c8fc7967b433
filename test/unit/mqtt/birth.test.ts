import t from 'tap';
import { silentLogger } from '../../../src/log.js';
import { BIRTH_MIN_INTERVAL_MS, createBirthCoalescer } from '../../../src/mqtt/birth.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('many birth messages: one republish after the delay, then at most one per interval', async (t) => {
  t.ok(BIRTH_MIN_INTERVAL_MS >= 30_000, 'at most once per 30 s in production');
  let count = 0;
  const birth = createBirthCoalescer({ republish: () => count++, nowMs: () => performance.now(), logger: silentLogger(), delayMs: 20, minIntervalMs: 300 });
  t.teardown(() => birth.stop());
  for (let i = 0; i < 2000; i++) birth.trigger();
  t.equal(count, 0, 'not at once: a burst joins the first');
  await sleep(120);
  t.equal(count, 1, '2,000 birth messages, one republish');
  birth.trigger();
  birth.trigger();
  await sleep(100);
  t.equal(count, 1, 'inside the interval: waits');
  await sleep(250);
  t.equal(count, 2, 'one more when the interval ends: a late birth message is not lost');
  t.equal(birth.republished, 2);
  await sleep(400);
  t.equal(count, 2, 'and nothing without a birth message');
});

t.test('stop cancels a planned republish; a failing republish is logged, not thrown', async (t) => {
  let count = 0;
  const birth = createBirthCoalescer({ republish: () => count++, nowMs: () => performance.now(), logger: silentLogger(), delayMs: 20, minIntervalMs: 50 });
  birth.trigger();
  birth.stop();
  birth.trigger();
  await sleep(80);
  t.equal(count, 0);
  const failing = createBirthCoalescer({ republish: () => { throw new Error('broker gone'); }, nowMs: () => performance.now(), logger: silentLogger(), delayMs: 5, minIntervalMs: 50 });
  t.teardown(() => failing.stop());
  failing.trigger();
  await sleep(40);
  t.equal(failing.republished, 1);
});
