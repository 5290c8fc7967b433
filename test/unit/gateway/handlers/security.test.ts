/**
 * The security extension's handlers with test doubles for the local CA and the upstream: what
 * is answered, stored, emitted and staged for the cloud in each case (the real CA, sockets
 * and cloud are in test/integration/security-extension.test.ts).
 */
import t from 'tap';
import { securityEventNotification, signCertificate } from '../../../../src/gateway/handlers/security.js';
import type { LocalCaPort } from '../../../../src/gateway/local-ca-port.js';
import type { UpstreamPort } from '../../../../src/gateway/upstream-port.js';
import { CsrRefused } from '../../../../src/security/local-ca.js';
import type { SecurityEvent } from '../../../../src/store/ports.js';
import { handlerContext } from '../../../helpers/context.js';
import { eventually } from '../../../helpers/gateway.js';

const CSR = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';

function upstreamDouble(signAnswer: 'Accepted' | 'Rejected' | null): { port: UpstreamPort; staged: SecurityEvent[]; asked: string[] } {
  const staged: SecurityEvent[] = [];
  const asked: string[] = [];
  const port = {
    securityEvent: (e: SecurityEvent) => void staged.push(e),
    signCertificate: async (_id: string, req: { csr: string }) => (asked.push(req.csr), signAnswer === null ? null : { status: signAnswer }),
  } as unknown as UpstreamPort;
  return { port, staged, asked };
}

const caDouble = (sign: LocalCaPort['sign']): LocalCaPort & { calls: number } => {
  const ca = { calls: 0, sign: (...args: Parameters<LocalCaPort['sign']>) => (ca.calls++, sign(...args)) };
  return ca;
};

t.test('SecurityEventNotification: stored, emitted and staged for the cloud in the same transaction', async (t) => {
  const up = upstreamDouble(null);
  const ctx = { ...handlerContext(t), upstream: up.port };
  t.same(await securityEventNotification(ctx, { type: 'MemoryExhaustion', timestamp: '2025-06-01T11:00:00Z' }), {});
  const stored = { chargerId: 'CP1', type: 'MemoryExhaustion', timestamp: '2025-06-01T11:00:00Z', receivedAt: '2025-06-01T12:00:00.000Z' };
  t.same(ctx.store.security.list('CP1'), [stored]);
  t.same(up.staged, [stored]);
  t.same(ctx.emitted, [{ name: 'security.event', payload: stored }]);
});

t.test('SignCertificate: the cloud\'s answer when it gives one; the local CA is not asked', async (t) => {
  const up = upstreamDouble('Rejected');
  const ca = caDouble(() => ({ certificateChain: 'x', serial: '01', notAfter: new Date() }));
  const ctx = { ...handlerContext(t), upstream: up.port, localCa: ca };
  t.same(await signCertificate(ctx, { csr: CSR }), { status: 'Rejected' }, 'the cloud said Rejected');
  t.same(up.asked, [CSR]);
  t.equal(ca.calls, 0);
});

t.test('SignCertificate: no cloud answer and no CA → Rejected', async (t) => {
  const up = upstreamDouble(null);
  t.same(await signCertificate({ ...handlerContext(t), upstream: up.port }, { csr: CSR }), { status: 'Rejected' });
  t.same(await signCertificate(handlerContext(t), { csr: CSR }), { status: 'Rejected' }, 'no upstream at all');
});

t.test('SignCertificate with a CA that refuses: Accepted, then an InvalidCsr event stored and emitted, never staged for the cloud', async (t) => {
  const up = upstreamDouble(null);
  const ctx = { ...handlerContext(t), upstream: up.port, localCa: caDouble(() => { throw new CsrRefused('CSR CN "CP2" is not the charger identity "CP1"'); }) };
  t.same(await signCertificate(ctx, { csr: CSR }), { status: 'Accepted' });
  t.same(ctx.emitted, [], 'nothing before the answer is out');
  await eventually(() => ctx.emitted.length === 2, 'the refusal told');
  t.match(ctx.emitted, [
    { name: 'security.certificate', payload: { chargerId: 'CP1', outcome: 'refused', reason: /CN "CP2"/ } },
    { name: 'security.event', payload: { chargerId: 'CP1', type: 'InvalidCsr', techInfo: /CN "CP2"/ } },
  ]);
  t.match(ctx.store.security.list('CP1'), [{ type: 'InvalidCsr' }]);
  t.same(up.staged, [], 'chargegate\'s own finding, not the charger\'s event');
});

t.test('SignCertificate with a CA that fails otherwise, or a charger gone: a failed outcome, no security event', async (t) => {
  const broken = { ...handlerContext(t), localCa: caDouble(() => { throw new Error('key unusable'); }) };
  t.same(await signCertificate(broken, { csr: CSR }), { status: 'Accepted' });
  await eventually(() => broken.emitted.length === 1, 'the failure told');
  t.match(broken.emitted, [{ name: 'security.certificate', payload: { outcome: 'failed', reason: /key unusable/ } }]);
  t.same(broken.store.security.list('CP1'), []);

  const gone = { ...handlerContext(t), localCa: caDouble(() => ({ certificateChain: 'chain', serial: 'AB', notAfter: new Date('2026-06-01T00:00:00Z') })) };
  t.same(await signCertificate(gone, { csr: CSR }), { status: 'Accepted' });
  await eventually(() => gone.emitted.length === 1, 'the failure told');
  t.match(gone.emitted, [{ name: 'security.certificate', payload: { outcome: 'failed', serial: 'AB', notAfter: '2026-06-01T00:00:00.000Z', reason: /not connected/ } }]);
});
