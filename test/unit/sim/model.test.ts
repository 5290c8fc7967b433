import t from 'tap';
import { ChargerModel, type Car } from '../../../src/sim/model.js';
import type { ChargingProfile } from '../../../src/ocpp/v16/schedule.js';

const T0 = Date.parse('2025-01-06T10:00:00Z');
const CAR3: Car = { maxCurrentA: 32, phases: 3 };

function model(extra: Partial<ConstructorParameters<typeof ChargerModel>[0]> = {}): ChargerModel {
  return new ChargerModel({ connectors: 2, phases: 3, maxCurrentA: 16, ...extra }, T0);
}

function profile(p: Partial<ChargingProfile> & { limit?: number; unit?: 'A' | 'W'; periods?: { startPeriod: number; limit: number; numberPhases?: number }[] }): ChargingProfile {
  const { limit = 10, unit = 'A', periods, ...rest } = p;
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: {
      startSchedule: new Date(T0).toISOString(),
      chargingRateUnit: unit,
      chargingSchedulePeriod: periods ?? [{ startPeriod: 0, limit }],
    },
    ...rest,
  };
}

function charging(m: ChargerModel, connector = 1, now = T0): void {
  m.plugIn(connector, CAR3, now);
  const r = m.beginTransaction(connector, 'TAG', connector, now);
  if (!r.ok) throw new Error(r.reason);
}

t.test('state machine: Available → Preparing → Charging → Finishing → Available', async (t) => {
  const m = model();
  t.equal(m.status(1), 'Available');
  m.plugIn(1, CAR3, T0);
  t.equal(m.status(1), 'Preparing');
  t.ok(m.beginTransaction(1, 'TAG', 1, T0).ok);
  t.equal(m.status(1), 'Charging');
  t.equal(m.connector(1).currentA, 16, 'min(car 32, charger 16)');
  m.endTransaction(1, T0 + 1000);
  t.equal(m.status(1), 'Finishing');
  m.unplug(1, T0 + 2000);
  t.equal(m.status(1), 'Available');
  t.same(
    m.takeChanges().statuses.map((s) => s.status),
    ['Preparing', 'Charging', 'Finishing', 'Available'],
  );
});

t.test('car full → SuspendedEV; fault → Faulted and no current', async (t) => {
  const m = model();
  charging(m);
  m.setCarMaxCurrent(1, 0, T0);
  t.equal(m.status(1), 'SuspendedEV');
  m.setCarMaxCurrent(1, 10, T0);
  t.equal(m.status(1), 'Charging');
  t.equal(m.connector(1).currentA, 10);
  m.fault(1, T0);
  t.equal(m.status(1), 'Faulted');
  t.equal(m.connector(1).currentA, 0);
  m.clearFault(1, T0);
  t.equal(m.status(1), 'Charging');
});

t.test('start refusals', async (t) => {
  const m = model();
  t.same(m.beginTransaction(1, 'TAG', 1, T0), { ok: false, reason: 'NotPluggedIn' });
  t.same(m.beginTransaction(3, 'TAG', 1, T0), { ok: false, reason: 'NoSuchConnector' });
  charging(m);
  t.same(m.beginTransaction(1, 'TAG', 2, T0), { ok: false, reason: 'Busy' });
  m.fault(2, T0);
  m.plugIn(2, CAR3, T0);
  t.same(m.beginTransaction(2, 'TAG', 3, T0), { ok: false, reason: 'Faulted' });
});

t.test('energy integrates current × voltage × phases × time, monotonic', async (t) => {
  const m = model();
  charging(m);
  m.advance(T0 + 3_600_000);
  t.equal(Math.round(m.connector(1).energyWh), 16 * 230 * 3, '16 A × 230 V × 3 phases × 1 h');
  const single = model();
  single.plugIn(1, { maxCurrentA: 10, phases: 1 }, T0);
  single.beginTransaction(1, 'TAG', 1, T0);
  single.advance(T0 + 1_800_000);
  t.equal(Math.round(single.connector(1).energyWh), 1150, 'one-phase car: 10 A × 230 V × 0.5 h');
  t.equal(single.connector(1).phases, 1);
  const before = m.connector(1).energyWh;
  m.advance(T0 + 1000); // clock going backwards must not lower the register
  t.ok(m.connector(1).energyWh >= before);
  const end = m.endTransaction(1, T0 + 3_600_000);
  t.equal(end?.meterStopWh, 11040);
  t.equal(end?.transaction.meterStartWh, 0);
});

