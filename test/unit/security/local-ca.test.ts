import t from 'tap';
import { X509Certificate, createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { caFromFiles, createLocalCa, CsrRefused, LocalCaConfigError, MAX_CHAIN_PEM_LENGTH } from '../../../src/security/local-ca.js';
import { makeCa, makeCsr, openssl, opensslStatus, pemBlocks, write, type KeyKind } from './openssl.js';

const DAY = 24 * 3600 * 1000;

/** CA key kind × charger key kind: every pairing a site may have. */
const PAIRS: [KeyKind, KeyKind][] = [['ec', 'ec'], ['ec', 'rsa'], ['rsa', 'ec'], ['rsa', 'rsa'], ['ec', 'ec384']];

for (const [caKind, cpKind] of PAIRS) {
  t.test(`${caKind} CA signs a ${cpKind} charger CSR; openssl and Node agree it is right`, async (t) => {
    const dir = t.testdir();
    const ca = makeCa(dir, 'ca', caKind);
    const csr = makeCsr(dir, 'cp', cpKind, '/C=DE/O=Charger Vendor/CN=CP-0042');
    const localCa = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 365 });
    const now = new Date();
    const out = localCa.sign(csr.csrPem, 'CP-0042', now);

    const blocks = pemBlocks(out.certificateChain);
    t.equal(blocks.length, 2, 'leaf then CA');
    t.ok(out.certificateChain.length <= MAX_CHAIN_PEM_LENGTH);
    const leaf = new X509Certificate(blocks[0]!);
    const caCert = new X509Certificate(ca.certPem);
    t.equal(new X509Certificate(blocks[1]!).fingerprint256, caCert.fingerprint256, 'second block is the CA certificate');

    // Node's reading
    t.equal(leaf.subject, 'O=Charger Vendor\nCN=CP-0042');
    t.equal(leaf.issuer, caCert.subject, 'issuer is the CA subject');
    t.ok(leaf.checkIssued(caCert), 'checkIssued');
    t.ok(leaf.verify(caCert.publicKey), 'signature verifies with the CA key');
    t.notOk(leaf.verify(createPublicKey(csr.keyPem)), 'and not with another key');
    t.equal(leaf.ca, false);
    t.ok(leaf.checkPrivateKey(createPrivateKey(csr.keyPem)), 'certifies the CSR key');
    t.equal(leaf.serialNumber.toUpperCase(), out.serial);
    t.match(out.serial, /^[0-9A-F]{32}$/, '16 random bytes');
    t.ok(parseInt(out.serial.slice(0, 2), 16) < 0x80, 'positive');
    const notBefore = new Date(leaf.validFrom).getTime();
    const notAfter = new Date(leaf.validTo).getTime();
    t.equal(notBefore, Math.floor((now.getTime() - 5 * 60_000) / 1000) * 1000, 'notBefore = now - 5 min');
    t.equal(notAfter, Math.floor((now.getTime() + 365 * DAY) / 1000) * 1000, 'notAfter = now + validityDays');
    t.equal(out.notAfter.getTime(), notAfter);
    t.same(leaf.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'extendedKeyUsage clientAuth only');

    // openssl's reading
    const leafPath = write(dir, 'leaf.pem', blocks[0]!);
    const verified = opensslStatus(['verify', '-CAfile', ca.certPath, '-purpose', 'sslclient', leafPath], dir);
    t.ok(verified.ok, `openssl verify: ${verified.out}`);
    t.match(verified.out, /leaf\.pem: OK/);
    const text = openssl(['x509', '-in', leafPath, '-noout', '-text'], dir);
    t.match(text, /Version: 3 \(0x2\)/);
    t.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    t.match(text, cpKind === 'rsa' ? /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/ : /X509v3 Key Usage: critical\s+Digital Signature, Key Agreement\n/);
    t.match(text, /X509v3 Extended Key Usage:\s+TLS Web Client Authentication\n/);
    t.match(text, /X509v3 Subject Key Identifier:/);
    t.match(text, /X509v3 Authority Key Identifier:/);
    t.match(text, caKind === 'rsa' ? /Signature Algorithm: sha256WithRSAEncryption/ : /Signature Algorithm: ecdsa-with-SHA256/);
    // The AKI is the CA's SKI (openssl -addext makes the CA with one), and the SKI the SHA-1 of the key.
    const caText = openssl(['x509', '-in', ca.certPath, '-noout', '-text'], dir);
    const caSki = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(caText)?.[1];
    const aki = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
    t.ok(caSki, 'CA has an SKI');
    t.equal(aki, caSki, 'AKI = CA SKI');
    // asn1parse's strict DER reading of the whole chain member (fails on any encoding slip).
    t.ok(opensslStatus(['asn1parse', '-in', leafPath, '-strictpem'], dir).ok, 'asn1parse');
  });
}

