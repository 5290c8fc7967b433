/**
 * The OCPP 1.6 security extension (issue 13 point 3), end to end over real sockets: an
 * independent charger (ocpp-rpc, strict: it checks every frame against its own copy of the
 * whitepaper's schemas), the HTTP API, an MQTT subscriber, the local CA with certificates made
 * by the openssl CLI, and a transparent-mode test cloud.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { SecurityCentralAction16 } from '../../src/ocpp/v16/actions.js';
import { SECURITY_CENTRAL_16 } from '../../src/ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../../src/ocpp/v16/types.js';
import { startCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger, type RpcClient } from '../helpers/rpc-charger.js';

const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const COMMANDER = { username: 'operator', password: 'operator-secret-pw' };
const WHEN = '2025-06-01T10:00:00.000Z';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
}

/** A CA (EC P-256) and a charger key + CSR whose CN is `cn`, made by openssl. */
function makeCa(dir: string): { cert: string; key: string } {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/O=Site Operator/CN=Site CA', '-days', '30',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { cert: readFileSync(join(dir, 'ca.pem'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
}

function makeCsr(dir: string, name: string, cn: string): string {
  openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=Vendor/CN=${cn}`]);
  return readFileSync(join(dir, `${name}.csr`), 'utf8');
}

/** One request and the charger's answer for each of the whitepaper's commands. */
const EXCHANGES: { [A in SecurityCentralAction16]: [Requests16[A], Responses16[A]] } = {
  CertificateSigned: [{ certificateChain: PEM }, { status: 'Accepted' }],
  DeleteCertificate: [{ certificateHashData: { hashAlgorithm: 'SHA256', issuerNameHash: 'aa', issuerKeyHash: 'bb', serialNumber: '01' } }, { status: 'Accepted' }],
  ExtendedTriggerMessage: [{ requestedMessage: 'LogStatusNotification' }, { status: 'Accepted' }],
  GetInstalledCertificateIds: [{ certificateType: 'ManufacturerRootCertificate' }, { status: 'NotFound' }],
  GetLog: [{ logType: 'DiagnosticsLog', requestId: 4, log: { remoteLocation: 'https://logs.example.com/up' } }, { status: 'Accepted', filename: 'diag.log' }],
  InstallCertificate: [{ certificateType: 'CentralSystemRootCertificate', certificate: PEM }, { status: 'Accepted' }],
  SignedUpdateFirmware: [{ requestId: 8, firmware: { location: 'https://fw.example.com/v3.bin', retrieveDateTime: WHEN, signingCertificate: PEM, signature: 'c2ln' } }, { status: 'AcceptedCanceled' }],
};

/** The charger answers each command from EXCHANGES and records what it got. */
function answerCommands(cp: RpcClient): [string, unknown][] {
  const received: [string, unknown][] = [];
  for (const action of SECURITY_CENTRAL_16) {
    cp.handle(action, ({ params }) => {
      received.push([action, params]);
      return EXCHANGES[action][1];
    });
  }
  return received;
}

/** The CALLERROR a call was refused with (fails the test if it was answered). */
async function refusal(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (answer) => new Error(`answered ${JSON.stringify(answer)}`),
    (err: unknown) => err,
  );
}

async function booted(t: Test, url: string, id: 'CP1' | 'CP2', extra: Record<string, unknown> = {}): Promise<RpcClient> {
  const cp = await rpcCharger(t, url, id, PASSWORDS[id], extra);
  await cp.call('BootNotification', bootPayload);
  return cp;
}

t.test('standalone with a local CA: events stored, shown and published; CSRs signed or refused; commands over HTTP', async (t) => {
  const dir = t.testdir();
  const ca = makeCa(dir);
  const gw = await startGateway(t, {
    patch: (c) => {
      c.mqtt = { port: 0, throttle: 0, users: [{ ...VIEWER, access: 'read' }, { ...COMMANDER, access: 'command' }] };
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      c.security = { localCa: { cert: ca.cert, key: ca.key, validityDays: 7 } };
      // CP2 is checked strictly: lenient (the default) would keep an over-long type (docs/chargers.md, field tolerance).
      c.chargers.list = c.chargers.list.map((e: (typeof c.chargers.list)[number]) => (e.id === 'CP2' ? { ...e, validation: 'strict' as const } : e));
    },
  });
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
  await mqtt.subscribe('chargegate/chargers/+/event/+');
  const cp = await booted(t, gw.url, 'CP1');
  const signed: string[] = [];
  cp.handle('CertificateSigned', ({ params }) => (signed.push(params.certificateChain), { status: 'Accepted' }));
  const strictFailures: unknown[] = [];
  cp.on('strictValidationFailure', (f) => strictFailures.push(f));

  t.test('SecurityEventNotification: stored (read back over HTTP) and published on MQTT', async (t) => {
    t.same(await cp.call('SecurityEventNotification', { type: 'TamperDetectionActivated', timestamp: WHEN, techInfo: 'lid opened' }), {});
    const read = await api(gw.httpUrl, '/api/chargers/CP1/security-events', { token: TOKENS.read });
    t.equal(read.status, 200);
    t.match(read.json, { chargerId: 'CP1', events: [{ type: 'TamperDetectionActivated', timestamp: WHEN, techInfo: 'lid opened', receivedAt: String }] });
    const message = await mqtt.waitFor('chargegate/chargers/CP1/event/security');
    t.match(JSON.parse(message.payload), { type: 'TamperDetectionActivated', timestamp: WHEN, techInfo: 'lid opened' });
    t.equal(message.retain, false, 'an event, not a state');
    t.equal((await api(gw.httpUrl, '/api/chargers/NOPE/security-events', { token: TOKENS.read })).status, 404, 'an unknown charger');
    const view = await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read });
    t.same(view.json.lastSecurityEvent, { type: 'TamperDetectionActivated', timestamp: WHEN, techInfo: 'lid opened' }, 'on the charger\'s view (the dashboard card)');
  });

  t.test('a malformed SecurityEventNotification (strict charger) gets the CALLERROR OCPP-J §4.2.3 names, and nothing is stored', async (t) => {
    const loose = await booted(t, gw.url, 'CP2', { strictMode: false });
    t.match(await refusal(loose.call('SecurityEventNotification', { type: 'MemoryExhaustion' })), { rpcErrorCode: 'OccurenceConstraintViolation' }, 'no timestamp');
    t.match(await refusal(loose.call('SecurityEventNotification', { type: 'x'.repeat(51), timestamp: WHEN })), { rpcErrorCode: 'PropertyConstraintViolation' }, 'type over 50 characters');
    t.same((await api(gw.httpUrl, '/api/chargers/CP2/security-events', { token: TOKENS.read })).json.events, []);
  });

  t.test('SignCertificate: Accepted, then CertificateSigned with a chain that verifies against the CA', async (t) => {
    t.same(await cp.call('SignCertificate', { csr: makeCsr(dir, 'cp1', 'CP1') }), { status: 'Accepted' });
    await eventually(() => signed.length === 1, 'CertificateSigned at the charger');
    const leaf = new X509Certificate(signed[0]!);
    const issuer = new X509Certificate(ca.cert);
    t.ok(leaf.checkIssued(issuer), 'issued by the CA');
    t.ok(leaf.verify(issuer.publicKey), 'signed by the CA\'s key');
    t.match(leaf.subject, /CN=CP1/);
    t.ok(Date.parse(leaf.validTo) <= Date.now() + 7 * 86_400_000 + 60_000, 'valid for security.localCa.validityDays');
    const outcome = await mqtt.waitFor('chargegate/chargers/CP1/event/certificate');
    t.match(JSON.parse(outcome.payload), { outcome: 'installed', serial: String, notAfter: String });
  });

  t.test('a CSR for another charger: Accepted, no CertificateSigned, an InvalidCsr security event', async (t) => {
    const before = signed.length;
    t.same(await cp.call('SignCertificate', { csr: makeCsr(dir, 'evil', 'CP2') }), { status: 'Accepted' });
    const event = await mqtt.waitFor('chargegate/chargers/CP1/event/security', (p) => JSON.parse(p).type === 'InvalidCsr');
    t.match(JSON.parse(event.payload).techInfo, /CN "CP2" is not the charger identity "CP1"/);
    const refused = await mqtt.waitFor('chargegate/chargers/CP1/event/certificate', (p) => JSON.parse(p).outcome === 'refused');
    t.ok(refused);
    t.equal(signed.length, before, 'nothing sent to the charger');
    t.match((await api(gw.httpUrl, '/api/chargers/CP1/security-events?limit=1', { token: TOKENS.read })).json.events, [{ type: 'InvalidCsr' }], 'stored, newest first');
  });

  t.test('each of the seven commands over HTTP reaches the charger and its answer comes back', async (t) => {
    const received = answerCommands(cp);
    for (const action of SECURITY_CENTRAL_16) {
      const [request, response] = EXCHANGES[action];
      const res = await api(gw.httpUrl, `/api/chargers/CP1/ocpp/${action}`, { token: TOKENS.full, body: request });
      t.equal(res.status, 200, action);
      t.same(res.json, { action, answer: response, answeredBy: 'charger' }, `${action}: the charger's answer`);
      t.same(received.at(-1), [action, request], `${action}: the charger got it as sent`);
    }
    const forbidden = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/InstallCertificate', { token: TOKENS.read, body: EXCHANGES.InstallCertificate[0] });
    t.equal(forbidden.status, 403, 'the read token may not install certificates');
    const invalid = await api(gw.httpUrl, '/api/chargers/CP1/ocpp/GetLog', { token: TOKENS.full, body: { logType: 'EverythingLog', requestId: 1, log: { remoteLocation: 'x' } } });
    t.equal(invalid.status, 400, 'checked against the OCA schema before it is sent');
    t.match(invalid.json, { error: { code: 'bad_body' } });
    t.equal((await api(gw.httpUrl, '/api/chargers/CP1/ocpp/Unknown', { token: TOKENS.full, body: {} })).status, 400, 'only OCPP 1.6 commands here');
    const spec = await api(gw.httpUrl, '/api/openapi.json');
    t.ok(spec.json.paths['/api/chargers/{chargerId}/ocpp/{action}'], 'described in the OpenAPI document');
    t.ok(spec.json.paths['/api/chargers/{chargerId}/security-events']);
  });

  t.test('the commands over MQTT: a command user gets the charger\'s answer on the result topic; a read user may not send them', async (t) => {
    const received = answerCommands(cp);
    const operator = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, COMMANDER);
    await operator.subscribe('chargegate/chargers/CP1/ocpp/+/result');
    await operator.publish('chargegate/chargers/CP1/ocpp/GetLog/set', JSON.stringify({ ...EXCHANGES.GetLog[0], id: 'q1' }), { qos: 1 });
    const result = await operator.waitFor('chargegate/chargers/CP1/ocpp/GetLog/result');
    t.same(JSON.parse(result.payload), { command: 'GetLog', result: 'accepted', reason: 'the charger answered Accepted', answer: EXCHANGES.GetLog[1], id: 'q1' });
    t.same(received.at(-1), ['GetLog', EXCHANGES.GetLog[0]], 'the request as sent, without the correlation id');
    await operator.publish('chargegate/chargers/CP1/ocpp/InstallCertificate/set', JSON.stringify({ certificateType: 'Nope', certificate: PEM }), { qos: 1 });
    const bad = await operator.waitFor('chargegate/chargers/CP1/ocpp/InstallCertificate/result');
    t.match(JSON.parse(bad.payload), { result: 'rejected', reason: /invalid InstallCertificate request: .*\(PropertyConstraintViolation\)/ }, 'checked against the schema, never sent');
    t.equal(received.length, 1);
    const viewer = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, VIEWER);
    await viewer.publish('chargegate/chargers/CP1/ocpp/DeleteCertificate/set', JSON.stringify(EXCHANGES.DeleteCertificate[0]), { qos: 1 });
    await viewer.publish('chargegate/chargers/CP1/ocpp/GetInstalledCertificateIds/set', JSON.stringify(EXCHANGES.GetInstalledCertificateIds[0]), { qos: 1 }).catch(() => undefined);
    // The operator's own later command is answered after anything the viewer's could have caused.
    await operator.publish('chargegate/chargers/CP1/ocpp/ExtendedTriggerMessage/set', JSON.stringify(EXCHANGES.ExtendedTriggerMessage[0]), { qos: 1 });
    await operator.waitFor('chargegate/chargers/CP1/ocpp/ExtendedTriggerMessage/result');
    t.same(received.map(([a]) => a), ['GetLog', 'ExtendedTriggerMessage'], 'the read user\'s commands never reached the charger');
  });

  t.test('LogStatusNotification and SignedFirmwareStatusNotification: kept and published', async (t) => {
    t.same(await cp.call('LogStatusNotification', { status: 'Uploaded', requestId: 4 }), {});
    t.same(await cp.call('SignedFirmwareStatusNotification', { status: 'InvalidSignature', requestId: 8 }), {});
    t.match(JSON.parse((await mqtt.waitFor('chargegate/chargers/CP1/event/log-status')).payload), { status: 'Uploaded', requestId: 4 });
    t.match(JSON.parse((await mqtt.waitFor('chargegate/chargers/CP1/event/firmware-status')).payload), { status: 'InvalidSignature', requestId: 8 });
    const live = gw.app.gateway.registry.get('CP1')!;
    t.same([live.logStatus, live.firmwareStatus], [{ status: 'Uploaded', requestId: 4 }, 'InvalidSignature']);
    t.match((await api(gw.httpUrl, '/api/chargers/CP1', { token: TOKENS.read })).json, { logStatus: { status: 'Uploaded', requestId: 4 }, firmwareStatus: 'InvalidSignature' });
  });

  t.same(strictFailures, [], 'everything chargegate sent passed the charger\'s own schema check');
});