t.test('ChargePointMaxProfile only on connector 0; TxProfile only with a transaction', async (t) => {
  const m = model();
  t.equal(m.setChargingProfile(1, profile({ chargingProfilePurpose: 'ChargePointMaxProfile' }), T0).status, 'Rejected');
  t.equal(m.setChargingProfile(0, profile({ chargingProfilePurpose: 'ChargePointMaxProfile' }), T0).status, 'Accepted');
  t.equal(m.setChargingProfile(1, profile({ chargingProfileId: 2, chargingProfilePurpose: 'TxProfile' }), T0).status, 'Rejected');
  t.equal(m.setChargingProfile(0, profile({ chargingProfileId: 2, chargingProfilePurpose: 'TxProfile' }), T0).status, 'Rejected');
  charging(m);
  t.equal(m.setChargingProfile(1, profile({ chargingProfileId: 2, chargingProfilePurpose: 'TxProfile' }), T0).status, 'Accepted');
  m.assignTransactionId(1, 77);
  t.equal(m.setChargingProfile(1, profile({ chargingProfileId: 3, chargingProfilePurpose: 'TxProfile', transactionId: 78 }), T0).status, 'Rejected', 'other transaction');
  t.equal(m.setChargingProfile(5, profile({ chargingProfileId: 4 }), T0).status, 'Rejected', 'no such connector');
  t.equal(m.setChargingProfile(1, profile({ chargingProfileId: 4, stackLevel: 9 }), T0).status, 'Rejected', 'above max stack level');
  m.endTransaction(1, T0);
  t.notOk(m.profiles().some((p) => p.profile.chargingProfilePurpose === 'TxProfile'), 'TxProfile removed with its transaction');
});

t.test('highest stackLevel wins; same purpose+stackLevel replaces; same id replaces', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(1, profile({ chargingProfileId: 1, stackLevel: 0, limit: 12 }), T0);
  m.setChargingProfile(1, profile({ chargingProfileId: 2, stackLevel: 1, limit: 8 }), T0);
  t.equal(m.connector(1).limitA, 8);
  m.setChargingProfile(1, profile({ chargingProfileId: 3, stackLevel: 1, limit: 14 }), T0);
  t.equal(m.profiles().length, 2, 'id 2 replaced by id 3 (same purpose and level)');
  t.equal(m.connector(1).limitA, 14);
  m.setChargingProfile(1, profile({ chargingProfileId: 3, stackLevel: 2, limit: 7 }), T0);
  t.equal(m.profiles().length, 2, 'same id replaced');
  t.equal(m.connector(1).limitA, 7);
});

t.test('a higher stack level that has expired gives way to a lower one', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(1, profile({ chargingProfileId: 1, stackLevel: 0, limit: 12 }), T0);
  const p = profile({ chargingProfileId: 2, stackLevel: 3, limit: 8 });
  p.chargingSchedule.duration = 60;
  m.setChargingProfile(1, p, T0);
  t.equal(m.connector(1).limitA, 8);
  m.advance(T0 + 61_000);
  t.equal(m.connector(1).limitA, 12);
});

