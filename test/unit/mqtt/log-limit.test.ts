import t from 'tap';
import { LogLimiter } from '../../../src/mqtt/log-limit.js';

t.test('each key once; all keys together at most perWindow per window, with the count left out', async (t) => {
  const limiter = new LogLimiter({ perWindow: 2, windowMs: 1000, maxKeys: 10 });
  t.equal(limiter.take('a', 0), 0);
  t.equal(limiter.take('a', 1), undefined, 'the same key again: silent');
  t.equal(limiter.take('b', 2), 0);
  t.equal(limiter.take('c', 3), undefined, 'over the budget');
  t.equal(limiter.take(undefined, 4), undefined);
  t.equal(limiter.take('c', 1000), 2, 'a new window: c is logged, and says two were left out');
  t.equal(limiter.take('c', 1001), undefined);
});

t.test('keys are forgotten oldest first beyond maxKeys', async (t) => {
  const limiter = new LogLimiter({ perWindow: 100, windowMs: 1000, maxKeys: 2 });
  t.equal(limiter.take('a', 0), 0);
  t.equal(limiter.take('b', 0), 0);
  t.equal(limiter.take('c', 0), 0);
  t.equal(limiter.take('b', 0), undefined);
  t.equal(limiter.take('a', 0), 0, 'a was forgotten');
});