t.test('subject: CN alone when the CSR has no O; organization option overrides the CSR O', async (t) => {
  const dir = t.testdir();
  const ca = makeCa(dir, 'ca', 'ec');
  const bare = makeCsr(dir, 'bare', 'ec', '/CN=CP-1');
  const withO = makeCsr(dir, 'witho', 'ec', '/O=Vendor/OU=ignored/CN=CP-2');
  const plain = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 30 });
  const now = new Date();
  t.equal(new X509Certificate(pemBlocks(plain.sign(bare.csrPem, 'CP-1', now).certificateChain)[0]!).subject, 'CN=CP-1');
  t.equal(new X509Certificate(pemBlocks(plain.sign(withO.csrPem, 'CP-2', now).certificateChain)[0]!).subject, 'O=Vendor\nCN=CP-2', 'OU is not copied');
  const operator = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 30, organization: 'Site Operator' });
  t.equal(new X509Certificate(pemBlocks(operator.sign(withO.csrPem, 'CP-2', now).certificateChain)[0]!).subject, 'O=Site Operator\nCN=CP-2');
  t.equal(new X509Certificate(pemBlocks(operator.sign(bare.csrPem, 'CP-1', now).certificateChain)[0]!).subject, 'O=Site Operator\nCN=CP-1');
});

t.test('validity follows the clock passed in, never outlives the CA, and UTCTime turns GeneralizedTime in 2050', async (t) => {
  const dir = t.testdir();
  const ca = makeCa(dir, 'ca', 'ec', { days: 36500 }); // until ~2126
  const csr = makeCsr(dir, 'cp', 'ec', '/CN=CP-9');
  const localCa = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 400 });
  const now = new Date('2049-06-01T12:00:00.750Z');
  const out = localCa.sign(csr.csrPem, 'CP-9', now);
  const leaf = new X509Certificate(pemBlocks(out.certificateChain)[0]!);
  t.equal(new Date(leaf.validFrom).toISOString(), '2049-06-01T11:55:00.000Z');
  t.equal(new Date(leaf.validTo).toISOString(), '2050-07-06T12:00:00.000Z');
  const leafPath = write(dir, 'leaf.pem', pemBlocks(out.certificateChain)[0]!);
  const parsed = openssl(['asn1parse', '-in', leafPath], dir);
  t.match(parsed, /UTCTIME\s+:490601115500Z/);
  t.match(parsed, /GENERALIZEDTIME\s+:20500706120000Z/);

  const shortCa = makeCa(dir, 'short', 'ec', { days: 10 });
  const capped = createLocalCa({ certPem: shortCa.certPem, keyPem: shortCa.keyPem, validityDays: 365 });
  const caEnd = new Date(new X509Certificate(shortCa.certPem).validTo).getTime();
  t.equal(capped.sign(csr.csrPem, 'CP-9', new Date()).notAfter.getTime(), caEnd, 'capped at the CA notAfter');
  t.throws(() => capped.sign(csr.csrPem, 'CP-9', new Date(caEnd + 1000)), CsrRefused, 'expired CA refuses');
  t.throws(() => capped.sign(csr.csrPem, 'CP-9', new Date(Date.now() - 2 * DAY)), CsrRefused, 'not-yet-valid CA refuses');
});

t.test('serials are random and distinct', async (t) => {
  const dir = t.testdir();
  const ca = makeCa(dir, 'ca', 'ec');
  const csr = makeCsr(dir, 'cp', 'ec', '/CN=CP-1');
  const localCa = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 30 });
  const serials = new Set(Array.from({ length: 50 }, () => localCa.sign(csr.csrPem, 'CP-1', new Date()).serial));
  t.equal(serials.size, 50);
});