t.test('composite = min(ChargePointMax, Tx or TxDefault); Tx overrides TxDefault; connector default beats connector 0', async (t) => {
  const m = model();
  charging(m);
  charging(m, 2);
  m.setChargingProfile(0, profile({ chargingProfileId: 1, limit: 13 }), T0);
  t.equal(m.connector(1).limitA, 13, 'TxDefault on 0 applies to all');
  t.equal(m.connector(2).limitA, 13);
  m.setChargingProfile(2, profile({ chargingProfileId: 2, limit: 15 }), T0);
  t.equal(m.connector(2).limitA, 15, 'TxDefault on 2 replaces the default of 0 for connector 2');
  m.setChargingProfile(1, profile({ chargingProfileId: 3, chargingProfilePurpose: 'TxProfile', limit: 9 }), T0);
  t.equal(m.connector(1).limitA, 9, 'TxProfile overrides TxDefault even at a lower level');
  m.setChargingProfile(0, profile({ chargingProfileId: 4, chargingProfilePurpose: 'ChargePointMaxProfile', limit: 11 }), T0);
  t.equal(m.connector(1).limitA, 9);
  t.equal(m.connector(2).limitA, 11, 'ChargePointMax caps');
});

t.test('W limits convert to A through voltage × phases', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(1, profile({ unit: 'W', limit: 6900 }), T0);
  t.equal(m.connector(1).limitA, 10, '6900 W / (230 V × 3)');
  const one = model({ phases: 1 });
  one.plugIn(1, { maxCurrentA: 32, phases: 1 }, T0);
  one.beginTransaction(1, 'TAG', 1, T0);
  one.setChargingProfile(1, profile({ unit: 'W', limit: 2300 }), T0);
  t.equal(one.connector(1).limitA, 10, '2300 W / 230 V');
  const capped = model();
  charging(capped);
  capped.setChargingProfile(1, profile({ unit: 'W', periods: [{ startPeriod: 0, limit: 2300, numberPhases: 1 }] }), T0);
  t.equal(capped.connector(1).limitA, 10, 'numberPhases 1 → all the power on one phase');
});

t.test('below 6 A the car pauses (SuspendedEVSE) and resumes when the limit rises', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(1, profile({ limit: 5.9 }), T0);
  t.equal(m.status(1), 'SuspendedEVSE');
  t.equal(m.connector(1).currentA, 0);
  m.advance(T0 + 3_600_000);
  t.equal(m.connector(1).energyWh, 0, 'no energy while paused');
  m.setChargingProfile(1, profile({ limit: 6 }), T0 + 3_600_000);
  t.equal(m.status(1), 'Charging');
  t.equal(m.connector(1).currentA, 6);
  const changes = m.takeChanges();
  t.same(changes.statuses.map((s) => s.status), ['Preparing', 'Charging', 'SuspendedEVSE', 'Charging']);
  t.ok(changes.limits.some((l) => l.currentA === 0));
});

t.test('periods follow the clock: Absolute, Relative to the transaction start, Recurring daily', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(1, profile({ periods: [{ startPeriod: 0, limit: 16 }, { startPeriod: 600, limit: 8 }] }), T0);
  m.advance(T0 + 599_000);
  t.equal(m.connector(1).limitA, 16);
  m.advance(T0 + 600_000);
  t.equal(m.connector(1).limitA, 8);

  const rel = model();
  rel.plugIn(1, CAR3, T0);
  rel.beginTransaction(1, 'TAG', 1, T0 + 100_000);
  rel.setChargingProfile(1, profile({ chargingProfileKind: 'Relative', periods: [{ startPeriod: 0, limit: 7 }, { startPeriod: 60, limit: 12 }] }), T0 + 120_000);
  t.equal(rel.connector(1).limitA, 7);
  rel.advance(T0 + 160_000);
  t.equal(rel.connector(1).limitA, 12, '60 s after the transaction started');

  const daily = model();
  charging(daily);
  const night = profile({ chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', periods: [{ startPeriod: 0, limit: 6 }, { startPeriod: 3600, limit: 14 }] });
  night.chargingSchedule.startSchedule = '2024-12-01T10:00:00Z';
  daily.setChargingProfile(1, night, T0);
  t.equal(daily.connector(1).limitA, 6, '10:00 each day');
  daily.advance(T0 + 3_600_000 + 1);
  t.equal(daily.connector(1).limitA, 14);
  daily.advance(T0 + 86_400_000);
  t.equal(daily.connector(1).limitA, 6, 'next day again');
});

t.test('validFrom / validTo bound a profile', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(1, profile({ limit: 8, validFrom: new Date(T0 + 10_000).toISOString(), validTo: new Date(T0 + 20_000).toISOString() }), T0);
  t.equal(m.connector(1).limitA, 16);
  m.advance(T0 + 10_000);
  t.equal(m.connector(1).limitA, 8);
  m.advance(T0 + 20_000);
  t.equal(m.connector(1).limitA, 16);
});

