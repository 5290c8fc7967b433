/**
 * The I/O shell around the cloud's kept profiles: what the balancer is told (site limit, caps
 * per charger and connector, source "cloud"), what is on disk, what the cloud is answered.
 */
import t, { type Test } from 'tap';
import { EventBus } from '../../../src/events.js';
import { silentLogger } from '../../../src/log.js';
import type { SetChargingProfileRequest } from '../../../src/ocpp/v16/types.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { createCloudCaps, legacyKey, metaKey, type CapSink } from '../../../src/upstream/cloud-caps.js';
import { SameConnectors, VirtualConnectors } from '../../../src/upstream/connectors.js';

type Profile = SetChargingProfileRequest['csChargingProfiles'];
const T0 = Date.parse('2025-06-02T12:00:00.000Z');
const SITE = 'SITE';

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

interface Options {
  dir?: string;
  mode?: 'aggregate' | 'transparent';
  withBalancer?: boolean;
  refuse?: boolean;
  realClock?: boolean;
}

function harness(t: Test, o: Options = {}) {
  const dir = o.dir ?? t.testdir();
  const mode = o.mode ?? 'aggregate';
  const store = openSqliteStore(dir);
  const clock = { now: T0 };
  const external: { amps: number | null; until?: number }[] = [];
  /** The caps in force as the balancer would keep them for source "cloud" (key → A), and every call. */
  const caps = new Map<string, number>();
  const calls: string[] = [];
  let allocation: ReturnType<CapSink['allocation']>;
  const sink: CapSink = {
    setExternalLimit(source, amps, until) {
      t.equal(source, 'cloud');
      external.push({ amps, ...(until !== undefined ? { until } : {}) });
      return { accepted: true, reason: '' };
    },
    setCap(chargerId, connectorId, amps, source) {
      t.equal(source, 'cloud');
      const key = connectorId === undefined ? chargerId : `${chargerId}/${connectorId}`;
      calls.push(`${key}=${amps}`);
      if (o.refuse) return { accepted: false, reason: 'no' };
      if (amps === null) caps.delete(key);
      else caps.set(key, amps);
      return { accepted: true, reason: '' };
    },
    allocation: () => allocation,
  };
  const events = new EventBus();
  const connectors =
    mode === 'aggregate'
      ? new VirtualConnectors(store, [], [
          { id: 'CP1', connectors: 2 },
          { id: 'CP2', connectors: 1 },
        ])
      : new SameConnectors(() => 2);
  const cloudIds = new Map<number, number>();
  const now = () => (o.realClock ? new Date() : new Date(clock.now));
  const cloudCaps = createCloudCaps({
    chargePointOf: (channel) => (mode === 'aggregate' ? undefined : channel),
    channels: mode === 'aggregate' ? [SITE] : ['CP1', 'CP2'],
    connectors,
    supply: { voltage: 230, phases: 3, maxCurrent: 40 },
    chargerPhases: (id) => (id === 'CP2' ? 1 : 3),
    balancer: () => (o.withBalancer === false ? undefined : sink),
    store,
    idmap: { localFor: (_channel, cloud) => cloudIds.get(cloud) },
    events,
    now,
    logger: silentLogger(),
  });
  t.teardown(() => {
    cloudCaps.stop();
    store.close();
  });
  /** A session on a charger connector, with the cloud's transactionId for it. */
  function startSession(chargerId: string, connectorId: number, cloudTransactionId: number) {
    const at = now().toISOString();
    const { transactionId } = store.sessions.start({ chargerId, connectorId, idTag: 'TAG1', startedAt: at, meterStart: 0, authStatus: 'Accepted', receivedAt: at });
    cloudIds.set(cloudTransactionId, transactionId);
    events.emit('session.started', store.sessions.get(transactionId)!);
    return transactionId;
  }
  function endSession(transactionId: number) {
    const at = now().toISOString();
    const outcome = store.sessions.stop({ chargerId: store.sessions.get(transactionId)!.chargerId, transactionId, stoppedAt: at, meterStop: 10, receivedAt: at });
    if (outcome.known) events.emit('session.ended', outcome.session);
  }
  const set = (connectorId: number, p: Profile, channel = mode === 'aggregate' ? SITE : 'CP1') => cloudCaps.set(channel, { connectorId, csChargingProfiles: p });
  return {
    store, clock, external, caps, calls, cloudCaps, dir, set, startSession, endSession,
    setAllocation: (a: ReturnType<CapSink['allocation']>) => (allocation = a),
    capsNow: () => Object.fromEntries([...caps].sort()),
  };
}

