/**
 * Diagnostics through the box (docs/firmware.md): GetDiagnostics gives the charger an upload URL
 * on chargegate; the strict ocpp-rpc charger uploads there over real HTTP; chargegate keeps the
 * file and forwards it to the location the user gave (a test HTTP server), which gets the same bytes.
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { eventually, startGateway, PASSWORDS } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';
import { uploadServer } from '../helpers/file-server.js';
import { connectClient } from '../helpers/mqtt.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('a diagnostics upload is received by chargegate, kept, and forwarded to the location given', async (t) => {
  const cloud = await uploadServer(t);
  const gw = await startGateway(t, { patch: (c) => (c.mqtt = { port: 0, throttle: 0 }) });
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`);
  await mqtt.subscribe('chargegate/chargers/CP1/diagnostics');
  const charger = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  let given = '';
  charger.handle('GetDiagnostics', ({ params }) => {
    given = params.location;
    return { fileName: 'cp1-log.tar.gz' };
  });
  await charger.call('BootNotification', bootPayload);

  const sent = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/GetDiagnostics', { body: { location: `${cloud.url}/incoming/` } });
  t.equal(sent.status, 200, sent.text);
  t.match(sent.json, { answeredBy: 'charger', answer: { fileName: 'cp1-log.tar.gz' }, reason: /uploads to chargegate/ });
  t.match(given, new RegExp(`^${gw.httpUrl}/uploads/[A-Za-z0-9_-]{22}/$`), 'a folder on chargegate');

  // The charger uploads as a 1.6 charger does: its file name appended to the folder.
  await charger.call('DiagnosticsStatusNotification', { status: 'Uploading' });
  const log = randomBytes(120_000);
  const put = await fetch(`${given}cp1-log.tar.gz`, { method: 'PUT', body: log });
  t.equal(put.status, 201);
  await charger.call('DiagnosticsStatusNotification', { status: 'Uploaded' });

  await eventually(() => cloud.received.length === 1, 'the forwarded file at the cloud');
  t.match(cloud.received[0], { method: 'PUT', url: '/incoming/cp1-log.tar.gz' });
  t.equal(sha256(cloud.received[0]!.body), sha256(log), 'the same bytes');

  await eventually(() => gw.app.transfers.diagnosticsFiles('CP1')[0]?.forwardResult !== undefined, 'the forward result');
  const files = (await api(gw.httpUrl, '/api/diagnostics?chargerId=CP1')).json.files;
  t.match(files, [{ chargerId: 'CP1', fileName: 'cp1-log.tar.gz', size: log.length, sha256: sha256(log), forwardTo: `${cloud.url}/incoming/`, forwardResult: 'forwarded (HTTP 201)' }]);
  const kept = await fetch(`${gw.httpUrl}/api/diagnostics/${files[0].id}/file`);
  t.equal(sha256(Buffer.from(await kept.arrayBuffer())), sha256(log), 'kept for download');
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { diagnostics: { status: 'Uploaded', lastFile: { fileName: 'cp1-log.tar.gz', forwardResult: 'forwarded (HTTP 201)' } } });
  await mqtt.waitFor('chargegate/chargers/CP1/diagnostics', (p) => JSON.parse(p).lastFile?.forwardResult === 'forwarded (HTTP 201)');
  t.match(JSON.parse(mqtt.latest('chargegate/chargers/CP1/diagnostics')!), { status: 'Uploaded', lastFile: { fileName: 'cp1-log.tar.gz' } });

  // The URL is the charger's alone: another token is 404 and nothing is kept.
  t.equal((await fetch(`${gw.httpUrl}/uploads/AAAAAAAAAAAAAAAAAAAAAA/x.log`, { method: 'PUT', body: 'x' })).status, 404);
  t.equal((await api(gw.httpUrl, '/api/diagnostics')).json.files.length, 1);
});

t.test('a form upload is kept; a location that is not a folder gets a multipart POST; ftp is kept only', async (t) => {
  const cloud = await uploadServer(t);
  const gw = await startGateway(t, { patch: (c) => (c.diagnostics = { maxBytes: 65536 }) });
  const charger = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const given: string[] = [];
  charger.handle('GetDiagnostics', ({ params }) => {
    given.push(params.location);
    return {};
  });
  await charger.call('BootNotification', bootPayload);
  await api(gw.httpUrl, '/api/chargers/CP1/ocpp/GetDiagnostics', { body: { location: `${cloud.url}/api/upload` } });
  const log = randomBytes(2000);
  const form = new FormData();
  form.append('file', new Blob([log]), 'diag.zip');
  t.equal((await fetch(given[0]!, { method: 'POST', body: form })).status, 201);
  await eventually(() => cloud.received.length === 1, 'the forwarded form');
  t.match(cloud.received[0], { method: 'POST', url: '/api/upload', contentType: /^multipart\/form-data; boundary=/ });
  t.ok(cloud.received[0]!.body.includes(log), 'the file is in the form');
  t.match(cloud.received[0]!.body.toString('latin1'), /filename="diag.zip"/);

  await api(gw.httpUrl, '/api/chargers/CP1/ocpp/GetDiagnostics', { body: { location: 'ftp://user:secret@ftp.example.com/logs/' } });
  t.equal((await fetch(`${given[1]}big.log`, { method: 'PUT', body: randomBytes(70_000) })).status, 413, 'over diagnostics.maxBytes');
  t.equal((await fetch(`${given[1]}small.log`, { method: 'PUT', body: 'hello' })).status, 201);
  await eventually(() => gw.app.transfers.diagnosticsFiles('CP1')[0]?.forwardResult !== undefined, 'the ftp result');
  t.match(gw.app.transfers.diagnosticsFiles('CP1')[0], { fileName: 'small.log', size: 5, forwardResult: 'ftp forwarding not supported' });
  t.equal((await api(gw.httpUrl, '/api/diagnostics')).json.files[0].forwardTo, 'ftp://ftp.example.com/logs/', 'the location\'s password is not shown');
});
