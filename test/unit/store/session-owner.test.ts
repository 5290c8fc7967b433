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

t.test('sessions.runningOn: the transaction running on a connector, the one list() would give', async (t) => {
  const store = openSqliteStore(t.testdir());
  t.teardown(() => store.close());
  const start = (chargerId: string, connectorId: number, startedAt: string) =>
    store.sessions.start({ chargerId, connectorId, idTag: 'TAG', startedAt, meterStart: 0, authStatus: 'Accepted', receivedAt: startedAt }).transactionId;
  const listed = (chargerId: string, connectorId: number) => store.sessions.list({ chargerId, state: 'active' }).find((s) => s.connectorId === connectorId)?.transactionId;
  t.equal(store.sessions.runningOn('CP-A', 1), undefined, 'nothing runs yet');
  const a1 = start('CP-A', 1, '2026-01-01T10:00:00Z');
  const a2 = start('CP-A', 2, '2026-01-01T10:01:00Z');
  start('CP-B', 1, '2026-01-01T10:02:00Z');
  t.equal(store.sessions.runningOn('CP-A', 1), a1);
  t.equal(store.sessions.runningOn('CP-A', 2), a2, 'its own connector');
  t.equal(store.sessions.runningOn('CP-A', 3), undefined, 'a connector with nothing running');
  t.equal(store.sessions.runningOn('CP-C', 1), undefined, 'another charger');
  // A later Start on connector 1 while a1 was never stopped: a1 is superseded and waits for its Stop.
  const later = start('CP-A', 1, '2026-01-01T11:00:00Z');
  store.sessions.supersede(a1, later, '2026-01-01T11:00:01Z');
  t.equal(store.sessions.runningOn('CP-A', 1), later, 'not the superseded session');
  t.equal(store.sessions.runningOn('CP-A', 1), listed('CP-A', 1));
  store.sessions.stop({ chargerId: 'CP-A', transactionId: later, stoppedAt: '2026-01-01T12:00:00Z', meterStop: 10, receivedAt: '2026-01-01T12:00:01Z' });
  t.equal(store.sessions.runningOn('CP-A', 1), undefined, 'stopped: none runs');
  t.equal(store.sessions.runningOn('CP-A', 2), a2);
});
