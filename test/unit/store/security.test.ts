import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { SECURITY_EVENTS_KEPT } from '../../../src/store/sqlite/security.js';
import { openFresh } from './contract.js';

const event = (chargerId: string, n: number) => ({ chargerId, type: `T${n}`, timestamp: `2025-06-01T10:00:${String(n % 60).padStart(2, '0')}Z`, receivedAt: '2025-06-01T10:01:00Z' });

t.test('security events: newest first, per charger, kept across a reopen', async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  s.store.security.add({ ...event('CP1', 1), techInfo: 'lid opened' });
  s.store.security.add(event('CP2', 2));
  s.store.security.add(event('CP1', 3));
  t.same(s.reopen().security.list('CP1'), [event('CP1', 3), { ...event('CP1', 1), techInfo: 'lid opened' }], 'no techInfo reads back absent');
  t.same(s.store.security.list('CP1', 1), [event('CP1', 3)]);
  t.same(s.store.security.list('CP9'), []);
});

t.test('a charger repeating events keeps only the newest SECURITY_EVENTS_KEPT; the others keep theirs', async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  s.store.security.add(event('CP2', 0));
  for (let n = 1; n <= SECURITY_EVENTS_KEPT + 5; n++) s.store.security.add(event('CP1', n));
  const kept = s.store.security.list('CP1', SECURITY_EVENTS_KEPT + 10);
  t.equal(kept.length, SECURITY_EVENTS_KEPT);
  t.equal(kept[0]!.type, `T${SECURITY_EVENTS_KEPT + 5}`);
  t.equal(kept.at(-1)!.type, 'T6', 'the oldest five went');
  t.equal(s.store.security.list('CP2').length, 1);
});