t.test('ClearChargingProfile by id, connector, purpose, stackLevel', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(0, profile({ chargingProfileId: 1, chargingProfilePurpose: 'ChargePointMaxProfile' }), T0);
  m.setChargingProfile(0, profile({ chargingProfileId: 2, stackLevel: 0 }), T0);
  m.setChargingProfile(1, profile({ chargingProfileId: 3, stackLevel: 1 }), T0);
  m.setChargingProfile(1, profile({ chargingProfileId: 4, stackLevel: 2, chargingProfilePurpose: 'TxProfile' }), T0);
  t.equal(m.clearChargingProfile({ id: 99 }, T0), 'Unknown');
  t.equal(m.clearChargingProfile({ id: 1, connectorId: 1 }, T0), 'Accepted', 'id alone decides');
  t.equal(m.clearChargingProfile({ connectorId: 1, stackLevel: 5 }, T0), 'Unknown');
  t.equal(m.clearChargingProfile({ chargingProfilePurpose: 'TxProfile' }, T0), 'Accepted');
  t.same(m.profiles().map((p) => p.profile.chargingProfileId), [2, 3]);
  t.equal(m.clearChargingProfile({ connectorId: 0 }, T0), 'Accepted');
  t.equal(m.clearChargingProfile({}, T0), 'Accepted');
  t.equal(m.profiles().length, 0);
  t.equal(m.connector(1).limitA, 16, 'back to the charger maximum');
});

t.test('composite schedule lists the periods of the window', async (t) => {
  const m = model();
  charging(m);
  m.setChargingProfile(0, profile({ chargingProfileId: 1, chargingProfilePurpose: 'ChargePointMaxProfile', periods: [{ startPeriod: 0, limit: 14 }, { startPeriod: 300, limit: 10 }] }), T0);
  m.setChargingProfile(1, profile({ chargingProfileId: 2, periods: [{ startPeriod: 0, limit: 12 }, { startPeriod: 120, limit: 16 }] }), T0);
  const s = m.compositeSchedule(1, 600, 'A', T0);
  t.same(s.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]), [[0, 12], [120, 14], [300, 10]]);
  const w = m.compositeSchedule(1, 100, 'W', T0);
  t.same(w.chargingSchedulePeriod.map((p) => p.limit), [12 * 230 * 3]);
  t.same(m.compositeSchedule(0, 600, 'A', T0).chargingSchedulePeriod.map((p) => p.limit), [14, 10]);
});

t.test('ChangeAvailability: Scheduled while charging, applied at the end; connector 0 = all', async (t) => {
  const m = model();
  charging(m);
  t.equal(m.changeAvailability(1, false, T0), 'Scheduled');
  t.equal(m.status(1), 'Charging');
  m.endTransaction(1, T0);
  t.equal(m.status(1), 'Unavailable');
  t.equal(m.changeAvailability(0, false, T0), 'Accepted');
  t.equal(m.status(0), 'Unavailable');
  t.equal(m.status(2), 'Unavailable');
  m.plugIn(2, CAR3, T0);
  t.same(m.beginTransaction(2, 'TAG', 9, T0), { ok: false, reason: 'Unavailable' });
  t.equal(m.changeAvailability(0, true, T0), 'Accepted');
  t.equal(m.status(2), 'Preparing');
  t.equal(m.changeAvailability(7, true, T0), 'Rejected');
});

