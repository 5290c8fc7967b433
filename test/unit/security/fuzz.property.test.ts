/**
 * Random damage to a valid CSR: whatever a charger (or someone pretending to be one) sends,
 * the local CA answers with a CsrRefused and a reason, or — only if the damage left a request
 * whose signature still verifies — a certificate that checks out. Never another exception,
 * never a hang.
 */
import t from 'tap';
import fc from 'fast-check';
import { X509Certificate } from 'node:crypto';
import { createLocalCa, CsrRefused } from '../../../src/security/local-ca.js';
import { CsrInvalid, parseCsr } from '../../../src/security/csr.js';
import { DerError, derToPem } from '../../../src/security/der.js';
import { makeCa, makeCsr } from './openssl.js';

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  // Length and tag bytes are where parsers go wrong: favour the interesting values.
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x30, 0x7f, 0x80, 0x81, 0x82, 0x84, 0x85, 0xa0, 0xff) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(der: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  let b = Array.from(der);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip') b[at] = (b[at] ?? 0) ^ m.mask;
    else if (m.kind === 'set') b[at] = m.value;
    else if (m.kind === 'insert') b.splice(at, 0, ...m.bytes);
    else if (m.kind === 'delete') b.splice(at, m.count);
    else b = b.slice(0, at);
  }
  return Uint8Array.from(b);
}

const dir = t.testdir();
const ca = makeCa(dir, 'ca', 'ec');
const localCa = createLocalCa({ certPem: ca.certPem, keyPem: ca.keyPem, validityDays: 30 });
const caCert = new X509Certificate(ca.certPem);
const now = new Date();

for (const kind of ['ec', 'rsa'] as const) {
  const csr = makeCsr(dir, kind, kind, '/O=Vendor/CN=CP-FUZZ');
  const der = Uint8Array.from(Buffer.from(csr.csrPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64'));

  t.test(`${kind}: mutated CSRs are refused with a reason, never anything else`, async (t) => {
    let refused = 0;
    let slowest = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        const pem = derToPem(apply(der, muts), 'CERTIFICATE REQUEST');
        const started = process.hrtime.bigint();
        try {
          const out = localCa.sign(pem, 'CP-FUZZ', now);
          // Survived: then it must still be a certificate for this charger from this CA.
          const leaf = new X509Certificate(out.certificateChain);
          if (!leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey) || !/CN=CP-FUZZ/.test(leaf.subject)) return false;
        } catch (err) {
          if (!(err instanceof CsrRefused) || err.message.length === 0) throw err;
          refused++;
        } finally {
          slowest = Math.max(slowest, Number(process.hrtime.bigint() - started) / 1e6);
        }
        // The parser alone throws only its two classes.
        try {
          parseCsr(pem);
        } catch (err) {
          if (!(err instanceof DerError) && !(err instanceof CsrInvalid)) throw err;
        }
        return true;
      }),
      { numRuns: 1500, seed: 0x13c5 },
    );
    t.ok(refused > 1400, `${refused} of 1500 refused`);
    t.ok(slowest < 2000, `slowest answer ${slowest.toFixed(1)} ms`);
  });
}

t.test('random text and random bytes are refused too', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 6000 }), fc.uint8Array({ maxLength: 4000 }).map((b) => derToPem(b, 'CERTIFICATE REQUEST'))), (text) => {
      try {
        localCa.sign(text, 'CP-FUZZ', now);
        return false;
      } catch (err) {
        if (!(err instanceof CsrRefused)) throw err;
        return true;
      }
    }),
    { numRuns: 500, seed: 7 },
  );
  t.pass('all refused');
});
