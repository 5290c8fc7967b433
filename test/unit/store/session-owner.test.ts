/**
 * sessions.chargerOf: the one column a MeterValues' ownership check reads (handlers/transactions.ts),
 * the same answer as the whole session's chargerId.
 */
import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';

t.test('the charger a session belongs to, and none for an id no session has', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const start = (chargerId: string) =>
    store.sessions.start({ chargerId, connectorId: 1, idTag: 'TAG', startedAt: '2026-01-01T10:00:00Z', meterStart: 0, authStatus: 'Accepted', receivedAt: '2026-01-01T10:00:01Z' }).transactionId;
  const a = start('CP-A');
  const b = start('CP-B');
  t.equal(store.sessions.chargerOf(a), 'CP-A');
  t.equal(store.sessions.chargerOf(b), 'CP-B');
  t.equal(store.sessions.chargerOf(a), store.sessions.get(a)!.chargerId);
  t.equal(store.sessions.chargerOf(b + 1000), undefined);
});
