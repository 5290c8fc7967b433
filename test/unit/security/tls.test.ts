/**
 * The proof that matters: a charger presenting what the local CA issued gets through a TLS
 * server that requires client certificates from that CA (security profile 3), and one
 * presenting a certificate from another CA does not.
 */
import t from 'tap';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createLocalCa } from '../../../src/security/local-ca.js';
import { makeCa, makeCsr, type KeyKind } from './openssl.js';

interface Seen {
  authorized: boolean;
  error: string | undefined;
  cn: unknown;
}

async function handshake(ca: string, server: { key: string; cert: string }, client: { key: string; cert: string }): Promise<Seen> {
  const srv = createServer({ ...server, ca: [ca], requestCert: true, rejectUnauthorized: false });
  const seen = new Promise<Seen>((resolve) => {
    srv.on('secureConnection', (s: TLSSocket) => {
      resolve({ authorized: s.authorized, error: s.authorizationError?.toString(), cn: s.getPeerCertificate().subject?.CN });
      s.end();
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  const sock = connect({ host: '127.0.0.1', port, ...client, rejectUnauthorized: false });
  sock.on('error', () => {});
  try {
    return await seen;
  } finally {
    sock.destroy();
    await new Promise((resolve) => srv.close(resolve));
  }
}

const PAIRS: [KeyKind, KeyKind][] = [['ec', 'ec'], ['rsa', 'rsa'], ['ec', 'rsa']];

for (const [caKind, cpKind] of PAIRS) {
  t.test(`TLS client auth with a ${cpKind} charger certificate from a ${caKind} local CA`, async (t) => {
    const dir = t.testdir();
    const ca = makeCa(dir, 'ca', caKind);
    const serverCert = makeCa(dir, 'server', 'ec', { ca: false, subj: '/CN=gateway' });
    const cp = makeCsr(dir, 'cp', cpKind, '/O=Vendor/CN=CP-TLS');
    const { certificateChain } = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 30 }).sign(cp.csrPem, 'CP-TLS', new Date());
    const server = { key: serverCert.keyPem, cert: serverCert.certPem };

    const good = await handshake(ca.certPem, server, { key: cp.keyPem, cert: certificateChain });
    t.same(good, { authorized: true, error: undefined, cn: 'CP-TLS' }, 'authorized');

    // The same certificate against a server trusting another CA: refused.
    const stranger = makeCa(dir, 'stranger', caKind);
    const bad = await handshake(stranger.certPem, server, { key: cp.keyPem, cert: certificateChain });
    t.equal(bad.authorized, false, 'not authorized by a stranger CA');
    // The chain carries our CA, which the stranger does not trust.
    t.equal(bad.error, 'SELF_SIGNED_CERT_IN_CHAIN');

    // A charger that installs only the leaf still gets in: the server has the CA.
    const leafOnly = certificateChain.slice(0, certificateChain.indexOf('-----END CERTIFICATE-----') + 26);
    t.same(await handshake(ca.certPem, server, { key: cp.keyPem, cert: leafOnly }), { authorized: true, error: undefined, cn: 'CP-TLS' }, 'leaf alone');
  });
}
