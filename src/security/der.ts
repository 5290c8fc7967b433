/**
 * Minimal DER (ITU-T X.690 §10) reader and writer: just what X.509 certificates (RFC 5280)
 * and PKCS#10 requests (RFC 2986) need. The reader is fed hostile bytes (a CSR from any
 * charger), so every length is checked against the bytes actually present, nesting is capped,
 * and anything DER forbids (indefinite lengths, non-minimal lengths, high tag numbers) is
 * refused with a DerError instead of being guessed at. No `node:` import: pure.
 */

/** The one error this module throws: the input is not the DER we accept. */
export class DerError extends Error {
  override readonly name = 'DerError';
}

/** Universal tags used here (X.690 §8.x; the byte includes the constructed bit where DER requires it). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Deep enough for any certificate or CSR (they nest < 12 levels); shallow enough for the stack. */
export const MAX_DEPTH = 32;

/** One decoded TLV. `raw` is the whole encoding (for signatures over it), `value` the contents. */
export interface DerNode {
  readonly tag: number;
  readonly raw: Uint8Array;
  readonly value: Uint8Array;
  /** Parsed contents when the constructed bit (0x20) is set, else empty. */
  readonly children: readonly DerNode[];
}

/** Decodes exactly one TLV filling all of `bytes`; trailing bytes are an error (a CSR is one value). */
export function decode(bytes: Uint8Array): DerNode {
  const [node, end] = readNode(bytes, 0, 0);
  if (end !== bytes.length) throw new DerError(`${bytes.length - end} trailing byte(s) after the DER value`);
  return node;
}

function readNode(buf: Uint8Array, start: number, depth: number): [DerNode, number] {
  if (depth > MAX_DEPTH) throw new DerError(`nesting deeper than ${MAX_DEPTH}`);
  if (start + 2 > buf.length) throw new DerError(`truncated header at offset ${start}`);
  const tag = buf[start]!;
  // X.690 §8.1.2.4: tag number 31 means a multi-byte tag; nothing in X.509 needs one.
  if ((tag & 0x1f) === 0x1f) throw new DerError(`high tag number at offset ${start}`);
  let pos = start + 1;
  const first = buf[pos++]!;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const count = first & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids (X.690 §10.1); 4 bytes already allow 4 GiB.
    if (count === 0) throw new DerError(`indefinite length at offset ${start}`);
    if (count > 4) throw new DerError(`length of ${count} bytes at offset ${start}`);
    if (pos + count > buf.length) throw new DerError(`truncated length at offset ${start}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++]!;
    // X.690 §10.1: the definite form must use the fewest octets.
    if (length < 0x80 || buf[start + 2] === 0) throw new DerError(`non-minimal length at offset ${start}`);
  }
  const end = pos + length;
  if (end > buf.length) throw new DerError(`length ${length} at offset ${start} runs past the end (${buf.length - pos} byte(s) left)`);
  const value = buf.subarray(pos, end);
  const children: DerNode[] = [];
  if (tag & 0x20) {
    let at = pos;
    while (at < end) {
      const [child, next] = readNode(buf.subarray(0, end), at, depth + 1);
      children.push(child);
      at = next;
    }
  }
  return [{ tag, raw: buf.subarray(start, end), value, children }, end];
}

// ---------------------------------------------------------------- reading typed values

/** Asserts a node's tag; `what` names the field in the error (e.g. "subjectPKInfo"). */
export function expect(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`${what}: missing`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${hex2(tag)}, got 0x${hex2(node.tag)}`);
  return node;
}

/** A SEQUENCE (or SET) with its children, checking the count (RFC 2986/5280 structures are fixed). */
export function expectSeq(node: DerNode | undefined, what: string, min: number, max = min, tag: number = TAG.SEQUENCE): readonly DerNode[] {
  const kids = expect(node, tag, what).children;
  if (kids.length < min || kids.length > max) throw new DerError(`${what}: ${kids.length} element(s), expected ${min === max ? min : `${min}..${max}`}`);
  return kids;
}

