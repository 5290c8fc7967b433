/**
 * Aggregate mode over OCPP 2.0.1 (#17), the commands beyond starting and stopping: the site's
 * local list, reservations, firmware, logs and certificates. Behind chargegate a 1.6 charger
 * (CP1, EVSE 1) and a 2.0.1 one (CP2, EVSE 2), both strict ocpp-rpc peers; above it a strict
 * 2.0.1 CSMS that sees one station, SITE-GW-1. Each test shows the effect at the chargers and
 * the answer and notifications at the CSMS; every frame passes ocpp-rpc's 2.0.1 schema check.
 */
import t, { type Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { startCloud201 } from '../helpers/cloud201.js';
import { fileServer, uploadServer } from '../helpers/file-server.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { boot201, bootPayload, rpcCharger, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

/** What each charger was sent, by action. */
type Got = [string, string, any][];

async function site(t: Test, options: { pushLocalList?: boolean } = {}) {
  const cloud = await startCloud201();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  const gw = await startGateway(t, {
    patch: (c) => {
      if (options.pushLocalList) for (const charger of c.chargers.list) charger.pushLocalList = true;
      c.upstream = { mode: 'aggregate', ocpp: '2.0.1', url: cloud.url, identity: SITE, password: 'site-secret-01', answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  // The first connection of a run also compiles ocpp-rpc's 2.0.1 schemas: allow for it.
  await eventually(() => gw.app.upstream!.online(), 'the site online at the CSMS', 20_000);
  await cloud.waitFor((c) => c.identity === SITE && c.action === 'BootNotification', 'the station booted');
  const got: Got = [];
  const cp1 = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  const cp2 = await rpcCharger201(t, gw.url, 'CP2', PASSWORDS.CP2);
  const record = (id: string, cp: RpcClient, action: string, answer: (params: any) => unknown) => cp.handle(action, ({ params }) => (got.push([id, action, params]), answer(params)));
  for (const action of ['ReserveNow', 'CancelReservation']) {
    record('CP1', cp1, action, () => ({ status: 'Accepted' }));
    record('CP2', cp2, action, () => ({ status: 'Accepted' }));
  }
  for (const action of ['UpdateFirmware', 'GetDiagnostics', 'InstallCertificate', 'DeleteCertificate', 'GetInstalledCertificateIds']) record('CP1', cp1, action, () => ({}));
  for (const action of ['UpdateFirmware', 'GetLog', 'InstallCertificate', 'DeleteCertificate', 'GetInstalledCertificateIds']) record('CP2', cp2, action, () => ({ status: 'Accepted' }));
  return { cloud, gw, cp1, cp2, got, record };
}

async function boot(cp1: RpcClient, cp2: RpcClient) {
  await cp1.call('BootNotification', bootPayload);
  await cp2.call('BootNotification', boot201);
}

t.test('SendLocalList: the CSMS\'s list is the site\'s, pushed to the 1.6 and the 2.0.1 charger; its version answered', async (t) => {
  const { cloud, gw, cp1, cp2, got, record } = await site(t, { pushLocalList: true });
  const held = { CP1: 0, CP2: 0 };
  record('CP1', cp1, 'GetLocalListVersion', () => ({ listVersion: held.CP1 }));
  record('CP1', cp1, 'SendLocalList', (p) => ((held.CP1 = p.listVersion), { status: 'Accepted' }));
  record('CP2', cp2, 'GetLocalListVersion', () => ({ versionNumber: held.CP2 }));
  record('CP2', cp2, 'SendLocalList', (p) => ((held.CP2 = p.versionNumber), { status: 'Accepted' }));
  await boot(cp1, cp2);
  const sent = (id: string) => got.filter(([who, action]) => who === id && action === 'SendLocalList').map(([, , p]) => p);
  await eventually(() => sent('CP1').length === 1 && sent('CP2').length === 1, 'both chargers given the list at boot');

  t.same(await cloud.command(SITE, 'GetLocalListVersion', {}), { versionNumber: 0 }, 'no list from the CSMS yet');
  const list = [
    { idToken: { idToken: 'CARD-1', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted' } },
    { idToken: { idToken: 'NL-ABC-C12345678-X', type: 'eMAID' }, idTokenInfo: { status: 'Blocked' } },
    { idToken: { idToken: 'GONE-1', type: 'ISO14443' }, idTokenInfo: { status: 'Expired' } },
  ];
  t.same(await cloud.command(SITE, 'SendLocalList', { versionNumber: 7, updateType: 'Full', localAuthorizationList: list }), { status: 'Accepted' });
  t.same(await cloud.command(SITE, 'GetLocalListVersion', {}), { versionNumber: 7 }, 'the version the CSMS gave, answered truthfully');
  await eventually(() => sent('CP1').length === 2 && sent('CP2').length === 2, 'both chargers given the new list');

  const cp1List = sent('CP1')[1];
  t.match(cp1List, { updateType: 'Full' });
  const cp1Tags = Object.fromEntries(cp1List.localAuthorizationList.map((e: any) => [e.idTag, e.idTagInfo.status]));
  t.match(cp1Tags, { 'CARD-1': 'Accepted', 'NL-ABC-C12345678-X': 'Blocked', 'GONE-1': 'Expired' }, 'the 1.6 charger: each idToken as its idTag, its status kept');
  const cp2Tokens = Object.fromEntries(sent('CP2')[1].localAuthorizationList.map((e: any) => [e.idToken.idToken, e.idTokenInfo.status]));
  t.match(cp2Tokens, { 'CARD-1': 'Accepted', 'NL-ABC-C12345678-X': 'Blocked', 'GONE-1': 'Expired' }, 'the 2.0.1 charger: the same list as 2.0.1 idTokens');
  const emaid = sent('CP2')[1].localAuthorizationList.find((e: any) => e.idToken.idToken === 'NL-ABC-C12345678-X');
  t.equal(emaid.idToken.type, 'ISO14443', 'the CSMS\'s idToken type is not kept (documented): chargegate\'s list is by text');
  t.equal(held.CP2, sent('CP2')[1].versionNumber, 'the 2.0.1 charger holds the version it was given');

  t.same(await cloud.command(SITE, 'SendLocalList', { versionNumber: 8, updateType: 'Differential', localAuthorizationList: [{ idToken: { idToken: 'CARD-1', type: 'ISO14443' } }] }), { status: 'Accepted' }, 'an entry without idTokenInfo removed');
  await eventually(() => sent('CP1').length === 3 && sent('CP2').length === 3, 'the change pushed to both');
  t.notOk(sent('CP1')[2].localAuthorizationList.some((e: any) => e.idTag === 'CARD-1'), 'CARD-1 is gone from the 1.6 charger\'s list');
  t.notOk(sent('CP2')[2].localAuthorizationList.some((e: any) => e.idToken.idToken === 'CARD-1'), 'and from the 2.0.1 charger\'s');
  t.same(await cloud.command(SITE, 'GetLocalListVersion', {}), { versionNumber: 8 });
  t.equal(gw.app.upstream!.online(), true);
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('ReserveNow and CancelReservation reach the charger behind the EVSE; a reservation\'s end reaches the CSMS (a 2.0.1 charger\'s ReservationStatusUpdate; a 1.6 charger\'s expiry)', async (t) => {
  const { cloud, cp1, cp2, got } = await site(t);
  await boot(cp1, cp2);
  const expiry = inAnHour();
  const reserve = (id: number, extra: object) => cloud.command(SITE, 'ReserveNow', { id, expiryDateTime: expiry, idToken: { idToken: 'TAG1', type: 'ISO14443' }, ...extra });

  t.same(await reserve(11, { evseId: 1, groupIdToken: { idToken: 'FLEET-1', type: 'Central' } }), { status: 'Accepted' });
  t.same(got.shift(), ['CP1', 'ReserveNow', { connectorId: 1, expiryDate: expiry, idTag: 'TAG1', reservationId: 11, parentIdTag: 'FLEET-1' }], 'EVSE 1 is the 1.6 charger CP1\'s connector 1');
  t.same(await reserve(12, { evseId: 2 }), { status: 'Accepted' });
  t.same(got.shift(), ['CP2', 'ReserveNow', { id: 12, expiryDateTime: expiry, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 1 }], 'EVSE 2 is the 2.0.1 charger CP2\'s EVSE 1');
  t.same(await reserve(13, {}), { status: 'Rejected' }, 'no EVSE named: the site cannot hold any one of its EVSEs for it (H01), so it refuses');
  t.same(await reserve(14, { evseId: 9 }), { status: 'Rejected' }, 'no EVSE 9 at this site');
  t.same(got, [], 'neither refused reservation reached a charger');

  t.same(await cloud.command(SITE, 'CancelReservation', { reservationId: 11 }), { status: 'Accepted' });
  t.same(got.shift(), ['CP1', 'CancelReservation', { reservationId: 11 }], 'the cancel reaches the charger that holds it');
  t.same(await cloud.command(SITE, 'CancelReservation', { reservationId: 11 }), { status: 'Rejected' }, 'a reservation already cancelled is no one\'s');

  await cp2.call('ReservationStatusUpdate', { reservationId: 12, reservationUpdateStatus: 'Expired' });
  await cloud.waitFor((c) => c.action === 'ReservationStatusUpdate', 'the reservation\'s end at the CSMS');
  t.match(cloud.calls.find((c) => c.action === 'ReservationStatusUpdate'), { identity: SITE, params: { reservationId: 12, reservationUpdateStatus: 'Expired' } });
  t.same(await cloud.command(SITE, 'CancelReservation', { reservationId: 12 }), { status: 'Rejected' }, 'an expired reservation cannot be cancelled');
  t.same(got, [], 'nothing sent to a charger for it');

  // A 1.6 charger's reservation ends silently (1.6 §5.13): chargegate tells the CSMS at its expiryDateTime.
  const soon = new Date(Date.now() + 1500).toISOString();
  t.same(await cloud.command(SITE, 'ReserveNow', { id: 15, expiryDateTime: soon, idToken: { idToken: 'TAG1', type: 'ISO14443' }, evseId: 1 }), { status: 'Accepted' });
  t.match(got.shift(), ['CP1', 'ReserveNow', { reservationId: 15, expiryDate: soon }]);
  const expired = await cloud.waitFor((c) => c.action === 'ReservationStatusUpdate' && c.params.reservationId === 15, 'the 1.6 charger\'s reservation Expired at the CSMS');
  t.same(expired.params, { reservationId: 15, reservationUpdateStatus: 'Expired' });
  t.same(await cloud.command(SITE, 'CancelReservation', { reservationId: 15 }), { status: 'Rejected' }, 'an expired reservation is no one\'s');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('UpdateFirmware and GetLog: served by chargegate as the station, their statuses at the CSMS with the requestId', async (t) => {
  const firmware = randomBytes(20_000);
  const web = await fileServer(t, { '/site/fw-2.bin': firmware });
  const uploads = await uploadServer(t);
  const { cloud, gw, cp1, cp2, got } = await site(t);
  await boot(cp1, cp2);

  t.same(await cloud.command(SITE, 'UpdateFirmware', { requestId: 41, firmware: { location: `${web.url}/site/fw-2.bin`, retrieveDateTime: new Date().toISOString() } }), { status: 'Accepted' });
  await cloud.waitFor((c) => c.action === 'FirmwareStatusNotification' && c.params.status === 'Downloaded', 'Downloaded at the CSMS');
  t.same(cloud.calls.filter((c) => c.action === 'FirmwareStatusNotification').map((c) => c.params), [{ status: 'Downloading', requestId: 41 }, { status: 'Downloaded', requestId: 41 }], 'each status names the request; never Installed');
  t.match((await api(gw.httpUrl, '/api/firmware')).json.files, [{ name: 'fw-2.bin', sha256: sha256(firmware) }], 'the firmware is in chargegate\'s store');

  const answer = await cloud.command(SITE, 'GetLog', { logType: 'DiagnosticsLog', requestId: 42, log: { remoteLocation: `${uploads.url}/logs/` } });
  t.match(answer, { status: 'Accepted', filename: /^chargegate-diagnostics-.*\.json$/ });
  await cloud.waitFor((c) => c.action === 'LogStatusNotification' && c.params.status === 'Uploaded', 'Uploaded at the CSMS');
  t.same(cloud.calls.filter((c) => c.action === 'LogStatusNotification').map((c) => c.params), [{ status: 'Uploading', requestId: 42 }, { status: 'Uploaded', requestId: 42 }]);
  t.equal(uploads.received[0]?.url, `/logs/${answer.filename}`, 'the file the answer named');
  t.match(JSON.parse(uploads.received[0]!.body.toString()), { kind: 'chargegate diagnostics', chargers: [{ id: 'CP1' }, { id: 'CP2' }] });

  t.match(await cloud.command(SITE, 'GetLog', { logType: 'SecurityLog', requestId: 43, log: { remoteLocation: `${uploads.url}/logs/` } }), { status: 'Rejected', statusInfo: { reasonCode: 'NoSecurityLog' } }, 'the site keeps no security log: refused, saying why');
  t.same(got, [], 'no charger was sent firmware or asked for a log');
  t.same(cloud.validationFailures, [], 'every frame passed ocpp-rpc\'s 2.0.1 schema check');
});

t.test('certificates of the station: refused with the reason, no charger touched', async (t) => {
  const { cloud, cp1, cp2, got } = await site(t);
  await boot(cp1, cp2);
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const hash = { hashAlgorithm: 'SHA256', issuerNameHash: 'aa'.repeat(32), issuerKeyHash: 'bb'.repeat(32), serialNumber: '01' };
  t.match(await cloud.command(SITE, 'InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: pem }), { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported', additionalInfo: /upstream\.ca/ } });
  t.match(await cloud.command(SITE, 'GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] }), { status: 'NotFound', statusInfo: { reasonCode: 'NotSupported' } });
  t.match(await cloud.command(SITE, 'DeleteCertificate', { certificateHashData: hash }), { status: 'NotFound', statusInfo: { reasonCode: 'NotSupported' } });
  t.match(await cloud.command(SITE, 'CertificateSigned', { certificateChain: pem }), { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
  t.same(got, [], 'no charger\'s certificates were touched');
  t.same(cloud.validationFailures, []);
});
