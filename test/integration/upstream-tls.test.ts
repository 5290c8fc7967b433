/**
 * Security profile 2 towards the cloud: wss:// with the server's certificate verified, against
 * a CA file from the config. A certificate that does not chain to it is never accepted.
 * The certificates are made for the test with Debian's openssl (a test CA and a server
 * certificate for 127.0.0.1).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { issue, makeCa } from '../helpers/certs.js';
import { startCloud } from '../helpers/cloud.js';
import { capturingLogger, eventually, startGateway } from '../helpers/gateway.js';

const SITE = 'SITE-GW-1';

function makeCertificates(dir: string): { caFile: string; key: string; cert: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=chargegate test CA');
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext');
  return { caFile: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}

t.test('wss:// to the cloud: verified against the configured CA; refused without it', async (t) => {
  const dir = t.testdir({ 'san.ext': 'subjectAltName=IP:127.0.0.1\n' });
  const { caFile, key, cert } = makeCertificates(dir);
  const cloud = await startCloud(0, { key, cert });
  t.teardown(() => cloud.close());
  t.match(cloud.url, /^wss:\/\//);
  const upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };

  t.test('with the CA file the link comes up and the cloud gets the boot', async (t) => {
    const gw = await startGateway(t, { patch: (c) => (c.upstream = { ...upstream, ca: `\${file:${caFile}}` }) });
    await cloud.waitFor((c) => c.action === 'BootNotification', 'the boot over wss');
    await eventually(() => gw.app.upstream!.online(), 'the link to be up');
    t.same(cloud.validationFailures, []);
  });

  t.test('without it (system CAs only) the certificate is not trusted and nothing is sent', async (t) => {
    const before = cloud.calls.length;
    const log = capturingLogger('debug');
    const gw = await startGateway(t, { logger: log.logger, patch: (c) => (c.upstream = upstream) });
    const refusal = () => log.entries().find((e) => e.msg === 'cannot reach the cloud CSMS' && /unable to verify|self-signed/.test(String(e.err ?? e.error)));
    await eventually(() => refusal() !== undefined, 'a log line saying why', 8000);
    t.equal(gw.app.upstream!.online(), false);
    t.equal(cloud.calls.length, before, 'the cloud received nothing from this gateway');
  });
});

t.test('a cloud that requires mutual TLS: the link presents upstream.cert and upstream.key', async (t) => {
  const dir = t.testdir();
  const cloudCa = makeCa(dir, 'cloud-ca');
  const siteCa = makeCa(dir, 'site-ca');
  const server = issue(dir, cloudCa, 'cloud', '127.0.0.1', { server: true });
  const client = issue(dir, siteCa, 'site', SITE);
  const cloud = await startCloud(0, { key: server.key, cert: server.cert, clientCa: siteCa.cert });
  t.teardown(() => cloud.close());
  const upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', ca: `\${file:${cloudCa.certFile}}`, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };

  t.test('with the client certificate the link comes up', async (t) => {
    const gw = await startGateway(t, { patch: (c) => (c.upstream = { ...upstream, cert: `\${file:${client.certFile}}`, key: `\${file:${client.keyFile}}` }) });
    await cloud.waitFor((c) => c.action === 'BootNotification', 'the boot over mutual TLS');
    await eventually(() => gw.app.upstream!.online(), 'the link to be up');
    t.same(cloud.clientCertificates, [SITE], 'the cloud saw the site certificate');
  });

  t.test('without it the handshake fails and nothing is sent', async (t) => {
    const before = cloud.calls.length;
    const log = capturingLogger('debug');
    const gw = await startGateway(t, { logger: log.logger, patch: (c) => (c.upstream = upstream) });
    await eventually(() => log.entries().some((e) => e.msg === 'cannot reach the cloud CSMS'), 'a failed connection', 8000);
    t.equal(gw.app.upstream!.online(), false);
    t.equal(cloud.calls.length, before, 'the cloud received nothing from this gateway');
  });
});
