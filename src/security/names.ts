/**
 * X.501 Names as RFC 5280 §4.1.2.4 profiles them: Name ::= SEQUENCE OF RelativeDistinguishedName,
 * RDN ::= SET SIZE (1..MAX) OF AttributeTypeAndValue. Only the attributes a charger certificate
 * carries get a short name; the rest are kept by OID so nothing is silently dropped.
 */
import { DerError, expectSeq, readOid, readString, TAG, type DerNode } from './der.js';

export const ATTR = {
  CN: '2.5.4.3',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  serialNumber: '2.5.4.5',
} as const;

export interface NameAttribute {
  readonly oid: string;
  /** The decoded text, or undefined for a value of a type we do not decode (e.g. BMPString). */
  readonly text: string | undefined;
}

/** RFC 5280 §4.1.2.4 / Appendix A: ub-common-name is 64 characters. */
export const MAX_CN_LENGTH = 64;

export function readName(node: DerNode | undefined, what: string): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of expectSeq(node, what, 0, 64)) {
    for (const atv of expectSeq(rdn, `${what} RDN`, 1, 16, TAG.SET)) {
      const [type, value] = expectSeq(atv, `${what} attribute`, 2);
      const oid = readOid(type, `${what} attribute type`);
      let text: string | undefined;
      try {
        text = readString(value, `${what} ${oid}`);
      } catch (err) {
        // An exotic string type in an attribute we never read is harmless; in CN or O it is not.
        if (oid === ATTR.CN || oid === ATTR.O) throw err;
        text = undefined;
      }
      out.push({ oid, text });
    }
  }
  return out;
}

/** The single value of an attribute; two values (e.g. two CNs) are ambiguous and refused. */
export function single(attrs: readonly NameAttribute[], oid: string, what: string): string | undefined {
  const found = attrs.filter((a) => a.oid === oid);
  if (found.length > 1) throw new DerError(`${what}: ${found.length} values, expected at most one`);
  return found[0]?.text;
}
