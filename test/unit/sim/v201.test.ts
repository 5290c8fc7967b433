import t from 'tap';
import { silentLogger } from '../../../src/log.js';
import { answerCsmsCall } from '../../../src/sim/v201/inbound.js';
import { Outbound201 } from '../../../src/sim/v201/outbound.js';

/** No follow-up CALLs expected from these. */
const noLater = () => undefined;
const schedule = [{ id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] }];
const profile = (purpose: string, extra: Record<string, unknown> = {}) => ({ id: 5, stackLevel: 0, chargingProfilePurpose: purpose, chargingProfileKind: 'Absolute', chargingSchedule: schedule, ...extra });

t.test('2.0.1 CSMS calls become the 1.6 commands that do the same, or are refused as 1.6 has none like them', async (t) => {
  const asked: [string, unknown][] = [];
  const answer16 = (action: string, payload: unknown) => {
    asked.push([action, payload]);
    return { status: 'Accepted' };
  };
  const tx = new Outbound201(silentLogger());
  t.same(await answerCsmsCall('SetChargingProfile', { evseId: 0, chargingProfile: profile('ChargingStationMaxProfile') }, answer16, tx, noLater), { status: 'Accepted' });
  t.match(asked.at(-1), ['SetChargingProfile', { connectorId: 0, csChargingProfiles: { chargingProfileId: 5, chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } } }]);
  const before = asked.length;
  t.same(await answerCsmsCall('SetChargingProfile', { evseId: 0, chargingProfile: profile('ChargingStationExternalConstraints') }, answer16, tx, noLater), { status: 'Rejected' });
  t.same(await answerCsmsCall('SetChargingProfile', { evseId: 1, chargingProfile: profile('TxProfile', { transactionId: 'not-mine' }) }, answer16, tx, noLater), { status: 'Rejected' }, 'a TxProfile for a transaction it does not run');
  t.same(await answerCsmsCall('Reset', { type: 'Immediate', evseId: 1 }, answer16, tx, noLater), { status: 'Rejected' }, 'no per-EVSE reset');
  t.same(await answerCsmsCall('RequestStopTransaction', { transactionId: 'not-mine' }, answer16, tx, noLater), { status: 'Rejected' });
  t.same(await answerCsmsCall('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' }, answer16, tx, noLater), { status: 'NotImplemented' });
  t.equal(asked.length, before, 'none of those reached the 1.6 handlers');
  t.same(await answerCsmsCall('Reset', { type: 'OnIdle' }, answer16, tx, noLater), { status: 'Accepted' });
  t.same(asked.at(-1), ['Reset', { type: 'Soft' }]);
  t.throws(() => answerCsmsCall('GetReport', { requestId: 1 }, answer16, tx, noLater), { code: 'NotSupported' });
  const hash = { hashAlgorithm: 'SHA256', issuerNameHash: 'a1', issuerKeyHash: 'b2', serialNumber: '01' };
  t.same(
    [
      await answerCsmsCall('CertificateSigned', { certificateChain: 'pem', certificateType: 'ChargingStationCertificate' }, answer16, tx, noLater),
      await answerCsmsCall('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: 'pem' }, answer16, tx, noLater),
      await answerCsmsCall('DeleteCertificate', { certificateHashData: hash }, answer16, tx, noLater),
      await answerCsmsCall('GetInstalledCertificateIds', {}, answer16, tx, noLater),
    ],
    [{ status: 'Rejected' }, { status: 'Rejected' }, { status: 'NotFound' }, { status: 'NotFound' }],
    'a station without a certificate store, like the 1.6 simulator',
  );
});

t.test('a transaction\'s events: own transactionId, seqNo from 0, offline marked', async (t) => {
  const out = new Outbound201(silentLogger());
  out.setOnline(false, Date.parse('2026-01-01T00:00:00Z'));
  const start = out.translate('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: '2026-01-01T00:00:05Z' });
  out.setOnline(true, Date.parse('2026-01-01T00:01:00Z'));
  if (!('action' in start)) throw new Error('sent');
  t.match(start.payload, { eventType: 'Started', seqNo: 0, offline: true, evse: { id: 1 }, transactionInfo: { transactionId: String, chargingState: 'Charging' } });
  const answered = start.answer({ idTokenInfo: { status: 'Accepted' } }) as { transactionId: number };
  const reference = out.referenceOf(answered.transactionId)!;
  t.equal(out.transactionIdOf(reference), answered.transactionId);
  const stop = out.translate('StopTransaction', { transactionId: answered.transactionId, meterStop: 900, timestamp: '2026-01-01T00:02:00Z', reason: 'Remote' });
  if (!('action' in stop)) throw new Error('sent');
  t.match(stop.payload, { eventType: 'Ended', seqNo: 1, triggerReason: 'RemoteStop', transactionInfo: { transactionId: reference, stoppedReason: 'Remote' } });
  t.notOk((stop.payload as { offline?: boolean }).offline, 'it happened online');
  t.same(out.translate('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available' }), { local: {} }, 'the station as a whole sends no StatusNotification');
});
