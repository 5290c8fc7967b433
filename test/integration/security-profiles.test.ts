/**
 * OCPP security profiles 2 and 3 against the real gateway, with real TLS handshakes:
 * certificates made with openssl for the test (a site CA and its server certificate for
 * 127.0.0.1; a charger CA and client certificates; another CA a rogue charger uses).
 * Each refused connection comes from its own loopback address, so the refusal log budget
 * (a few lines per source a minute) never hides the line a test looks for.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect } from 'node:tls';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { issue, makeCa, type Issued, type TestCa } from '../helpers/certs.js';
import { capturingLogger, eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { rawCharger, type RawOptions } from '../helpers/raw.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const P2_PASSWORD = 'cp2s-secret-key-02';

const dir = t.testdir();
const siteCa = makeCa(dir, 'site-ca');
const chargerCa = makeCa(dir, 'charger-ca');
const otherCa = makeCa(dir, 'other-ca');
const server1 = issue(dir, siteCa, 'server1', '127.0.0.1', { server: true });
const server2 = issue(dir, siteCa, 'server2', '127.0.0.1', { server: true });
const cp3 = issue(dir, chargerCa, 'cp3', 'CP3');
const cp3FromOtherCa = issue(dir, otherCa, 'cp3-rogue', 'CP3');
const cp1Cert = issue(dir, chargerCa, 'cp1', 'CP1');

/** The files the listener reads: copies, so the test can replace them. */
const live = join(dir, 'live');
mkdirSync(live);
const liveCert = join(live, 'site.pem');
const liveKey = join(live, 'site.key');
copyFileSync(server1.certFile, liveCert);
copyFileSync(server1.keyFile, liveKey);

/** Replaces a file the way a certificate renewal does: written beside it, then renamed over it. */
function replace(path: string, contents: string): void {
  writeFileSync(`${path}.new`, contents);
  renameSync(`${path}.new`, path);
}

function tlsPatch(extra: Record<string, unknown> = {}) {
  return (c: Record<string, any>) => {
    c.ocpp.tls = { port: 0, certFile: liveCert, keyFile: liveKey, clientCaFile: chargerCa.certFile, reloadInterval: 0.1, ...extra };
    c.chargers.list.push({ id: 'CP2S', password: P2_PASSWORD, securityProfile: 2 }, { id: 'CP3', securityProfile: 3 });
  };
}

let source = 1;
/** Options for a client from a loopback address of its own, trusting the site CA, with an optional client certificate. */
function from(options: RawOptions & { client?: Issued; trust?: TestCa } = {}): RawOptions {
  source++;
  const { client, trust = siteCa, ...rest } = options;
  return { ...rest, ws: { localAddress: `127.0.0.${source}`, ca: trust.cert, ...(client ? { cert: client.cert, key: client.key } : {}), ...rest.ws } };
}

async function refusal(t: Test, url: string, identity: string, options: RawOptions): Promise<void> {
  await t.rejects(rawCharger(t, url, identity, options), /upgrade refused with HTTP 401/);
}

/** The fingerprint of the certificate a new TLS connection to the port is given. */
function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: siteCa.cert }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

