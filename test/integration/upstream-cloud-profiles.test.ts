/**
 * With a load balancer, the cloud's charging profiles (ChargePointMax, TxDefault, TxProfile)
 * become the balancer's limits and never reach a charger (OCPP 1.6 §3.13.4 Local Controller):
 * a cloud TxDefaultProfile at stackLevel 5 on a charger outranked the balancer's own profiles
 * in the field. Both upstream modes, a strict test cloud (ocpp-rpc) and independent chargers
 * (ocpp-rpc): what the chargers receive, that it respects the cloud's caps, a later period
 * taking over on time, ClearChargingProfile lifting a cap, GetCompositeSchedule from the merge.
 */
import t, { type Test } from 'tap';
import { startCloud, type TestCloud } from '../helpers/cloud.js';
import { eventually, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const SITE = 'SITE-GW-1';
const site = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2, standingInterval: 0 } };
const link = { callTimeout: 2, answerTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 } };

interface Received {
  connectorId: number;
  id: number;
  purpose: string;
  stackLevel: number;
  limit: number;
  transactionId?: number;
}

/** An independent charger that accepts and records every SetChargingProfile, and any other profile command. */
async function charger(t: Test, gw: RunningGateway, id: 'CP1' | 'CP2', connectors = 1) {
  const got: Received[] = [];
  const others: string[] = [];
  const cp = await rpcCharger(t, gw.url, id, PASSWORDS[id]);
  cp.handle('SetChargingProfile', ({ params }) => {
    const p = params.csChargingProfiles;
    got.push({
      connectorId: params.connectorId,
      id: p.chargingProfileId,
      purpose: p.chargingProfilePurpose,
      stackLevel: p.stackLevel,
      limit: p.chargingSchedule.chargingSchedulePeriod[0].limit,
      ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}),
    });
    return { status: 'Accepted' };
  });
  cp.handle('ClearChargingProfile', () => (others.push('ClearChargingProfile'), { status: 'Accepted' }));
  cp.handle('GetCompositeSchedule', () => (others.push('GetCompositeSchedule'), { status: 'Rejected' }));
  cp.handle('ChangeAvailability', () => ({ status: 'Accepted' }));
  await cp.call('BootNotification', bootPayload);
  for (let n = 1; n <= connectors; n++) await cp.call('StatusNotification', { connectorId: n, errorCode: 'NoError', status: 'Available' });
  const last = (connectorId: number, purpose: 'TxDefaultProfile' | 'TxProfile') => got.filter((g) => g.connectorId === connectorId && g.purpose === purpose).at(-1);
  return { cp, got, others, last, limit: (connectorId: number, purpose: 'TxDefaultProfile' | 'TxProfile') => last(connectorId, purpose)?.limit };
}
type Charger = Awaited<ReturnType<typeof charger>>;

function profile(id: number, purpose: string, periods: { startPeriod: number; limit: number }[], extra: Record<string, unknown> = {}, schedule: Record<string, unknown> = {}) {
  return {
    chargingProfileId: id,
    stackLevel: 0,
    chargingProfilePurpose: purpose,
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: 'A', startSchedule: new Date().toISOString(), chargingSchedulePeriod: periods, ...schedule },
    ...extra,
  };
}

/** Only chargegate's own profiles (to-profile.ts: 7100 + connector, 7200 + connector) ever reach a charger. */
function onlyOwnProfiles(t: Test, c: Charger, cloudIds: number[]): void {
  const foreign = c.got.filter((g) => g.id < 7100 || g.id >= 7300 || cloudIds.includes(g.id));
  t.same(foreign, [], 'no profile of the cloud reached the charger');
  t.ok(c.got.length > 0, 'the charger did get chargegate\'s own profiles');
  t.same(c.others, [], 'no ClearChargingProfile or GetCompositeSchedule reached the charger');
}

