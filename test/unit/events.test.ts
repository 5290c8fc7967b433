import t from 'tap';
import { EventBus } from '../../src/events.js';

t.test('a listener that throws never reaches the emitter, and the others still run', async (t) => {
  const failures: string[] = [];
  const bus = new EventBus((event, err) => failures.push(`${event}: ${(err as Error).message}`));
  const seen: string[] = [];
  bus.on('charger.boot', () => {
    throw new Error('mirror broke');
  });
  bus.on('charger.boot', (e) => seen.push(e.chargerId));
  t.doesNotThrow(() => bus.emit('charger.boot', { chargerId: 'CP1', info: { vendor: 'v', model: 'm' }, at: '2026-01-01T00:00:00Z' }));
  t.same(seen, ['CP1']);
  t.same(failures, ['charger.boot: mirror broke']);
});

t.test('unsubscribe stops delivery', async (t) => {
  const bus = new EventBus();
  let n = 0;
  const off = bus.on('session.started', () => n++);
  off();
  bus.emit('session.started', {} as never);
  t.equal(n, 0);
});

t.test('a listener added or removed while an event is delivered takes effect from the next one', async (t) => {
  const bus = new EventBus();
  const seen: string[] = [];
  const boot = (chargerId: string) => bus.emit('charger.boot', { chargerId, info: { vendor: 'v', model: 'm' }, at: '2026-01-01T00:00:00Z' });
  let offB: () => void = () => undefined;
  bus.on('charger.boot', (e) => {
    seen.push(`a:${e.chargerId}`);
    if (e.chargerId === 'CP1') {
      bus.on('charger.boot', (e2) => seen.push(`late:${e2.chargerId}`));
      offB();
    }
  });
  offB = bus.on('charger.boot', (e) => seen.push(`b:${e.chargerId}`));
  boot('CP1');
  t.same(seen, ['a:CP1', 'b:CP1'], 'the one removed meanwhile still hears this event, the one added does not');
  seen.length = 0;
  boot('CP2');
  t.same(seen, ['a:CP2', 'late:CP2'], 'from the next event on: the removed one is gone, the added one hears it');
});

t.test('the same function subscribed twice hears each event twice, and each unsubscribe takes one away', async (t) => {
  const bus = new EventBus();
  let n = 0;
  const count = () => n++;
  const off1 = bus.on('session.started', count);
  bus.on('session.started', count);
  bus.emit('session.started', {} as never);
  t.equal(n, 2);
  off1();
  off1();
  bus.emit('session.started', {} as never);
  t.equal(n, 3, 'one left, however often the first unsubscribe is called');
});

t.test('once: resolves with the next event, not a later one', async (t) => {
  const bus = new EventBus();
  const next = bus.once('session.started');
  bus.emit('session.started', { transactionId: 1 } as never);
  bus.emit('session.started', { transactionId: 2 } as never);
  t.same(await next, { transactionId: 1 });
});