t.test('refusals carry a reason', async (t) => {
  const dir = t.testdir();
  const ca = makeCa(dir, 'ca', 'ec');
  const localCa = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 30 });
  const now = new Date();
  const csr = makeCsr(dir, 'cp', 'ec', '/O=Vendor/CN=CP-1');
  t.throws(() => localCa.sign(csr.csrPem, 'CP-2', now), new CsrRefused('CSR CN "CP-1" is not the charger identity "CP-2"'), 'CN must be the charger identity');
  t.throws(() => localCa.sign(csr.csrPem, 'cp-1', now), CsrRefused, 'case matters');
  t.throws(() => localCa.sign(csr.csrPem, '', now), CsrRefused, 'no identity');
  const noCn = makeCsr(dir, 'nocn', 'ec', '/O=Vendor/serialNumber=CP-1');
  t.throws(() => localCa.sign(noCn.csrPem, 'CP-1', now), /no CN/);
  const twoCn = makeCsr(dir, 'twocn', 'ec', '/CN=CP-1/CN=CP-2');
  t.throws(() => localCa.sign(twoCn.csrPem, 'CP-1', now), /2 values/);

  // Tampering: change the CN inside the signed part and the signature no longer verifies.
  const der = Buffer.from(csr.csrPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  const at = der.indexOf(Buffer.from('CP-1'));
  t.ok(at > 0);
  der.write('CP-2', at);
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  t.throws(() => localCa.sign(tampered, 'CP-2', now), new CsrRefused('CSR signature does not verify with its own public key'));

  t.throws(() => localCa.sign('hello', 'CP-1', now), /no PEM block/);
  t.throws(() => localCa.sign('-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----', 'CP-1', now), /not valid base64/);
  t.throws(() => localCa.sign(csr.csrPem.padEnd(5501, '\n'), 'CP-1', now), /5501 characters/);
  t.throws(() => localCa.sign(undefined as unknown as string, 'CP-1', now), CsrRefused);
  const weak = makeCsr(dir, 'weak', 'rsa1024', '/CN=CP-1');
  t.throws(() => localCa.sign(weak.csrPem, 'CP-1', now), /1024 bits/);
  const k1 = makeCsr(dir, 'k1', 'secp256k1', '/CN=CP-1');
  t.throws(() => localCa.sign(k1.csrPem, 'CP-1', now), /secp256k1 is not P-256/);
  const ed = makeCsr(dir, 'ed', 'ed25519', '/CN=CP-1');
  t.throws(() => localCa.sign(ed.csrPem, 'CP-1', now), /1\.3\.101\.112 is not supported/);
  t.throws(() => localCa.sign('x', 'CP-1', now), CsrRefused);
  t.throws(() => localCa.sign(csr.csrPem, 'CP-1', new Date(NaN)), TypeError, 'a bad clock is a programming error');
});

t.test('the loader: files, CA:TRUE, the matching key', async (t) => {
  const dir = t.testdir();
  const ca = makeCa(dir, 'ca', 'ec');
  const other = makeCa(dir, 'other', 'ec');
  const leafCert = makeCa(dir, 'leaf', 'ec', { ca: false });
  const rsaCa = makeCa(dir, 'rsaca', 'rsa');
  const csr = makeCsr(dir, 'cp', 'ec', '/CN=CP-1');

  const loaded = await caFromFiles(ca.certPath, ca.keyPath, { validityDays: 10 });
  const out = loaded.sign(csr.csrPem, 'CP-1', new Date());
  t.ok(new X509Certificate(pemBlocks(out.certificateChain)[0]!).checkIssued(new X509Certificate(ca.certPem)));
  t.ok(await caFromFiles(rsaCa.certPath, rsaCa.keyPath, { validityDays: 10 }));

  await t.rejects(caFromFiles(ca.certPath, other.keyPath, { validityDays: 10 }), new LocalCaConfigError('the local CA key does not belong to the local CA certificate'));
  await t.rejects(caFromFiles(leafCert.certPath, leafCert.keyPath, { validityDays: 10 }), /is not a CA: basicConstraints CA:TRUE is required/);
  await t.rejects(caFromFiles(`${dir}/missing.pem`, ca.keyPath, { validityDays: 10 }), /cannot read the local CA certificate .*missing\.pem: ENOENT/);
  await t.rejects(caFromFiles(ca.keyPath, ca.keyPath, { validityDays: 10 }), /not a PEM X\.509 certificate/);
  await t.rejects(caFromFiles(ca.certPath, ca.certPath, { validityDays: 10 }), /key cannot be loaded/);
  await t.rejects(caFromFiles(ca.certPath, ca.keyPath, { validityDays: 0 }), /validityDays must be a positive number/);

  // A CA whose keyUsage lacks keyCertSign cannot sign certificates (RFC 5280 §4.2.1.3).
  const keyPath = `${dir}/nosign.key`;
  const certPath = `${dir}/nosign.pem`;
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', '/CN=nosign', '-days', '10',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,digitalSignature'], dir);
  await t.rejects(caFromFiles(certPath, keyPath, { validityDays: 10 }), /has a keyUsage without keyCertSign/);
});