t.test('without a local CA or a cloud, SignCertificate is Rejected', async (t) => {
  const gw = await startGateway(t);
  const cp = await booted(t, gw.url, 'CP1');
  let sent = 0;
  cp.handle('CertificateSigned', () => (sent++, { status: 'Accepted' }));
  t.same(await cp.call('SignCertificate', { csr: makeCsr(t.testdir(), 'cp1', 'CP1') }), { status: 'Rejected' });
  // A Heartbeat round trip after the answer: a CertificateSigned sent after it would be here by now.
  await cp.call('Heartbeat', {});
  t.equal(sent, 0);
});

t.test('transparent mode: events relayed (queued while the cloud is away), SignCertificate relayed, commands from the cloud reach the charger', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
    patch: (c) => {
      c.upstream = { mode: 'transparent', url: cloud.url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'links up');
  const cp = await booted(t, gw.url, 'CP1');
  const received = answerCommands(cp);

  t.same(await cp.call('SecurityEventNotification', { type: 'SettingSystemTime', timestamp: WHEN }), {});
  const relayed = await cloud.waitFor((c) => c.action === 'SecurityEventNotification', 'the event at the cloud');
  t.same(relayed, { identity: 'CP1', action: 'SecurityEventNotification', params: { type: 'SettingSystemTime', timestamp: WHEN } });

  // The cloud signs (Accepted here can only be the cloud's: there is no local CA).
  t.same(await cp.call('SignCertificate', { csr: makeCsr(t.testdir(), 'cp1', 'CP1') }), { status: 'Accepted' });
  t.ok(await cloud.waitFor((c) => c.action === 'SignCertificate' && c.identity === 'CP1', 'the CSR at the cloud'));

  t.same(await cp.call('LogStatusNotification', { status: 'Uploading', requestId: 3 }), {});
  t.ok(await cloud.waitFor((c) => c.action === 'LogStatusNotification' && c.params.requestId === 3, 'the log status mirrored with its requestId'));

  const link = cloud.clients.get('CP1')!;
  for (const action of SECURITY_CENTRAL_16) {
    const [request, response] = EXCHANGES[action];
    t.same(await link.call(action, request), response, `${action} from the cloud: the charger's answer`);
    t.same(received.at(-1), [action, request], `${action}: the charger got it as the cloud sent it`);
  }

  await cloud.down();
  await eventually(() => !gw.app.upstream!.online(), 'the cloud gone');
  t.same(await cp.call('SecurityEventNotification', { type: 'ResetOrReboot', timestamp: WHEN, techInfo: 'while the cloud was away' }), {}, 'answered at once');
  t.same(await cp.call('SignCertificate', { csr: makeCsr(t.testdir(), 'cp1b', 'CP1') }), { status: 'Rejected' }, 'offline and no local CA');
  await cloud.up();
  const late = await cloud.waitFor((c) => c.action === 'SecurityEventNotification' && c.params.type === 'ResetOrReboot', 'the queued event delivered');
  t.equal(late.params.techInfo, 'while the cloud was away');
  t.same(cloud.validationFailures, [], 'everything passed ocpp-rpc\'s schema check at the cloud');
});