t.test('reservations: Occupied when busy, expire, used by their idTag', async (t) => {
  const m = model();
  charging(m);
  const r = { reservationId: 5, idTag: 'OWNER', expiresAt: T0 + 60_000 };
  t.equal(m.reserve(1, r, T0), 'Occupied');
  t.equal(m.reserve(0, r, T0), 'Rejected');
  t.equal(m.reserve(2, r, T0), 'Accepted');
  t.equal(m.status(2), 'Reserved');
  m.plugIn(2, CAR3, T0);
  t.same(m.beginTransaction(2, 'OTHER', 2, T0), { ok: false, reason: 'Reserved' });
  const ok = m.beginTransaction(2, 'OWNER', 2, T0);
  t.ok(ok.ok && ok.transaction.reservationId === 5, 'the transaction names its reservation');
  m.endTransaction(2, T0);
  m.unplug(2, T0);
  t.equal(m.reserve(2, r, T0), 'Accepted');
  m.advance(T0 + 60_000);
  t.equal(m.status(2), 'Available', 'expired');
  m.reserve(2, { ...r, expiresAt: T0 + 120_000 }, T0 + 60_000);
  t.equal(m.cancelReservation(5, T0), 'Accepted');
  t.equal(m.cancelReservation(5, T0), 'Rejected');
});

t.test('a charger that ignores its limits: the car draws what the charger allows, the limit is still reported', async (t) => {
  const m = model({ obeysLimits: false });
  charging(m);
  t.equal(m.setChargingProfile(0, profile({ limit: 8 }), T0).status, 'Accepted');
  t.equal(m.connector(1).limitA, 8, 'offered (claimed)');
  t.equal(m.connector(1).currentA, 16, 'drawn: the charger maximum');
  m.setChargingProfile(0, profile({ limit: 0 }), T0);
  t.equal(m.status(1), 'Charging', '0 A does not pause it');
  t.equal(m.connector(1).currentA, 16);
  m.setLimitsObeyed(true, T0 + 1000);
  t.equal(m.connector(1).currentA, 0, 'obeying again: 0 A pauses');
  t.equal(m.status(1), 'SuspendedEVSE');
  t.notOk(model({ obeysLimits: false }).limitsObeyed);
  t.ok(m.limitsObeyed);
});

t.test('phaseCurrents: per charger phase, summed over connectors; a one-phase car on L1', async (t) => {
  const m = model({ maxCurrentA: 16 });
  t.same(m.phaseCurrents(), [0, 0, 0]);
  charging(m, 1);
  m.plugIn(2, { maxCurrentA: 10, phases: 1 }, T0);
  t.ok(m.beginTransaction(2, 'TAG', 2, T0).ok);
  t.same(m.phaseCurrents(1), [16, 16, 16]);
  t.same(m.phaseCurrents(2), [10, 0, 0]);
  t.same(m.phaseCurrents(), [26, 16, 16]);
  const single = model({ phases: 1, connectors: 1 });
  charging(single, 1);
  t.same(single.phaseCurrents(), [16, 0, 0], 'a one-phase charger with a three-phase car');
  t.throws(() => m.phaseCurrents(3), RangeError);
});

t.test('a profile\'s numberPhases switches the car\'s phases (§7.13: 3 when absent), both ways', async (t) => {
  const m = model({ maxCurrentA: 16 });
  charging(m, 1);
  t.same(m.phaseCurrents(1), [16, 16, 16]);
  m.setChargingProfile(1, profile({ periods: [{ startPeriod: 0, limit: 12, numberPhases: 1 }] }), T0 + 1000);
  t.same(m.phaseCurrents(1), [12, 0, 0], 'numberPhases 1: the car draws on L1 alone');
  t.equal(m.connector(1).phases, 1);
  m.setChargingProfile(1, profile({ periods: [{ startPeriod: 0, limit: 8, numberPhases: 3 }] }), T0 + 2000);
  t.same(m.phaseCurrents(1), [8, 8, 8], 'numberPhases 3: back on three');
  m.setChargingProfile(1, profile({ periods: [{ startPeriod: 0, limit: 7 }] }), T0 + 3000);
  t.same(m.phaseCurrents(1), [7, 7, 7], 'absent: three');
});
