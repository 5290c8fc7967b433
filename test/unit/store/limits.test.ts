import t from 'tap';
import { openSqliteStore } from '../../../src/store/sqlite.js';

t.test('caps and the site limit are kept across a reopen, one cap per charger or connector', async (t) => {
  const dir = t.testdir();
  let store = openSqliteStore(dir);
  await store.durably(() => {
    store.limits.setCap({ chargerId: 'CP1', connectorId: 1, amps: 10, source: 'mqtt', setAt: '2026-01-01T10:00:00.000Z' });
    store.limits.setCap({ chargerId: 'CP1', connectorId: 1, amps: 12, source: 'http', setAt: '2026-01-01T10:01:00.000Z' });
    store.limits.setCap({ chargerId: 'CP1', connectorId: 0, amps: 20, source: 'mqtt', setAt: '2026-01-01T10:02:00.000Z' });
    store.limits.setSiteLimit({ amps: 25, source: 'http', until: '2026-01-01T11:00:00.000Z' });
  });
  store.close();
  store = openSqliteStore(dir);
  t.teardown(() => store.close());
  t.same(store.limits.caps(), [
    { chargerId: 'CP1', connectorId: 0, amps: 20, source: 'mqtt', setAt: '2026-01-01T10:02:00.000Z' },
    { chargerId: 'CP1', connectorId: 1, amps: 12, source: 'http', setAt: '2026-01-01T10:01:00.000Z' },
  ]);
  t.same(store.limits.siteLimit(), { amps: 25, source: 'http', until: '2026-01-01T11:00:00.000Z' });
  await store.durably(() => {
    store.limits.clearCap('CP1', 0);
    store.limits.setSiteLimit(null);
  });
  t.same(store.limits.caps().map((c) => c.connectorId), [1]);
  t.equal(store.limits.siteLimit(), undefined);
});
