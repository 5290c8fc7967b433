/**
 * Firmware and logs of OCPP 2.0.1 chargers through the box (docs/firmware.md), against strict
 * ocpp-rpc 2.0.1 peers on real sockets: the charger is sent 2.0.1 UpdateFirmware / GetLog, downloads
 * the firmware from (and uploads its log to) the URL it was given over real HTTP, and reports its
 * statuses with the requestId it was sent; they are shown as a 1.6 charger's are.
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { startCloud } from '../helpers/cloud.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { fileServer, uploadServer } from '../helpers/file-server.js';
import { boot201, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** CP1 speaking 2.0.1, booted, with `handlers` for what chargegate sends it. */
async function charger201(t: Parameters<typeof rpcCharger201>[0], url: string, handlers: Record<string, (params: any) => unknown> = {}): Promise<RpcClient> {
  const cp = await rpcCharger201(t, url, 'CP1', PASSWORDS.CP1);
  for (const [method, handle] of Object.entries(handlers)) cp.handle(method, ({ params }) => handle(params));
  await cp.call('BootNotification', boot201);
  return cp;
}

t.test('a 2.0.1 charger downloads firmware from the box, reports its statuses with the requestId, and the update ends after its reboot', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger });
  const firmware = randomBytes(200_000);
  t.equal((await fetch(`${gw.httpUrl}/api/firmware/fw-3.0.bin`, { method: 'PUT', body: firmware })).status, 201);

  const got: any[] = [];
  let updating: Promise<Buffer> | undefined;
  let cp = await charger201(t, gw.url, {
    UpdateFirmware: (params) => {
      got.push(params);
      // As a charger does: answer, then download and report (L01.FR.01…).
      updating = new Promise<void>((r) => setImmediate(r)).then(async () => {
        await cp.call('FirmwareStatusNotification', { status: 'Downloading', requestId: params.requestId });
        const bytes = Buffer.from(await (await fetch(params.firmware.location)).arrayBuffer());
        await cp.call('FirmwareStatusNotification', { status: 'Downloaded', requestId: params.requestId });
        await cp.call('FirmwareStatusNotification', { status: 'InstallRebooting', requestId: params.requestId });
        return bytes;
      });
      return { status: 'Accepted' };
    },
  });

  const retrieveDate = new Date().toISOString();
  const sent = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/UpdateFirmware', { body: { location: 'store:fw-3.0.bin', retrieveDate, retries: 3, retryInterval: 60 } });
  t.equal(sent.status, 200, sent.text);
  t.match(sent.json, { answeredBy: 'charger', answer: {}, reason: /stored file "fw-3.0.bin"/ });
  t.equal(got.length, 1);
  const [update] = got;
  t.match(update, { requestId: Number, retries: 3, retryInterval: 60, firmware: { retrieveDateTime: retrieveDate } });
  t.match(update.firmware.location, new RegExp(`^${gw.httpUrl}/firmware/[A-Za-z0-9_-]{22}/fw-3\\.0\\.bin$`), 'the box\'s own URL');
  t.notOk('signature' in update.firmware, 'an unsigned update');

  t.equal(sha256(await updating!), sha256(firmware), 'the charger got the stored bytes');
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { firmware: { status: 'Installing' } }, 'InstallRebooting is 1.6\'s Installing');

  // The reboot: a new connection, the same requestId: still paired with the UpdateFirmware.
  await cp.close();
  cp = await charger201(t, gw.url);
  await cp.call('FirmwareStatusNotification', { status: 'Installed', requestId: update.requestId });
  t.same(gw.app.transfers.statuses('CP1').firmware.map((s) => s.status), ['Installed', 'Installing', 'Downloaded', 'Downloading']);
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { firmware: { status: 'Installed' }, firmwareStatus: 'Installed' });
  t.match(log.entries().filter((e) => e.kind === 'translation-mapped'), [{ action: 'FirmwareStatusNotification', detail: /InstallRebooting is reported as Installing/ }]);

  // A refusal 1.6 cannot say (its answer is empty) is in the log.
  cp.handle('UpdateFirmware', () => ({ status: 'Rejected' }));
  const refused = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/UpdateFirmware', { body: { location: 'store:fw-3.0.bin', retrieveDate } });
  t.match(refused.json, { answeredBy: 'charger', answer: {} });
  await eventually(() => log.entries().some((e) => e.kind === 'translation-lost' && /UpdateFirmware answered Rejected/.test(e.detail)), 'the refusal logged');
});

