/**
 * An optional local CA (issue 13 point 3): answers a charger's SignCertificate.req without a
 * cloud by signing its CSR, the result going back in CertificateSigned.req (`certificateChain`,
 * PEM, leaf first, at most 10000 characters). Modelled on OCPP 1.6 security whitepaper use
 * cases A02/A03 "Update Charge Point Certificate" (OCPP 2.0.1 A02/A03): the CSMS checks the
 * request before it is signed; here the checks are that the CSR's self-signature verifies and
 * that its CN is the charger's own identity, so one charger cannot obtain a certificate that
 * names another.
 */
import { createPrivateKey, createPublicKey, createHash, randomBytes, sign as cryptoSign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { derToPem, DerError, nullValue, oid, pemToDer, seq } from './der.js';
import { CsrInvalid, parseCsr } from './csr.js';
import { MAX_CN_LENGTH } from './names.js';
import { encodeCertificate, encodeTbs, EXT, hasKeyUsage, isCaConstraint, KU, readCertParts, readKeyIdentifier } from './x509.js';

export interface LocalCa {
  /** Issues a certificate for a charger's CSR; throws CsrRefused (with a human reason) when it must not. */
  sign(csrPem: string, chargerId: string, now: Date): { certificateChain: string; serial: string; notAfter: Date };
}

/** The CSR must not be signed; `message` says why, fit for a log line or a security event. */
export class CsrRefused extends Error {
  override readonly name = 'CsrRefused';
}

/** The CA certificate or key given at start is unusable; `message` says what to fix. */
export class LocalCaConfigError extends Error {
  override readonly name = 'LocalCaConfigError';
}

/** CertificateSigned.req `certificateChain` maxLength (OCPP 1.6 security whitepaper). */
export const MAX_CHAIN_PEM_LENGTH = 10000;

/** Backdating absorbs a charger clock a little behind ours (RFC 5280 leaves notBefore to the CA). */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface LocalCaOptions {
  certPem: string;
  keyPem: string;
  validityDays: number;
  /** When set, the issued subject's O is this (the operator), whatever the CSR says; else the CSR's O is kept. */
  organization?: string;
}

export function createLocalCa(opts: LocalCaOptions): LocalCa {
  const ca = loadCa(opts);
  // OCPP: certificateChain "SHALL also contain necessary sub-CA certificates", leaf first. The
  // CA's own certificate follows the leaf, then any parents given after it in certPem (a local
  // CA that is itself an intermediate under the operator's root).
  const caPem = [ca.certDer, ...ca.parents].map((der) => derToPem(der, 'CERTIFICATE')).join('');
  // A P-256 leaf is ~800 characters of PEM, an RSA-4096 one ~1900: leave room for the largest.
  if (caPem.length > MAX_CHAIN_PEM_LENGTH - 2000) throw new LocalCaConfigError(`the local CA's certificates take ${caPem.length} characters, leaving no room for a leaf in CertificateSigned.req's ${MAX_CHAIN_PEM_LENGTH}`);

  return {
    sign(csrPem, chargerId, now) {
      if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new TypeError('now must be a valid Date');
      if (typeof chargerId !== 'string' || chargerId.length === 0) throw new CsrRefused('no charger identity to check the CSR against');
      let csr;
      try {
        csr = parseCsr(csrPem);
      } catch (err) {
        if (err instanceof DerError) throw new CsrRefused(`CSR is not a valid PKCS#10 request: ${err.message}`);
        if (err instanceof CsrInvalid) throw new CsrRefused(err.message);
        throw err;
      }
      // The identity check that stops one charger being certified as another (see the header).
      if (csr.commonName === undefined) throw new CsrRefused('CSR subject has no CN; it must be the charger identity');
      if (csr.commonName !== chargerId) throw new CsrRefused(`CSR CN "${printable(csr.commonName)}" is not the charger identity "${printable(chargerId)}"`);
      if (chargerId.length > MAX_CN_LENGTH) throw new CsrRefused(`charger identity longer than ${MAX_CN_LENGTH} characters cannot be a CN (RFC 5280 ub-common-name)`);

      if (now.getTime() < ca.notBefore.getTime()) throw new CsrRefused(`the CA certificate is not valid before ${ca.notBefore.toISOString()}`);
      if (now.getTime() >= ca.notAfter.getTime()) throw new CsrRefused(`the CA certificate expired at ${ca.notAfter.toISOString()}`);
      const notBefore = wholeSeconds(now.getTime() - BACKDATE_MS);
      // Never outlive the CA: a chain with a leaf valid past its issuer fails validation then.
      const notAfter = wholeSeconds(Math.min(now.getTime() + opts.validityDays * DAY_MS, ca.notAfter.getTime()));

      // RFC 5280 §4.1.2.2: positive, at most 20 octets, unique; 16 random bytes (top bit cleared,
      // first byte non-zero so the INTEGER is exactly 16 octets) make collisions negligible.
      const serial = randomBytes(16);
      serial[0] = (serial[0]! & 0x7f) | 0x01;

      const tbs = encodeTbs({
        serial,
        signatureAlg: ca.signatureAlg,
        issuerDer: ca.subjectDer,
        notBefore,
        notAfter,
        subject: { cn: csr.commonName, o: opts.organization ?? csr.organization },
        spki: csr.spki,
        // RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits.
        subjectKeyId: createHash('sha1').update(csr.publicKeyBits).digest(),
        authorityKeyId: ca.keyId,
        // RSA keys do not agree keys; their TLS counterpart to keyAgreement is keyEncipherment.
        keyUsage: csr.keyType === 'ec' ? [KU.digitalSignature, KU.keyAgreement] : [KU.digitalSignature, KU.keyEncipherment],
      });
      const signature = cryptoSign(ca.hash, tbs, ca.key);
      const certDer = encodeCertificate(tbs, ca.signatureAlg, signature);
      const leafPem = derToPem(certDer, 'CERTIFICATE');

      // Self-check before anything leaves: a certificate that does not verify is our bug.
      const issued = new X509Certificate(leafPem);
      if (!issued.verify(ca.publicKey) || !issued.checkIssued(ca.cert)) throw new Error('local CA produced a certificate that does not verify against itself');

      const certificateChain = leafPem + caPem;
      if (certificateChain.length > MAX_CHAIN_PEM_LENGTH) throw new CsrRefused(`certificate chain of ${certificateChain.length} characters exceeds CertificateSigned.req's ${MAX_CHAIN_PEM_LENGTH}`);
      return { certificateChain, serial: issued.serialNumber.toUpperCase(), notAfter };
    },
  };
}

/** Reads the CA certificate and key from files (PEM) and builds the CA; errors name the file. */
export async function caFromFiles(certPath: string, keyPath: string, opts: { validityDays: number; organization?: string }): Promise<LocalCa> {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new LocalCaConfigError(`cannot read the local CA ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const [certPem, keyPem] = await Promise.all([read(certPath, 'certificate'), read(keyPath, 'key')]);
  return createLocalCa({ certPem, keyPem, ...opts });
}

interface LoadedCa {
  cert: X509Certificate;
  certDer: Uint8Array;
  /** The CA's issuers, nearest first, from certPem after the CA's own certificate. */
  parents: Uint8Array[];
  key: KeyObject;
  publicKey: KeyObject;
  subjectDer: Uint8Array;
  keyId: Uint8Array;
  signatureAlg: Uint8Array;
  hash: 'sha256' | 'sha384';
  notBefore: Date;
  notAfter: Date;
}

function loadCa(opts: LocalCaOptions): LoadedCa {
  if (!Number.isFinite(opts.validityDays) || opts.validityDays <= 0) throw new LocalCaConfigError(`validityDays must be a positive number, got ${opts.validityDays}`);
  if (opts.organization !== undefined && (opts.organization.length === 0 || opts.organization.length > 64)) throw new LocalCaConfigError('organization must be 1..64 characters (RFC 5280 ub-organization-name)');
  let certDer: Uint8Array;
  let cert: X509Certificate;
  const parents: Uint8Array[] = [];
  try {
    const blocks = opts.certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new DerError('no PEM block labelled "CERTIFICATE"');
    certDer = pemToDer(blocks[0]!, ['CERTIFICATE']);
    cert = new X509Certificate(Buffer.from(certDer));
    let child = cert;
    for (const block of blocks.slice(1)) {
      const der = pemToDer(block, ['CERTIFICATE']);
      const parent = new X509Certificate(Buffer.from(der));
      if (child.checkIssued(child)) throw new Error(`certificate ${parents.length + 2} in the file follows a self-signed root`);
      // Each parent must have issued the one before it, or the chain we hand out is a lie.
      if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) throw new Error(`certificate ${parents.length + 2} in the file did not issue the one before it`);
      parents.push(der);
      child = parent;
    }
  } catch (err) {
    throw new LocalCaConfigError(`the local CA certificate is not a PEM X.509 certificate (the CA first, then its parents): ${(err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(opts.keyPem);
  } catch (err) {
    throw new LocalCaConfigError(`the local CA key cannot be loaded (PEM, unencrypted): ${(err as Error).message}`);
  }

  let parts;
  try {
    parts = readCertParts(certDer);
  } catch (err) {
    throw new LocalCaConfigError(`the local CA certificate cannot be read: ${(err as Error).message}`);
  }
  const bc = parts.extensions.get(EXT.basicConstraints);
  const subject = cert.subject.replace(/\n/g, ', ');
  if (!bc || !isCaConstraint(bc.value)) throw new LocalCaConfigError(`the local CA certificate (${subject}) is not a CA: basicConstraints CA:TRUE is required (RFC 5280 §4.2.1.9)`);
  const ku = parts.extensions.get(EXT.keyUsage);
  if (ku && !hasKeyUsage(ku.value, KU.keyCertSign)) throw new LocalCaConfigError(`the local CA certificate (${subject}) has a keyUsage without keyCertSign (RFC 5280 §4.2.1.3)`);
  // OpenSSL's own verdict (X509_check_ca) as a backstop for anything the two checks above miss.
  if (!cert.ca) throw new LocalCaConfigError(`the local CA certificate (${subject}) is not usable as a CA`);
  if (!cert.checkPrivateKey(key)) throw new LocalCaConfigError('the local CA key does not belong to the local CA certificate');
  const ski = parts.extensions.get(EXT.subjectKeyIdentifier);
  // RFC 5280 §4.2.1.1: the AKI of what we issue is the CA's SKI; without one, derive it as §4.2.1.2 (1) does.
  const keyId = ski ? readKeyIdentifier(ski.value) : createHash('sha1').update(parts.publicKeyBits).digest();

  const { signatureAlg, hash } = signatureFor(key);
  return {
    cert,
    certDer,
    parents,
    key,
    publicKey: createPublicKey(key),
    subjectDer: parts.subjectDer,
    keyId,
    signatureAlg,
    hash,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
  };
}

/** The CA's signature algorithm (RFC 5758 §3.2 for ECDSA: no parameters; RFC 4055 §5 for RSA: NULL). */
function signatureFor(key: KeyObject): { signatureAlg: Uint8Array; hash: 'sha256' | 'sha384' } {
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { signatureAlg: seq(oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
    if (curve === 'secp384r1') return { signatureAlg: seq(oid('1.2.840.10045.4.3.3')), hash: 'sha384' };
    throw new LocalCaConfigError(`the local CA key's curve ${curve ?? 'unknown'} is not supported (P-256 or P-384)`);
  }
  if (key.asymmetricKeyType === 'rsa') return { signatureAlg: seq(oid('1.2.840.113549.1.1.11'), nullValue()), hash: 'sha256' };
  throw new LocalCaConfigError(`the local CA key type ${key.asymmetricKeyType ?? 'unknown'} is not supported (EC P-256/P-384 or RSA)`);
}

function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** A CN from a charger goes into a log line: keep it short and free of control characters. */
function printable(s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}