/** INTEGER contents as a non-negative number small enough to be exact (versions, counts). */
export function readSmallInt(node: DerNode | undefined, what: string): number {
  const v = expect(node, TAG.INTEGER, what).value;
  if (v.length === 0 || v.length > 4) throw new DerError(`${what}: integer of ${v.length} byte(s)`);
  if (v[0]! & 0x80) throw new DerError(`${what}: negative integer`);
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** OBJECT IDENTIFIER as dotted text (X.690 §8.19). */
export function readOid(node: DerNode | undefined, what: string): string {
  const v = expect(node, TAG.OID, what).value;
  if (v.length === 0 || v.length > 64) throw new DerError(`${what}: OID of ${v.length} byte(s)`);
  if (v[v.length - 1]! & 0x80) throw new DerError(`${what}: OID ends mid-arc`);
  const arcs: number[] = [];
  let arc = 0;
  let arcStart = true;
  for (const b of v) {
    if (arcStart && b === 0x80) throw new DerError(`${what}: OID arc with a leading zero`);
    arc = arc * 128 + (b & 0x7f);
    if (arc > Number.MAX_SAFE_INTEGER / 128) throw new DerError(`${what}: OID arc too large`);
    arcStart = (b & 0x80) === 0;
    if (arcStart) {
      arcs.push(arc);
      arc = 0;
    }
  }
  const head = arcs[0]!;
  const [a, b] = head < 40 ? [0, head] : head < 80 ? [1, head - 40] : [2, head - 80];
  return [a, b, ...arcs.slice(1)].join('.');
}

/** BIT STRING contents whose bit count is a whole number of bytes (keys and signatures are). */
export function readBitStringBytes(node: DerNode | undefined, what: string): Uint8Array {
  const v = expect(node, TAG.BIT_STRING, what).value;
  if (v.length === 0) throw new DerError(`${what}: empty BIT STRING`);
  if (v[0] !== 0) throw new DerError(`${what}: ${v[0]} unused bit(s), expected whole bytes`);
  return v.subarray(1);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A directory string (RFC 5280 §4.1.2.4): UTF8String, PrintableString or IA5String. */
export function readString(node: DerNode | undefined, what: string): string {
  if (!node) throw new DerError(`${what}: missing`);
  switch (node.tag) {
    case TAG.UTF8_STRING:
      try {
        return utf8.decode(node.value);
      } catch {
        throw new DerError(`${what}: invalid UTF-8`);
      }
    case TAG.PRINTABLE_STRING:
      // X.680 §41.4: A-Z a-z 0-9 space ' ( ) + , - . / : = ?
      for (const b of node.value) if (!/[A-Za-z0-9 '()+,\-./:=?]/.test(String.fromCharCode(b))) throw new DerError(`${what}: character 0x${hex2(b)} not allowed in PrintableString`);
      return String.fromCharCode(...node.value);
    case TAG.IA5_STRING:
      for (const b of node.value) if (b > 0x7f) throw new DerError(`${what}: non-ASCII byte in IA5String`);
      return String.fromCharCode(...node.value);
    default:
      throw new DerError(`${what}: unsupported string type 0x${hex2(node.tag)}`);
  }
}

// ---------------------------------------------------------------- writing

/** Header + contents (X.690 §10.1: definite length, minimal form). */
export function tlv(tag: number, contents: Uint8Array): Uint8Array {
  const n = contents.length;
  let header: number[];
  if (n < 0x80) header = [tag, n];
  else {
    const lenBytes: number[] = [];
    for (let m = n; m > 0; m = Math.floor(m / 256)) lenBytes.unshift(m % 256);
    header = [tag, 0x80 | lenBytes.length, ...lenBytes];
  }
  const out = new Uint8Array(header.length + n);
  out.set(header, 0);
  out.set(contents, header.length);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const seq = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, concat(items));

/** SET OF: X.690 §11.6 orders the encodings; our sets hold one element, but sort anyway. */
export const set = (...items: Uint8Array[]): Uint8Array => tlv(TAG.SET, concat([...items].sort(compareBytes)));

/** [n] EXPLICIT (constructed context tag wrapping a whole TLV). */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);

/** [n] IMPLICIT of a primitive type: the contents under a context tag. */
export const implicitPrimitive = (n: number, contents: Uint8Array): Uint8Array => tlv(0x80 | n, contents);

export const nullValue = (): Uint8Array => tlv(TAG.NULL, new Uint8Array(0));
export const bool = (v: boolean): Uint8Array => tlv(TAG.BOOLEAN, Uint8Array.of(v ? 0xff : 0x00));
export const octetString = (v: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, v);
export const utf8String = (s: string): Uint8Array => tlv(TAG.UTF8_STRING, new TextEncoder().encode(s));

/** BIT STRING of whole bytes (0 unused bits). */
export const bitString = (v: Uint8Array): Uint8Array => tlv(TAG.BIT_STRING, concat([Uint8Array.of(0), v]));

/**
 * A named-bit BIT STRING such as keyUsage: X.690 §11.2.2 says trailing zero bits are dropped,
 * so the unused-bit count is that of the last set bit. Bit 0 is the most significant of byte 0.
 */
export function namedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return tlv(TAG.BIT_STRING, Uint8Array.of(0));
  const last = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(last / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return tlv(TAG.BIT_STRING, concat([Uint8Array.of(7 - (last & 7)), bytes]));
}

/** INTEGER from unsigned big-endian bytes: strip leading zeros, add one if the top bit is set (X.690 §8.3). */
export function unsignedInt(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return tlv(TAG.INTEGER, v.length > 0 && v[0]! & 0x80 ? concat([Uint8Array.of(0), v]) : v.length ? v : Uint8Array.of(0));
}

export const smallInt = (n: number): Uint8Array => {
  const bytes: number[] = [];
  for (let m = n; m > 0; m = Math.floor(m / 256)) bytes.unshift(m % 256);
  return unsignedInt(Uint8Array.from(bytes.length ? bytes : [0]));
};

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new DerError(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (n: number): void => {
    const chunk: number[] = [n % 128];
    for (let m = Math.floor(n / 128); m > 0; m = Math.floor(m / 128)) chunk.unshift(0x80 | (m % 128));
    out.push(...chunk);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return tlv(TAG.OID, Uint8Array.from(out));
}

/**
 * RFC 5280 §4.1.2.5: dates through 2049 as UTCTime (YYMMDDHHMMSSZ), from 2050 as
 * GeneralizedTime (YYYYMMDDHHMMSSZ), always UTC, seconds present, no fractions.
 */
export function time(d: Date): Uint8Array {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  const year = d.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new DerError(`date ${iso} cannot be encoded`);
  const text = year < 2050 ? digits.slice(2) + 'Z' : digits + 'Z';
  return tlv(year < 2050 ? TAG.UTC_TIME : TAG.GENERALIZED_TIME, new TextEncoder().encode(text));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

// ---------------------------------------------------------------- PEM

/**
 * The base64 body of the first PEM block with this label (RFC 7468 §3), decoded strictly:
 * only base64 characters and whitespace between the boundaries, otherwise a DerError.
 */
export function pemToDer(pem: string, labels: readonly string[]): Uint8Array {
  for (const label of labels) {
    const begin = `-----BEGIN ${label}-----`;
    const at = pem.indexOf(begin);
    if (at < 0) continue;
    const endMark = `-----END ${label}-----`;
    const stop = pem.indexOf(endMark, at + begin.length);
    if (stop < 0) throw new DerError(`PEM block "${label}" has no END line`);
    const body = pem.slice(at + begin.length, stop).replace(/\s+/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body)) throw new DerError(`PEM block "${label}" is not valid base64`);
    if (body.length === 0) throw new DerError(`PEM block "${label}" is empty`);
    return base64Decode(body);
  }
  throw new DerError(`no PEM block labelled ${labels.map((l) => `"${l}"`).join(' or ')}`);
}

export function derToPem(der: Uint8Array, label: string): string {
  const b64 = base64Encode(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// Pure base64 (RFC 4648 §4) so this module needs no `node:` import.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function base64Decode(s: string): Uint8Array {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const n = (B64.indexOf(s[i]!) << 18) | (B64.indexOf(s[i + 1]!) << 12) | ((B64.indexOf(s[i + 2]!) & 63) << 6) | (B64.indexOf(s[i + 3]!) & 63);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function base64Encode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (i + 1 < b.length ? B64[(n >> 6) & 63]! : '=') + (i + 2 < b.length ? B64[n & 63]! : '=');
  }
  return s;
}
