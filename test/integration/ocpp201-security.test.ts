/**
 * Security for OCPP 2.0.1 chargers (issue 16), end to end over real sockets, ws:// and wss://:
 * strict ocpp-rpc 2.0.1 chargers (every frame chargegate sends them is checked against
 * ocpp-rpc's own copy of the OCA 2.0.1 schemas), real TLS handshakes with certificates made by
 * openssl, the local CA, the HTTP API and a transparent test cloud.
 * - security profiles 1–3 as for 1.6: each enforced for a charger that speaks ocpp2.0.1;
 * - SecurityEventNotification, SignCertificate → CertificateSigned (2.0.1 shape), the core's
 *   certificate commands translated, ISO 15118 certificate requests answered Failed;
 * - SetNetworkProfile refused unless chargers.allowSetNetworkProfile allows it.
 * Each refused connection comes from its own loopback address, so the refusal log budget (a
 * few lines per source a minute) never hides the line a test looks for.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { issue, makeCa, makeCsr, type Issued } from '../helpers/certs.js';
import { startCloud } from '../helpers/cloud.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { rawCharger, type RawOptions } from '../helpers/raw.js';
import { boot201, rpcCharger201, type RpcClient } from '../helpers/rpc-charger.js';

const P2_PASSWORD = 'cp2s-secret-key-02';
const WHEN = '2025-06-01T10:00:00.000Z';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const HASH = { hashAlgorithm: 'SHA256', issuerNameHash: 'a1b2', issuerKeyHash: 'c3d4', serialNumber: '0f1e' };
const HTTP = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };

const dir = t.testdir();
const siteCa = makeCa(dir, 'site-ca');
const chargerCa = makeCa(dir, 'charger-ca');
const otherCa = makeCa(dir, 'other-ca');
const server = issue(dir, siteCa, 'server', '127.0.0.1', { server: true });
const cp3 = issue(dir, chargerCa, 'cp3', 'CP3');
const cp3FromOtherCa = issue(dir, otherCa, 'cp3-rogue', 'CP3');
const cp1Cert = issue(dir, chargerCa, 'cp1', 'CP1');

/** Both listeners; CP2S is profile 2 (and may be sent network profiles), CP3 profile 3; the charger CA is also the local CA. */
function sitePatch(c: Record<string, any>): void {
  c.http = HTTP;
  c.ocpp.tls = { port: 0, certFile: server.certFile, keyFile: server.keyFile, clientCaFile: chargerCa.certFile };
  c.chargers.list.push({ id: 'CP2S', password: P2_PASSWORD, securityProfile: 2, allowSetNetworkProfile: true }, { id: 'CP3', securityProfile: 3 });
  c.security = { localCa: { cert: chargerCa.cert, key: readFileSync(chargerCa.keyFile, 'utf8'), validityDays: 1 } };
}

let source = 1;
/** A 2.0.1 client from a loopback address of its own, trusting the site CA, with an optional client certificate. */
function from(options: RawOptions & { client?: Issued } = {}): RawOptions {
  source++;
  const { client, ...rest } = options;
  return { protocols: ['ocpp2.0.1'], ...rest, ws: { localAddress: `127.0.0.${source}`, ca: siteCa.cert, ...(client ? { cert: client.cert, key: client.key } : {}), ...rest.ws } };
}

/** A strict 2.0.1 charger over wss://, booted. */
async function booted(t: Test, url: string, id: string, password?: string, client?: Issued): Promise<RpcClient> {
  const cp = await rpcCharger201(t, url, id, password, { wsOpts: { ca: siteCa.cert, ...(client ? { cert: client.cert, key: client.key } : {}) } });
  t.equal((await cp.call('BootNotification', boot201)).status, 'Accepted', `${id} boots`);
  return cp;
}

