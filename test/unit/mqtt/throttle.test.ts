import t from 'tap';
import { Throttle } from '../../../src/mqtt/throttle.js';

t.test('a change is sent at once, then at most once per interval, and the last value always arrives', async (t) => {
  const th = new Throttle(1000);
  t.equal(th.offer('p', '1', 0), 'send');
  t.equal(th.offer('p', '1', 10), 'unchanged', 'no change, nothing to send');
  t.equal(th.offer('p', '2', 100), 'hold');
  t.equal(th.offer('p', '3', 200), 'hold');
  t.equal(th.nextDueAt(), 1000);
  t.strictSame(th.due(999), []);
  t.strictSame(th.due(1000), [['p', '3']], 'only the latest held value');
  t.equal(th.nextDueAt(), undefined);
  t.equal(th.offer('p', '4', 2500), 'send', 'a quiet topic sends at once again');
});

t.test('topics are throttled independently', async (t) => {
  const th = new Throttle(1000);
  t.equal(th.offer('a', '1', 0), 'send');
  t.equal(th.offer('b', '1', 10), 'send');
  t.equal(th.offer('a', '2', 20), 'hold');
  t.equal(th.offer('b', '2', 500), 'hold');
  t.strictSame(th.due(1000), [['a', '2']]);
  t.strictSame(th.due(1010), [['b', '2']]);
});

t.test('a value that changes and changes back inside the interval sends nothing', async (t) => {
  const th = new Throttle(1000);
  th.offer('p', 'on', 0);
  t.equal(th.offer('p', 'off', 100), 'hold');
  t.equal(th.offer('p', 'on', 200), 'unchanged');
  t.strictSame(th.due(5000), []);
});

t.test('interval 0 sends every change; markSent and forget', async (t) => {
  const th = new Throttle(0);
  t.equal(th.offer('p', '1', 0), 'send');
  t.equal(th.offer('p', '2', 0), 'send');
  const slow = new Throttle(1000);
  slow.markSent('p', 'x', 0);
  t.equal(slow.offer('p', 'x', 1), 'unchanged');
  t.equal(slow.offer('p', 'y', 2), 'hold');
  slow.forget('p');
  t.equal(slow.offer('p', 'y', 3), 'send');
});

t.test("the caller's records hold what was sent: updated in place, made when missing, gone on forget", async (t) => {
  class Rec {
    sentValue: string | undefined = undefined;
    sentAt = 0;
    constructor(public latest: string) {}
  }
  const records = new Map<string, Rec>();
  const th = new Throttle(1000, records, (value) => new Rec(value));
  const kept = new Rec('a');
  records.set('p', kept); // a record the caller made before anything was sent
  t.equal(th.offer('p', 'a', 0), 'send', 'a record with nothing sent yet does not count as sent');
  t.equal(records.get('p'), kept, 'the same record, updated in place');
  t.match(kept, { sentValue: 'a', sentAt: 0, latest: 'a' });
  t.equal(th.offer('p', 'a', 5), 'unchanged');
  t.equal(th.offer('q', 'x', 10), 'send');
  t.match(records.get('q'), { latest: 'x', sentValue: 'x', sentAt: 10 }, 'a topic without a record gets one from the factory');
  t.equal(th.offer('p', 'b', 20), 'hold');
  t.strictSame(th.due(1000), [['p', 'b']]);
  t.match(kept, { sentValue: 'b', sentAt: 1000 });
  th.forget('q');
  t.notOk(records.has('q'), 'forget removes the record');
});
