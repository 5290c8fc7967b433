import t from 'tap';
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { CsrInvalid, MAX_CSR_PEM_LENGTH, parseCsr } from '../../../src/security/csr.js';
import { bitString, DerError, derToPem, explicit, nullValue, oid, seq, set, smallInt, utf8String } from '../../../src/security/der.js';
import { makeCsr, openssl } from './openssl.js';

t.test('reads openssl CSRs: subject, key, and the signature checks out', async (t) => {
  const dir = t.testdir();
  for (const kind of ['ec', 'ec384', 'rsa'] as const) {
    const csr = makeCsr(dir, kind, kind, '/C=DE/O=Vendör GmbH/OU=Lab/CN=CP-7');
    const parsed = parseCsr(csr.csrPem);
    t.equal(parsed.commonName, 'CP-7', kind);
    t.equal(parsed.organization, 'Vendör GmbH', `${kind}: UTF-8 O`);
    t.same(parsed.subject.map((a) => a.oid), ['2.5.4.6', '2.5.4.10', '2.5.4.11', '2.5.4.3']);
    t.equal(parsed.keyType, kind === 'rsa' ? 'rsa' : 'ec');
    const expected = createPublicKey(createPrivateKey(csr.keyPem)).export({ type: 'spki', format: 'der' });
    t.same(Buffer.from(parsed.spki), expected, `${kind}: SPKI is the charger's key`);
    t.same(parsed.publicKey.export({ type: 'spki', format: 'der' }), expected);
  }
  // RSA with SHA-384 (openssl -sha384) is accepted too.
  const rsa = makeCsr(dir, 'r384', 'rsa', '/CN=CP-8');
  const resigned = openssl(['req', '-new', '-key', rsa.keyPath, '-sha384', '-subj', '/CN=CP-8'], dir);
  t.match(openssl(['req', '-in', '-', '-noout', '-text'], dir, resigned), /sha384WithRSAEncryption/);
  t.equal(parseCsr(resigned).commonName, 'CP-8');
  // The legacy label some chargers still emit.
  t.equal(parseCsr(rsa.csrPem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST')).commonName, 'CP-8');
});

/** Builds a CSR by hand, signed with `keyPem`, with any field swapped for a test. */
function handCsr(keyPem: string, o: { version?: number; name?: Uint8Array; alg?: Uint8Array; hash?: string; attrs?: Uint8Array; sigOverride?: Uint8Array } = {}): string {
  const key = createPrivateKey(keyPem);
  const spki = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
  const info = seq(smallInt(o.version ?? 0), o.name ?? seq(set(seq(oid('2.5.4.3'), utf8String('CP-1')))), spki, o.attrs ?? explicit(0, new Uint8Array(0)));
  const sig = o.sigOverride ?? new Uint8Array(sign(o.hash ?? 'sha256', info, key));
  return derToPem(seq(info, o.alg ?? seq(oid('1.2.840.10045.4.3.2')), bitString(sig)), 'CERTIFICATE REQUEST');
}

t.test('hand-made CSRs: what RFC 2986 allows and what it does not', async (t) => {
  const dir = t.testdir();
  const ec = makeCsr(dir, 'ec', 'ec', '/CN=x');
  const rsa = makeCsr(dir, 'rsa', 'rsa', '/CN=x');
  t.equal(parseCsr(handCsr(ec.keyPem)).commonName, 'CP-1', 'the hand-made baseline parses');
  t.equal(parseCsr(handCsr(rsa.keyPem, { alg: seq(oid('1.2.840.113549.1.1.11'), nullValue()) })).keyType, 'rsa', 'RSA with NULL parameters');
  t.equal(parseCsr(handCsr(rsa.keyPem, { alg: seq(oid('1.2.840.113549.1.1.11')) })).keyType, 'rsa', 'RSA with absent parameters');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { version: 1 })), new CsrInvalid('CSR version is not v1(0) (RFC 2986 §4.1)'));
  t.throws(() => parseCsr(handCsr(ec.keyPem, { alg: seq(oid('1.2.840.10045.4.3.2'), nullValue()) })), /unexpected parameters/, 'ECDSA with parameters');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { alg: seq(oid('1.2.840.113549.1.1.11'), nullValue()) })), /signed with 1\.2\.840\.113549\.1\.1\.11 but its key is EC/, 'algorithm/key mismatch');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { alg: seq(oid('1.2.840.10045.4.3.1')), hash: 'sha224' })), /1\.2\.840\.10045\.4\.3\.1 is not supported/, 'SHA-224');
  t.throws(() => parseCsr(handCsr(rsa.keyPem, { alg: seq(oid('1.2.840.113549.1.1.5'), nullValue()), hash: 'sha1' })), /not supported/, 'SHA-1 RSA');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { hash: 'sha384' })), /does not verify/, 'hash not the one announced');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { sigOverride: new Uint8Array(70) })), /does not verify/, 'garbage signature');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { sigOverride: new Uint8Array(0) })), /does not verify/, 'empty signature');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { attrs: seq() })), /CSR attributes \[0\]: expected tag 0xa0/);
  t.throws(() => parseCsr(handCsr(ec.keyPem, { name: seq(set(seq(oid('2.5.4.3'), Uint8Array.of(0x1e, 0x02, 0x00, 0x41)))) })), /unsupported string type/, 'BMPString CN');
  t.equal(parseCsr(handCsr(ec.keyPem, { name: seq(set(seq(oid('2.5.4.7'), Uint8Array.of(0x1e, 0x02, 0x00, 0x41))), set(seq(oid('2.5.4.3'), utf8String('CP-1')))) })).commonName, 'CP-1', 'BMPString in an attribute we ignore is fine');
  t.throws(() => parseCsr(handCsr(ec.keyPem, { name: seq(set()) })), /RDN: 0 element/, 'empty RDN');
  // Garbage where the key should be: Node's loader fails, we say why.
  const badKey = seq(seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')), bitString(Uint8Array.of(4, 1, 2, 3)));
  const info = seq(smallInt(0), seq(), badKey, explicit(0, new Uint8Array(0)));
  t.throws(() => parseCsr(derToPem(seq(info, seq(oid('1.2.840.10045.4.3.2')), bitString(new Uint8Array(8))), 'CERTIFICATE REQUEST')), /public key cannot be loaded/);
});

t.test('errors are only DerError or CsrInvalid', async (t) => {
  const long = '-----BEGIN CERTIFICATE REQUEST-----\n' + 'A'.repeat(MAX_CSR_PEM_LENGTH) + '\n-----END CERTIFICATE REQUEST-----';
  t.throws(() => parseCsr(long), CsrInvalid, 'too long for SignCertificate.req');
  t.throws(() => parseCsr(derToPem(Uint8Array.of(0x30, 0x00), 'CERTIFICATE REQUEST')), DerError);
  t.throws(() => parseCsr(derToPem(seq(seq(), seq(), seq()), 'CERTIFICATE REQUEST')), DerError);
  t.throws(() => parseCsr(42 as unknown as string), CsrInvalid);
});