t.test('security profiles 1–3 are enforced for chargers that speak ocpp2.0.1', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger, patch: sitePatch });
  const tlsUrl = gw.tlsUrl!;
  const refused = (chargerId: string) => log.entries().filter((e) => e.msg === 'authentication failed' && e.chargerId === chargerId).map((e) => e.reason as string);
  const refusal = (t: Test, url: string, id: string, options: RawOptions) => t.rejects(rawCharger(t, url, id, options), /upgrade refused with HTTP 401/, `${id} refused`);
  const speaks201 = (t: Test, id: string) => t.equal(gw.app.gateway.registry.get(id)?.protocol, 'ocpp2.0.1', `${id} speaks 2.0.1`);

  t.test('profile 1: its password over ws:// or wss://; a wrong one is refused', async (t) => {
    const plain = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
    t.equal((await plain.call('BootNotification', boot201)).status, 'Accepted');
    speaks201(t, 'CP1');
    await plain.close({ force: true });
    await booted(t, tlsUrl, 'CP2', PASSWORDS.CP2);
    t.equal(gw.app.gateway.server.connections.get('CP2')?.secure, true, 'over TLS');
    await refusal(t, gw.url, 'CP1', from({ password: 'wrong-password-1', ws: {} }));
    await eventually(() => refused('CP1').includes('wrong password'), 'the wrong-password line');
    await refusal(t, gw.url, 'CP1', from({ ws: {} }));
    await eventually(() => refused('CP1').some((r) => /password required/.test(r)), 'the no-password line');
  });

  t.test('profile 2: its password over wss://; plain ws:// refused even with it; a wrong one refused', async (t) => {
    const cp = await booted(t, tlsUrl, 'CP2S', P2_PASSWORD);
    speaks201(t, 'CP2S');
    await cp.close({ force: true });
    await refusal(t, gw.url, 'CP2S', from({ password: P2_PASSWORD, ws: {} }));
    await eventually(() => refused('CP2S').some((r) => /security profile 2 requires TLS/.test(r)), 'the plain-ws line');
    await refusal(t, tlsUrl, 'CP2S', from({ password: 'wrong-password-2' }));
    await eventually(() => refused('CP2S').includes('wrong password'), 'the wrong-password line');
  });

  t.test('profile 3: a client certificate from the charger CA with its id as CN, no password', async (t) => {
    const cp = await booted(t, tlsUrl, 'CP3', undefined, cp3);
    speaks201(t, 'CP3');
    await cp.close({ force: true });
    await eventually(() => gw.app.gateway.registry.get('CP3')?.online === false, 'CP3 to go');
    await refusal(t, tlsUrl, 'CP3', from({ client: cp3FromOtherCa }));
    await eventually(() => refused('CP3').some((r) => /not trusted/.test(r)), 'the untrusted-certificate line');
    await refusal(t, tlsUrl, 'CP3', from({ client: cp1Cert }));
    await eventually(() => refused('CP3').some((r) => /certificate is for "CP1", not for this charger/.test(r)), 'the wrong-CN line');
    await refusal(t, tlsUrl, 'CP3', from({ password: 'some-password-1' }));
    await eventually(() => refused('CP3').some((r) => /requires a client certificate: the charger presented none/.test(r)), 'the no-certificate line');
    await refusal(t, gw.url, 'CP3', from({ ws: {} }));
    await eventually(() => refused('CP3').some((r) => /security profile 3 requires TLS/.test(r)), 'the plain-ws line');
  });

  t.test('a local user cannot change the profile on the charger: Rejected with the reason, nothing sent', async (t) => {
    const cp = await booted(t, tlsUrl, 'CP2S', P2_PASSWORD);
    const got: string[] = [];
    cp.handle('SetVariables', ({ params }) => (got.push(JSON.stringify(params)), { setVariableResult: [] }));
    const res = await api(gw.httpUrl, '/api/chargers/CP2S/ocpp/ChangeConfiguration', { token: TOKENS.full, body: { key: 'SecurityProfile', value: '1' } });
    t.match(res.json, { answer: { status: 'Rejected' }, answeredBy: 'chargegate', reason: /chargers\.list\[\]\.securityProfile/ });
    await cp.call('Heartbeat', {});
    t.same(got, [], 'no SetVariables reached the charger');
  });
});

