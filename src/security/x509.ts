/**
 * The X.509 v3 pieces the local CA needs (RFC 5280 §4.1): reading the parts of its own
 * certificate that Node's X509Certificate does not expose as DER (the subject Name, the key
 * bits, the extensions), and writing a TBSCertificate for a charger.
 */
import { bitString, bool, decode, DerError, expect, expectSeq, explicit, implicitPrimitive, namedBits, octetString, oid, readOid, seq, set, smallInt, TAG, time, unsignedInt, utf8String, type DerNode } from './der.js';
import { readSpki } from './csr.js';
import { ATTR } from './names.js';

export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

/** id-kp-clientAuth (RFC 5280 §4.2.1.12): the charger presents the certificate as a TLS client (security profile 3). */
export const KP_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** keyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KU = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5 } as const;

export interface CertParts {
  /** The subject Name's DER, copied verbatim as the issuer of what we sign (RFC 5280 §4.1.2.4 name chaining). */
  readonly subjectDer: Uint8Array;
  readonly publicKeyBits: Uint8Array;
  readonly extensions: ReadonlyMap<string, { critical: boolean; value: Uint8Array }>;
}

export function readCertParts(der: Uint8Array): CertParts {
  const [tbs] = expectSeq(decode(der), 'Certificate', 3);
  const kids = expectSeq(tbs, 'tbsCertificate', 6, 10);
  // version [0] EXPLICIT is present for v2/v3; without it the fields shift by one.
  const at = kids[0]!.tag === 0xa0 ? 1 : 0;
  const subject = expect(kids[at + 4], TAG.SEQUENCE, 'certificate subject');
  const { publicKeyBits } = readSpki(kids[at + 5]);
  const extensions = new Map<string, { critical: boolean; value: Uint8Array }>();
  const extsNode = kids.slice(at + 6).find((k) => k.tag === 0xa3);
  if (extsNode) {
    const [list] = expectSeq(extsNode, 'extensions [3]', 1, 1, 0xa3);
    for (const ext of expectSeq(list, 'extensions', 1, 64)) {
      const parts = expectSeq(ext, 'extension', 2, 3);
      const id = readOid(parts[0], 'extnID');
      const critical = parts.length === 3 && expect(parts[1], TAG.BOOLEAN, 'critical').value[0] !== 0;
      const value = expect(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue').value;
      if (extensions.has(id)) throw new DerError(`extension ${id} appears twice (RFC 5280 §4.2)`);
      extensions.set(id, { critical, value });
    }
  }
  return { subjectDer: subject.raw, publicKeyBits, extensions };
}

/** keyIdentifier from a subjectKeyIdentifier extension value: KeyIdentifier ::= OCTET STRING. */
export function readKeyIdentifier(value: Uint8Array): Uint8Array {
  return expect(decode(value), TAG.OCTET_STRING, 'subjectKeyIdentifier').value;
}

/** Whether a keyUsage extension value asserts a bit (RFC 5280 §4.2.1.3). */
export function hasKeyUsage(value: Uint8Array, bit: number): boolean {
  const v = expect(decode(value), TAG.BIT_STRING, 'keyUsage').value;
  const byte = v[1 + (bit >> 3)];
  return byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } (RFC 5280 §4.2.1.9). */
export function isCaConstraint(value: Uint8Array): boolean {
  const [first] = expectSeq(decode(value), 'basicConstraints', 0, 2);
  return first?.tag === TAG.BOOLEAN && first.value.length === 1 && first.value[0] !== 0;
}

/** One RDN per attribute, O before CN (most significant first, as RFC 4514 prints it reversed). */
export function encodeName(attrs: readonly { oid: string; text: string }[]): Uint8Array {
  // RFC 5280 §4.1.2.4: new certificates MUST use UTF8String for DirectoryString.
  return seq(...attrs.map((a) => set(seq(oid(a.oid), utf8String(a.text)))));
}

export interface TbsInput {
  readonly serial: Uint8Array;
  readonly signatureAlg: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: { readonly cn: string; readonly o: string | undefined };
  readonly spki: Uint8Array;
  readonly subjectKeyId: Uint8Array;
  readonly authorityKeyId: Uint8Array;
  readonly keyUsage: readonly number[];
}

/** TBSCertificate (RFC 5280 §4.1) for an end-entity (charger) certificate. */
export function encodeTbs(t: TbsInput): Uint8Array {
  const subject = encodeName([...(t.subject.o !== undefined ? [{ oid: ATTR.O, text: t.subject.o }] : []), { oid: ATTR.CN, text: t.subject.cn }]);
  const ext = (id: string, critical: boolean, value: Uint8Array): Uint8Array =>
    // critical BOOLEAN DEFAULT FALSE: DER omits a default (X.690 §11.5).
    seq(oid(id), ...(critical ? [bool(true)] : []), octetString(value));
  const extensions = seq(
    // §4.2.1.9: cA defaults to FALSE, so the DER of "not a CA" is an empty SEQUENCE; critical so
    // no verifier can ignore it.
    ext(EXT.basicConstraints, true, seq()),
    // §4.2.1.3: "conforming CAs SHOULD mark this extension as critical".
    ext(EXT.keyUsage, true, namedBits(t.keyUsage)),
    ext(EXT.extKeyUsage, false, seq(oid(KP_CLIENT_AUTH))),
    // §4.2.1.2: SHOULD be present in end-entity certificates.
    ext(EXT.subjectKeyIdentifier, false, octetString(t.subjectKeyId)),
    // §4.2.1.1: MUST be present (unless self-signed); keyIdentifier [0] IMPLICIT KeyIdentifier.
    ext(EXT.authorityKeyIdentifier, false, seq(implicitPrimitive(0, t.authorityKeyId))),
  );
  return seq(
    explicit(0, smallInt(2)), // v3 (§4.1.2.1: extensions present → version 3)
    unsignedInt(t.serial),
    t.signatureAlg,
    t.issuerDer,
    seq(time(t.notBefore), time(t.notAfter)),
    subject,
    t.spki,
    explicit(3, extensions),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280 §4.1.1). */
export function encodeCertificate(tbs: Uint8Array, signatureAlg: Uint8Array, signature: Uint8Array): Uint8Array {
  return seq(tbs, signatureAlg, bitString(signature));
}

export type { DerNode };
