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