t.test('a CA without a subjectKeyIdentifier: the AKI is derived from its key (RFC 5280 §4.2.1.2 (1))', async (t) => {
  const dir = t.testdir();
  const keyPath = `${dir}/ca.key`;
  const certPath = `${dir}/ca.pem`;
  const cnf = write(dir, 'ca.cnf', '[req]\ndistinguished_name=dn\nx509_extensions=v3\n[dn]\n[v3]\nbasicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n');
  openssl(['req', '-x509', '-config', cnf, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', '/CN=no-ski', '-days', '10'], dir);
  t.notMatch(openssl(['x509', '-in', certPath, '-noout', '-text'], dir), /Subject Key Identifier/, 'fixture has no SKI');
  const ca = await caFromFiles(certPath, keyPath, { validityDays: 5 });
  const csr = makeCsr(dir, 'cp', 'ec', '/CN=CP-1');
  const leafPath = write(dir, 'leaf.pem', pemBlocks(ca.sign(csr.csrPem, 'CP-1', new Date()).certificateChain)[0]!);
  t.ok(opensslStatus(['verify', '-CAfile', certPath, leafPath], dir).ok);
  // What openssl would compute for the CA's key id (SHA-1 of the public key bits) is what we put in the AKI.
  const pubDer = Buffer.from(openssl(['x509', '-in', certPath, '-noout', '-pubkey'], dir).replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  const expected = createHash('sha1').update(pubDer.subarray(pubDer.length - 65)).digest('hex').toUpperCase().match(/../g)!.join(':');
  t.match(openssl(['x509', '-in', leafPath, '-noout', '-text'], dir), new RegExp(`Authority Key Identifier:\\s*\\n\\s*(?:keyid:)?${expected}`));
});

t.test('an intermediate local CA: the chain carries its parents, a verifier trusting only the root accepts it', async (t) => {
  const dir = t.testdir();
  const root = makeCa(dir, 'root', 'ec', { subj: '/O=Operator/CN=Operator Root' });
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'sub.key', '-out', 'sub.csr', '-subj', '/O=Operator/CN=Site 7 CA'], dir);
  const ext = write(dir, 'sub.ext', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
  openssl(['x509', '-req', '-in', 'sub.csr', '-CA', root.certPath, '-CAkey', root.keyPath, '-CAcreateserial', '-out', 'sub.pem', '-days', '100', '-extfile', ext], dir);
  const subPem = openssl(['x509', '-in', 'sub.pem'], dir);
  const subKey = openssl(['pkey', '-in', 'sub.key'], dir);

  const localCa = createLocalCa({ certPem: subPem + root.certPem, keyPem: subKey, validityDays: 30 });
  const csr = makeCsr(dir, 'cp', 'ec', '/CN=CP-1');
  const blocks = pemBlocks(localCa.sign(csr.csrPem, 'CP-1', new Date()).certificateChain);
  t.equal(blocks.length, 3, 'leaf, intermediate, root');
  t.equal(new X509Certificate(blocks[1]!).subject, 'O=Operator\nCN=Site 7 CA');
  t.equal(new X509Certificate(blocks[2]!).subject, 'O=Operator\nCN=Operator Root');
  const leafPath = write(dir, 'leaf.pem', blocks[0]!);
  const untrusted = write(dir, 'untrusted.pem', blocks[1]!);
  const verified = opensslStatus(['verify', '-CAfile', root.certPath, '-untrusted', untrusted, '-purpose', 'sslclient', leafPath], dir);
  t.ok(verified.ok, verified.out);

  // Parents in the wrong order (or unrelated) are refused at start.
  const other = makeCa(dir, 'other', 'ec');
  t.throws(() => createLocalCa({ certPem: subPem + other.certPem, keyPem: subKey, validityDays: 30 }), /certificate 2 in the file did not issue the one before it/);
  t.throws(() => createLocalCa({ certPem: root.certPem + root.certPem, keyPem: root.keyPem, validityDays: 30 }), /certificate 2 in the file follows a self-signed root/);
});

t.test('what the CSR asks for beyond its name and key is ignored: a charger cannot request CA:TRUE', async (t) => {
  const dir = t.testdir();
  const ca = makeCa(dir, 'ca', 'ec');
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'cp.key', '-out', 'cp.csr', '-subj', '/CN=CP-1',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-addext', 'subjectAltName=DNS:evil.example'], dir);
  const csrPem = openssl(['req', '-in', 'cp.csr'], dir);
  t.match(openssl(['req', '-in', 'cp.csr', '-noout', '-text'], dir), /CA:TRUE/, 'the fixture asks for CA:TRUE');
  const leaf = new X509Certificate(pemBlocks(createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 30 }).sign(csrPem, 'CP-1', new Date()).certificateChain)[0]!);
  t.equal(leaf.ca, false);
  t.equal(leaf.subjectAltName, undefined);
  const text = openssl(['x509', '-noout', '-text'], dir, leaf.toString());
  t.match(text, /Key Usage: critical\s+Digital Signature, Key Agreement\n/);
  t.notMatch(text, /Certificate Sign|evil/);
});
