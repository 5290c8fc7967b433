/**
 * The cloud's UpdateFirmware and GetDiagnostics through the box: transparent, the charger is
 * given chargegate's URLs (it may not reach the cloud's); aggregate, chargegate serves them as
 * the site's charge point (no NotSupported) and reports the statuses to the strict cloud.
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { startCloud } from '../helpers/cloud.js';
import { fileServer, uploadServer } from '../helpers/file-server.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const link = { answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };

t.test('transparent: the cloud\'s firmware URL and upload location are rewritten to chargegate\'s', async (t) => {
  const firmware = randomBytes(80_000);
  const web = await fileServer(t, { '/cloud/fw-9.bin': firmware });
  const uploads = await uploadServer(t);
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  // Booted before: a charger's link to the cloud opens once chargegate knows what it is (docs/cloud.md).
  const gw = await startGateway(t, { bootedBefore: ['CP1', 'CP2'], patch: (c) => (c.upstream = { mode: 'transparent', url: cloud.url, ...link }) });
  await eventually(() => gw.app.upstream!.online(), 'the links up');
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const given: Record<string, string[]> = { UpdateFirmware: [], GetDiagnostics: [] };
  cp1.handle('UpdateFirmware', ({ params }) => (given.UpdateFirmware!.push(params.location), {}));
  cp1.handle('GetDiagnostics', ({ params }) => (given.GetDiagnostics!.push(params.location), { fileName: 'cp1.log' }));
  await cp1.call('BootNotification', bootPayload);
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the boot mirrored');
  const cloudLink = cloud.clients.get('CP1')!;

  t.same(await cloudLink.call('UpdateFirmware', { location: `${web.url}/cloud/fw-9.bin`, retrieveDate: new Date().toISOString() }), {});
  await eventually(() => given.UpdateFirmware!.length === 1, 'UpdateFirmware at the charger');
  t.match(given.UpdateFirmware![0], new RegExp(`^${gw.httpUrl}/firmware/[A-Za-z0-9_-]{22}/fw-9\\.bin$`), 'chargegate\'s URL, not the cloud\'s');
  t.equal(sha256(Buffer.from(await (await fetch(given.UpdateFirmware![0]!)).arrayBuffer())), sha256(firmware), 'the same bytes');
  await cp1.call('FirmwareStatusNotification', { status: 'Downloaded' });
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'FirmwareStatusNotification' && c.params.status === 'Downloaded', 'the status relayed');

  // A URL that cannot be fetched: the cloud hears DownloadFailed as the charger's.
  t.same(await cloudLink.call('UpdateFirmware', { location: `${web.url}/missing.bin`, retrieveDate: new Date().toISOString() }), {});
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'FirmwareStatusNotification' && c.params.status === 'DownloadFailed', 'DownloadFailed at the cloud');
  t.equal(given.UpdateFirmware!.length, 1, 'nothing was offered to the charger');
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { firmware: { status: 'DownloadFailed' } });

  t.same(await cloudLink.call('GetDiagnostics', { location: `${uploads.url}/cloud-logs/` }), { fileName: 'cp1.log' }, 'the charger\'s answer relayed');
  t.match(given.GetDiagnostics![0], new RegExp(`^${gw.httpUrl}/uploads/`));
  const log = randomBytes(10_000);
  t.equal((await fetch(`${given.GetDiagnostics![0]}cp1.log`, { method: 'PUT', body: log })).status, 201);
  await eventually(() => uploads.received.length === 1, 'the file at the cloud\'s location');
  t.match(uploads.received[0], { method: 'PUT', url: '/cloud-logs/cp1.log' });
  t.equal(sha256(uploads.received[0]!.body), sha256(log));
  t.same(cloud.validationFailures, []);
});

t.test('aggregate: UpdateFirmware and GetDiagnostics are served by chargegate, with their statuses at the cloud', async (t) => {
  const firmware = randomBytes(20_000);
  const web = await fileServer(t, { '/site/fw-1.bin': firmware });
  const uploads = await uploadServer(t);
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, { patch: (c) => (c.upstream = { url: cloud.url, identity: 'SITE-1', password: 'site-secret-01', ...link }) });
  await cloud.waitFor((c) => c.action === 'BootNotification', 'the site\'s boot');
  await eventually(() => gw.app.upstream!.online(), 'the link up');
  const site = cloud.clients.get('SITE-1')!;

  t.same(await site.call('UpdateFirmware', { location: `${web.url}/site/fw-1.bin`, retrieveDate: new Date().toISOString() }), {}, 'not NotSupported');
  await cloud.waitFor((c) => c.action === 'FirmwareStatusNotification' && c.params.status === 'Downloaded', 'Downloaded at the cloud');
  t.same(cloud.calls.filter((c) => c.action === 'FirmwareStatusNotification').map((c) => c.params.status), ['Downloading', 'Downloaded'], 'never Installed: installing is the operator\'s');
  t.match((await api(gw.httpUrl, '/api/firmware')).json.files, [{ name: 'fw-1.bin', sha256: sha256(firmware), sourceUrl: `${web.url}/site/fw-1.bin` }]);

  const answer = await site.call('GetDiagnostics', { location: `${uploads.url}/diag/` });
  t.match(answer, { fileName: /^chargegate-diagnostics-.*\.json$/ });
  await cloud.waitFor((c) => c.action === 'DiagnosticsStatusNotification' && c.params.status === 'Uploaded', 'Uploaded at the cloud');
  t.same(cloud.calls.filter((c) => c.action === 'DiagnosticsStatusNotification').map((c) => c.params.status), ['Uploading', 'Uploaded']);
  t.equal(uploads.received[0]?.url, `/diag/${answer.fileName}`, 'the file the answer named');
  const text = uploads.received[0]!.body.toString();
  const bundle = JSON.parse(text);
  t.match(bundle, { kind: 'chargegate diagnostics', chargers: [{ id: 'CP1' }, { id: 'CP2' }], config: { upstream: { password: '[redacted]' } } });
  for (const secret of ['site-secret-01', PASSWORDS.CP1, PASSWORDS.CP2]) t.notOk(text.includes(secret), 'no secret in the bundle');

  t.same(cloud.validationFailures, [], 'everything chargegate sent passed ocpp-rpc\'s schema check');
});