async function cloudTransaction(cloud: TestCloud, gw: RunningGateway, identity: string, n: number): Promise<number> {
  await eventually(() => [...cloud.sessions.values()].filter((s) => s.identity === identity).length === n, 'the Start at the cloud');
  await eventually(() => gw.app.upstream!.outboxDepth() === 0, 'the cloud\'s transactionId known');
  return [...cloud.sessions.values()].filter((s) => s.identity === identity).at(-1)!.transactionId;
}

t.test('aggregate: TxDefault, TxProfile and ChargePointMax from the cloud are caps and a site limit, never profiles on a charger', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set(SITE, 'site-secret-01');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.site = site;
      c.upstream = { url: cloud.url, identity: SITE, password: 'site-secret-01', ...link };
    },
  });
  await eventually(() => gw.app.upstream!.online(), 'the link to be up');
  const cp1 = await charger(t, gw, 'CP1');
  const cp2 = await charger(t, gw, 'CP2');
  await eventually(() => cp1.limit(1, 'TxDefaultProfile') === 16 && cp2.limit(1, 'TxDefaultProfile') === 16, 'the standing limits: CP1 its 16 A, CP2 what is left on L1');
  const call = (action: string, params: unknown) => cloud.clients.get(SITE)!.call(action, params);

  // The field case: a TxDefaultProfile at stackLevel 5, 32 A, for every connector. Kept, not forwarded.
  t.same(await call('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile(501, 'TxDefaultProfile', [{ startPeriod: 0, limit: 32 }], { stackLevel: 5 }) }), { status: 'Accepted' });
  // Site connector 2 is CP2's connector 1: its own default replaces connector 0's for it.
  t.same(await call('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(502, 'TxDefaultProfile', [{ startPeriod: 0, limit: 10 }]) }), { status: 'Accepted' });
  await eventually(() => cp2.limit(1, 'TxDefaultProfile') === 10, 'CP2 held to the cloud\'s 10 A by chargegate\'s own profile');
  t.same((await api(gw.httpUrl, '/api/chargers/CP2/charging-profiles')).json.caps, [{ connectorId: 1, source: 'cloud', amps: 10 }], 'the cloud\'s cap listed with the charger\'s profiles');
  t.equal(cp1.limit(1, 'TxDefaultProfile'), 16, 'CP1 under the 32 A default: unchanged');
  t.same(await call('SetChargingProfile', { connectorId: 3, csChargingProfiles: profile(503, 'TxDefaultProfile', [{ startPeriod: 0, limit: 10 }]) }), { status: 'Rejected' }, 'the site has 2 connectors');
  t.same(await call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(504, 'TxProfile', [{ startPeriod: 0, limit: 10 }]) }), { status: 'Rejected' }, 'a TxProfile without a transaction');

  // A session on CP1 (site connector 1), then the cloud's TxProfile for it: 12 A, 7 A from 2 s.
  const start = await cp1.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => cp1.last(1, 'TxProfile')?.transactionId === start.transactionId, 'chargegate\'s TxProfile for the session');
  const cloudId = await cloudTransaction(cloud, gw, SITE, 1);
  t.same(await call('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(505, 'TxProfile', [{ startPeriod: 0, limit: 8 }], { transactionId: cloudId }) }), { status: 'Rejected' }, 'the transaction is on another connector');
  t.same(await call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(506, 'TxProfile', [{ startPeriod: 0, limit: 8 }], { transactionId: 999_999 }) }), { status: 'Rejected' }, 'an unknown transaction');
  const before = cp1.got.length;
  t.same(await call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(507, 'TxProfile', [{ startPeriod: 0, limit: 12 }, { startPeriod: 2, limit: 7 }], { transactionId: cloudId, stackLevel: 1 }) }), { status: 'Accepted' });
  await eventually(() => cp1.limit(1, 'TxProfile') === 7, 'the later period, on its own', 6000);
  const live = cp1.got.slice(before).filter((g) => g.purpose === 'TxProfile').map((g) => g.limit);
  t.same([...new Set(live)], [12, 7], 'the first period, then the second when its time came');
  t.ok(cp1.got.slice(before).every((g) => g.limit <= 12), 'nothing above the cloud\'s cap');

  // GetCompositeSchedule from the merge: the cloud's 7 A; a site limit of 5 A from 300 s.
  const siteLimit = profile(508, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 32 }, { startPeriod: 300, limit: 5 }]);
  t.same(await call('SetChargingProfile', { connectorId: 0, csChargingProfiles: siteLimit }), { status: 'Accepted' });
  const asked = Date.now();
  const one = await call('GetCompositeSchedule', { connectorId: 1, duration: 600 });
  const answered = Date.now();
  t.match(one, { status: 'Accepted', connectorId: 1, chargingSchedule: { duration: 600, chargingRateUnit: 'A' } });
  // Times from the messages themselves, so that a slow machine changes nothing: the schedule
  // starts when it was asked for (whole seconds allowed), and the site limit's 300 s count from
  // the site limit's own startSchedule.
  const scheduleStart = Date.parse(one.scheduleStart);
  t.ok(scheduleStart >= Math.floor(asked / 1000) * 1000 && scheduleStart <= answered, `from when it was asked (${one.scheduleStart})`);
  const periods = one.chargingSchedule.chargingSchedulePeriod as { startPeriod: number; limit: number }[];
  t.same(periods.map((p) => p.limit), [7, 5], 'the TxProfile\'s 7 A, then the site limit\'s 5 A');
  const siteLimitFrom = 300 - (scheduleStart - Date.parse(siteLimit.chargingSchedule.startSchedule)) / 1000;
  t.ok(Math.abs(periods[1]!.startPeriod - siteLimitFrom) <= 1, `the site limit from 300 s after its start: ${periods[1]!.startPeriod} s into this schedule (${siteLimitFrom.toFixed(3)})`);
  const site0 = await call('GetCompositeSchedule', { connectorId: 0, duration: 600, chargingRateUnit: 'W' });
  t.same(site0.chargingSchedule.chargingSchedulePeriod.map((p: { limit: number }) => p.limit), [32 * 230 * 3, 5 * 230 * 3], 'connector 0: the site, in W');
  t.same(await call('GetCompositeSchedule', { connectorId: 3, duration: 60 }), { status: 'Rejected' }, 'no connector 3');

  // ClearChargingProfile lifts the caps, one by one; it never reaches a charger.
  t.same(await call('ClearChargingProfile', { id: 507 }), { status: 'Accepted' });
  await eventually(() => cp1.limit(1, 'TxProfile') === 16, 'the TxProfile cap lifted: CP1 at its 16 A');
  // An operator's cap stays when the cloud's goes: the balancer keeps caps per source.
  t.equal(gw.app.balancer!.setCap('CP2', 1, 12, 'mqtt').accepted, true);
  t.same(await call('ClearChargingProfile', { connectorId: 2 }), { status: 'Accepted' });
  await eventually(() => cp2.limit(1, 'TxDefaultProfile') === 12, 'the cloud\'s 10 A cap on CP2 lifted, the operator\'s 12 A kept');
  gw.app.balancer!.setCap('CP2', 1, null, 'mqtt');
  t.same(await call('ClearChargingProfile', {}), { status: 'Accepted' }, 'the rest');
  t.same(await call('ClearChargingProfile', {}), { status: 'Unknown' }, 'nothing left');
  await eventually(() => gw.app.balancer!.allocation()?.siteLimit.source === 'supply', 'no cloud site limit');

  onlyOwnProfiles(t, cp1, [501, 502, 507, 508]);
  onlyOwnProfiles(t, cp2, [501, 502, 507, 508]);
  t.ok([...cp1.got, ...cp2.got].every((g) => g.stackLevel !== 5), 'nothing at the cloud\'s stackLevel');
  t.same(cloud.validationFailures, [], 'every answer passed ocpp-rpc\'s schema check');
});

