import t, { type Test } from 'tap';
import { silentLogger } from '../../../src/log.js';
import type { SetChargingProfileRequest } from '../../../src/ocpp/v16/types.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { createCloudSiteLimit, type SiteLimitSink } from '../../../src/upstream/site-limit.js';

type Profile = SetChargingProfileRequest['csChargingProfiles'];
const T0 = Date.parse('2025-06-02T12:00:00.000Z');
const KEY = 'upstream.chargePointMaxProfiles/SITE';

function profile(over: Partial<Profile> = {}, limit = 20): Profile {
  return {
    chargingProfileId: 1,
    stackLevel: 0,
    chargingProfilePurpose: 'ChargePointMaxProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date(T0).toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    ...over,
  };
}

function harness(t: Test, dir = t.testdir(), withBalancer = true) {
  const store = openSqliteStore(dir);
  const clock = { now: T0 };
  const sent: { amps: number | null; until?: number }[] = [];
  const sink: SiteLimitSink = {
    setExternalLimit(source, amps, until) {
      t.equal(source, 'cloud');
      sent.push({ amps, ...(until !== undefined ? { until } : {}) });
      return { accepted: true, reason: '' };
    },
  };
  const limit = createCloudSiteLimit({ supply: { voltage: 230, phases: 3 }, balancer: () => (withBalancer ? sink : undefined), store, key: KEY, now: () => new Date(clock.now), logger: silentLogger() });
  t.teardown(() => {
    limit.stop();
    store.close();
  });
  return { store, clock, sent, limit, dir };
}

t.test('install applies the limit, on disk before Accepted; a restart reads it back', async (t) => {
  const h = harness(t);
  h.limit.start();
  t.same(h.sent, [{ amps: null }], 'nothing kept: no cloud limit');
  t.same(await h.limit.install(profile()), { status: 'Accepted' });
  t.same(h.sent.at(-1), { amps: 20 });
  t.ok(h.store.meta.get(KEY), 'kept in the meta table');
  h.limit.stop();
  h.store.close();

  const again = harness(t, h.dir);
  again.limit.start();
  t.same(again.sent, [{ amps: 20 }], 'back after the restart');
});

t.test('two profiles sent at once are both kept', async (t) => {
  const h = harness(t);
  h.limit.start();
  const answers = await Promise.all([h.limit.install(profile({ chargingProfileId: 1, stackLevel: 0 }, 20)), h.limit.install(profile({ chargingProfileId: 2, stackLevel: 1 }, 10))]);
  t.same(answers, [{ status: 'Accepted' }, { status: 'Accepted' }]);
  t.same((JSON.parse(h.store.meta.get(KEY)!) as { profile: Profile }[]).map((k) => k.profile.chargingProfileId), [1, 2]);
  t.same(h.sent.at(-1), { amps: 10 }, 'stackLevel 1');
});

t.test('a limit that ends is handed over with its end; a clear removes it and the key', async (t) => {
  const h = harness(t);
  h.limit.start();
  await h.limit.install(profile({ chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date(T0).toISOString(), duration: 3600, chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } }));
  t.same(h.sent.at(-1), { amps: 16, until: T0 + 3_600_000 }, 'the balancer lets it lapse on time even if the timer is late');
  t.equal(await h.limit.clear({ chargingProfilePurpose: 'TxDefaultProfile' }), 0);
  t.equal(await h.limit.clear({ id: 1 }), 1);
  t.same(h.sent.at(-1), { amps: null });
  t.equal(h.store.meta.get(KEY), undefined);
});

t.test('refused, forgotten, expired, unreadable, and no balancer', async (t) => {
  const h = harness(t);
  h.limit.start();
  t.same(await h.limit.install(profile({}, -1)), { status: 'Rejected' });
  for (let id = 1; id <= 16; id++) t.same(await h.limit.install(profile({ chargingProfileId: id, stackLevel: id })), { status: 'Accepted' });
  t.same(await h.limit.install(profile({ chargingProfileId: 17, stackLevel: 17 })), { status: 'Rejected' }, 'at most 16 kept');
  await h.limit.forget(16);
  t.equal((JSON.parse(h.store.meta.get(KEY)!) as unknown[]).length, 15, 'another purpose took id 16');
  await h.limit.clear({});
  await h.limit.install(profile({ validTo: new Date(T0 + 1000).toISOString() }));
  t.same(h.sent.at(-1), { amps: 20, until: T0 + 1000 });
  h.clock.now = T0 + 1000;
  h.limit.start();
  t.same(h.sent.at(-1), { amps: null }, 'past validTo');
  await settled(() => h.store.meta.get(KEY) === undefined);
  t.equal(h.store.meta.get(KEY), undefined, 'an expired profile is dropped from disk');

  h.store.meta.set(KEY, '{not json');
  h.limit.start();
  t.same(h.sent.at(-1), { amps: null }, 'an unreadable record: started without it');

  const none = harness(t, t.testdir(), false);
  none.limit.start();
  t.equal(await none.limit.install(profile()), undefined, 'no balancer: the caller forwards it to the chargers');
});

/** Waits (at most 0.5 s) for a write that is not awaited. */
async function settled(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}
