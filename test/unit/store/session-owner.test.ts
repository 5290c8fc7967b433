/**
 * sessions.placeOf: the columns a MeterValues reads of the transaction it names
 * (handlers/transactions.ts): its charger, its connector and whether it is active, the same
 * answers as the whole session's.
 */
import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';

t.test('the charger and connector of a session and whether it runs, and none for an id no session has', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const start = (chargerId: string) =>
    store.sessions.start({ chargerId, connectorId: 1, idTag: 'TAG', startedAt: '2026-01-01T10:00:00Z', meterStart: 0, authStatus: 'Accepted', receivedAt: '2026-01-01T10:00:01Z' }).transactionId;
  const a = start('CP-A');
  const b = start('CP-B');
  t.same(store.sessions.placeOf(a), { chargerId: 'CP-A', connectorId: 1, active: true });
  t.same(store.sessions.placeOf(b), { chargerId: 'CP-B', connectorId: 1, active: true });
  t.equal(store.sessions.placeOf(a)!.chargerId, store.sessions.get(a)!.chargerId);
  t.equal(store.sessions.placeOf(b + 1000), undefined);
  store.sessions.stop({ chargerId: 'CP-A', transactionId: a, stoppedAt: '2026-01-01T11:00:00Z', meterStop: 10, receivedAt: '2026-01-01T11:00:01Z' });
  t.same(store.sessions.placeOf(a), { chargerId: 'CP-A', connectorId: 1, active: false }, 'a stopped session is no longer active');
});
