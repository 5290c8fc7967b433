/**
 * What the gateway needs of the optional local CA (src/security/local-ca.ts): sign a charger's
 * CSR (SignCertificate.req, security whitepaper ed. 3, use cases A02/A03) into the chain sent back with
 * CertificateSigned.req. Structurally the same as the CA's own `LocalCa`, so the gateway
 * depends on this port, never on the CA's implementation.
 */
export interface LocalCaPort {
  /** Throws a `CsrRefused` when the CSR is not one to sign (bad signature, CN not the charger id…). */
  sign(csrPem: string, chargerId: string, now: Date): { certificateChain: string; serial: string; notAfter: Date };
}

/** The CA's `CsrRefused`, known by its class name so this port needs no import of the CA. */
export function isCsrRefused(err: unknown): err is Error {
  return err instanceof Error && (err.name === 'CsrRefused' || err.constructor.name === 'CsrRefused');
}