t.test('certificates: SignCertificate → CertificateSigned, the certificate commands, ISO 15118 requests', async (t) => {
  const gw = await startGateway(t, { patch: sitePatch });
  // The profile 3 charger renews its own certificate over wss:// (A02); CP1 over ws:// takes the commands.
  const cp = await booted(t, gw.tlsUrl!, 'CP3', undefined, cp3);
  const signed: { certificateChain: string; certificateType?: string }[] = [];
  cp.handle('CertificateSigned', ({ params }) => (signed.push(params), { status: 'Accepted' }));
  const strictFailures: unknown[] = [];
  cp.on('strictValidationFailure', (f) => strictFailures.push(f));
  const events = async (id: string) => (await api(gw.httpUrl, `/api/chargers/${id}/security-events`, { token: TOKENS.read })).json.events as Record<string, unknown>[];

  t.test('SecurityEventNotification: stored and shown', async (t) => {
    t.same(await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: WHEN, techInfo: 'lid opened' }), {});
    t.match(await events('CP3'), [{ type: 'TamperDetectionActivated', timestamp: WHEN, techInfo: 'lid opened' }]);
  });

  t.test('SignCertificate (ChargingStationCertificate): Accepted, then a 2.0.1 CertificateSigned whose chain verifies against the local CA', async (t) => {
    t.same(await cp.call('SignCertificate', { csr: makeCsr(dir, 'cp3-renew', 'CP3'), certificateType: 'ChargingStationCertificate' }), { status: 'Accepted' });
    await eventually(() => signed.length === 1, 'CertificateSigned at the charger');
    t.equal(signed[0]!.certificateType, 'ChargingStationCertificate', 'the 2.0.1 certificateType');
    const leaf = new X509Certificate(signed[0]!.certificateChain);
    t.ok(leaf.verify(new X509Certificate(chargerCa.cert).publicKey), 'signed by the local CA');
    t.match(leaf.subject, /CN=CP3/);
  });

  t.test('a CSR for another charger: Accepted, no CertificateSigned, an InvalidCsr security event', async (t) => {
    t.same(await cp.call('SignCertificate', { csr: makeCsr(dir, 'evil', 'CP1') }), { status: 'Accepted' });
    await eventually(() => gw.app.store.security.list('CP3', 1)[0]?.type === 'InvalidCsr', 'the InvalidCsr event');
    t.match((await events('CP3'))[0], { type: 'InvalidCsr', techInfo: /CN "CP1" is not the charger identity "CP3"/ }, 'shown over HTTP');
    t.equal(signed.length, 1, 'nothing sent to the charger');
  });

  t.test('a V2GCertificate CSR is Rejected with the reason: chargegate has no ISO 15118 PKI', async (t) => {
    const answer = await cp.call('SignCertificate', { csr: makeCsr(dir, 'secc', 'CP3'), certificateType: 'V2GCertificate' });
    t.match(answer, { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: /ISO 15118/ } });
    await cp.call('Heartbeat', {});
    t.equal(signed.length, 1, 'no CertificateSigned');
  });

  t.test('Get15118EVCertificate and GetCertificateStatus: Failed, with the reason', async (t) => {
    const ev = await cp.call('Get15118EVCertificate', { iso15118SchemaVersion: 'urn:iso:15118:2:2013:MsgDef', action: 'Install', exiRequest: 'gAE=' });
    t.match(ev, { status: 'Failed', exiResponse: '', statusInfo: { reasonCode: 'UnsupportedRequest' } });
    const ocsp = await cp.call('GetCertificateStatus', { ocspRequestData: { ...HASH, responderURL: 'http://ocsp.example.com' } });
    t.match(ocsp, { status: 'Failed', statusInfo: { reasonCode: 'UnsupportedRequest' } });
  });

  t.test('the core\'s certificate commands over HTTP reach a 2.0.1 charger in 2.0.1 shape; its answers come back as 1.6', async (t) => {
    const cp1 = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
    await cp1.call('BootNotification', boot201);
    const received: [string, unknown][] = [];
    cp1.on('strictValidationFailure', (f) => strictFailures.push(f));
    cp1.handle('InstallCertificate', ({ params }) => (received.push(['InstallCertificate', params]), { status: 'Accepted' }));
    cp1.handle('DeleteCertificate', ({ params }) => (received.push(['DeleteCertificate', params]), { status: 'NotFound' }));
    cp1.handle('GetInstalledCertificateIds', ({ params }) => (
      received.push(['GetInstalledCertificateIds', params]),
      { status: 'Accepted', certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: HASH }] }
    ));
    cp1.handle('CertificateSigned', ({ params }) => (received.push(['CertificateSigned', params]), { status: 'Rejected' }));
    const send = async (action: string, body: unknown) => (await api(gw.httpUrl, `/api/chargers/CP1/ocpp/${action}`, { token: TOKENS.full, body })).json;

    t.same(await send('InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: PEM }), { action: 'InstallCertificate', answer: { status: 'Accepted' }, answeredBy: 'charger' });
    t.same(received.at(-1), ['InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: PEM }], 'CentralSystemRootCertificate is 2.0.1\'s CSMSRootCertificate');
    t.same(await send('DeleteCertificate', { certificateHashData: HASH }), { action: 'DeleteCertificate', answer: { status: 'NotFound' }, answeredBy: 'charger' });
    t.same(received.at(-1), ['DeleteCertificate', { certificateHashData: HASH }]);
    t.same(await send('GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }), { action: 'GetInstalledCertificateIds', answer: { status: 'Accepted', certificateHashData: [HASH] }, answeredBy: 'charger' });
    t.same(received.at(-1), ['GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] }], 'a list of one type');
    t.same(await send('CertificateSigned', { certificateChain: PEM }), { action: 'CertificateSigned', answer: { status: 'Rejected' }, answeredBy: 'charger' });
    t.same(received.at(-1), ['CertificateSigned', { certificateChain: PEM, certificateType: 'ChargingStationCertificate' }]);
  });

  t.same(strictFailures, [], 'everything chargegate sent passed the chargers\' own 2.0.1 schema check');
});

t.test('transparent cloud: a 2.0.1 charger\'s security event and CSR go to the cloud; the cloud\'s certificate commands reach it translated', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1'],
    patch: (c) => {
      c.upstream = { mode: 'transparent', url: cloud.url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'links up');
  const cp = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', boot201);
  const received: [string, unknown][] = [];
  for (const action of ['CertificateSigned', 'InstallCertificate', 'DeleteCertificate']) cp.handle(action, ({ params }) => (received.push([action, params]), { status: 'Accepted' }));
  cp.handle('GetInstalledCertificateIds', ({ params }) => (received.push(['GetInstalledCertificateIds', params]), { status: 'NotFound' }));

  t.same(await cp.call('SecurityEventNotification', { type: 'SettingSystemTime', timestamp: WHEN }), {});
  const relayed = await cloud.waitFor((c) => c.action === 'SecurityEventNotification' && c.identity === 'CP1', 'the event at the cloud');
  t.same(relayed.params, { type: 'SettingSystemTime', timestamp: WHEN }, 'the 2.0.1 event relayed as the whitepaper\'s');

  // Accepted here can only be the cloud's: there is no local CA.
  t.same(await cp.call('SignCertificate', { csr: makeCsr(dir, 'cp1-cloud', 'CP1') }), { status: 'Accepted' });
  const csr = await cloud.waitFor((c) => c.action === 'SignCertificate' && c.identity === 'CP1', 'the CSR at the cloud');
  t.match(csr.params, { csr: /BEGIN CERTIFICATE REQUEST/ });

  const link = cloud.clients.get('CP1')!;
  t.same(await link.call('CertificateSigned', { certificateChain: PEM }), { status: 'Accepted' });
  t.same(received.at(-1), ['CertificateSigned', { certificateChain: PEM, certificateType: 'ChargingStationCertificate' }]);
  t.same(await link.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: PEM }), { status: 'Accepted' });
  t.same(received.at(-1), ['InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: PEM }]);
  t.same(await link.call('DeleteCertificate', { certificateHashData: HASH }), { status: 'Accepted' });
  t.same(await link.call('GetInstalledCertificateIds', { certificateType: 'ManufacturerRootCertificate' }), { status: 'NotFound' });
  t.same(received.at(-1), ['GetInstalledCertificateIds', { certificateType: ['ManufacturerRootCertificate'] }]);
  t.same(cloud.validationFailures, [], 'everything passed ocpp-rpc\'s 1.6 schema check at the cloud');
});

t.test('SetNetworkProfile: refused by chargegate unless allowed; when allowed, never below the configured profile', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger, patch: sitePatch });
  const networkProfile = (securityProfile: number) => ({
    configurationSlot: 2,
    connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'wss://127.0.0.1:9443/ocpp', messageTimeout: 30, securityProfile, ocppInterface: 'Wired0', vpn: { server: 'vpn.example.com', user: 'u', password: 'vpn-secret-pw', key: 'k', type: 'IKEv2' } },
  });
  const sendTo = (id: string, securityProfile: number) => gw.app.gateway.registry.connection(id)!.session.call<Record<string, any>>('SetNetworkProfile', networkProfile(securityProfile));

  const cp1 = await rpcCharger201(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp1.call('BootNotification', boot201);
  const cp2s = await booted(t, gw.tlsUrl!, 'CP2S', P2_PASSWORD);
  const got: [string, number][] = [];
  for (const [id, cp] of [['CP1', cp1], ['CP2S', cp2s]] as const) cp.handle('SetNetworkProfile', ({ params }) => (got.push([id, params.connectionData.securityProfile]), { status: 'Accepted' }));

  t.match(await sendTo('CP1', 1), { status: 'Rejected', statusInfo: { reasonCode: 'NotEnabled', additionalInfo: /chargers\.allowSetNetworkProfile/ } }, 'chargers.allowSetNetworkProfile is false by default');
  t.match(log.entries().find((e) => e.msg === 'SetNetworkProfile refused by chargegate: not sent to the charger'), { chargerId: 'CP1', configurationSlot: 2, securityProfile: 1, reason: /strands the charger/ });
  t.match(await sendTo('CP2S', 1), { status: 'Rejected', statusInfo: { reasonCode: 'NoSecurityDowngrade' } }, 'allowed for CP2S, but not below its profile 2');
  t.same(await sendTo('CP2S', 3), { status: 'Accepted' }, 'an upgrade is sent: the charger\'s answer');
  t.match(log.entries().find((e) => e.msg.startsWith('SetNetworkProfile sent')), { chargerId: 'CP2S', warning: /set chargers\.list\[\]\.securityProfile to 3/ });
  await cp1.call('Heartbeat', {});
  t.same(got, [['CP2S', 3]], 'only the allowed upgrade reached a charger');
  t.notOk(JSON.stringify(log.entries()).includes('vpn-secret-pw'), 'the VPN password is never logged');

  // The slot order is what makes a stored profile the one used (B09): held back the same way.
  const variables: unknown[] = [];
  cp1.handle('SetVariables', ({ params }) => (
    variables.push(params),
    { setVariableResult: params.setVariableData.map((d: any) => ({ attributeStatus: 'Accepted', component: d.component, variable: d.variable })) }
  ));
  const setVariables = (data: unknown[]) => gw.app.gateway.registry.connection('CP1')!.session.call<Record<string, any>>('SetVariables', { setVariableData: data });
  const priority = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NetworkConfigurationPriority' }, attributeValue: '2,1' };
  const heartbeat = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '120' };
  const mixed = await setVariables([priority, heartbeat]);
  t.match(mixed.setVariableResult, [
    { attributeStatus: 'Rejected', attributeStatusInfo: { reasonCode: 'NotEnabled' }, variable: { name: 'NetworkConfigurationPriority' } },
    { attributeStatus: 'Accepted', variable: { name: 'HeartbeatInterval' } },
  ], 'one result per variable, in the order asked');
  t.same(variables, [{ setVariableData: [heartbeat] }], 'only the heartbeat interval reached the charger');
  t.match((await setVariables([priority])).setVariableResult, [{ attributeStatus: 'Rejected' }]);
  t.equal(variables.length, 1, 'a priority alone: nothing sent');
});
