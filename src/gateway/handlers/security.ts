/**
 * The charger-initiated messages of the OCPP 1.6 security extension ("Improved security for
 * OCPP 1.6-J", edition 3): security events (use case A04), the charger's certificate signing
 * (A02/A03), and the status of a log upload (N01) or a signed firmware update (L01).
 */
import type { SecurityEvent } from '../../store/ports.js';
import type { CertificateOutcome } from '../../events.js';
import { isCsrRefused } from '../local-ca-port.js';
import type { Handler, HandlerContext } from './context.js';

/** Stored, then shown (API), published (bus → MQTT) and, where routing says so, queued for the cloud in the same transaction. */
export const securityEventNotification: Handler<'SecurityEventNotification'> = async (ctx, req) => {
  const event: SecurityEvent = {
    chargerId: ctx.chargerId,
    type: req.type,
    timestamp: req.timestamp,
    ...(req.techInfo !== undefined ? { techInfo: req.techInfo } : {}),
    receivedAt: ctx.now().toISOString(),
  };
  await recordSecurityEvent(ctx, event, true);
  return {};
};

/** Durable before it is told (and before the charger hears its answer); `upstream`: the charger's own event goes to the cloud. */
async function recordSecurityEvent(ctx: HandlerContext, event: SecurityEvent, upstream: boolean): Promise<void> {
  await ctx.store.durably(() => {
    ctx.store.security.add(event);
    if (upstream) ctx.upstream?.securityEvent(event);
  });
  ctx.registry.ensure(ctx.chargerId).lastSecurityEvent = { type: event.type, timestamp: event.timestamp, ...(event.techInfo !== undefined ? { techInfo: event.techInfo } : {}) };
  ctx.logger.warn({ securityEvent: event.type, timestamp: event.timestamp, techInfo: event.techInfo }, 'security event');
  ctx.events.emit('security.event', event);
}

export const logStatusNotification: Handler<'LogStatusNotification'> = (ctx, req) => {
  ctx.registry.ensure(ctx.chargerId).logStatus = { status: req.status, ...(req.requestId !== undefined ? { requestId: req.requestId } : {}) };
  ctx.upstream?.notification(ctx.chargerId, 'LogStatusNotification', req);
  ctx.logger.info({ logStatus: req.status, requestId: req.requestId }, 'log upload status');
  ctx.events.emit('charger.transferStatus', { chargerId: ctx.chargerId, kind: 'log', status: req.status, ...(req.requestId !== undefined ? { requestId: req.requestId } : {}), at: ctx.now().toISOString() });
  return {};
};

/** The signed firmware update's status is the charger's firmware status (its values are a superset of FirmwareStatusNotification's). */
export const signedFirmwareStatusNotification: Handler<'SignedFirmwareStatusNotification'> = (ctx, req) => {
  ctx.registry.ensure(ctx.chargerId).firmwareStatus = req.status;
  ctx.upstream?.notification(ctx.chargerId, 'SignedFirmwareStatusNotification', req);
  const level = /Invalid|Failed|Revoked/.test(req.status) ? 'warn' : 'info';
  ctx.logger[level]({ firmwareStatus: req.status, requestId: req.requestId }, 'signed firmware status');
  ctx.events.emit('charger.transferStatus', { chargerId: ctx.chargerId, kind: 'firmware', status: req.status, ...(req.requestId !== undefined ? { requestId: req.requestId } : {}), at: ctx.now().toISOString() });
  return {};
};

/**
 * Use cases A02/A03: the charger asks for its certificate to be signed. The cloud answers where
 * routing relays it (transparent, online), and then sends CertificateSigned.req itself; else the
 * local CA, when configured, signs and chargegate sends CertificateSigned.req; else Rejected.
 */
export const signCertificate: Handler<'SignCertificate'> = async (ctx, req) => {
  const relayed = await ctx.upstream?.signCertificate(ctx.chargerId, req);
  if (relayed) {
    ctx.logger.info({ answer: relayed.status }, 'SignCertificate answered by the cloud');
    return relayed;
  }
  const ca = ctx.localCa;
  if (!ca) {
    ctx.logger.warn(
      { cloud: ctx.upstream ? 'not reachable or does not take SignCertificate in this mode' : 'none configured' },
      'SignCertificate rejected: neither the cloud nor a local CA (security.localCa) can sign the certificate',
    );
    return { status: 'Rejected' };
  }
  // The conf says only that the request will be processed: the CSR is checked and signed after
  // the answer has gone out, and the chain comes in a CALL of our own. The answer is written in
  // the microtask that resolves this handler (session.ts handleCall), so setImmediate runs
  // after it.
  const now = ctx.now();
  setImmediate(() => void signAndSend(ctx, ca, req.csr, now));
  return { status: 'Accepted' };
};

async function signAndSend(ctx: HandlerContext, ca: NonNullable<HandlerContext['localCa']>, csr: string, now: Date): Promise<void> {
  const at = () => ctx.now().toISOString();
  const tell = (outcome: Omit<CertificateOutcome, 'chargerId' | 'at'>) => ctx.events.emit('security.certificate', { chargerId: ctx.chargerId, ...outcome, at: at() });
  let signed: ReturnType<typeof ca.sign>;
  try {
    signed = ca.sign(csr, ctx.chargerId, now);
  } catch (err) {
    const reason = (err as Error).message;
    if (!isCsrRefused(err)) {
      ctx.logger.error({ err }, 'the local CA failed to sign a CSR');
      tell({ outcome: 'failed', reason: `the local CA failed: ${reason}` });
      return;
    }
    // 2.0.1 A02/A03 and the whitepaper's security events list: InvalidCsr, raised by the CSMS side.
    ctx.logger.warn({ reason }, 'CSR refused by the local CA: no certificate sent');
    tell({ outcome: 'refused', reason });
    await recordSecurityEvent(ctx, { chargerId: ctx.chargerId, type: 'InvalidCsr', timestamp: at(), techInfo: reason.slice(0, 255), receivedAt: at() }, false).catch((e: unknown) =>
      ctx.logger.error({ err: e }, 'could not store the InvalidCsr security event'),
    );
    return;
  }
  const details = { serial: signed.serial, notAfter: signed.notAfter.toISOString() };
  const connection = ctx.registry.connection(ctx.chargerId);
  if (!connection) {
    ctx.logger.warn(details, 'certificate signed, but the charger went away before CertificateSigned could be sent');
    tell({ outcome: 'failed', ...details, reason: 'the charger is not connected' });
    return;
  }
  try {
    const answer = await connection.session.call<{ status: 'Accepted' | 'Rejected' }>('CertificateSigned', { certificateChain: signed.certificateChain });
    const installed = answer.status === 'Accepted';
    ctx.logger[installed ? 'info' : 'warn']({ ...details, answer: answer.status }, 'CertificateSigned answered');
    tell({ outcome: installed ? 'installed' : 'rejected', ...details });
  } catch (err) {
    ctx.logger.warn({ ...details, err: (err as Error).message }, 'CertificateSigned not delivered');
    tell({ outcome: 'failed', ...details, reason: (err as Error).message });
  }
}
