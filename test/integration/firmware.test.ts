/**
 * Firmware through the box (docs/firmware.md): a file uploaded through the API is served to a
 * strict ocpp-rpc charger on a capability URL it downloads over real HTTP, its status reported
 * back is stored and shown; external URLs are fetched into the store with limits and checksums.
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { startGateway, PASSWORDS } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';
import { fileServer } from '../helpers/file-server.js';
import { connectClient } from '../helpers/mqtt.js';

const VIEWER = { username: 'viewer', password: 'viewer-password-1' };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function upload(base: string, name: string, bytes: Buffer, query = ''): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}/api/firmware/${name}${query}`, { method: 'PUT', body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  return { status: res.status, json: await res.json() };
}

t.test('an uploaded firmware file reaches a charger over HTTP, and its status is shown', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }] }) });
  const charger = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  let given = '';
  charger.handle('UpdateFirmware', ({ params }) => {
    given = params.location;
    return {};
  });
  await charger.call('BootNotification', bootPayload);
  const firmware = randomBytes(300_000);

  const stored = await upload(gw.httpUrl, 'fw-2.0.bin', firmware, `?sha256=${sha256(firmware)}`);
  t.equal(stored.status, 201);
  t.match(stored.json, { name: 'fw-2.0.bin', size: firmware.length, sha256: sha256(firmware) });
  t.notOk('token' in stored.json, 'the capability token is not shown');
  t.match((await api(gw.httpUrl, '/api/firmware')).json.files, [{ name: 'fw-2.0.bin', size: firmware.length }]);

  const sent = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/UpdateFirmware', { body: { location: 'store:fw-2.0.bin', retrieveDate: new Date().toISOString() } });
  t.equal(sent.status, 200, sent.text);
  t.match(sent.json, { answeredBy: 'charger', reason: /stored file "fw-2.0.bin"/ });
  const url = new URL(given);
  t.equal(url.origin, gw.httpUrl, 'the charger is given chargegate\'s own address');
  t.match(url.pathname, /^\/firmware\/[A-Za-z0-9_-]{22}\/fw-2\.0\.bin$/);

  // The charger downloads what it was given, over real HTTP, and gets the same bytes.
  const download = await fetch(given);
  t.equal(download.status, 200);
  t.equal(sha256(Buffer.from(await download.arrayBuffer())), sha256(firmware));
  const partial = await fetch(given, { headers: { range: 'bytes=100-199' } });
  t.equal(partial.status, 206, 'a resumed download gets the rest');
  t.same(Buffer.from(await partial.arrayBuffer()), firmware.subarray(100, 200));

  // Without the token, with a wrong one, or a listing: nothing.
  const token = url.pathname.split('/')[2]!;
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  for (const path of ['/firmware/fw-2.0.bin', `/firmware/${wrong}/fw-2.0.bin`, `/firmware/${token}/`, `/firmware/${token}`, '/firmware/']) {
    t.equal((await fetch(gw.httpUrl + path)).status, 404, `${path} is 404`);
  }

  await charger.call('FirmwareStatusNotification', { status: 'Downloaded' });
  await charger.call('FirmwareStatusNotification', { status: 'Installed' });
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { firmware: { status: 'Installed' } });
  t.match((await api(gw.httpUrl, '/api/chargers/CP1/transfers')).json, { firmware: [{ status: 'Installed' }, { status: 'Downloaded' }] });
  // A read user subscribing late sees the retained state.
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await mqtt.subscribe('chargegate/chargers/CP1/firmware');
  const state = await mqtt.waitFor('chargegate/chargers/CP1/firmware', (p) => JSON.parse(p).status === 'Installed');
  t.equal(state.retain, true);

  // Deleted: the URL handed out is dead.
  t.equal((await api(gw.httpUrl, '/api/firmware/fw-2.0.bin', { method: 'DELETE' })).status, 200);
  t.equal((await fetch(given)).status, 404);
  const missing = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/UpdateFirmware', { body: { location: 'store:fw-2.0.bin', retrieveDate: new Date().toISOString() } });
  t.equal(missing.status, 400);
  t.match(missing.json.error.message, /no firmware file "fw-2.0.bin"/);
});

t.test('an upload whose checksum differs, or that is too large, is refused and not kept', async (t) => {
  const gw = await startGateway(t, { patch: (c) => (c.firmware = { maxBytes: 4096 }) });
  const bytes = randomBytes(1000);
  const mismatch = await upload(gw.httpUrl, 'a.bin', bytes, `?sha256=${'0'.repeat(64)}`);
  t.equal(mismatch.status, 422);
  t.equal(mismatch.json.error.code, 'checksum_mismatch');
  const big = await upload(gw.httpUrl, 'b.bin', randomBytes(5000));
  t.equal(big.status, 413);
  t.equal(big.json.error.code, 'file_too_large');
  t.same((await api(gw.httpUrl, '/api/firmware')).json.files, []);
});

t.test('an external URL is fetched into the store, once, and the charger gets chargegate\'s URL', async (t) => {
  const firmware = randomBytes(50_000);
  const web = await fileServer(t, { '/vendor/fw-3.bin': firmware, '/huge.bin': randomBytes(70_000) }, (req, res) => {
    if (req.url !== '/moved') return false;
    res.writeHead(302, { location: '/vendor/fw-3.bin' }).end();
    return true;
  });
  const gw = await startGateway(t, { patch: (c) => (c.firmware = { maxBytes: 8192 * 8 }) });
  const charger = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const given: string[] = [];
  charger.handle('UpdateFirmware', ({ params }) => {
    given.push(params.location);
    return {};
  });
  await charger.call('BootNotification', bootPayload);

  for (let i = 0; i < 2; i++) {
    const sent = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/UpdateFirmware', { body: { location: `${web.url}/vendor/fw-3.bin`, retrieveDate: new Date().toISOString() } });
    t.equal(sent.status, 200, sent.text);
    t.match(sent.json.reason, /fetched into chargegate's store as "fw-3.bin"/);
  }
  t.equal(web.hits.filter((h) => h === '/vendor/fw-3.bin').length, 1, 'fetched once');
  t.ok(given.every((g) => g.startsWith(`${gw.httpUrl}/firmware/`)));
  t.equal(sha256(Buffer.from(await (await fetch(given[1]!)).arrayBuffer())), sha256(firmware));

  // Through the API: a redirect is followed; a checksum that differs and a file over the limit are refused.
  const fetched = await api(gw.httpUrl, '/api/firmware/fetch', { body: { url: `${web.url}/moved`, name: 'moved.bin', sha256: sha256(firmware) } });
  t.equal(fetched.status, 201, fetched.text);
  t.match(fetched.json, { name: 'moved.bin', size: firmware.length, sourceUrl: `${web.url}/moved` });
  const wrongSum = await api(gw.httpUrl, '/api/firmware/fetch', { body: { url: `${web.url}/vendor/fw-3.bin`, name: 'other.bin', sha256: 'f'.repeat(64) } });
  t.equal(wrongSum.status, 422);
  const tooBig = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/UpdateFirmware', { body: { location: `${web.url}/huge.bin`, retrieveDate: new Date().toISOString() } });
  t.equal(tooBig.status, 400);
  t.match(tooBig.json.error.message, /larger than the limit of 65536 bytes/);
  const gone = await api(gw.httpUrl, '/api/firmware/fetch', { body: { url: `${web.url}/nothing.bin` } });
  t.equal(gone.status, 502);
  t.match(gone.json.error.message, /HTTP 404/);
  t.same((await api(gw.httpUrl, '/api/firmware')).json.files.map((f: any) => f.name), ['fw-3.bin', 'moved.bin']);
  t.equal(given.length, 2, 'nothing was sent for the refused ones');
});
