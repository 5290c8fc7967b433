import t from 'tap';
import { bitString, decode, DerError, derToPem, explicit, MAX_DEPTH, namedBits, oid, pemToDer, readBitStringBytes, readOid, readSmallInt, readString, seq, smallInt, TAG, time, tlv, unsignedInt, utf8String } from '../../../src/security/der.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s/g, ''), 'hex'));

t.test('encodings match X.690 examples', async (t) => {
  t.equal(hex(oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b', 'sha256WithRSAEncryption');
  t.equal(hex(oid('2.5.29.19')), '0603551d13');
  t.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
  t.equal(hex(unsignedInt(bytes('0080'))), '020200 80'.replace(' ', ''), 'leading zeros stripped, one kept for the sign');
  t.equal(hex(unsignedInt(bytes('7f'))), '02017f');
  t.equal(hex(unsignedInt(bytes('0000'))), '020100', 'zero');
  t.equal(hex(smallInt(2)), '020102');
  t.equal(hex(smallInt(256)), '02020100');
  t.equal(hex(namedBits([0, 4])), '03020388', 'keyUsage digitalSignature + keyAgreement');
  t.equal(hex(namedBits([0, 2])), '030205a0', 'digitalSignature + keyEncipherment');
  t.equal(hex(namedBits([5, 6])), '03020106', 'keyCertSign + cRLSign');
  t.equal(hex(namedBits([8])), '0303070080', 'decipherOnly spills into a second byte');
  t.equal(hex(seq()), '3000');
  t.equal(hex(explicit(0, smallInt(2))), 'a003020102');
  t.equal(hex(time(new Date('2049-12-31T23:59:59.999Z'))), '170d3439313233313233353935395a', 'UTCTime through 2049');
  t.equal(hex(time(new Date('2050-01-01T00:00:00Z'))), '180f32303530303130313030303030305a', 'GeneralizedTime from 2050');
  t.equal(hex(tlv(TAG.OCTET_STRING, new Uint8Array(200))).slice(0, 6), '0481c8', 'long form length');
  t.equal(hex(tlv(TAG.OCTET_STRING, new Uint8Array(300))).slice(0, 8), '0482012c');
});

t.test('round trip through the reader', async (t) => {
  const der = seq(smallInt(0), oid('2.5.4.3'), utf8String('CP-ü'), bitString(bytes('abcd')), explicit(3, seq()));
  const node = decode(der);
  t.equal(node.tag, TAG.SEQUENCE);
  t.equal(node.children.length, 5);
  t.equal(readSmallInt(node.children[0], 'v'), 0);
  t.equal(readOid(node.children[1], 'o'), '2.5.4.3');
  t.equal(readString(node.children[2], 's'), 'CP-ü');
  t.equal(hex(readBitStringBytes(node.children[3], 'b')), 'abcd');
  t.equal(node.children[4]!.tag, 0xa3);
  t.same(Buffer.from(node.raw), Buffer.from(der), 'raw is the whole encoding');
  t.equal(readOid(decode(oid('2.999.1234567')), 'x'), '2.999.1234567', 'large first arcs');
  t.same(Buffer.from(pemToDer(derToPem(der, 'X'), ['X'])), Buffer.from(der), 'PEM round trip');
  for (let n = 0; n < 5; n++) {
    const b = Uint8Array.from({ length: n }, (_, i) => i + 1);
    t.same(Buffer.from(pemToDer(derToPem(b.length ? seq(b) : seq(), 'Y'), ['Y'])), Buffer.from(b.length ? seq(b) : seq()), `padding ${n}`);
  }
});

t.test('hostile input: a DerError with a reason, never a hang or a crash', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['empty', '', /truncated header/],
    ['one byte', '30', /truncated header/],
    ['contents cut short', '3005020100', /runs past the end/],
    ['huge length', '3084ffffffff00', /runs past the end/],
    ['5-byte length', '308500000000010000', /length of 5 bytes/],
    ['indefinite length', '308000000000', /indefinite length/],
    ['non-minimal length (long form for < 128)', '30810100', /non-minimal/],
    ['non-minimal length (leading zero)', '3082000100', /non-minimal/],
    ['high tag number', '1f0100', /high tag/],
    ['trailing bytes', '300000', /trailing/],
    ['child overruns its parent', '30030205010203', /runs past the end/],
    ['truncated long length', '3082ff', /truncated length/],
  ];
  for (const [name, h, re] of cases) t.throws(() => decode(bytes(h)), re, name);
  for (const [name, h] of cases) t.throws(() => decode(bytes(h)), DerError, `${name} is a DerError`);

  // Nesting: SEQUENCE { SEQUENCE { … } } deeper than the cap, with honest lengths.
  let deep = seq();
  for (let i = 0; i < MAX_DEPTH + 5; i++) deep = seq(deep);
  t.throws(() => decode(deep), /nesting deeper than 32/);
  let ok = seq();
  for (let i = 0; i < MAX_DEPTH - 1; i++) ok = seq(ok);
  t.doesNotThrow(() => decode(ok), 'up to the cap is fine');
  // 100 000 levels of indefinite-free nesting in little space (each header claims the rest).
  const n = 50_000;
  const bomb = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    bomb[2 * i] = 0x30;
    bomb[2 * i + 1] = 0x7f;
  }
  t.throws(() => decode(bomb), DerError, 'a length bomb is refused quickly');

  t.throws(() => readOid(decode(bytes('06028001')), 'o'), /leading zero/);
  t.throws(() => readOid(decode(bytes('0601 81'.replace(' ', ''))), 'o'), /mid-arc/);
  t.throws(() => readOid(decode(bytes('0600')), 'o'), /0 byte/);
  t.throws(() => readOid(decode(bytes('060bffffffffffffffffffff7f')), 'o'), /too large/);
  t.throws(() => readSmallInt(decode(bytes('0201ff')), 'i'), /negative/);
  t.throws(() => readSmallInt(decode(bytes('0200')), 'i'), /0 byte/);
  t.throws(() => readBitStringBytes(decode(bytes('030201ff')), 'b'), /1 unused bit/);
  t.throws(() => readBitStringBytes(decode(bytes('0300')), 'b'), /empty/);
  t.throws(() => readString(decode(bytes('0c02c328')), 's'), /invalid UTF-8/);
  t.throws(() => readString(decode(bytes('130140')), 's'), /not allowed in PrintableString/);
  t.throws(() => readString(decode(bytes('160180')), 's'), /non-ASCII/);
  t.throws(() => readString(decode(bytes('1e020041')), 's'), /unsupported string type 0x1e/);
  t.equal(readString(decode(bytes('1303412d31')), 's'), 'A-1');

  t.throws(() => pemToDer('-----BEGIN X-----\nAAAA\n', ['X']), /no END line/);
  t.throws(() => pemToDer('-----BEGIN X-----\nAA=A\n-----END X-----', ['X']), /not valid base64/);
  t.throws(() => pemToDer('-----BEGIN X-----\n\n-----END X-----', ['X']), /empty/);
  t.throws(() => pemToDer('nothing', ['X', 'Y']), /no PEM block labelled "X" or "Y"/);
});
