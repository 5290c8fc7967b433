import t from 'tap';
import { rotation, roundRatios, wholeLine } from '../../../src/bench/alternate.js';

t.test('each line goes first in turn, the others in their order after it', async (t) => {
  const lines = ['chargegate', 'durable', 'ocpp-rpc'];
  t.same([0, 1, 2, 3].map((round) => rotation(lines, round)), [
    ['chargegate', 'durable', 'ocpp-rpc'],
    ['durable', 'ocpp-rpc', 'chargegate'],
    ['ocpp-rpc', 'chargegate', 'durable'],
    ['chargegate', 'durable', 'ocpp-rpc'],
  ]);
  t.same(lines, ['chargegate', 'durable', 'ocpp-rpc'], 'the list itself is left as it was');
});

t.test("the verdict is the median of the rounds' ratios: one round in a slow mode does not move it", async (t) => {
  // Round 3 ran while the box was slow for chargegate's line alone.
  const gateway = [8000, 8200, 4000, 8100, 7900].map((perSecond) => ({ perSecond }));
  const ceiling = [10000, 10000, 10000, 10000, 10000].map((perSecond) => ({ perSecond }));
  const { ratios, median } = roundRatios(gateway, ceiling);
  t.same(ratios, [0.8, 0.82, 0.4, 0.81, 0.79]);
  t.equal(median, 0.8);
  t.ok(Number.isNaN(roundRatios([{ perSecond: 1 }], [{ perSecond: 0 }]).ratios[0]), 'a round in which the other line answered nothing has no ratio');
});

t.test("a line's rounds as one figure: messages over seconds, CPU weighted by messages", async (t) => {
  const run = (messages: number, seconds: number, p50ms: number, p99ms: number, cpuUs: number) => ({ chargers: 2, messages, seconds, perSecond: messages / seconds, p50ms, p99ms, cpuUs });
  const whole = wholeLine({ sockets: [{}, {}] as never, runs: [run(1000, 2, 1, 5, 50), run(3000, 2, 2, 9, 30), run(2000, 2, 3, 4, 40)] });
  t.same(whole, { chargers: 2, perSecond: 1000, p50ms: 2, p99ms: 9, cpuUs: (1000 * 50 + 3000 * 30 + 2000 * 40) / 6000 });
});
