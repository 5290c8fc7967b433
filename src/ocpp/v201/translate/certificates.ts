/**
 * Certificates between the core (the OCPP 1.6 security whitepaper, edition 3) and a 2.0.1
 * charger (2.0.1 Part 2, A02/A03 and M03–M05). Pure. The messages carry the same PEM text and
 * the same hash data (hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, with the
 * same lengths); what differs:
 * - certificate types: the whitepaper's CentralSystemRootCertificate is 2.0.1's
 *   CSMSRootCertificate; ManufacturerRootCertificate is the same. 2.0.1's V2G and MO roots
 *   (ISO 15118) have no 1.6 name: a 2.0.1 charger lists them only when asked for them, and the
 *   core never asks.
 * - GetInstalledCertificateIds takes one type in 1.6 and a list in 2.0.1, and 2.0.1 answers
 *   with chains (each hash with its type and child certificates); the core gets the hashes.
 * - SignCertificate names the certificate wanted in 2.0.1 (ChargingStationCertificate, or
 *   V2GCertificate for ISO 15118); the whitepaper knows only the charge point's own
 *   certificate, so CertificateSigned from the core is a ChargingStationCertificate.
 * - A 2.0.1 answer may carry statusInfo; 1.6 has none (the status is kept).
 */
import type { Requests16, Responses16 } from '../../v16/types.js';
import type { CertificateHashDataType, GetCertificateIdUseEnumType, Requests201, Responses201, StatusInfoType } from '../types.js';

type Use16 = Requests16['InstallCertificate']['certificateType'];
type HashData16 = Requests16['DeleteCertificate']['certificateHashData'];

const USE_TO_201: Record<Use16, 'CSMSRootCertificate' | 'ManufacturerRootCertificate'> = {
  CentralSystemRootCertificate: 'CSMSRootCertificate',
  ManufacturerRootCertificate: 'ManufacturerRootCertificate',
};

/** The hash data without 2.0.1's customData (the whitepaper's schema allows no other property). */
export function hashDataTo16(h: CertificateHashDataType): HashData16 {
  return { hashAlgorithm: h.hashAlgorithm, issuerNameHash: h.issuerNameHash, issuerKeyHash: h.issuerKeyHash, serialNumber: h.serialNumber };
}

/** 2.0.1 A02/A03: the chain the core had signed; the whitepaper's only kind is the charger's own certificate. */
export function certificateSignedTo201(req: Requests16['CertificateSigned']): Requests201['CertificateSigned'] {
  return { certificateChain: req.certificateChain, certificateType: 'ChargingStationCertificate' };
}

export function installCertificateTo201(req: Requests16['InstallCertificate']): Requests201['InstallCertificate'] {
  return { certificateType: USE_TO_201[req.certificateType], certificate: req.certificate };
}

export function deleteCertificateTo201(req: Requests16['DeleteCertificate']): Requests201['DeleteCertificate'] {
  return { certificateHashData: hashDataTo16(req.certificateHashData) };
}

export function getInstalledCertificateIdsTo201(req: Requests16['GetInstalledCertificateIds']): Requests201['GetInstalledCertificateIds'] {
  return { certificateType: [USE_TO_201[req.certificateType]] };
}

/**
 * M03: the chains of the asked type, as the whitepaper's list of hashes (the roots asked for
 * have no children; a chain of another type the charger adds is not the answer to the question).
 */
export function installedCertificateIdsTo16(res: Responses201['GetInstalledCertificateIds'], asked: Use16): Responses16['GetInstalledCertificateIds'] {
  const type: GetCertificateIdUseEnumType = USE_TO_201[asked];
  const hashes = (res.certificateHashDataChain ?? []).filter((c) => c.certificateType === type).map((c) => hashDataTo16(c.certificateHashData));
  return { status: res.status, ...(hashes.length > 0 ? { certificateHashData: hashes as [HashData16, ...HashData16[]] } : {}) };
}

/** What the core does with a charger's CSR: sign it (the whitepaper's SignCertificate), or refuse it here. */
export type CsrPlan = { core: Requests16['SignCertificate'] } | { refuse: Responses201['SignCertificate']; reason: string };

/**
 * A02/A03. A ChargingStationCertificate (or no type: the station's certificate, used for both
 * links) is the whitepaper's charge point certificate. A V2GCertificate is the SECC's ISO
 * 15118 certificate: it must chain to a V2G root the cars trust, which neither the site's
 * charger CA nor a 1.6 cloud (which signs charge point certificates only) is, so it is
 * refused here rather than signed into a certificate no car accepts.
 */
export function signCertificatePlan(req: Requests201['SignCertificate']): CsrPlan {
  if (req.certificateType === 'V2GCertificate') {
    return {
      refuse: { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: 'chargegate has no ISO 15118 (V2G) PKI: it signs ChargingStationCertificate CSRs only' } },
      reason: 'a V2GCertificate CSR (ISO 15118) cannot be signed: chargegate has no V2G PKI, and neither the local CA nor a 1.6 cloud signs V2G certificates',
    };
  }
  return { core: { csr: req.csr } };
}

export function signCertificateAnswerTo201(res: Responses16['SignCertificate']): Responses201['SignCertificate'] {
  return { status: res.status };
}

/** Why ISO 15118 Plug & Charge requests fail at chargegate (M02, M06): said in each answer. */
const NO_V2G_PKI: StatusInfoType = { reasonCode: 'UnsupportedRequest', additionalInfo: 'chargegate has no ISO 15118 (V2G) PKI and no contract certificate pool or OCSP responder to ask' };

/**
 * M01/M02: the EV's contract certificate installation or update (an EXI message for the
 * mobility operator's pool). chargegate has none to ask: Failed, with an empty exiResponse
 * (required by the schema; there is no EXI answer to relay), so the EV falls back to other
 * authorization at once instead of the charger waiting for a CSMS that will not answer.
 */
export function get15118EvCertificateAnswer(): Responses201['Get15118EVCertificate'] {
  return { status: 'Failed', statusInfo: NO_V2G_PKI, exiResponse: '' };
}

/** M06: the OCSP status of a V2G certificate: no responder known, Failed (the charger keeps its cached status). */
export function getCertificateStatusAnswer(): Responses201['GetCertificateStatus'] {
  return { status: 'Failed', statusInfo: NO_V2G_PKI };
}
