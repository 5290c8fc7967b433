/**
 * PKCS#10 certificate signing requests (RFC 2986) as a charger sends them in
 * SignCertificate.req (OCPP 1.6 security whitepaper; `csr`, PEM, at most 5500 characters).
 * DER is read by ./der.ts; Node's crypto loads the key and checks the self-signature, which
 * proves the charger holds the private key of the key it asks us to certify (RFC 2986 §3).
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { decode, DerError, expect, expectSeq, nullValue, pemToDer, readBitStringBytes, readOid, readSmallInt, TAG, type DerNode } from './der.js';
import { ATTR, MAX_CN_LENGTH, readName, single, type NameAttribute } from './names.js';

/** SignCertificate.req `csr` maxLength (OCPP 1.6 security whitepaper, SignCertificate.req). */
export const MAX_CSR_PEM_LENGTH = 5500;

/** The CSR is well-formed DER but not one we accept (bad signature, weak key, unknown algorithm…). */
export class CsrInvalid extends Error {
  override readonly name = 'CsrInvalid';
}

export interface ParsedCsr {
  readonly subject: readonly NameAttribute[];
  readonly commonName: string | undefined;
  readonly organization: string | undefined;
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo exactly as the charger sent it: copied into the certificate. */
  readonly spki: Uint8Array;
  /** The subjectPublicKey BIT STRING's bytes (for the subjectKeyIdentifier, RFC 5280 §4.2.1.2). */
  readonly publicKeyBits: Uint8Array;
  readonly keyType: 'ec' | 'rsa';
}

/** Signature algorithms we verify, with the key type each needs (RFC 5758 §3.2, RFC 4055 §5). */
export const SIG_ALGS: Readonly<Record<string, { hash: 'sha256' | 'sha384'; key: 'ec' | 'rsa' }>> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256', key: 'ec' }, // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3': { hash: 'sha384', key: 'ec' }, // ecdsa-with-SHA384
  '1.2.840.113549.1.1.11': { hash: 'sha256', key: 'rsa' }, // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12': { hash: 'sha384', key: 'rsa' }, // sha384WithRSAEncryption
};

/** Curves a charger key may use (OCPP security profile 3 suites are P-256/P-384 ECDSA). */
const CURVES = new Set(['prime256v1', 'secp384r1']);
const MIN_RSA_BITS = 2048;

/**
 * Parses and verifies a PEM CSR. Throws DerError for bytes that are not DER of the right
 * shape, CsrInvalid for a well-formed request we refuse; nothing else (Node's own errors are
 * wrapped).
 */
export function parseCsr(pem: string): ParsedCsr {
  if (typeof pem !== 'string') throw new CsrInvalid('CSR is not a string');
  if (pem.length > MAX_CSR_PEM_LENGTH) throw new CsrInvalid(`CSR is ${pem.length} characters, SignCertificate.req allows ${MAX_CSR_PEM_LENGTH}`);
  const der = pemToDer(pem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

  // RFC 2986 §4.2: CertificationRequest ::= SEQUENCE { certificationRequestInfo, signatureAlgorithm, signature BIT STRING }
  const [info, sigAlg, sigBits] = expectSeq(decode(der), 'CertificationRequest', 3);
  // RFC 2986 §4.1: CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) }, subject Name,
  //   subjectPKInfo, attributes [0] Attributes }
  const [version, subject, spkiNode, attributes] = expectSeq(info, 'certificationRequestInfo', 4);
  if (readSmallInt(version, 'CSR version') !== 0) throw new CsrInvalid('CSR version is not v1(0) (RFC 2986 §4.1)');
  expect(attributes, 0xa0, 'CSR attributes [0]');
  const subjectAttrs = readName(subject, 'CSR subject');
  const { spki, publicKeyBits } = readSpki(spkiNode);
  const alg = readAlgorithm(sigAlg, 'CSR signatureAlgorithm');
  const signature = readBitStringBytes(sigBits, 'CSR signature');

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (err) {
    throw new CsrInvalid(`CSR public key cannot be loaded: ${(err as Error).message}`);
  }
  const keyType = checkKey(publicKey);
  if (alg.key !== keyType) throw new CsrInvalid(`CSR is signed with ${alg.oid} but its key is ${keyType.toUpperCase()}`);

  // RFC 2986 §3 step 3: the signature is over the DER of certificationRequestInfo, as sent.
  let ok: boolean;
  try {
    ok = verify(alg.hash, info!.raw, keyType === 'ec' ? { key: publicKey, dsaEncoding: 'der' } : publicKey, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new CsrInvalid('CSR signature does not verify with its own public key');

  return {
    subject: subjectAttrs,
    commonName: single(subjectAttrs, ATTR.CN, 'CSR subject CN'),
    organization: single(subjectAttrs, ATTR.O, 'CSR subject O'),
    publicKey,
    spki,
    publicKeyBits,
    keyType,
  };
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING } (RFC 5280 §4.1.2.7). */
export function readSpki(node: DerNode | undefined): { spki: Uint8Array; publicKeyBits: Uint8Array } {
  const [algorithm, key] = expectSeq(node, 'subjectPublicKeyInfo', 2);
  expectSeq(algorithm, 'subjectPublicKeyInfo algorithm', 1, 2);
  return { spki: node!.raw, publicKeyBits: readBitStringBytes(key, 'subjectPublicKey') };
}

/** AlgorithmIdentifier for a signature we accept; RSA parameters must be NULL or absent, ECDSA's absent (RFC 5758 §3.2). */
function readAlgorithm(node: DerNode | undefined, what: string): { oid: string; hash: 'sha256' | 'sha384'; key: 'ec' | 'rsa' } {
  const [id, params] = expectSeq(node, what, 1, 2);
  const oid = readOid(id, what);
  const alg = SIG_ALGS[oid];
  if (!alg || !Object.hasOwn(SIG_ALGS, oid)) throw new CsrInvalid(`${what} ${oid} is not supported (ECDSA or RSA PKCS#1 v1.5 with SHA-256/384)`);
  if (params) {
    const isNull = params.tag === TAG.NULL && params.raw.length === nullValue().length;
    if (alg.key === 'ec' || !isNull) throw new CsrInvalid(`${what} ${oid} has unexpected parameters`);
  }
  return { oid, ...alg };
}

function checkKey(key: KeyObject): 'ec' | 'rsa' {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (!details.namedCurve || !CURVES.has(details.namedCurve)) throw new CsrInvalid(`CSR key curve ${details.namedCurve ?? 'unknown'} is not P-256 or P-384`);
    return 'ec';
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) throw new CsrInvalid(`CSR RSA key of ${details.modulusLength ?? 0} bits, at least ${MIN_RSA_BITS} needed`);
    return 'rsa';
  }
  throw new CsrInvalid(`CSR key type ${key.asymmetricKeyType ?? 'unknown'} is not EC or RSA`);
}

export { DerError };