t.test('profiles over one gateway with both listeners', async (t) => {
  const log = capturingLogger();
  const gw = await startGateway(t, { logger: log.logger, patch: tlsPatch() });
  const tlsUrl = gw.tlsUrl!;
  t.ok(gw.port, 'the plain listener runs beside it');
  t.ok(gw.tlsPort, 'the TLS port is reported');
  const refused = (chargerId: string) => log.entries().filter((e) => e.msg === 'authentication failed' && e.chargerId === chargerId).map((e) => e.reason as string);

  t.test('profile 2 over wss:// with its password boots', async (t) => {
    const cp = await rpcCharger(t, tlsUrl, 'CP2S', P2_PASSWORD, { wsOpts: { ca: siteCa.cert } });
    t.equal((await cp.call('BootNotification', bootPayload)).status, 'Accepted');
    t.equal(gw.app.gateway.server.connections.get('CP2S')?.secure, true);
    t.ok(log.entries().some((e) => e.msg === 'charger connected' && e.chargerId === 'CP2S' && e.tls === true), 'the connect line says TLS');
    t.ok(log.entries().some((e) => e.msg.startsWith('the OCPP TLS certificate expires soon') && e.daysLeft <= 2), 'a certificate made for two days is called out at start');
  });

  t.test('profile 2 over plain ws:// is refused, even with the right password (no downgrade)', async (t) => {
    await refusal(t, gw.url, 'CP2S', from({ password: P2_PASSWORD, ws: {} }));
    await eventually(() => refused('CP2S').length > 0, 'the refusal line');
    t.match(refused('CP2S').at(-1), /security profile 2 requires TLS/);
  });

  t.test('profile 2 over wss:// still needs its password', async (t) => {
    await refusal(t, tlsUrl, 'CP2S', from({ password: 'wrong-password-x' }));
    await eventually(() => refused('CP2S').some((r) => r === 'wrong password'), 'the wrong-password line');
  });

  t.test('profile 1 may use either listener', async (t) => {
    const plain = await rawCharger(t, gw.url, 'CP1', { password: PASSWORDS.CP1 });
    t.same((await plain.call('h1', 'Heartbeat', {})).slice(0, 2), [3, 'h1']);
    const secure = await rawCharger(t, tlsUrl, 'CP2', from({ password: PASSWORDS.CP2 }));
    t.same((await secure.call('h2', 'Heartbeat', {})).slice(0, 2), [3, 'h2']);
  });

  t.test('profile 3 with a certificate from the charger CA connects without a password', async (t) => {
    const cp = await rpcCharger(t, tlsUrl, 'CP3', undefined, { wsOpts: { ca: siteCa.cert, cert: cp3.cert, key: cp3.key } });
    t.equal((await cp.call('BootNotification', bootPayload)).status, 'Accepted');
    t.equal(gw.app.gateway.registry.get('CP3')?.online, true);
    await cp.close({ force: true });
    await eventually(() => gw.app.gateway.registry.get('CP3')?.online === false, 'CP3 to go');
  });

  t.test('profile 3 with a certificate from another CA is refused', async (t) => {
    await refusal(t, tlsUrl, 'CP3', from({ client: cp3FromOtherCa }));
    await eventually(() => refused('CP3').some((r) => /not trusted/.test(r)), 'the untrusted-certificate line');
  });

  t.test("profile 3 with another charger's certificate is refused", async (t) => {
    await refusal(t, tlsUrl, 'CP3', from({ client: cp1Cert }));
    await eventually(() => refused('CP3').some((r) => /certificate is for "CP1", not for this charger/.test(r)), 'the wrong-CN line');
  });

  t.test('profile 3 without a certificate is refused, even with a password', async (t) => {
    await refusal(t, tlsUrl, 'CP3', from({ password: 'some-password-1' }));
    await eventually(() => refused('CP3').some((r) => /requires a client certificate: the charger presented none/.test(r)), 'the no-certificate line');
  });

  t.test('profile 3 over plain ws:// is refused', async (t) => {
    await refusal(t, gw.url, 'CP3', from({ ws: {} }));
    await eventually(() => refused('CP3').some((r) => /security profile 3 requires TLS/.test(r)), 'the plain-ws line');
  });

  t.test('a charger that does not trust the site certificate: the log names its alert', async (t) => {
    // openssl as the charger (OpenSSL-based chargers alert during the handshake; TLS 1.2 makes the
    // alert reach the server before it considers the handshake done).
    const client = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${gw.tlsPort}`, '-CAfile', otherCa.certFile, '-verify_return_error', '-tls1_2'], { stdio: ['pipe', 'ignore', 'ignore'] });
    client.stdin.end();
    t.teardown(() => client.kill());
    await eventually(() => log.entries().some((e) => e.msg === 'TLS handshake failed' && e.err === 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' && e.level === 40), 'the handshake line');
  });

  t.test('replaced certificate files are used by new connections, without a restart', async (t) => {
    t.equal(await peerFingerprint(gw.tlsPort!), server1.fingerprint256, 'the first certificate');
    const before = await rawCharger(t, tlsUrl, 'CP2', from({ password: PASSWORDS.CP2 }));

    // A broken certificate: the old one stays, and the log says why, once.
    replace(liveCert, 'not a certificate\n');
    const broken = () => log.entries().filter((e) => e.msg === 'the changed OCPP TLS files cannot be used; the previous certificate stays in use');
    await eventually(() => broken().length === 1, 'the error line');
    t.match(broken()[0]!.problems, [/ocpp\.tls\.certFile: .*holds no PEM certificate/]);
    t.equal(broken()[0]!.level, 50, 'at error level');
    t.equal(await peerFingerprint(gw.tlsPort!), server1.fingerprint256, 'still the first certificate');

    replace(liveKey, server2.key);
    replace(liveCert, server2.cert);
    await eventually(() => log.entries().some((e) => e.msg === 'OCPP TLS certificate reloaded' && e.tls?.fingerprint256 === server2.fingerprint256), 'the reload line');
    t.equal(await peerFingerprint(gw.tlsPort!), server2.fingerprint256, 'a new connection gets the new certificate');
    t.equal(broken().length, 1, 'the broken file was reported once');
    t.same((await before.call('h3', 'Heartbeat', {})).slice(0, 2), [3, 'h3'], 'a connection made before the change carries on');
    const after = await rpcCharger(t, tlsUrl, 'CP2S', P2_PASSWORD, { wsOpts: { ca: siteCa.cert } });
    t.equal((await after.call('BootNotification', bootPayload)).status, 'Accepted');
  });
});

t.test('ocpp.plain: false: only wss:// listens', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  copyFileSync(server1.certFile, liveCert);
  copyFileSync(server1.keyFile, liveKey);
  const gw = await startGateway(t, {
    patch: (c) => {
      tlsPatch()(c);
      c.ocpp.port = port;
      c.ocpp.plain = false;
    },
  });
  t.equal(gw.port, undefined, 'no plain port');
  await t.rejects(rawCharger(t, `ws://127.0.0.1:${port}/ocpp`, 'CP1', { password: PASSWORDS.CP1 }), { code: 'ECONNREFUSED' }, 'nothing listens on ocpp.port');
  const cp = await rawCharger(t, gw.tlsUrl!, 'CP1', { password: PASSWORDS.CP1, ws: { ca: siteCa.cert } });
  t.same((await cp.call('h1', 'Heartbeat', {})).slice(0, 2), [3, 'h1']);
});