t.test('an external firmware URL is fetched into the store for a 2.0.1 charger; SignedUpdateFirmware keeps its signature and its requestId', async (t) => {
  const firmware = randomBytes(40_000);
  const web = await fileServer(t, { '/vendor/fw-4.bin': firmware });
  const gw = await startGateway(t);
  const got: any[] = [];
  const cp = await charger201(t, gw.url, { UpdateFirmware: (params) => (got.push(params), { status: 'Accepted' }) });

  const sent = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/UpdateFirmware', { body: { location: `${web.url}/vendor/fw-4.bin`, retrieveDate: new Date().toISOString() } });
  t.equal(sent.status, 200, sent.text);
  t.match(sent.json.reason, /fetched into chargegate's store as "fw-4.bin"/);
  t.ok(got[0].firmware.location.startsWith(`${gw.httpUrl}/firmware/`), 'the box\'s URL, not the vendor\'s');
  t.equal(sha256(Buffer.from(await (await fetch(got[0].firmware.location)).arrayBuffer())), sha256(firmware));

  const signed = { requestId: 9001, retries: 1, firmware: { location: `${web.url}/vendor/fw-4.bin`, retrieveDateTime: new Date().toISOString(), signingCertificate: '-----BEGIN CERTIFICATE-----', signature: 'c2lnbmF0dXJl' } };
  const answer = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/SignedUpdateFirmware', { body: signed });
  t.equal(answer.status, 200, answer.text);
  t.match(answer.json, { answeredBy: 'charger', answer: { status: 'Accepted' } });
  t.match(got[1], { requestId: 9001, retries: 1, firmware: { signingCertificate: signed.firmware.signingCertificate, signature: 'c2lnbmF0dXJl' } });
  // Its statuses are the whitepaper's (SignedFirmwareStatusNotification): all of 2.0.1's are kept.
  await cp.call('FirmwareStatusNotification', { status: 'InvalidSignature', requestId: 9001 });
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { firmwareStatus: 'InvalidSignature' });
});

t.test('a 2.0.1 charger uploads its log to the box\'s expiring URL (GetDiagnostics as GetLog); the file is kept, forwarded, its statuses shown', async (t) => {
  const cloud = await uploadServer(t);
  const gw = await startGateway(t);
  const diagnostics = randomBytes(90_000);
  const got: any[] = [];
  const cp = await charger201(t, gw.url, {
    GetLog: (params) => {
      got.push(params);
      setImmediate(async () => {
        await cp.call('LogStatusNotification', { status: 'Uploading', requestId: params.requestId });
        // The 2.0.1 charger uploads to the location it was given, its file name appended (as the 1.6 ones do).
        const put = await fetch(`${params.log.remoteLocation}cp1-diag.zip`, { method: 'PUT', body: diagnostics });
        await cp.call('LogStatusNotification', { status: put.status === 201 ? 'Uploaded' : 'UploadFailure', requestId: params.requestId });
      });
      return { status: 'Accepted', filename: 'cp1-diag.zip' };
    },
  });

  const startTime = '2025-06-01T00:00:00.000Z';
  const sent = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/GetDiagnostics', { body: { location: `${cloud.url}/incoming/`, startTime, retries: 2 } });
  t.equal(sent.status, 200, sent.text);
  t.match(sent.json, { answeredBy: 'charger', answer: { fileName: 'cp1-diag.zip' }, reason: /uploads to chargegate/ });
  t.match(got[0], { logType: 'DiagnosticsLog', requestId: Number, retries: 2, log: { oldestTimestamp: startTime } });
  t.match(got[0].log.remoteLocation, new RegExp(`^${gw.httpUrl}/uploads/[A-Za-z0-9_-]{22}/$`), 'a folder on the box');

  await eventually(() => cloud.received.length === 1, 'the file forwarded to the location asked for');
  t.match(cloud.received[0], { method: 'PUT', url: '/incoming/cp1-diag.zip' });
  t.equal(sha256(cloud.received[0]!.body), sha256(diagnostics));
  await eventually(() => gw.app.transfers.statuses('CP1').diagnostics.length === 2, 'both statuses');
  t.same(gw.app.transfers.statuses('CP1').diagnostics.map((s) => s.status), ['Uploaded', 'Uploading'], 'as a 1.6 charger\'s DiagnosticsStatusNotification');
  await eventually(() => gw.app.transfers.diagnosticsFiles('CP1')[0]?.forwardResult !== undefined, 'the forward result');
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { diagnostics: { status: 'Uploaded', lastFile: { fileName: 'cp1-diag.zip', forwardResult: 'forwarded (HTTP 201)' } } });

  // The security extension's GetLog: the same 2.0.1 message, its requestId and statuses its own.
  cp.handle('GetLog', ({ params }) => (got.push(params), { status: 'Accepted', filename: 'security.log' }));
  const security = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/GetLog', { body: { logType: 'SecurityLog', requestId: 55, log: { remoteLocation: `${cloud.url}/security/` } } });
  t.equal(security.status, 200, security.text);
  t.match(security.json, { answer: { status: 'Accepted', filename: 'security.log' } });
  t.match(got[1], { logType: 'SecurityLog', requestId: 55 });
  await cp.call('LogStatusNotification', { status: 'Uploaded', requestId: 55 });
  t.match((await api(gw.httpUrl, '/api/chargers/CP1')).json, { logStatus: { status: 'Uploaded', requestId: 55 } });
  t.equal(gw.app.transfers.statuses('CP1').diagnostics.length, 2, 'not a diagnostics status');

  // TriggerMessage for the statuses: DiagnosticsStatusNotification is 2.0.1's LogStatusNotification.
  const triggered: string[] = [];
  cp.handle('TriggerMessage', ({ params }) => (triggered.push(params.requestedMessage), { status: 'Accepted' }));
  for (const requestedMessage of ['FirmwareStatusNotification', 'DiagnosticsStatusNotification']) {
    t.match((await api(gw.httpUrl, '/api/chargers/CP1/ocpp/TriggerMessage', { body: { requestedMessage } })).json, { answer: { status: 'Accepted' } });
  }
  t.match((await api(gw.httpUrl, '/api/chargers/CP1/ocpp/ExtendedTriggerMessage', { body: { requestedMessage: 'LogStatusNotification' } })).json, { answer: { status: 'Accepted' } });
  t.same(triggered, ['FirmwareStatusNotification', 'LogStatusNotification', 'LogStatusNotification']);
  // The triggered status about no request (Idle, no requestId) is tracked as 1.6's.
  await cp.call('LogStatusNotification', { status: 'Idle' });
  t.equal(gw.app.transfers.statuses('CP1').diagnostics[0]?.status, 'Idle');
});

