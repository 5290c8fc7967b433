import t from 'tap';
import { InboundGate } from '../../../src/ocpp/inbound-gate.js';

t.test('at most maxInFlight at once; the next starts when one is done', async (t) => {
  const gate = new InboundGate<number>({ maxInFlight: 2, ratePerSecond: 1000, burst: 1000 }, 0);
  t.same(gate.arrive(1, 0), [1]);
  t.same(gate.arrive(2, 0), [2]);
  t.same(gate.arrive(3, 0), [], 'the third waits');
  t.equal(gate.queued, 1);
  t.same(gate.done(1), [3], 'in order, when one is answered');
});

t.test('the rate: a burst, then ratePerSecond; the wait says when the next may start', async (t) => {
  const gate = new InboundGate<number>({ maxInFlight: 100, ratePerSecond: 10, burst: 3 }, 0);
  const started = [1, 2, 3, 4, 5].flatMap((n) => gate.arrive(n, 0));
  t.same(started, [1, 2, 3], 'the burst of 3');
  t.equal(gate.nextTokenInMs(), 100, 'one more token in 100 ms at 10/s');
  t.same(gate.drain(99), []);
  t.same(gate.drain(100), [4]);
  t.same(gate.drain(300), [5], 'never more than there are waiting');
  t.equal(gate.nextTokenInMs(), undefined, 'nothing waits');
});

t.test('nothing is ever refused: every arrival starts eventually, in arrival order', async (t) => {
  const gate = new InboundGate<number>({ maxInFlight: 3, ratePerSecond: 50, burst: 5 }, 0);
  const started: number[] = [];
  let now = 0;
  for (let n = 0; n < 500; n++) started.push(...gate.arrive(n, now));
  while (started.length < 500) {
    now += 20;
    for (let i = 0; i < 3 && started.length < 500; i++) started.push(...gate.done(now));
    started.push(...gate.drain(now));
  }
  t.same(started, Array.from({ length: 500 }, (_, n) => n));
});

t.test('a closed connection drops what waits', async (t) => {
  const gate = new InboundGate<number>({ maxInFlight: 1, ratePerSecond: 10, burst: 1 }, 0);
  gate.arrive(1, 0);
  gate.arrive(2, 0);
  gate.clear();
  t.equal(gate.queued, 0);
  t.same(gate.done(1000), []);
});
