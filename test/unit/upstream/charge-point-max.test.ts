import t from 'tap';
import { clearProfiles, expired, installProfile, LOOKAHEAD_MS, profileProblem, siteLimitAt, type CloudMaxProfile } from '../../../src/upstream/charge-point-max.js';
import type { ChargingProfile } from '../../../src/ocpp/v16/schedule.js';

const T0 = Date.parse('2025-06-02T12:00:00.000Z'); // a Monday
const S = 1000;
const H = 3600 * S;
const iso = (ms: number) => new Date(ms).toISOString();
const supply = { voltage: 230, phases: 3 };

type Periods = ChargingProfile['chargingSchedule']['chargingSchedulePeriod'];

function cpmax(over: Partial<ChargingProfile> & { periods?: Periods; unit?: 'A' | 'W'; start?: number; duration?: number } = {}, receivedAt = T0): CloudMaxProfile {
  const { periods = [{ startPeriod: 0, limit: 20 }], unit = 'A', start, duration, ...rest } = over;
  return {
    receivedAt,
    profile: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: 'ChargePointMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: {
        chargingRateUnit: unit,
        chargingSchedulePeriod: periods,
        ...(start !== undefined ? { startSchedule: iso(start) } : {}),
        ...(duration !== undefined ? { duration } : {}),
      },
      ...rest,
    },
  };
}

t.test('periods: the one in force, and the next period as the next change', async (t) => {
  const p = cpmax({ start: T0, periods: [{ startPeriod: 0, limit: 20 }, { startPeriod: 600, limit: 10 }, { startPeriod: 1200, limit: 16 }] });
  t.same(siteLimitAt([p], T0, supply), { amps: 20, profileId: 1, nextChangeAt: T0 + 600 * S });
  t.same(siteLimitAt([p], T0 + 599 * S, supply), { amps: 20, profileId: 1, nextChangeAt: T0 + 600 * S });
  t.same(siteLimitAt([p], T0 + 600 * S, supply), { amps: 10, profileId: 1, nextChangeAt: T0 + 1200 * S }, 'a period starts at its startPeriod');
  t.same(siteLimitAt([p], T0 + 5 * H, supply), { amps: 16, profileId: 1 }, 'no duration: the last period lasts, nothing changes any more');
  t.same(siteLimitAt([], T0, supply), { amps: null }, 'no profile: no cloud limit');
});

t.test('a period with the same limit is no change', async (t) => {
  const p = cpmax({ start: T0, periods: [{ startPeriod: 0, limit: 20 }, { startPeriod: 60, limit: 20 }, { startPeriod: 120, limit: 8 }] });
  t.equal(siteLimitAt([p], T0, supply).nextChangeAt, T0 + 120 * S);
});

t.test('duration: the schedule ends, and with it the limit', async (t) => {
  const p = cpmax({ start: T0, duration: 900, periods: [{ startPeriod: 0, limit: 20 }, { startPeriod: 600, limit: 10 }] });
  t.same(siteLimitAt([p], T0 + 600 * S, supply), { amps: 10, profileId: 1, nextChangeAt: T0 + 900 * S });
  t.same(siteLimitAt([p], T0 + 900 * S, supply), { amps: null }, 'the end is exclusive; nothing after it');
});

t.test('a startSchedule in the future: no limit until then', async (t) => {
  const p = cpmax({ start: T0 + H, periods: [{ startPeriod: 0, limit: 12 }] });
  t.same(siteLimitAt([p], T0, supply), { amps: null, nextChangeAt: T0 + H });
  t.same(siteLimitAt([p], T0 + H, supply), { amps: 12, profileId: 1 });
});

t.test('Relative (no session on connector 0) and no startSchedule: the schedule runs from when it was accepted', async (t) => {
  const p = cpmax({ chargingProfileKind: 'Relative', periods: [{ startPeriod: 0, limit: 20 }, { startPeriod: 60, limit: 10 }] }, T0);
  t.same(siteLimitAt([p], T0 + 30 * S, supply), { amps: 20, profileId: 1, nextChangeAt: T0 + 60 * S });
  t.same(siteLimitAt([p], T0 + 90 * S, supply), { amps: 10, profileId: 1 });
});

