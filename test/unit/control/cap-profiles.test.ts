import t from 'tap';
import { capClear, capProfile, connectorCap } from '../../../src/control/cap-profiles.js';
import { charger } from '../../helpers/balancer-site.js';

t.test('a connector cap is a TxDefaultProfile on it, a charger cap a ChargePointMaxProfile on connector 0', async (t) => {
  t.match(capProfile(2, 10, charger({ id: 'A', connectors: 2 })), {
    connectorId: 2,
    csChargingProfiles: { chargingProfileId: 7102, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingProfileKind: 'Absolute', chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 10 }] } },
  });
  t.match(capProfile(0, 8.25, charger({ id: 'A' })), { connectorId: 0, csChargingProfiles: { chargingProfileId: 7000, chargingProfilePurpose: 'ChargePointMaxProfile', chargingSchedule: { chargingSchedulePeriod: [{ limit: 8.2 }] } } });
  t.same(capClear(1), { id: 7101 });
  t.same(capClear(0), { id: 7000 });
});

t.test('the charger\'s quirks shape it: stackLevel 0, W for all its phases', async (t) => {
  const quirky = charger({ id: 'A', phases: 3, quirks: { stackLevelZeroOnly: true, wattsOnly: true, noTxProfile: false, noZeroAmps: false } });
  t.match(capProfile(1, 10, quirky), { csChargingProfiles: { stackLevel: 0, chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ limit: 6900, numberPhases: 3 }] } } });
});

t.test('a connector is held to the lower of its own cap and the charger\'s', async (t) => {
  t.equal(connectorCap(new Map(), 1), undefined);
  t.equal(connectorCap(new Map([[0, 8]]), 1), 8);
  t.equal(connectorCap(new Map([[0, 8], [1, 6]]), 1), 6);
  t.equal(connectorCap(new Map([[2, 6]]), 1), undefined);
});