/** Waits (at most `ms`) for something a timer or an unawaited write does. */
async function settled(check: () => boolean, ms = 500): Promise<void> {
  for (let i = 0; i < ms / 5 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

t.test('aggregate: a ChargePointMaxProfile is the site limit, on disk before Accepted; a restart reads it back', async (t) => {
  const h = harness(t);
  h.cloudCaps.start();
  t.same(h.external, [{ amps: null }], 'nothing kept: no cloud limit');
  t.same(await h.set(0, profile()), { status: 'Accepted' });
  t.same(h.external.at(-1), { amps: 20 });
  t.same(h.capsNow(), {}, 'a site limit, not a cap');
  t.ok(h.store.meta.get(metaKey(SITE)), 'kept in the meta table');
  h.cloudCaps.stop();
  h.store.close();

  const again = harness(t, { dir: h.dir });
  again.cloudCaps.start();
  t.same(again.external, [{ amps: 20 }], 'back after the restart');
});

t.test('aggregate: the ChargePointMaxProfiles an earlier version kept are read and moved to the new key', async (t) => {
  const dir = t.testdir();
  const first = harness(t, { dir });
  first.store.meta.set(legacyKey(SITE), JSON.stringify([{ profile: profile({}, 14), receivedAt: T0 }]));
  first.cloudCaps.start();
  t.same(first.external, [{ amps: 14 }]);
  await settled(() => first.store.meta.get(legacyKey(SITE)) === undefined);
  t.equal(first.store.meta.get(legacyKey(SITE)), undefined, 'the old key is gone');
  t.match(JSON.parse(first.store.meta.get(metaKey(SITE))!), [{ connectorId: 0, receivedAt: T0 }]);
});

t.test('aggregate: TxDefaultProfile on 0 caps every charger connector, on N the one it maps to; Clear lifts them', async (t) => {
  const h = harness(t);
  h.cloudCaps.start();
  t.same(await h.set(0, profile({ chargingProfileId: 5, stackLevel: 5, chargingProfilePurpose: 'TxDefaultProfile' }, 16)), { status: 'Accepted' });
  t.same(h.capsNow(), { 'CP1/1': 16, 'CP1/2': 16, 'CP2/1': 16 }, 'every connector of the site');
  t.same(h.external, [{ amps: null }], 'the site limit untouched');
  // Cloud connector 3 is CP2/1; its own default replaces connector 0's for it, even at a higher limit.
  t.same(await h.set(3, profile({ chargingProfileId: 6, chargingProfilePurpose: 'TxDefaultProfile' }, 24)), { status: 'Accepted' });
  t.same(h.capsNow(), { 'CP1/1': 16, 'CP1/2': 16, 'CP2/1': 24 });
  // W on CP2, a 1-phase charger: 2 300 W / 230 V = 10 A.
  t.same(await h.set(3, profile({ chargingProfileId: 7, stackLevel: 1, chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 2300 }] } })), { status: 'Accepted' });
  t.same(h.capsNow(), { 'CP1/1': 16, 'CP1/2': 16, 'CP2/1': 10 }, 'stackLevel 1 over 0, W through the charger\'s phases');

  t.same(await h.cloudCaps.clear(SITE, { connectorId: 3 }), { status: 'Accepted' });
  t.same(h.capsNow(), { 'CP1/1': 16, 'CP1/2': 16, 'CP2/1': 16 }, 'connector 3 cleared: connector 0\'s default again');
  t.same(await h.cloudCaps.clear(SITE, { id: 99 }), { status: 'Unknown' });
  t.same(await h.cloudCaps.clear(SITE, { chargingProfilePurpose: 'TxDefaultProfile', stackLevel: 5 }), { status: 'Accepted' });
  t.same(h.capsNow(), {}, 'no cloud cap left');
  t.equal(h.store.meta.get(metaKey(SITE)), undefined, 'and nothing on disk');
});

