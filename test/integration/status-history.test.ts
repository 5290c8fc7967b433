/**
 * The status history over real sockets: an independent strict charger (ocpp-rpc) sends
 * StatusNotifications, connects and goes away; the API lists it all newest first with every
 * field, pages on, still has it after a restart, and keeps a bounded number per charger.
 */
import t from 'tap';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { STATUS_HISTORY_KEPT, STATUS_HISTORY_TRIM_EVERY } from '../../src/store/sqlite/status-history.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const withTokens = (c: Record<string, any>) => (c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read });

t.test('StatusNotifications, connects and disconnects: newest first, with their fields, after a restart too', async (t) => {
  const gw = await startGateway(t, { patch: withTokens });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  const sent = [
    { connectorId: 0, status: 'Available', errorCode: 'NoError', timestamp: '2026-01-01T10:00:00.000Z' },
    { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '2026-01-01T10:01:00.000Z' },
    { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E-42', vendorId: 'Acme', timestamp: '2026-01-01T10:02:00.000Z' },
    // No timestamp: the gateway's clock at arrival stands in.
    { connectorId: 2, status: 'Unavailable', errorCode: 'NoError' },
  ];
  for (const s of sent) await cp.call('StatusNotification', s);

  const read = async (query = '') => {
    const res = await api(gw.httpUrl, `/api/chargers/CP1/status-history${query}`, { token: TOKENS.read });
    t.equal(res.status, 200, `read token reads ${query || 'the history'}`);
    return res.json as { chargerId: string; entries: any[]; next: number | null };
  };
  const first = await read();
  t.equal(first.chargerId, 'CP1');
  t.match(first.entries.map((e) => e.kind), ['status', 'status', 'status', 'status', 'connected'], 'newest first; the connect is the oldest');
  t.match(first.entries[0], { kind: 'status', connectorId: 2, status: 'Unavailable', errorCode: 'NoError', timestamp: /^\d{4}-\d\d-\d\dT/, receivedAt: /^\d{4}-/ });
  t.same(
    first.entries[1],
    { id: first.entries[1].id, kind: 'status', connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorErrorCode: 'E-42', timestamp: '2026-01-01T10:02:00.000Z', receivedAt: first.entries[1].receivedAt },
    'every field of a fault',
  );
  t.notOk('info' in first.entries[2], 'no info sent: none listed');
  t.match(first.entries[3], { connectorId: 0, status: 'Available', timestamp: '2026-01-01T10:00:00.000Z' });
  t.match(first.entries[4], { kind: 'connected', info: /^ocpp1\.6/ });
  t.ok(first.entries.every((e, i) => i === 0 || e.id < first.entries[i - 1].id), 'ids go down');
  t.equal(first.next, null, 'a short page is the last');

  // Paging: two at a time, on from "next".
  const page1 = await read('?limit=2');
  t.same(page1.entries.map((e) => e.status), ['Unavailable', 'Faulted']);
  t.equal(page1.next, page1.entries[1].id);
  const page2 = await read(`?limit=2&before=${page1.next}`);
  t.same(page2.entries.map((e) => e.status), ['Preparing', 'Available']);

  await cp.close({ code: 1000, reason: 'bye' });
  await eventually(() => gw.app.store.statusHistory.list('CP1', { limit: 1 })[0]?.kind === 'disconnected', 'the disconnect in the history');
  t.match((await read('?limit=1')).entries[0], { kind: 'disconnected', info: '1000 bye' });

  await gw.stop();
  const again = await startGateway(t, { dir: gw.dir, patch: withTokens });
  const res = await api(again.httpUrl, '/api/chargers/CP1/status-history', { token: TOKENS.read });
  t.same(
    res.json.entries.map((e: any) => e.kind + (e.status ? ` ${e.connectorId} ${e.status}` : '')),
    ['disconnected', 'status 2 Unavailable', 'status 1 Faulted', 'status 1 Preparing', 'status 0 Available', 'connected'],
    'all of it after a restart',
  );

  t.equal((await api(again.httpUrl, '/api/chargers/CP1/status-history')).status, 401, 'no token: refused');
  const unknown = await api(again.httpUrl, '/api/chargers/NOPE/status-history', { token: TOKENS.read });
  t.equal(unknown.status, 404);
  t.equal(unknown.json.error.code, 'unknown_charger');
  const bad = await api(again.httpUrl, '/api/chargers/CP1/status-history?limit=0', { token: TOKENS.read });
  t.equal(bad.status, 400, 'a limit of 0 is refused');
});

t.test('bounded: a charger with a long history keeps the newest STATUS_HISTORY_KEPT, oldest dropped first', async (t) => {
  const dir = t.testdir();
  // A long history already on disk, as weeks of a flapping charger leave it.
  const store = openSqliteStore(dir);
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  for (let n = 1; n <= STATUS_HISTORY_KEPT + 50; n++) store.statusHistory.add({ chargerId: 'CP1', kind: 'status', connectorId: 1, status: 'Available', errorCode: 'NoError', info: `old ${n}`, timestamp: at(n), receivedAt: at(n) });
  store.close();

  const gw = await startGateway(t, { dir });
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  await cp.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', info: 'new' });

  const all: any[] = [];
  for (let before: number | null | undefined; before !== null; ) {
    const res = await api(gw.httpUrl, `/api/chargers/CP1/status-history?limit=500${before ? `&before=${before}` : ''}`);
    all.push(...res.json.entries);
    before = res.json.next;
  }
  t.ok(all.length >= STATUS_HISTORY_KEPT && all.length < STATUS_HISTORY_KEPT + STATUS_HISTORY_TRIM_EVERY, `bounded (${all.length})`);
  t.match(all.slice(0, 2), [{ status: 'Charging', info: 'new' }, { kind: 'connected' }], 'the newest on top');
  t.notOk(all.some((e) => e.info === 'old 1' || e.info === 'old 50'), 'the oldest went');
  t.ok(all.some((e) => e.info === `old ${STATUS_HISTORY_KEPT + 50}`), 'the newest old ones stay');
});
