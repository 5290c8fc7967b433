import t from 'tap';
import { createGuessThrottle } from '../../../src/security/guess-throttle.js';

t.test('an address has perMinute wrong tokens, then waits for the bucket to refill', async (t) => {
  let now = 0;
  const exhausted: string[] = [];
  const throttle = createGuessThrottle(3, () => now, (a) => exhausted.push(a));
  for (let i = 0; i < 3; i++) {
    t.equal(throttle.waitMs('10.0.0.9'), 0, `try ${i + 1} is allowed`);
    throttle.failed('10.0.0.9');
  }
  t.equal(throttle.waitMs('10.0.0.9'), 20_000, 'out of tries: one more after a third of a minute');
  t.same(exhausted, ['10.0.0.9'], 'told once, when the last try went');
  t.equal(throttle.waitMs('10.0.0.10'), 0, 'another address is not affected');
  now += 19_999;
  t.ok(throttle.waitMs('10.0.0.9') > 0, 'not a millisecond early');
  now += 1;
  t.equal(throttle.waitMs('10.0.0.9'), 0, 'one try is back');
  throttle.failed('10.0.0.9');
  t.equal(throttle.waitMs('10.0.0.9'), 20_000, 'and used: waiting again');
  t.same(exhausted, ['10.0.0.9', '10.0.0.9'], 'ran out a second time: told again');
  now += 60_000;
  t.equal(throttle.waitMs('10.0.0.9'), 0);
  t.equal(throttle.tracked, 0, 'a full bucket is forgotten');
});

t.test('memory is bounded: the oldest addresses go first', async (t) => {
  let now = 0;
  const throttle = createGuessThrottle(2, () => now, () => {}, 3);
  for (const a of ['a', 'b', 'c', 'd', 'e']) {
    throttle.failed(a);
    throttle.failed(a);
    now += 1;
  }
  t.equal(throttle.tracked, 3);
  t.equal(throttle.waitMs('a'), 0, 'the oldest was dropped');
  t.ok(throttle.waitMs('e') > 0, 'the newest is still held');
});