t.test('a TxProfile needs its running transaction, caps its connector over the default, and goes when the session ends', async (t) => {
  const h = harness(t);
  h.cloudCaps.start();
  const txp = (transactionId: number | undefined, limit: number, id = 20) =>
    profile({ chargingProfileId: id, chargingProfilePurpose: 'TxProfile', ...(transactionId !== undefined ? { transactionId } : {}) }, limit);
  t.same(await h.set(2, txp(5001, 8)), { status: 'Rejected' }, 'an unknown transaction');
  t.same(await h.set(2, txp(undefined, 8)), { status: 'Rejected' }, 'no transaction on the connector');
  t.same(await h.set(0, txp(undefined, 8)), { status: 'Rejected' }, 'connector 0');
  await h.set(0, profile({ chargingProfileId: 5, chargingProfilePurpose: 'TxDefaultProfile' }, 16));
  const local = h.startSession('CP1', 2, 5001);
  t.same(await h.set(1, txp(5001, 8)), { status: 'Rejected' }, 'the transaction is on another connector');
  t.same(await h.set(2, txp(5001, 20)), { status: 'Accepted' });
  t.same(h.capsNow(), { 'CP1/1': 16, 'CP1/2': 20, 'CP2/1': 16 }, 'the TxProfile over the default on its connector, higher or not');
  t.same(await h.set(2, txp(undefined, 12, 21)), { status: 'Accepted' }, 'without a transactionId: the one running on the connector');
  t.same(h.capsNow(), { 'CP1/1': 16, 'CP1/2': 12, 'CP2/1': 16 }, 'same stackLevel on the connector: replaced');
  h.endSession(local);
  await settled(() => h.capsNow()['CP1/2'] === 16);
  t.same(h.capsNow(), { 'CP1/1': 16, 'CP1/2': 16, 'CP2/1': 16 }, 'its session ended: the default again');
  t.same(JSON.parse(h.store.meta.get(metaKey(SITE))!).map((p: { profile: Profile }) => p.profile.chargingProfilePurpose), ['TxDefaultProfile'], 'the TxProfile is gone from disk');
  t.same(await h.set(2, txp(5001, 8)), { status: 'Rejected' }, 'an ended transaction');
});

t.test('refused: invalid, misplaced, a connector that does not exist, too many', async (t) => {
  const h = harness(t);
  h.cloudCaps.start();
  t.same(await h.set(0, profile({}, -1)), { status: 'Rejected' }, 'a negative limit');
  t.same(await h.set(1, profile()), { status: 'Rejected' }, 'a ChargePointMaxProfile on a connector');
  t.same(await h.set(4, profile({ chargingProfilePurpose: 'TxDefaultProfile' })), { status: 'Rejected' }, 'the site has 3 connectors');
  for (let id = 1; id <= 16; id++) t.same(await h.set(1, profile({ chargingProfileId: id, stackLevel: id, chargingProfilePurpose: 'TxDefaultProfile' })), { status: 'Accepted' });
  t.same(await h.set(1, profile({ chargingProfileId: 17, stackLevel: 17, chargingProfilePurpose: 'TxDefaultProfile' })), { status: 'Rejected' }, 'at most 16 on a connector');
  t.same(await h.set(2, profile({ chargingProfileId: 17, stackLevel: 17, chargingProfilePurpose: 'TxDefaultProfile' })), { status: 'Accepted' }, 'another connector has room');
});

t.test('transparent: connector 0 ChargePointMax caps the charger, TxDefault 0 each connector; per channel', async (t) => {
  const h = harness(t, { mode: 'transparent' });
  h.cloudCaps.start();
  t.same(await h.set(0, profile({}, 20)), { status: 'Accepted' });
  t.same(h.capsNow(), { CP1: 20 }, 'the whole charger');
  t.same(h.external, [], 'never the site limit');
  t.same(await h.set(0, profile({ chargingProfileId: 2, chargingProfilePurpose: 'TxDefaultProfile' }, 10), 'CP2'), { status: 'Accepted' });
  t.same(h.capsNow(), { CP1: 20, 'CP2/1': 10, 'CP2/2': 10 }, 'CP2\'s connectors, not CP1\'s');
  t.same(await h.set(3, profile({ chargingProfileId: 3, chargingProfilePurpose: 'TxDefaultProfile' }, 10)), { status: 'Rejected' }, 'CP1 has 2 connectors');
  t.same(await h.cloudCaps.clear('CP2', { id: 1 }), { status: 'Unknown' }, 'id 1 is CP1\'s, not CP2\'s');
  t.same(await h.cloudCaps.clear('CP1', {}), { status: 'Accepted' });
  t.same(h.capsNow(), { 'CP2/1': 10, 'CP2/2': 10 });
});

