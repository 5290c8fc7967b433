import t from 'tap';
import type { StatusChange } from '../../../src/store/ports.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { STATUS_HISTORY_KEPT, STATUS_HISTORY_TRIM_EVERY } from '../../../src/store/sqlite/status-history.js';
import { openFresh } from './contract.js';

const status = (chargerId: string, n: number): Extract<StatusChange, { kind: 'status' }> => ({
  chargerId,
  kind: 'status',
  connectorId: 1,
  status: `S${n}`,
  errorCode: 'NoError',
  timestamp: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
  receivedAt: '2026-01-02T00:00:00.000Z',
});

const statusOf = (e: StatusChange | undefined) => (e && 'status' in e ? e.status : undefined);

t.test('a charger flapping keeps only about the newest STATUS_HISTORY_KEPT; the others keep theirs', async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  s.store.statusHistory.add(status('CP2', 0));
  const total = STATUS_HISTORY_KEPT + 3 * STATUS_HISTORY_TRIM_EVERY + 7;
  for (let n = 1; n <= total; n++) s.store.statusHistory.add(status('CP1', n));
  const kept = () => s.store.statusHistory.list('CP1', { limit: 1_000_000 });
  t.ok(kept().length < STATUS_HISTORY_KEPT + STATUS_HISTORY_TRIM_EVERY, `bounded (${kept().length})`);
  t.equal(statusOf(kept()[0]), `S${total}`, 'the newest kept');

  // After a restart, the first addition trims.
  s.reopen().statusHistory.add(status('CP1', total + 1));
  t.equal(kept().length, STATUS_HISTORY_KEPT, 'exactly KEPT after the first addition of a start');
  t.equal(statusOf(kept().at(-1)), `S${total + 2 - STATUS_HISTORY_KEPT}`, 'the oldest went');
  t.equal(s.store.statusHistory.list('CP2').length, 1, 'another charger keeps its own');
});

t.test('connects and disconnects read back with their info; before pages on', async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  const at = '2026-01-01T00:00:00.000Z';
  s.store.statusHistory.add({ chargerId: 'CP1', kind: 'connected', info: 'ocpp1.6', timestamp: at, receivedAt: at });
  s.store.statusHistory.add({ ...status('CP1', 1), info: 'lid', vendorErrorCode: 'V1' });
  s.store.statusHistory.add({ chargerId: 'CP1', kind: 'disconnected', timestamp: at, receivedAt: at });
  const all = s.store.statusHistory.list('CP1');
  t.same(all.map(({ id: _id, ...e }) => e), [
    { chargerId: 'CP1', kind: 'disconnected', timestamp: at, receivedAt: at },
    { ...status('CP1', 1), info: 'lid', vendorErrorCode: 'V1' },
    { chargerId: 'CP1', kind: 'connected', info: 'ocpp1.6', timestamp: at, receivedAt: at },
  ]);
  t.same(s.store.statusHistory.list('CP1', { before: all[0]!.id, limit: 1 }).map((e) => e.kind), ['status']);
});