t.test('transparent: the cloud\'s 1.6 UpdateFirmware and GetDiagnostics reach a 2.0.1 charger through the box, and the cloud hears 1.6 statuses back', async (t) => {
  const firmware = randomBytes(30_000);
  const web = await fileServer(t, { '/cloud/fw-9.bin': firmware });
  const uploads = await uploadServer(t);
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const link = { answerTimeout: 2, callTimeout: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
  const gw = await startGateway(t, { bootedBefore: ['CP1'], patch: (c) => (c.upstream = { mode: 'transparent', url: cloud.url, ...link }) });
  await eventually(() => gw.app.upstream!.online(), 'the links up');
  const got: Record<string, any[]> = { UpdateFirmware: [], GetLog: [] };
  const cp = await charger201(t, gw.url, {
    UpdateFirmware: (params) => (got.UpdateFirmware!.push(params), { status: 'Accepted' }),
    GetLog: (params) => (got.GetLog!.push(params), { status: 'Accepted', filename: 'cp1.log' }),
  });
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the boot mirrored');
  const cloudLink = cloud.clients.get('CP1')!;

  t.same(await cloudLink.call('UpdateFirmware', { location: `${web.url}/cloud/fw-9.bin`, retrieveDate: new Date().toISOString() }), {});
  await eventually(() => got.UpdateFirmware!.length === 1, 'UpdateFirmware at the charger');
  const update = got.UpdateFirmware![0];
  t.ok(update.firmware.location.startsWith(`${gw.httpUrl}/firmware/`), 'chargegate\'s URL, not the cloud\'s');
  t.equal(sha256(Buffer.from(await (await fetch(update.firmware.location)).arrayBuffer())), sha256(firmware));
  await cp.call('FirmwareStatusNotification', { status: 'SignatureVerified', requestId: update.requestId });
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'FirmwareStatusNotification' && c.params.status === 'Downloaded', 'a 1.6 status at the cloud');

  t.same(await cloudLink.call('GetDiagnostics', { location: `${uploads.url}/cloud-logs/` }), { fileName: 'cp1.log' }, 'the charger\'s filename relayed');
  const asked = got.GetLog![0];
  t.match(asked.log.remoteLocation, new RegExp(`^${gw.httpUrl}/uploads/`));
  t.equal((await fetch(`${asked.log.remoteLocation}cp1.log`, { method: 'PUT', body: randomBytes(5000) })).status, 201);
  await cp.call('LogStatusNotification', { status: 'Uploaded', requestId: asked.requestId });
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'DiagnosticsStatusNotification' && c.params.status === 'Uploaded', 'DiagnosticsStatusNotification at the cloud');
  await eventually(() => uploads.received.length === 1, 'the file forwarded to the cloud\'s location');
  t.same(cloud.validationFailures, []);
});