t.test('GetCompositeSchedule: the kept profiles and the balancer\'s limit', async (t) => {
  const h = harness(t);
  h.cloudCaps.start();
  h.setAllocation({ siteLimit: { amps: 25 }, connectors: [{ chargerId: 'CP2', connectorId: 1, amps: 13 }] });
  await h.set(0, profile({ chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date(T0).toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit: 30 }, { startPeriod: 60, limit: 11 }] } }));
  const start = new Date(T0).toISOString();
  t.same(h.cloudCaps.composite(SITE, { connectorId: 3, duration: 120 }), {
    status: 'Accepted',
    connectorId: 3,
    scheduleStart: start,
    chargingSchedule: { duration: 120, startSchedule: start, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 13, numberPhases: 1 }, { startPeriod: 60, limit: 11, numberPhases: 1 }] },
  }, 'connector 3 is CP2/1: its 13 A, then the site\'s 11 A');
  t.match(h.cloudCaps.composite(SITE, { connectorId: 0, duration: 120, chargingRateUnit: 'W' }), { chargingSchedule: { chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 17250 }, { startPeriod: 60, limit: 7590 }] } }, 'the site: 25 A, then 11 A, × 230 V × 3');
  t.same(h.cloudCaps.composite(SITE, { connectorId: 9, duration: 60 }), { status: 'Rejected' }, 'no connector 9');
  h.setAllocation(undefined);
  t.match(h.cloudCaps.composite(SITE, { connectorId: 1, duration: 30 }), { chargingSchedule: { chargingSchedulePeriod: [{ startPeriod: 0, limit: 30 }] } }, 'before any allocation: the supply\'s 40 A under the cloud\'s 30 A');
});

t.test('a later period changes the cap when its time comes (one timer)', async (t) => {
  const h = harness(t, { realClock: true });
  h.cloudCaps.start();
  const now = new Date().toISOString();
  t.same(await h.set(1, profile({ chargingProfilePurpose: 'TxDefaultProfile', chargingSchedule: { chargingRateUnit: 'A', startSchedule: now, chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }, { startPeriod: 1, limit: 9 }] } })), { status: 'Accepted' });
  t.same(h.capsNow(), { 'CP1/1': 16 });
  await settled(() => h.capsNow()['CP1/1'] === 9, 3000);
  t.same(h.calls, ['CP1/1=16', 'CP1/1=9'], 'one call per change');
});

t.test('a refused cap is tried again at the next evaluation', async (t) => {
  const h = harness(t, { refuse: true });
  h.cloudCaps.start();
  await h.set(1, profile({ chargingProfilePurpose: 'TxDefaultProfile' }, 16));
  await h.set(2, profile({ chargingProfileId: 2, chargingProfilePurpose: 'TxDefaultProfile' }, 16));
  t.same(h.calls, ['CP1/1=16', 'CP1/1=16', 'CP1/2=16']);
});

t.test('two profiles sent at once are both kept', async (t) => {
  const h = harness(t);
  h.cloudCaps.start();
  const answers = await Promise.all([h.set(0, profile({ chargingProfileId: 1, stackLevel: 0 }, 20)), h.set(0, profile({ chargingProfileId: 2, stackLevel: 1 }, 10))]);
  t.same(answers, [{ status: 'Accepted' }, { status: 'Accepted' }]);
  t.same((JSON.parse(h.store.meta.get(metaKey(SITE))!) as { profile: Profile }[]).map((k) => k.profile.chargingProfileId), [1, 2]);
  t.same(h.external.at(-1), { amps: 10 }, 'stackLevel 1');
});

t.test('expired, unreadable, and no balancer', async (t) => {
  const h = harness(t);
  h.cloudCaps.start();
  await h.set(0, profile({ validTo: new Date(T0 + 1000).toISOString() }));
  t.same(h.external.at(-1), { amps: 20, until: T0 + 1000 }, 'the balancer lets it lapse on time even if the timer is late');
  h.cloudCaps.stop();
  h.clock.now = T0 + 1000;
  h.cloudCaps.start();
  t.same(h.external.at(-1), { amps: null }, 'past validTo');
  await settled(() => h.store.meta.get(metaKey(SITE)) === undefined);
  t.equal(h.store.meta.get(metaKey(SITE)), undefined, 'an expired profile is dropped from disk');

  h.cloudCaps.stop();
  h.store.meta.set(metaKey(SITE), '{not json');
  h.cloudCaps.start();
  t.same(h.external.at(-1), { amps: null }, 'an unreadable record: started without it');

  t.equal(h.cloudCaps.active(), true, 'with a balancer: the local-controller route (routing.ts)');
  const none = harness(t, { withBalancer: false });
  none.cloudCaps.start();
  t.equal(none.cloudCaps.active(), false, 'no balancer: routing.ts sends the cloud\'s profile calls to the chargers');
});
