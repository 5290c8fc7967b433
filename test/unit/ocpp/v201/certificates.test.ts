/**
 * The certificate translations (src/ocpp/v201/translate/certificates.ts) and their place in
 * commandTo201: every frame they make validates against the other version's official schemas
 * (1.6: the security whitepaper's).
 */
import t, { type Test } from 'tap';
import { validatorFor } from '../../../../src/ocpp/validate.js';
import {
  get15118EvCertificateAnswer,
  getCertificateStatusAnswer,
  installedCertificateIdsTo16,
  signCertificateAnswerTo201,
  signCertificatePlan,
} from '../../../../src/ocpp/v201/translate/certificates.js';
import { commandTo201 } from '../../../../src/ocpp/v201/translate/commands.js';

const v16 = validatorFor('ocpp1.6');
const v201 = validatorFor('ocpp2.0.1');
const valid16 = (t: Test, action: string, payload: unknown, response = false) =>
  t.equal((response ? v16.checkResponse(action, payload) : v16.checkRequest(action, payload))?.description ?? null, null, `1.6 ${action}${response ? ' answer' : ''} valid`);
const valid201 = (t: Test, action: string, payload: unknown, response = false) =>
  t.equal((response ? v201.checkResponse(action, payload) : v201.checkRequest(action, payload))?.description ?? null, null, `2.0.1 ${action}${response ? ' answer' : ''} valid`);

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const HASH = { hashAlgorithm: 'SHA256', issuerNameHash: 'a1b2', issuerKeyHash: 'c3d4', serialNumber: '0f1e' } as const;
const lookups = { referenceOf: () => undefined, remoteStartId: () => 1, requestId: () => 1 };

/** The 1.6 command, what the 2.0.1 charger must get, its answer, and the answer the core must get. */
const CASES: [string, unknown, unknown, unknown, unknown][] = [
  ['CertificateSigned', { certificateChain: PEM }, { certificateChain: PEM, certificateType: 'ChargingStationCertificate' }, { status: 'Rejected', statusInfo: { reasonCode: 'InvalidCertificate' } }, { status: 'Rejected' }],
  ['InstallCertificate', { certificateType: 'CentralSystemRootCertificate', certificate: PEM }, { certificateType: 'CSMSRootCertificate', certificate: PEM }, { status: 'Failed' }, { status: 'Failed' }],
  ['InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: PEM }, { certificateType: 'ManufacturerRootCertificate', certificate: PEM }, { status: 'Accepted' }, { status: 'Accepted' }],
  ['DeleteCertificate', { certificateHashData: HASH }, { certificateHashData: HASH }, { status: 'NotFound' }, { status: 'NotFound' }],
  ['GetInstalledCertificateIds', { certificateType: 'CentralSystemRootCertificate' }, { certificateType: ['CSMSRootCertificate'] }, { status: 'NotFound' }, { status: 'NotFound' }],
  [
    'GetInstalledCertificateIds',
    { certificateType: 'ManufacturerRootCertificate' },
    { certificateType: ['ManufacturerRootCertificate'] },
    {
      status: 'Accepted',
      certificateHashDataChain: [
        { certificateType: 'ManufacturerRootCertificate', certificateHashData: { ...HASH, customData: { vendorId: 'v' } } },
        { certificateType: 'V2GRootCertificate', certificateHashData: { ...HASH, serialNumber: '99' } },
        { certificateType: 'ManufacturerRootCertificate', certificateHashData: { ...HASH, serialNumber: '02' } },
      ],
    },
    { status: 'Accepted', certificateHashData: [HASH, { ...HASH, serialNumber: '02' }] },
  ],
];

t.test('the certificate commands: 1.6 names and shapes to 2.0.1, the answers back', async (t) => {
  for (const [action, payload, sent, answer, back] of CASES) {
    valid16(t, action, payload);
    const out = commandTo201(action as never, payload, lookups);
    if (!('action' in out)) {
      t.fail(`${action} answered locally`);
      continue;
    }
    t.equal(out.action, action, `${action}: the same action in 2.0.1`);
    t.same(out.payload, sent, `${action}: the 2.0.1 request`);
    valid201(t, out.action, out.payload);
    valid201(t, out.action, answer, true);
    const core = out.answer(answer);
    t.same(core, back, `${action}: the core's answer`);
    valid16(t, action, core, true);
    t.same(out.notes, []);
  }
});

t.test('GetInstalledCertificateIds: Accepted with no chain of the asked type lists none (1.6 allows no empty list)', async (t) => {
  const core = installedCertificateIdsTo16({ status: 'Accepted', certificateHashDataChain: [{ certificateType: 'MORootCertificate', certificateHashData: HASH }] }, 'CentralSystemRootCertificate');
  t.same(core, { status: 'Accepted' });
  valid16(t, 'GetInstalledCertificateIds', core, true);
});

t.test('SignCertificate: the station certificate goes the 1.6 way; a V2G one is refused with a reason', async (t) => {
  const csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n';
  t.same(signCertificatePlan({ csr }), { core: { csr } }, 'no type: the station certificate');
  const plan = signCertificatePlan({ csr, certificateType: 'ChargingStationCertificate' });
  t.same(plan, { core: { csr } });
  valid16(t, 'SignCertificate', (plan as { core: unknown }).core);
  const v2g = signCertificatePlan({ csr, certificateType: 'V2GCertificate' });
  t.match(v2g, { refuse: { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRequest', additionalInfo: /no ISO 15118 \(V2G\) PKI/ } }, reason: /V2GCertificate/ });
  valid201(t, 'SignCertificate', (v2g as { refuse: unknown }).refuse, true);
  for (const status of ['Accepted', 'Rejected'] as const) valid201(t, 'SignCertificate', signCertificateAnswerTo201({ status }), true);
});

t.test('ISO 15118 Plug & Charge requests are answered Failed with the reason, valid 2.0.1 answers', async (t) => {
  const ev = get15118EvCertificateAnswer();
  t.match(ev, { status: 'Failed', exiResponse: '', statusInfo: { reasonCode: 'UnsupportedRequest' } });
  valid201(t, 'Get15118EVCertificate', ev, true);
  const ocsp = getCertificateStatusAnswer();
  t.match(ocsp, { status: 'Failed', statusInfo: { reasonCode: 'UnsupportedRequest' } });
  valid201(t, 'GetCertificateStatus', ocsp, true);
});
