import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { openFresh } from './contract.js';

// Issue #19: the store answers "no transfers" for a charger that has none without a query;
// these check that a charger with rows is always read, before and after a reopen.

const file = (chargerId: string) => ({ chargerId, fileName: `${chargerId}.zip`, size: 3, sha256: 'ab'.repeat(32), receivedAt: '2025-06-01T10:00:00Z' });

t.test("a charger's transfer statuses and diagnostics files: none, then each as soon as it is added, and after a reopen", async (t) => {
  const s = openFresh(t, (dir) => openSqliteStore(dir));
  t.same(s.store.transfers.statuses('CP1', 'firmware'), []);
  t.same(s.store.transfers.diagnosticsFiles('CP1'), []);

  s.store.transfers.addStatus({ chargerId: 'CP1', kind: 'firmware', status: 'Downloading', at: '2025-06-01T10:00:00Z' });
  t.same(s.store.transfers.statuses('CP1', 'firmware'), [{ chargerId: 'CP1', kind: 'firmware', status: 'Downloading', at: '2025-06-01T10:00:00Z' }]);
  t.same(s.store.transfers.statuses('CP1', 'diagnostics'), []);
  t.same(s.store.transfers.statuses('CP2', 'firmware'), [], 'another charger has none');

  const id = s.store.transfers.addDiagnostics(file('CP2'));
  t.same(s.store.transfers.diagnosticsFiles('CP2').map((f) => f.id), [id]);
  t.same(s.store.transfers.diagnosticsFiles('CP1'), []);
  t.same(s.store.transfers.diagnosticsFiles().map((f) => f.chargerId), ['CP2'], 'all chargers');

  const reopened = s.reopen();
  t.same(reopened.transfers.statuses('CP1', 'firmware').map((r) => r.status), ['Downloading'], 'known again after a reopen');
  t.same(reopened.transfers.diagnosticsFiles('CP2').map((f) => f.id), [id]);
  t.same(reopened.transfers.statuses('CP2', 'firmware'), []);
});