t.test('aggregate mode: the per-charger commands are NotSupported; events stay local', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    patch: (c) => {
      c.upstream = { mode: 'aggregate', url: cloud.url, identity: 'SITE1', answerTimeout: 2, callTimeout: 2, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'link up');
  const cp = await booted(t, gw.url, 'CP1');
  const received = answerCommands(cp);
  const link = cloud.clients.get('SITE1')!;
  t.match(await refusal(link.call('GetLog', EXCHANGES.GetLog[0])), { rpcErrorCode: 'NotSupported', message: /site gateway/ });
  t.match(await refusal(link.call('InstallCertificate', EXCHANGES.InstallCertificate[0])), { rpcErrorCode: 'NotSupported' });
  t.same(await link.call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' }), { status: 'NotImplemented' }, 'chargegate has no certificate of its own to renew');
  t.same(await link.call('ExtendedTriggerMessage', { requestedMessage: 'Heartbeat' }), { status: 'Accepted' }, 'as TriggerMessage');
  t.same(received, [], 'nothing reached the charger');
  t.same(await cp.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: WHEN }), {});
  await eventually(() => gw.app.store.security.list('CP1').length === 1, 'stored');
  await cp.call('Heartbeat', {});
  t.notOk(cloud.calls.some((c) => c.action === 'SecurityEventNotification'), 'not relayed: the cloud\'s charge point is chargegate');
});

t.test('a cloud without the security extension: the event is dead-lettered at once and holds back nothing queued behind it', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  const gw = await startGateway(t, {
    bootedBefore: ['CP1', 'CP2'],
    patch: (c) => {
      // A minute between retries: were the event retried, the Start behind it would wait.
      c.upstream = { mode: 'transparent', url: cloud.url, answerTimeout: 2, callTimeout: 2, transactionMessageRetryInterval: 60, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'links up');
  const cp = await booted(t, gw.url, 'CP1');
  cloud.failNext('SecurityEventNotification', 10, 'NotImplemented');
  await cp.call('SecurityEventNotification', { type: 'InvalidMessages', timestamp: WHEN });
  await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: WHEN });
  await cloud.waitFor((c) => c.action === 'StartTransaction', 'the Start behind the event', 5000);
  t.equal(cloud.calls.filter((c) => c.action === 'SecurityEventNotification').length, 1, 'sent once');
  t.match(gw.app.upstream!.deadLetters(), [{ action: 'SecurityEventNotification', attempts: 1, error: /NotImplemented/ }]);
});