t.test('transparent: a charger\'s ChargePointMax caps it, TxDefault 0 and N, a TxProfile that ends with its session', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set('CP1', 'cloud-pw-cp1');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.site = site;
      c.chargers.list[0].connectors = 2;
      c.chargers.list[0].upstream = { password: 'cloud-pw-cp1' };
      c.chargers.list[1].upstream = { password: 'cloud-pw-cp2' };
      c.upstream = { mode: 'transparent', url: cloud.url, ...link };
    },
  });
  await eventually(() => cloud.clients.has('CP1'), 'CP1\'s link to be up');
  const cp1 = await charger(t, gw, 'CP1', 2);
  await eventually(() => cp1.limit(1, 'TxDefaultProfile') === 8 && cp1.limit(2, 'TxDefaultProfile') === 8, 'the standing limits (8 A each while idle)');
  const call = (action: string, params: unknown) => cloud.clients.get('CP1')!.call(action, params);

  t.same(await call('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile(601, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 7 }]) }), { status: 'Accepted' });
  // A ChargePointMaxProfile limits the whole charge point (§3.13.1): 7 A in all, so connector 1
  // holds 7 A and nothing is left for connector 2 (below its 6 A minimum).
  await eventually(() => cp1.limit(1, 'TxDefaultProfile') === 7 && cp1.limit(2, 'TxDefaultProfile') === 0, 'the charger capped at the cloud\'s 7 A in all');
  t.equal(gw.app.balancer!.allocation()?.siteLimit.source, 'supply', 'a charger\'s ChargePointMax is not the site limit');
  t.same(await call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(602, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 7 }]) }), { status: 'Rejected' }, 'a ChargePointMaxProfile on a connector');
  t.same(await call('SetChargingProfile', { connectorId: 3, csChargingProfiles: profile(603, 'TxDefaultProfile', [{ startPeriod: 0, limit: 7 }]) }), { status: 'Rejected' }, 'CP1 has 2 connectors');
  // The field case again (stackLevel 5, 32 A on connector 0), and connector 2's own default: 6 A, 7 A from 2 s.
  t.same(await call('SetChargingProfile', { connectorId: 0, csChargingProfiles: profile(604, 'TxDefaultProfile', [{ startPeriod: 0, limit: 32 }], { stackLevel: 5 }) }), { status: 'Accepted' });
  t.same(await call('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(605, 'TxDefaultProfile', [{ startPeriod: 0, limit: 6 }, { startPeriod: 2, limit: 7 }]) }), { status: 'Accepted' });
  // Connector 2's own default shows once the charger cap is lifted (below).
  t.equal(cp1.limit(1, 'TxDefaultProfile'), 7, 'connector 1: the charger cap under the 32 A default');

  // A session on connector 1 and the cloud's TxProfile for it.
  const first = await cp1.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: new Date().toISOString() });
  await eventually(() => cp1.last(1, 'TxProfile')?.transactionId === first.transactionId && cp1.limit(1, 'TxProfile') === 7, 'the session under the charger cap');
  const cloudId = await cloudTransaction(cloud, gw, 'CP1', 1);
  t.same(await call('SetChargingProfile', { connectorId: 2, csChargingProfiles: profile(606, 'TxProfile', [{ startPeriod: 0, limit: 6 }], { transactionId: cloudId }) }), { status: 'Rejected' }, 'not its connector');
  t.same(await call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(607, 'TxProfile', [{ startPeriod: 0, limit: 6 }], { transactionId: cloudId }) }), { status: 'Accepted' });
  await eventually(() => cp1.limit(1, 'TxProfile') === 6, 'the session at the cloud\'s 6 A');

  const composite = await call('GetCompositeSchedule', { connectorId: 1, duration: 300, chargingRateUnit: 'W' });
  t.match(composite, { status: 'Accepted', connectorId: 1, chargingSchedule: { chargingRateUnit: 'W', duration: 300, chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 * 230 * 3, numberPhases: 3 }] } });
  t.equal(composite.chargingSchedule.chargingSchedulePeriod.length, 1);
  const whole = await call('GetCompositeSchedule', { connectorId: 0, duration: 300 });
  t.same(whole.chargingSchedule.chargingSchedulePeriod, [{ startPeriod: 0, limit: 7, numberPhases: 3 }], 'connector 0: the charger under its ChargePointMax');

  // The session ends: its TxProfile goes with it. The next session gets the charger cap, 7 A.
  await cp1.cp.call('StopTransaction', { transactionId: first.transactionId, meterStop: 100, timestamp: new Date().toISOString() });
  const second = await cp1.cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 100, timestamp: new Date().toISOString() });
  await eventually(() => cp1.last(1, 'TxProfile')?.transactionId === second.transactionId, 'chargegate\'s TxProfile for the next session');
  await eventually(() => cp1.limit(1, 'TxProfile') === 7, 'the next session under the charger cap, not the ended session\'s 6 A');

  // Clearing the ChargePointMax lifts the charger cap; the charger hears nothing of it.
  t.same(await call('ClearChargingProfile', { connectorId: 0, chargingProfilePurpose: 'ChargePointMaxProfile' }), { status: 'Accepted' });
  await eventually(() => (cp1.limit(1, 'TxProfile') ?? 0) > 7, 'the session above 7 A again');
  // The session moves to connector 2: it has room (the session on connector 1 got 16 A), but its own default holds it at 7 A.
  await cp1.cp.call('StopTransaction', { transactionId: second.transactionId, meterStop: 200, timestamp: new Date().toISOString() });
  const third = await cp1.cp.call('StartTransaction', { connectorId: 2, idTag: 'TAG1', meterStart: 200, timestamp: new Date().toISOString() });
  await eventually(() => cp1.last(2, 'TxProfile')?.transactionId === third.transactionId && cp1.limit(2, 'TxProfile') === 7, 'connector 2\'s session under its own 7 A default');
  t.same(await call('ClearChargingProfile', { id: 601 }), { status: 'Unknown' }, 'gone already');
  t.same(await call('ClearChargingProfile', {}), { status: 'Accepted' });
  await eventually(() => (cp1.limit(2, 'TxProfile') ?? 0) > 7, 'connector 2\'s cap lifted');

  onlyOwnProfiles(t, cp1, [601, 604, 605, 607]);
  t.same(cloud.validationFailures, [], 'every answer passed ocpp-rpc\'s schema check');
});

