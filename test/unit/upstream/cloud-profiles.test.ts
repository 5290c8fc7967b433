import t from 'tap';
import {
  clearProfiles,
  compositeSchedule,
  countOn,
  endSession,
  expired,
  installProfile,
  limitsAt,
  LOOKAHEAD_MS,
  placementProblem,
  profileProblem,
  type ChargePointView,
  type CloudProfile,
} from '../../../src/upstream/cloud-profiles.js';
import type { ChargingProfile } from '../../../src/ocpp/v16/schedule.js';

const T0 = Date.parse('2025-06-02T12:00:00.000Z'); // a Monday
const S = 1000;
const H = 3600 * S;
const iso = (ms: number) => new Date(ms).toISOString();
const supply = { voltage: 230, phases: 3 };

type Periods = ChargingProfile['chargingSchedule']['chargingSchedulePeriod'];
type Over = Partial<ChargingProfile> & { periods?: Periods; unit?: 'A' | 'W'; start?: number; duration?: number; connectorId?: number; session?: CloudProfile['session'] };

function make(purpose: ChargingProfile['chargingProfilePurpose'], over: Over = {}, receivedAt = T0): CloudProfile {
  const { periods = [{ startPeriod: 0, limit: 20 }], unit = 'A', start, duration, connectorId = 0, session, ...rest } = over;
  return {
    connectorId,
    receivedAt,
    ...(session ? { session } : {}),
    profile: {
      chargingProfileId: 1,
      stackLevel: 0,
      chargingProfilePurpose: purpose,
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

const cpmax = (over: Over = {}, receivedAt = T0) => make('ChargePointMaxProfile', over, receivedAt);
const txDefault = (connectorId: number, over: Over = {}) => make('TxDefaultProfile', { connectorId, ...over });
const tx = (connectorId: number, transactionId: number, startedAt: number, over: Over = {}) => make('TxProfile', { connectorId, session: { transactionId, startedAt }, ...over });

/** A charge point with these connectors, sessions started at (connector → ms), and phases per connector (0: the charge point). */
function view(connectors: number[] = [], sessions: [number, number][] = [], phases: (n: number) => number = () => supply.phases): ChargePointView {
  return { connectors, sessionStart: new Map(sessions), phases };
}

/** The ChargePointMaxProfile limit alone, as the site limit was read before connectors had limits. */
function siteLimitAt(profiles: CloudProfile[], at: number, s: { voltage: number; phases: number } = supply) {
  const r = limitsAt(profiles, view([], [], () => s.phases), at, { voltage: s.voltage });
  const { endsAt: _ends, ...limit } = r.chargePoint;
  return { ...limit, ...(r.nextChangeAt !== undefined ? { nextChangeAt: r.nextChangeAt } : {}) };
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

t.test('the charge point\'s limit says when it lapses with nothing after it (the balancer lets it go on time)', async (t) => {
  const p = cpmax({ start: T0, duration: 60, periods: [{ startPeriod: 0, limit: 20 }, { startPeriod: 30, limit: 10 }] });
  const r = limitsAt([p], view(), T0, supply);
  t.same(r.chargePoint, { amps: 20, profileId: 1 }, '20 A is followed by 10 A: it does not lapse');
  t.equal(r.nextChangeAt, T0 + 30 * S);
  t.same(limitsAt([p], view(), T0 + 30 * S, supply).chargePoint, { amps: 10, profileId: 1, endsAt: T0 + 60 * S }, 'the last period: its end');
  t.same(limitsAt([cpmax({ start: T0 })], view(), T0, supply).chargePoint, { amps: 20, profileId: 1 }, 'no end');
  const under = cpmax({ chargingProfileId: 2, start: T0, periods: [{ startPeriod: 0, limit: 32 }] });
  t.same(limitsAt([p, under], view(), T0, supply).chargePoint, { amps: 20, profileId: 1 }, 'a lower stackLevel takes over: no end');
});

t.test('connectors: a TxDefaultProfile on 0 for every connector, one on N replaces it for N; the ChargePointMaxProfile stays apart', async (t) => {
  const all = txDefault(0, { chargingProfileId: 10, stackLevel: 5, start: T0, periods: [{ startPeriod: 0, limit: 32 }] });
  // A lower stackLevel and a higher limit: it is N's own default, so it still replaces connector 0's for N (§3.13.2).
  const two = txDefault(2, { chargingProfileId: 11, stackLevel: 0, start: T0, duration: 60, periods: [{ startPeriod: 0, limit: 40 }] });
  const max = cpmax({ chargingProfileId: 12, start: T0, periods: [{ startPeriod: 0, limit: 10 }] });
  const amps = (r: ReturnType<typeof limitsAt>) => Object.fromEntries([...r.connectors].map(([n, l]) => [n, l.amps]));
  const r = limitsAt([all, two, max], view([1, 2, 3]), T0, supply);
  t.same(r.chargePoint, { amps: 10, profileId: 12 }, 'the charge point: the site limit or a charger cap, applied apart');
  t.same(amps(r), { 1: 32, 2: 40, 3: 32 });
  t.same(r.connectors.get(2), { amps: 40, profileId: 11 });
  t.equal(r.nextChangeAt, T0 + 60 * S, 'connector 2\'s default ends');
  const later = limitsAt([all, two, max], view([1, 2, 3]), T0 + 60 * S, supply);
  t.same(amps(later), { 1: 32, 2: 32, 3: 32 }, 'its own default over: connector 0\'s again');
  t.equal(later.nextChangeAt, undefined);
  t.same(amps(limitsAt([], view([1, 2]), T0, supply)), { 1: null, 2: null }, 'nothing kept: no limits');
  t.same(amps(limitsAt([txDefault(7)], view([1, 2]), T0, supply)), { 1: null, 2: null }, 'a connector that is not there limits nothing');
});

t.test('a TxProfile overrides the defaults on its connector until its schedule ends, and goes with its session', async (t) => {
  const def = txDefault(1, { chargingProfileId: 1, stackLevel: 0, start: T0, periods: [{ startPeriod: 0, limit: 16 }] });
  // Higher than the default and at the same stackLevel: the TxProfile wins all the same.
  const live = tx(1, 42, T0 - 30 * S, { chargingProfileId: 2, chargingProfileKind: 'Relative', duration: 120, periods: [{ startPeriod: 0, limit: 24 }, { startPeriod: 60, limit: 8 }] });
  const v = view([1, 2], [[1, T0 - 30 * S]]);
  const at = (ms: number) => limitsAt([def, live], v, ms, supply);
  t.same(at(T0).connectors.get(1), { amps: 24, profileId: 2 }, 'Relative: 30 s into its session');
  t.same(at(T0).connectors.get(2), { amps: null }, 'not on the other connector');
  t.equal(at(T0).nextChangeAt, T0 + 30 * S, 'the second period, 60 s after the session started');
  t.same(at(T0 + 30 * S).connectors.get(1), { amps: 8, profileId: 2 });
  t.equal(at(T0 + 30 * S).nextChangeAt, T0 + 90 * S, 'its duration ends');
  t.same(at(T0 + 90 * S).connectors.get(1), { amps: 16, profileId: 1 }, 'over: the default again');
  t.same(endSession([def, live], 42), [def], 'the session ended: its TxProfile goes');
  t.same(endSession([def, live], 7), [def, live]);
});

t.test('stack levels on one connector, validTo', async (t) => {
  const low = txDefault(1, { chargingProfileId: 1, stackLevel: 1, start: T0, periods: [{ startPeriod: 0, limit: 20 }] });
  const high = txDefault(1, { chargingProfileId: 2, stackLevel: 3, start: T0, validTo: iso(T0 + 30 * S), periods: [{ startPeriod: 0, limit: 6 }] });
  const v = view([1]);
  t.same(limitsAt([low, high], v, T0, supply).connectors.get(1), { amps: 6, profileId: 2 }, 'the highest stackLevel');
  t.equal(limitsAt([low, high], v, T0, supply).nextChangeAt, T0 + 30 * S);
  t.same(limitsAt([low, high], v, T0 + 30 * S, supply).connectors.get(1), { amps: 20, profileId: 1 }, 'past its validTo: the next one down');
  t.equal(expired(high, T0 + 30 * S), true);
});

t.test('W on a connector: divided by the voltage and the period\'s numberPhases, else the charger\'s phases', async (t) => {
  const w = txDefault(0, { unit: 'W', start: T0, periods: [{ startPeriod: 0, limit: 7360 }] });
  const v = view([1, 2], [], (n) => (n === 2 ? 1 : 3));
  const r = limitsAt([w], v, T0, supply);
  t.equal(r.connectors.get(1)!.amps, 10.6, '7 360 W / (230 V × 3) = 10.67 A, floored');
  t.equal(r.connectors.get(2)!.amps, 32, 'a 1-phase charger: 7 360 W / 230 V');
  const one = txDefault(0, { unit: 'W', start: T0, periods: [{ startPeriod: 0, limit: 7360, numberPhases: 1 }] });
  t.equal(limitsAt([one], v, T0, supply).connectors.get(1)!.amps, 32, 'numberPhases 1 named: on one phase');
});

t.test('a Relative TxDefaultProfile runs from each connector\'s session; without one, its first period', async (t) => {
  const rel = txDefault(0, { chargingProfileKind: 'Relative', periods: [{ startPeriod: 0, limit: 32 }, { startPeriod: 600, limit: 10 }] });
  const r = limitsAt([rel], view([1, 2], [[1, T0 - 700 * S]]), T0, supply);
  t.same([r.connectors.get(1)!.amps, r.connectors.get(2)!.amps], [10, 32]);
  t.equal(r.nextChangeAt, undefined, 'nothing more changes');
  t.equal(limitsAt([rel], view([1, 2], [[2, T0 - 100 * S]]), T0, supply).nextChangeAt, T0 + 500 * S, 'connector 2\'s session reaches 600 s');
});

t.test('install and clear across connectors and purposes (§5.16, §5.5)', async (t) => {
  let kept = installProfile([], txDefault(1, { chargingProfileId: 1, stackLevel: 2 }));
  kept = installProfile(kept, txDefault(2, { chargingProfileId: 2, stackLevel: 2 }));
  kept = installProfile(kept, txDefault(0, { chargingProfileId: 3, stackLevel: 2 }));
  kept = installProfile(kept, cpmax({ chargingProfileId: 4, stackLevel: 2 }));
  t.same(kept.map((k) => k.profile.chargingProfileId), [1, 2, 3, 4], 'the same stackLevel on another connector or of another purpose: both kept');
  kept = installProfile(kept, txDefault(1, { chargingProfileId: 5, stackLevel: 2 }));
  t.same(kept.map((k) => k.profile.chargingProfileId), [2, 3, 4, 5], 'same connector, purpose and stackLevel: replaced');
  kept = installProfile(kept, tx(1, 9, T0, { chargingProfileId: 4 }));
  t.same(kept.map((k) => [k.profile.chargingProfileId, k.profile.chargingProfilePurpose]), [[2, 'TxDefaultProfile'], [3, 'TxDefaultProfile'], [5, 'TxDefaultProfile'], [4, 'TxProfile']], 'an id names one profile, whatever its purpose');
  t.equal(clearProfiles(kept, { connectorId: 1 }).removed, 2, 'connector 1: its default and its TxProfile');
  t.equal(clearProfiles(kept, { connectorId: 0, chargingProfilePurpose: 'TxDefaultProfile' }).removed, 1, 'connector 0 is the charge point\'s own, not every connector');
  t.equal(clearProfiles(kept, { chargingProfilePurpose: 'TxProfile' }).removed, 1);
  t.equal(clearProfiles(kept, { stackLevel: 2 }).removed, 3);
  t.equal(clearProfiles(kept, { id: 4, connectorId: 2 }).removed, 1, 'an id alone decides');
});

t.test('where a purpose may go', async (t) => {
  t.equal(placementProblem(0, cpmax().profile), undefined);
  t.match(placementProblem(1, cpmax().profile), /connector 0 only/);
  t.match(placementProblem(0, tx(1, 1, T0).profile), /not connector 0/);
  t.equal(placementProblem(0, txDefault(0).profile), undefined);
  t.equal(placementProblem(3, txDefault(3).profile), undefined);
  t.match(profileProblem(txDefault(1, { stackLevel: -1 }).profile), /stackLevel/);
  t.match(profileProblem(txDefault(1, { periods: [{ startPeriod: -1, limit: 10 }] }).profile), /startPeriod/);
  t.match(profileProblem(txDefault(1, { duration: -5 }).profile), /duration/);
  t.equal(countOn([txDefault(1), txDefault(0), tx(1, 1, T0)], 1), 2, 'profiles kept per connector (at most MAX_PROFILES each)');
});

t.test('the composite schedule: per period the minimum of the ChargePointMax, the Tx or TxDefault, and chargegate\'s own limit', async (t) => {
  const v = view([1, 2], [[1, T0]]);
  const kept = [
    cpmax({ chargingProfileId: 1, start: T0, periods: [{ startPeriod: 0, limit: 30 }, { startPeriod: 600, limit: 12 }] }),
    txDefault(0, { chargingProfileId: 2, start: T0, periods: [{ startPeriod: 0, limit: 20 }, { startPeriod: 300, limit: 25 }] }),
    tx(1, 42, T0, { chargingProfileId: 3, chargingProfileKind: 'Relative', duration: 900, periods: [{ startPeriod: 0, limit: 16 }, { startPeriod: 120, limit: 32 }] }),
  ];
  const ask = (connectorId: number, over: { duration?: number; unit?: 'A' | 'W'; own?: number; now?: number } = {}) =>
    compositeSchedule(kept, v, over.now ?? T0, { voltage: 230 }, { connectorId, duration: over.duration ?? 1200, unit: over.unit ?? 'A', own: over.own ?? 18 });
  const periods = (s: ReturnType<typeof compositeSchedule>) => s.chargingSchedulePeriod.map((p) => [p.startPeriod, p.limit]);
  t.same(periods(ask(1)), [[0, 16], [120, 18], [600, 12]], 'the TxProfile, chargegate\'s 18 A, the later ChargePointMax period (the TxProfile\'s end changes nothing under 12 A)');
  t.same(periods(ask(2)), [[0, 18], [600, 12]], 'connector 2: the connector-0 default is above chargegate\'s 18 A');
  t.same(periods(ask(2, { own: 32 })), [[0, 20], [300, 25], [600, 12]], 'with room: the default\'s periods');
  t.same(periods(ask(0, { own: 32 })), [[0, 30], [600, 12]], 'connector 0: the ChargePointMax and the site limit');
  t.same(periods(ask(1, { duration: 500 })), [[0, 16], [120, 18]], 'only the duration asked for');
  const w = ask(0, { own: 32, unit: 'W' });
  t.same(w, { duration: 1200, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 20700, numberPhases: 3 }, { startPeriod: 600, limit: 8280, numberPhases: 3 }] }, 'W: A × 230 V × 3');
  t.same(periods(compositeSchedule([], v, T0, { voltage: 230 }, { connectorId: 2, duration: 60, unit: 'A', own: 13.5 })), [[0, 13.5]], 'no cloud profile: chargegate\'s limit');
  // 0.4 s past a whole second: startPeriod is whole seconds; a rise is reported from the next second, a drop from the one it falls in.
  t.same(periods(ask(1, { now: T0 + 400 })), [[0, 16], [120, 18], [599, 12]]);
});
