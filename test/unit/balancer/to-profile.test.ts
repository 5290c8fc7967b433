import t from 'tap';
import type { ConnectorAllocation } from '../../../src/balancer/model.js';
import { ordersFor, standingUnderTx, TX_DEFAULT_PROFILE_ID, TX_PROFILE_ID } from '../../../src/balancer/to-profile.js';
import { charger } from '../../helpers/balancer-site.js';

const active = (amps: number, extra: Partial<ConnectorAllocation> = {}): ConnectorAllocation => ({
  key: 'CP1/1', chargerId: 'CP1', connectorId: 1, amps, phases: [0, 1, 2], phasesMeasured: false, active: true, reason: 'fair-share', detail: '', ...extra,
});

t.test('a running session: the TxProfile carries the live limit, then a standing TxDefaultProfile at the car\'s minimum', async (t) => {
  const { profiles, txDefaultAmps } = ordersFor(active(12.34), charger({ id: 'CP1' }), { voltage: 230, stackLevel: 1, transactionId: 42 });
  t.equal(profiles.length, 2);
  const [tx, standing] = profiles;
  t.match(tx, { connectorId: 1, csChargingProfiles: { chargingProfileId: TX_PROFILE_ID + 1, chargingProfilePurpose: 'TxProfile', transactionId: 42, stackLevel: 1, chargingProfileKind: 'Absolute' } });
  t.same(tx!.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 12.3 }], 'floored to 0.1 A');
  t.match(standing, { connectorId: 1, csChargingProfiles: { chargingProfileId: TX_DEFAULT_PROFILE_ID + 1, chargingProfilePurpose: 'TxDefaultProfile' } });
  t.same(standing!.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6 }], 'the minimum (not above the live limit)');
  t.equal(txDefaultAmps, 6);
});

t.test('under a TxProfile the standing limit is only sent when it would be above the live one', async (t) => {
  const cp = charger({ id: 'CP1' });
  const options = { voltage: 230, stackLevel: 1, transactionId: 42 };
  const kept = ordersFor(active(9), cp, { ...options, txDefaultInForce: 6 });
  t.same(kept.profiles.map((p) => p.csChargingProfiles.chargingProfilePurpose), ['TxProfile'], 'a change of a running session: one profile');
  t.equal(kept.txDefaultAmps, 6);
  t.same(ordersFor(active(9), cp, { ...options, txDefaultInForce: 0 }).txDefaultAmps, 0, 'the standing share the car arrived with (0) stays: it never rises under a session');
  const lowered = ordersFor(active(4), cp, { ...options, txDefaultInForce: 6 });
  t.same(lowered.profiles.map((p) => p.csChargingProfiles.chargingProfilePurpose), ['TxProfile', 'TxDefaultProfile']);
  t.equal(lowered.txDefaultAmps, 4, 'never above the live limit');
  t.equal(standingUnderTx(0, 6, 6), 0, 'paused: 0');
  t.equal(standingUnderTx(20, 6, undefined), 6, 'nothing known: the minimum');
  t.equal(standingUnderTx(20, 6, 16), 16, 'a standing share of 16 A under a live 20 A stays');
});

t.test('no TxProfile before the transactionId is known, or for noTxProfile chargers', async (t) => {
  t.equal(ordersFor(active(10), charger({ id: 'CP1' }), { voltage: 230, stackLevel: 1 }).profiles.length, 1);
  const quirky = charger({ id: 'CP1', quirks: { noTxProfile: true, stackLevelZeroOnly: true, wattsOnly: false, noZeroAmps: false } });
  const { profiles } = ordersFor(active(10), quirky, { voltage: 230, stackLevel: 3, transactionId: 1 });
  t.equal(profiles.length, 1);
  t.equal(profiles[0]!.csChargingProfiles.stackLevel, 0, 'stackLevelZeroOnly');
});

t.test('wattsOnly: W for the phases known to be used, one phase until then', async (t) => {
  const w = charger({ id: 'CP1', quirks: { wattsOnly: true, noTxProfile: false, stackLevelZeroOnly: false, noZeroAmps: false } });
  const unknown = ordersFor(active(10), w, { voltage: 230, stackLevel: 1 }).profiles[0]!.csChargingProfiles.chargingSchedule;
  t.match(unknown, { chargingRateUnit: 'W', chargingSchedulePeriod: [{ limit: 2300, numberPhases: 1 }] });
  const measured = ordersFor(active(10, { phasesMeasured: true }), w, { voltage: 230, stackLevel: 1 }).profiles[0]!.csChargingProfiles.chargingSchedule;
  t.match(measured, { chargingRateUnit: 'W', chargingSchedulePeriod: [{ limit: 6900, numberPhases: 3 }] });
});

t.test('noZeroAmps: a pause is ChangeAvailability Inoperative, not a 0 A profile', async (t) => {
  const nz = charger({ id: 'CP1', quirks: { noZeroAmps: true, wattsOnly: false, noTxProfile: false, stackLevelZeroOnly: false } });
  const paused = ordersFor(active(0), nz, { voltage: 230, stackLevel: 1, transactionId: 1 });
  t.same(paused, { profiles: [], availability: 'Inoperative', amps: 0 });
  const running = ordersFor(active(8), nz, { voltage: 230, stackLevel: 1, transactionId: 1 });
  t.equal(running.availability, 'Operative');
  t.equal(running.profiles.length, 2);
});

t.test('phases the car declared: the live limit names them (numberPhases), the standing limit under a TxProfile does not', async (t) => {
  const cp = charger({ id: 'CP1' });
  const declared = active(10, { phases: [0], phasesDeclared: true });
  const [tx, standing] = ordersFor(declared, cp, { voltage: 230, stackLevel: 1, transactionId: 7 }).profiles;
  t.same(tx!.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 10, numberPhases: 1 }], 'the TxProfile holds the car to one phase');
  t.same(standing!.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 6 }], 'the next car\'s standing limit names none');
  const noTx = ordersFor(declared, cp, { voltage: 230, stackLevel: 1 }).profiles;
  t.same(noTx[0]!.csChargingProfiles.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 10, numberPhases: 1 }], 'without a TxProfile the standing one carries the live limit and the phases');
});
