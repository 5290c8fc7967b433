/**
 * The keeper of a local user's charging profiles as the balancer's caps (src/control/user-profiles.ts
 * over upstream/cloud-caps.ts): which source the balancer is told ("user profile <id>", the one
 * that prevails now, the previous one's cap removed), what the door's interceptors answer, and
 * that nothing is intercepted without a balancer.
 */
import t, { type Test } from 'tap';
import { userMetaKey, createUserProfiles } from '../../../src/control/user-profiles.js';
import type { InterceptContext, Interceptor } from '../../../src/control/ocpp-commands.js';
import { EventBus } from '../../../src/events.js';
import { silentLogger } from '../../../src/log.js';
import type { CentralAction16 } from '../../../src/ocpp/v16/actions.js';
import type { Requests16, SetChargingProfileRequest } from '../../../src/ocpp/v16/types.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import type { CapSink } from '../../../src/upstream/cloud-caps.js';

type Profile = SetChargingProfileRequest['csChargingProfiles'];
const T0 = Date.parse('2025-06-02T12:00:00.000Z');

function profile(id: number, over: Partial<Profile> = {}, limit = 20, unit: 'A' | 'W' = 'A'): Profile {
  return {
    chargingProfileId: id,
    stackLevel: 0,
    chargingProfilePurpose: 'ChargePointMaxProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: unit, startSchedule: new Date(T0).toISOString(), chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    ...over,
  };
}

function harness(t: Test, withBalancer = true) {
  const store = openSqliteStore(t.testdir());
  /** key → source → A, as the balancer keeps them. */
  const caps = new Map<string, Map<string, number>>();
  const sink: CapSink = {
    setExternalLimit: () => ({ accepted: false, reason: 'not for users' }),
    setCap(chargerId, connectorId, amps, source) {
      const key = connectorId === undefined ? chargerId : `${chargerId}/${connectorId}`;
      const bySource = caps.get(key) ?? new Map<string, number>();
      if (amps === null) bySource.delete(source);
      else bySource.set(source, amps);
      caps.set(key, bySource);
      return { accepted: true, reason: '' };
    },
    allocation: () => undefined,
  };
  const profiles = createUserProfiles({
    balancer: () => (withBalancer ? sink : undefined),
    chargers: ['CP1', 'CP2'],
    connectorCount: () => 2,
    chargerPhases: (id) => (id === 'CP2' ? 1 : 3),
    supply: { voltage: 230, phases: 3, maxCurrent: 40 },
    store,
    events: new EventBus(),
    now: () => new Date(T0),
    logger: silentLogger(),
  });
  const interceptors = new Map<CentralAction16, Interceptor<CentralAction16>>();
  profiles.register({ intercept: (action, i) => void interceptors.set(action as CentralAction16, i as unknown as Interceptor<CentralAction16>) });
  const ctx = (chargerId: string): InterceptContext => ({ chargerId, source: 'http', logger: silentLogger() });
  const door = <A extends CentralAction16>(action: A, chargerId: string, payload: Requests16[A]) => interceptors.get(action)!(payload as never, ctx(chargerId));
  profiles.start();
  t.teardown(() => {
    profiles.stop();
    store.close();
  });
  const capsOf = (key: string) => Object.fromEntries(caps.get(key) ?? []);
  return { store, profiles, door, capsOf, interceptors };
}

t.test('the prevailing profile names the cap; the one it replaced is removed, and comes back when it is cleared', async (t) => {
  const h = harness(t);
  const first = await h.door('SetChargingProfile', 'CP1', { connectorId: 0, csChargingProfiles: profile(1, {}, 20) });
  t.match(first, { answer: { status: 'Accepted' }, reason: /load balancer.*"user profile 1"/ });
  t.same(h.capsOf('CP1'), { 'user profile 1': 20 }, 'a cap on the whole charger');
  await h.door('SetChargingProfile', 'CP1', { connectorId: 0, csChargingProfiles: profile(2, { stackLevel: 1 }, 10) });
  t.same(h.capsOf('CP1'), { 'user profile 2': 10 }, 'stackLevel 1 prevails (§3.13.2): one cap, its source');
  t.ok(h.store.meta.get(userMetaKey('CP1')), 'on disk');
  t.match(h.profiles.view('CP1'), { profiles: [{ profile: { chargingProfileId: 1 }, ampsNow: 20 }, { profile: { chargingProfileId: 2 }, ampsNow: 10 }], limitsNow: [{ connectorId: 0, amps: 10, profileId: 2 }] });

  t.match(await h.door('ClearChargingProfile', 'CP1', { id: 2 }), { answer: { status: 'Accepted' } });
  t.same(h.capsOf('CP1'), { 'user profile 1': 20 });
  t.match(await h.door('ClearChargingProfile', 'CP1', { connectorId: 0, chargingProfilePurpose: 'TxDefaultProfile' }), { answer: { status: 'Unknown' } }, 'no match: Unknown (§5.5)');
  t.match(await h.door('ClearChargingProfile', 'CP1', { connectorId: 0, chargingProfilePurpose: 'ChargePointMaxProfile' }), { answer: { status: 'Accepted' } });
  t.same(h.capsOf('CP1'), {}, 'no cap left');
  t.equal(h.store.meta.get(userMetaKey('CP1')), undefined, 'nothing left on disk');
});

t.test('per charger: W with the charger\'s phases; a connector\'s default; another charger untouched', async (t) => {
  const h = harness(t);
  // CP2 has one phase: 2 300 W is 10 A.
  await h.door('SetChargingProfile', 'CP2', { connectorId: 2, csChargingProfiles: profile(7, { chargingProfilePurpose: 'TxDefaultProfile' }, 2300, 'W') });
  t.same(h.capsOf('CP2/2'), { 'user profile 7': 10 });
  t.same(h.capsOf('CP1'), {});
  t.same(h.capsOf('CP1/2'), {});
  t.match(await h.door('SetChargingProfile', 'CP2', { connectorId: 3, csChargingProfiles: profile(8, { chargingProfilePurpose: 'TxDefaultProfile' }) }), { answer: { status: 'Rejected' }, reason: /no connector 3/ });
  t.match(await h.door('SetChargingProfile', 'CP2', { connectorId: 0, csChargingProfiles: profile(9, { chargingProfilePurpose: 'TxProfile' }) }), { answer: { status: 'Rejected' }, reason: /not connector 0/ });
});

t.test('without a balancer nothing is intercepted', async (t) => {
  const h = harness(t, false);
  t.equal(await h.door('SetChargingProfile', 'CP1', { connectorId: 0, csChargingProfiles: profile(1) }), undefined);
  t.equal(await h.door('ClearChargingProfile', 'CP1', {}), undefined);
  t.equal(h.profiles.view('CP1'), undefined);
  t.same([...h.interceptors.keys()].sort(), ['ClearChargingProfile', 'SetChargingProfile'], 'GetCompositeSchedule goes to the charger: it shows what the balancer set');
});