t.test('without a load balancer the cloud\'s profiles still go to the chargers', async (t) => {
  const cloud = await startCloud();
  t.teardown(() => cloud.close());
  cloud.passwords.set('CP1', 'cloud-pw-cp1');
  const gw = await startGateway(t, {
    patch: (c) => {
      c.chargers.list[0].upstream = { password: 'cloud-pw-cp1' };
      c.chargers.list[1].upstream = { password: 'cloud-pw-cp2' };
      c.upstream = { mode: 'transparent', url: cloud.url, ...link };
    },
  });
  await eventually(() => cloud.clients.has('CP1'), 'CP1\'s link to be up');
  const cp1 = await charger(t, gw, 'CP1');
  const call = (action: string, params: unknown) => cloud.clients.get('CP1')!.call(action, params);
  t.same(await call('SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(701, 'TxDefaultProfile', [{ startPeriod: 0, limit: 10 }]) }), { status: 'Accepted' });
  t.match(cp1.got, [{ id: 701, connectorId: 1, limit: 10 }], 'forwarded as before');
  t.same(await call('ClearChargingProfile', { id: 701 }), { status: 'Accepted' });
  t.same(await call('GetCompositeSchedule', { connectorId: 1, duration: 60 }), { status: 'Rejected' }, 'the charger\'s own answer');
  t.same(cp1.others, ['ClearChargingProfile', 'GetCompositeSchedule'], 'both forwarded to the charger');
});
