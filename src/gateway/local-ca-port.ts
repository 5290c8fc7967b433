/**
 * What the gateway needs of the optional local CA (src/security/local-ca.ts): sign a charger's
 * CSR (SignCertificate.req, security whitepaper ed. 3, use cases A02/A03) into the chain sent
 * back with CertificateSigned.req. The handlers see only this port, so a test can give them a
 * double and the gateway never builds the CA itself (app.ts does, from security.localCa).
 */
import { CsrRefused, type LocalCa } from '../security/local-ca.js';

export type LocalCaPort = LocalCa;

/** The CA refused the CSR (bad signature, CN not the charger id…): its message says why. */
export function isCsrRefused(err: unknown): err is Error {
  return err instanceof CsrRefused || (err instanceof Error && err.name === 'CsrRefused');
}