t.test('validFrom / validTo bound the profile', async (t) => {
  const p = cpmax({ start: T0 - H, validFrom: iso(T0 + 10 * S), validTo: iso(T0 + 20 * S), periods: [{ startPeriod: 0, limit: 14 }] });
  t.same(siteLimitAt([p], T0, supply), { amps: null, nextChangeAt: T0 + 10 * S }, 'not valid yet');
  t.same(siteLimitAt([p], T0 + 10 * S, supply), { amps: 14, profileId: 1, nextChangeAt: T0 + 20 * S });
  t.same(siteLimitAt([p], T0 + 20 * S, supply), { amps: null }, 'validTo is exclusive');
  t.equal(expired(p, T0 + 19 * S), false);
  t.equal(expired(p, T0 + 20 * S), true, 'past validTo it can be dropped');
  t.equal(expired(cpmax(), T0 + 100 * H), false, 'no validTo: kept until replaced or cleared');
});

t.test('Daily recurring: the schedule restarts every 24 h at the time of startSchedule', async (t) => {
  // 08:00-18:00 UTC at 10 A, from the start of the profile (a week ago); nothing at night.
  const eight = Date.parse('2025-05-26T08:00:00.000Z');
  const p = cpmax({ chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', start: eight, duration: 10 * 3600, periods: [{ startPeriod: 0, limit: 10 }] });
  t.same(siteLimitAt([p], T0, supply), { amps: 10, profileId: 1, nextChangeAt: Date.parse('2025-06-02T18:00:00.000Z') });
  t.same(siteLimitAt([p], Date.parse('2025-06-02T19:00:00.000Z'), supply), { amps: null, nextChangeAt: Date.parse('2025-06-03T08:00:00.000Z') }, 'at night: none, until tomorrow 08:00');
  t.same(siteLimitAt([p], Date.parse('2025-06-03T07:59:59.000Z'), supply).nextChangeAt, Date.parse('2025-06-03T08:00:00.000Z'));
  t.equal(siteLimitAt([p], Date.parse('2025-06-09T09:00:00.000Z'), supply).amps, 10, 'a week later, the same');
});

t.test('Daily recurring with two periods over the whole day', async (t) => {
  const midnight = Date.parse('2025-06-01T00:00:00.000Z');
  const p = cpmax({ chargingProfileKind: 'Recurring', recurrencyKind: 'Daily', start: midnight, periods: [{ startPeriod: 0, limit: 32 }, { startPeriod: 17 * 3600, limit: 16 }, { startPeriod: 21 * 3600, limit: 32 }] });
  t.same(siteLimitAt([p], T0, supply), { amps: 32, profileId: 1, nextChangeAt: Date.parse('2025-06-02T17:00:00.000Z') });
  t.same(siteLimitAt([p], Date.parse('2025-06-02T22:00:00.000Z'), supply), { amps: 32, profileId: 1, nextChangeAt: Date.parse('2025-06-03T17:00:00.000Z') }, 'the next change is in tomorrow\'s cycle');
});

t.test('a recurring profile that never changes is looked at again after the look-ahead', async (t) => {
  const p = cpmax({ chargingProfileKind: 'Recurring', recurrencyKind: 'Weekly', start: T0 - H, periods: [{ startPeriod: 0, limit: 25 }] });
  t.same(siteLimitAt([p], T0, supply), { amps: 25, profileId: 1, nextChangeAt: T0 + LOOKAHEAD_MS });
});

t.test('stackLevel: the highest valid one with a period in force wins; when its schedule ends, the next one down', async (t) => {
  const base = cpmax({ chargingProfileId: 1, stackLevel: 0, start: T0, duration: 400, periods: [{ startPeriod: 0, limit: 6 }, { startPeriod: 100, limit: 8 }, { startPeriod: 200, limit: 10 }] });
  const top = cpmax({ chargingProfileId: 2, stackLevel: 1, start: T0, duration: 150, periods: [{ startPeriod: 0, limit: 16 }] });
  const both = [base, top];
  t.same(siteLimitAt(both, T0, supply), { amps: 16, profileId: 2, nextChangeAt: T0 + 150 * S }, 'higher wins, even with a higher limit');
  t.same(siteLimitAt(both, T0 + 150 * S, supply), { amps: 8, profileId: 1, nextChangeAt: T0 + 200 * S }, 'stackLevel 1 over: stackLevel 0 in its second period');
  t.same(siteLimitAt(both, T0 + 400 * S, supply), { amps: null });
  const notYet = cpmax({ chargingProfileId: 3, stackLevel: 5, validFrom: iso(T0 + 50 * S), start: T0, periods: [{ startPeriod: 0, limit: 4 }] });
  t.same(siteLimitAt([base, notYet], T0, supply), { amps: 6, profileId: 1, nextChangeAt: T0 + 50 * S }, 'a higher one not valid yet does not count');
  t.equal(siteLimitAt([base, notYet], T0 + 50 * S, supply).amps, 4);
});

t.test('W: divided by the supply voltage and the period\'s numberPhases, else the supply\'s phases; floored to 0.1 A', async (t) => {
  t.equal(siteLimitAt([cpmax({ unit: 'W', start: T0, periods: [{ startPeriod: 0, limit: 11040 }] })], T0, supply).amps, 16, '11 040 W / (230 V × 3)');
  t.equal(siteLimitAt([cpmax({ unit: 'W', start: T0, periods: [{ startPeriod: 0, limit: 11000 }] })], T0, supply).amps, 15.9, '15.94 A floored');
  t.equal(siteLimitAt([cpmax({ unit: 'W', start: T0, periods: [{ startPeriod: 0, limit: 3680, numberPhases: 1 }] })], T0, supply).amps, 16, 'one phase: 3 680 W / 230 V');
  t.equal(siteLimitAt([cpmax({ unit: 'W', start: T0, periods: [{ startPeriod: 0, limit: 3680 }] })], T0, { voltage: 230, phases: 1 }).amps, 16, 'a 1-phase supply');
  t.equal(siteLimitAt([cpmax({ unit: 'W', start: T0, periods: [{ startPeriod: 0, limit: 12000 }] })], T0, { voltage: 240, phases: 1 }).amps, 50, 'the site\'s voltage');
  t.equal(siteLimitAt([cpmax({ start: T0, periods: [{ startPeriod: 0, limit: 16, numberPhases: 1 }] })], T0, supply).amps, 16, 'A is per phase: numberPhases changes nothing');
});

t.test('install replaces the same id, or the same stackLevel (§5.16); clear by id or by criteria (§5.5)', async (t) => {
  const a = cpmax({ chargingProfileId: 1, stackLevel: 0 });
  const b = cpmax({ chargingProfileId: 2, stackLevel: 1 });
  let kept = installProfile(installProfile([], a), b);
  t.same(kept.map((k) => k.profile.chargingProfileId), [1, 2]);
  kept = installProfile(kept, cpmax({ chargingProfileId: 3, stackLevel: 1 }));
  t.same(kept.map((k) => k.profile.chargingProfileId), [1, 3], 'same stackLevel: replaced');
  kept = installProfile(kept, cpmax({ chargingProfileId: 1, stackLevel: 4 }));
  t.same(kept.map((k) => [k.profile.chargingProfileId, k.profile.stackLevel]), [[3, 1], [1, 4]], 'same id: replaced');

  t.same(clearProfiles(kept, { id: 99 }).removed, 0);
  t.same(clearProfiles(kept, { id: 3 }).kept.map((k) => k.profile.chargingProfileId), [1]);
  t.same(clearProfiles(kept, { id: 3, stackLevel: 4 }).kept.map((k) => k.profile.chargingProfileId), [1], 'an id alone decides');
  t.equal(clearProfiles(kept, { stackLevel: 4 }).removed, 1);
  t.equal(clearProfiles(kept, { connectorId: 0, chargingProfilePurpose: 'ChargePointMaxProfile' }).removed, 2);
  t.equal(clearProfiles(kept, {}).removed, 2, 'no criteria: all');
  t.equal(clearProfiles(kept, { chargingProfilePurpose: 'TxDefaultProfile' }).removed, 0);
  t.equal(clearProfiles(kept, { connectorId: 1 }).removed, 0, 'a ChargePointMaxProfile lives on connector 0');
});

t.test('what is refused', async (t) => {
  t.equal(profileProblem(cpmax().profile), undefined);
  t.match(profileProblem(cpmax({ periods: [] }).profile), /no periods/);
  t.match(profileProblem(cpmax({ periods: [{ startPeriod: 0, limit: -1 }] }).profile), /negative limit/);
  t.match(profileProblem(cpmax({ chargingProfileKind: 'Recurring' }).profile), /recurrencyKind/);
  t.match(profileProblem(cpmax({ validTo: 'tomorrow' }).profile), /validTo/);
  t.match(profileProblem(cpmax({ periods: [{ startPeriod: 0, limit: 10, numberPhases: 4 }] }).profile), /numberPhases/);
});
