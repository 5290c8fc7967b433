/**
 * OCPP security profiles (1.6 security whitepaper §2; 2.0.1 Part 2 A00): what a charger's
 * profile asks of the connection it came over. Pure: the transport is described by the OCPP
 * server, the password is checked by credentials.ts.
 *  1  Basic auth; plain ws:// or wss:// (a profile 1 charger may already use TLS).
 *  2  TLS (server certificate) + Basic auth: refused over plain ws://, so that a charger
 *     set to profile 2 can never be talked into a downgrade.
 *  3  TLS with a client certificate signed by the site's charger CA, whose subject CN is
 *     the charge point's identity; no Basic auth (the whitepaper uses Basic auth only for
 *     profiles 1 and 2; OCTT TC_085/TC_087).
 */
import type { Transport } from '../ocpp/server.js';

export type SecurityProfile = 1 | 2 | 3;

/** Why this connection does not meet the profile, or undefined when it does (the password aside). */
export function profileRefusal(profile: SecurityProfile, identity: string, transport: Transport): string | undefined {
  if (profile === 1) return undefined;
  if (!transport.secure) return `security profile ${profile} requires TLS: the charger connected over plain ws://, it must use wss://`;
  if (profile === 2) return undefined;
  const cert = transport.clientCertificate;
  if (!cert) return 'security profile 3 requires a client certificate: the charger presented none';
  if (!cert.trusted) return `security profile 3: the client certificate is not trusted (${cert.error ?? 'not signed by ocpp.tls.clientCaFile'})`;
  if (cert.commonName === undefined) return 'security profile 3: the client certificate has no single subject CN';
  if (cert.commonName !== identity) return `security profile 3: the client certificate is for ${JSON.stringify(cert.commonName)}, not for this charger`;
  return undefined;
}

/** Whether the profile authenticates with Basic auth (1 and 2) rather than with the certificate (3). */
export function usesPassword(profile: SecurityProfile): boolean {
  return profile !== 3;
}
