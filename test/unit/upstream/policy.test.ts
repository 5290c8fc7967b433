import t from 'tap';
import { afterFailure, chooseEvictions, classifyFailure, givenUpAtOnce, reconnectDelayMs, type EvictionCandidate } from '../../../src/upstream/policy.js';

t.test('retries wait TransactionMessageRetryInterval × failures so far, then dead-letter', async (t) => {
  const policy = { attempts: 3, retryIntervalS: 60 };
  t.same(afterFailure(1, policy), { retryInMs: 60_000 });
  t.same(afterFailure(2, policy), { retryInMs: 120_000 });
  t.same(afterFailure(3, policy), { deadLetter: true }, 'sent 3 times: given up');
  t.same(afterFailure(1, { attempts: 0, retryIntervalS: 1 }), { deadLetter: true }, 'at least one attempt');
  t.equal(classifyFailure({ name: 'OcppOfflineError' }), 'offline', 'a dropped link is no attempt');
  t.equal(classifyFailure({ name: 'OcppTimeoutError' }), 'failed');
  t.equal(classifyFailure({ name: 'OcppCallError' }), 'failed');
});

t.test('reconnect back-off doubles from 1 s to 5 min, with jitter in [base/2, base]', async (t) => {
  const backoff = { initialMs: 1000, maxMs: 300_000 };
  t.same([0, 1, 2, 8, 9, 40].map((a) => reconnectDelayMs(a, () => 1, backoff)), [1000, 2000, 4000, 256_000, 300_000, 300_000]);
  t.equal(reconnectDelayMs(0, () => 0, backoff), 500);
});

t.test('eviction: status first, then every second intermediate MeterValues, never Start or Stop', async (t) => {
  const q: EvictionCandidate[] = [
    { seq: 1, kind: 'status' },
    { seq: 2, kind: 'meter', localTransactionId: 7 },
    { seq: 3, kind: 'meter', localTransactionId: 7 },
    { seq: 4, kind: 'status' },
    { seq: 5, kind: 'meter', localTransactionId: 7 },
    { seq: 6, kind: 'meter', localTransactionId: 7 },
    { seq: 7, kind: 'meter', localTransactionId: 7 },
  ];
  t.same(chooseEvictions(q, 1), [1], 'the oldest status');
  t.same(chooseEvictions(q, 2), [1, 4]);
  t.same(chooseEvictions(q, 4), [1, 3, 4, 6], 'then every second MeterValues, first and last kept');
  t.same(chooseEvictions(q, 100), [1, 3, 4, 5, 6], 'halving again until only the ends are left');
  t.same(chooseEvictions([{ seq: 1, kind: 'meter' }, { seq: 2, kind: 'meter' }], 5), [], 'nothing to give up: transactions are kept whatever the size');
  t.same(chooseEvictions(q, 0), []);
});

t.test('a security event the cloud does not know (NotImplemented, NotSupported) is given up at once; transaction messages never', async (t) => {
  t.ok(givenUpAtOnce('other', 'NotImplemented'));
  t.ok(givenUpAtOnce('other', 'NotSupported'));
  t.notOk(givenUpAtOnce('other', 'InternalError'), 'a failure that may pass is retried');
  t.notOk(givenUpAtOnce('other', undefined), 'a timeout is retried');
  for (const kind of ['start', 'meter', 'stop', 'status'] as const) t.notOk(givenUpAtOnce(kind, 'NotImplemented'), kind);
});
