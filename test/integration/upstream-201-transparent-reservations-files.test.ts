/**
 * Transparent mode over OCPP 2.0.1 (#17): the CSMS's reservation, firmware, log and certificate
 * commands reach the 1.6 charger that is the station, as the 1.6 (or security whitepaper)
 * commands; the statuses come back as 2.0.1's, naming the CSMS's requestId. The CSMS and the
 * charger are strict ocpp-rpc peers: every frame on both sides is schema-checked.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { startCloud201 } from '../helpers/cloud201.js';
import { fileServer } from '../helpers/file-server.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

t.test('transparent: ReserveNow, UpdateFirmware, GetLog and certificates reach the 1.6 charger; its statuses come back as 2.0.1\'s', async (t) => {
  const web = await fileServer(t, { '/fw/cp1-3.bin': randomBytes(5_000) });
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1'],
    patch: (c) => {
      c.chargers.list = [c.chargers.list[0]];
      c.upstream = { mode: 'transparent', ocpp: '2.0.1', url: cloud.url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'CP1 online at the CSMS', 20_000);
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const got: [string, any][] = [];
  const record = (action: string, answer: unknown) => cp1.handle(action, ({ params }) => (got.push([action, params]), answer));
  record('ReserveNow', { status: 'Accepted' });
  record('CancelReservation', { status: 'Accepted' });
  record('UpdateFirmware', {});
  record('GetDiagnostics', { fileName: 'cp1-diag.zip' });
  record('InstallCertificate', { status: 'Accepted' });
  await cp1.call('BootNotification', bootPayload);
  await cloud.waitFor((c) => c.identity === 'CP1' && c.action === 'BootNotification', 'the station booted');
  const expiry = new Date(Date.now() + 3600_000).toISOString();

  t.same(await cloud.command('CP1', 'ReserveNow', { id: 21, expiryDateTime: expiry, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 1 }), { status: 'Accepted' });
  t.same(got.shift(), ['ReserveNow', { reservationId: 21, expiryDate: expiry, idTag: 'TAG1', connectorId: 1 }]);
  t.same(await cloud.command('CP1', 'CancelReservation', { reservationId: 21 }), { status: 'Accepted' });
  t.same(got.shift(), ['CancelReservation', { reservationId: 21 }]);

  t.same(await cloud.command('CP1', 'UpdateFirmware', { requestId: 51, firmware: { location: `${web.url}/fw/cp1-3.bin`, retrieveDateTime: new Date().toISOString() } }), { status: 'Accepted' });
  await eventually(() => got.some(([action]) => action === 'UpdateFirmware'), 'UpdateFirmware at the charger');
  t.match(got.shift(), ['UpdateFirmware', { location: new RegExp(`^${gw.httpUrl}/firmware/`) }], 'chargegate\'s URL, as for a 1.6 cloud');
  await cp1.call('FirmwareStatusNotification', { status: 'Downloading' });
  await cloud.waitFor((c) => c.action === 'FirmwareStatusNotification', 'the charger\'s status at the CSMS');
  t.same(cloud.calls.find((c) => c.action === 'FirmwareStatusNotification')!.params, { status: 'Downloading', requestId: 51 }, 'naming the CSMS\'s request');

  t.same(await cloud.command('CP1', 'GetLog', { logType: 'DiagnosticsLog', requestId: 52, log: { remoteLocation: 'https://logs.example/up/' } }), { status: 'Accepted', filename: 'cp1-diag.zip' });
  t.match(got.shift(), ['GetDiagnostics', { location: new RegExp(`^${gw.httpUrl}/uploads/`) }], 'an upload location of chargegate\'s, as for a 1.6 cloud');
  await cp1.call('DiagnosticsStatusNotification', { status: 'UploadFailed' });
  await cloud.waitFor((c) => c.action === 'LogStatusNotification', 'the upload\'s status at the CSMS');
  t.same(cloud.calls.find((c) => c.action === 'LogStatusNotification')!.params, { status: 'UploadFailure', requestId: 52 });

  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  t.same(await cloud.command('CP1', 'InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pem }), { status: 'Accepted' });
  t.same(got.shift(), ['InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: pem }], 'the security whitepaper\'s InstallCertificate');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});
