import t from 'tap';
import { Fifo } from '../../../src/mqtt/fifo.js';

t.test('the broker queue hands items out oldest first, across its compaction', async (t) => {
  const q = new Fifo<number>();
  t.equal(q.take(), undefined, 'empty: nothing to take');
  t.equal(q.peek(), undefined);
  for (let i = 0; i < 5000; i++) q.push(i);
  const out: number[] = [];
  const peeked: number[] = [];
  // Take 3, add 1, until empty: the queue compacts itself many times on the way.
  for (let next = 5000; q.length > 0; ) {
    for (let k = 0; k < 3 && q.length > 0; k++) {
      peeked.push(q.peek()!);
      out.push(q.take()!);
    }
    if (next < 7000) q.push(next++);
  }
  t.same(out, Array.from({ length: 7000 }, (_, i) => i), 'every item once, in order');
  t.same(peeked, out, 'peek shows the item take hands out next');
  t.equal(q.length, 0);
});

t.test('takeAll empties the queue, oldest first, and it can be used again', async (t) => {
  const q = new Fifo<string>();
  ['a', 'b', 'c'].forEach((x) => q.push(x));
  q.take();
  t.same(q.takeAll(), ['b', 'c']);
  t.equal(q.length, 0);
  q.push('d');
  t.equal(q.take(), 'd');
});
