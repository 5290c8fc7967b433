/**
 * A local user's SetChargingProfile / ClearChargingProfile (POST /api/chargers/{id}/ocpp/…)
 * while a load balancer runs the site: chargegate keeps the profile and the balancer follows it
 * as a cap (never above its own allocation), instead of sending it to the charger where the
 * balancer's next profile would overwrite it or, at a higher stackLevel, outrank it and raise
 * the charger above the fuse (OCPP 1.6 §3.13.2). Independent "physical" chargers (ocpp-rpc,
 * strict, their own reading of profiles, MeterValues during a session) say what is in force.
 * Without a site: section the profile goes to the charger unchanged.
 */
import t, { type Test } from 'tap';
import { eventually, PASSWORDS, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { connectClient } from '../helpers/mqtt.js';
import { physicalCharger, type PhysicalCharger, type Profile } from '../helpers/physical-charger.js';

// Seven gateways, one after the other: on a loaded 2-core box that can pass tap's 60 s.
t.setTimeout(120_000);

const SITE = { supply: { maxCurrent: 32, phases: 3 }, balancing: { rampInterval: 0, rampStep: 32, recheckInterval: 0.2, standingInterval: 0 } };

async function gateway(t: Test, options: { dir?: string; site?: boolean } = {}): Promise<RunningGateway> {
  return startGateway(t, {
    ...(options.dir ? { dir: options.dir } : {}),
    patch: (c) => {
      if (options.site ?? true) c.site = SITE;
    },
  });
}

/** A charger (CP1: 3 phases, 16 A; CP2: 1 phase, 32 A) with every profile it received recorded. */
async function charger(t: Test, gw: RunningGateway, id: 'CP1' | 'CP2') {
  const cp = await physicalCharger(t, { url: gw.url, identity: id, password: PASSWORDS[id], phases: id === 'CP1' ? 3 : 1, maxCurrentA: id === 'CP1' ? 16 : 32, meterIntervalMs: 200 });
  const got: { connectorId: number; profile: Profile; status: string; at: number }[] = [];
  cp.on('profile', (p) => got.push(p));
  return { cp, got };
}

/** CP1 with a car charging, at the 16 A (its maximum) the balancer gives it on its own. */
async function chargingAt16(t: Test, gw: RunningGateway) {
  const cp1 = await charger(t, gw, 'CP1');
  cp1.cp.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.cp.startTransaction(1, 'TAG1');
  await eventually(() => limitOf(cp1.cp) === 16 && sessionProfiled(cp1.got), 'the balancer\'s 16 A (CP1\'s maximum)');
  return cp1;
}

/** The balancer's TxProfile for the session reached the charger. */
const sessionProfiled = (got: { profile: Profile }[]) => got.some((g) => g.profile.chargingProfilePurpose === 'TxProfile');

/** The limit in force at the charger, by its own reading of the profiles it holds. */
const limitOf = (cp: PhysicalCharger) => cp.limitA(1);

function profile(id: number, purpose: Profile['chargingProfilePurpose'], periods: { startPeriod: number; limit: number }[], extra: Partial<Profile> = {}, unit: 'A' | 'W' = 'A'): Profile {
  return {
    chargingProfileId: id,
    stackLevel: 9,
    chargingProfilePurpose: purpose,
    chargingProfileKind: 'Absolute',
    chargingSchedule: { chargingRateUnit: unit, startSchedule: new Date().toISOString(), chargingSchedulePeriod: periods },
    ...extra,
  };
}

/** Like eventually, for a check that needs a request. */
async function untilAsync(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const send = (gw: RunningGateway, chargerId: string, action: string, body: unknown) => api(gw.httpUrl, `/api/chargers/${chargerId}/ocpp/${action}`, { body });
const listed = async (gw: RunningGateway, chargerId: string) => (await api(gw.httpUrl, `/api/chargers/${chargerId}/charging-profiles`)).json;
/** The allocation's reason for a charger, as GET /api/chargers/{id} shows it. */
const shownReason = async (gw: RunningGateway, chargerId: string): Promise<string> => JSON.stringify((await api(gw.httpUrl, `/api/chargers/${chargerId}`)).json.connectors[0]);

/** Profiles that are not chargegate's own (to-profile.ts numbers them 7100 + n, 7200 + n). */
const foreign = (got: { profile: Profile }[]) => got.filter((g) => g.profile.chargingProfileId < 7100 || g.profile.chargingProfileId >= 7300);

t.test('a user ChargePointMaxProfile of 10 A on a charger the balancer gives 16 A: the balancer sends at most 10 A; Clear gives the 16 A back', async (t) => {
  const gw = await gateway(t);
  const cp1 = await chargingAt16(t, gw);

  const before = cp1.got.length;
  const set = await send(gw, 'CP1', 'SetChargingProfile', { connectorId: 0, csChargingProfiles: profile(12, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 10 }]) });
  t.equal(set.status, 200);
  t.match(set.json, { action: 'SetChargingProfile', answer: { status: 'Accepted' }, answeredBy: 'chargegate', reason: /load balancer/ });
  await eventually(() => limitOf(cp1.cp) === 10, 'the charger held to the user\'s 10 A by the balancer\'s own profile');
  await eventually(() => cp1.cp.currentA(1) <= 10, 'the car draws at most 10 A');
  t.ok(cp1.got.length > before, 'the balancer sent a new profile');
  t.ok(cp1.got.slice(before).every((g) => g.profile.chargingSchedule.chargingSchedulePeriod.every((p) => p.limit <= 10)), 'every profile since: at most 10 A');
  t.same(foreign(cp1.got), [], 'the user\'s profile itself never reached the charger');
  await eventually(() => gw.app.balancer!.allocation()?.connectors.find((c) => c.chargerId === 'CP1')?.detail.includes('user profile 12') === true, 'the reason names the profile');
  t.match(await shownReason(gw, 'CP1'), /capped at 10 A by user profile 12/, 'GET /api/chargers/CP1 says why');

  const list = await listed(gw, 'CP1');
  t.match(list, { chargerId: 'CP1', keptByChargegate: true, profiles: [{ connectorId: 0, profile: { chargingProfileId: 12 }, ampsNow: 10 }] });
  t.match(list.limitsNow, [{ connectorId: 0, amps: 10, profileId: 12 }], 'the limit in force now');
  // An operator's max current is a cap of its own source: the lowest of all applies.
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/max-current', { body: { amps: 8 } })).status, 200);
  await eventually(() => limitOf(cp1.cp) === 8, 'the operator\'s lower 8 A');
  t.same((await listed(gw, 'CP1')).caps, [{ source: 'user profile 12', amps: 10 }, { connectorId: 1, source: 'http', amps: 8 }], 'every cap on the charger, by source');
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/max-current', { body: { amps: null } })).status, 200);
  await eventually(() => limitOf(cp1.cp) === 10, 'the user\'s 10 A again');

  const cleared = await send(gw, 'CP1', 'ClearChargingProfile', { id: 12 });
  t.match(cleared.json, { answer: { status: 'Accepted' }, answeredBy: 'chargegate' });
  await eventually(() => limitOf(cp1.cp) === 16, 'the balancer\'s share again');
  t.match((await send(gw, 'CP1', 'ClearChargingProfile', { id: 12 })).json, { answer: { status: 'Unknown' }, answeredBy: 'chargegate' }, 'nothing left to clear');
  t.same((await listed(gw, 'CP1')).profiles, []);
  t.notOk(cp1.got.some((g) => g.profile.chargingProfileId === 12), 'nothing of it at the charger');
  t.same(cp1.cp.validationFailures, []);
});

t.test('a user profile of 40 A (in W) on a 32 A fuse never raises a charger above the balancer\'s share', async (t) => {
  const gw = await gateway(t);
  const cp1 = await charger(t, gw, 'CP1');
  const cp2 = await charger(t, gw, 'CP2');
  cp1.cp.plugIn(1, { maxCurrentA: 32, phases: 3 });
  cp2.cp.plugIn(1, { maxCurrentA: 32, phases: 1 });
  await cp1.cp.startTransaction(1, 'TAG1');
  const { transactionId } = await cp2.cp.startTransaction(1, 'TAG2');
  // L1 carries both: 32 A shared.
  await eventually(() => sessionProfiled(cp1.got) && sessionProfiled(cp2.got) && limitOf(cp1.cp) + limitOf(cp2.cp) <= 32 && cp1.cp.currentA(1) > 0 && cp2.cp.currentA(1) > 0, 'both charging within the fuse');
  const share = limitOf(cp2.cp);
  const before = cp2.got.length;
  // 40 A on CP2's one phase: 9 200 W at 230 V. A TxProfile at stackLevel 9: at the charger it
  // would outrank the balancer's own TxProfile and let the car take the charger's 32 A.
  const set = await send(gw, 'CP2', 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(40, 'TxProfile', [{ startPeriod: 0, limit: 9200 }], { transactionId }, 'W') });
  t.match(set.json, { answer: { status: 'Accepted' }, answeredBy: 'chargegate' });
  t.match((await listed(gw, 'CP2')).profiles, [{ connectorId: 1, ampsNow: 40 }], 'W read with the charger\'s one phase: 40 A');
  // Give the balancer its runs, then look at everything CP2 was sent.
  await gw.app.balancer!.reconcile();
  await gw.app.balancer!.reconcile();
  t.ok(cp2.got.slice(before).every((g) => g.profile.chargingSchedule.chargingSchedulePeriod.every((p) => p.limit <= share)), `nothing above the ${share} A share was sent`);
  t.ok(limitOf(cp2.cp) <= share, 'the charger\'s own reading: within the share');
  t.ok(limitOf(cp1.cp) + limitOf(cp2.cp) <= 32, 'L1 within the fuse');
  t.same(foreign(cp2.got), [], 'the user\'s profile never reached the charger');
});

t.test('a schedule of two periods: the balancer follows the second from its start', async (t) => {
  const gw = await gateway(t);
  const cp1 = await chargingAt16(t, gw);
  const seen: { limit: number; at: number }[] = [];
  cp1.cp.on('profile', ({ at }) => {
    const limit = limitOf(cp1.cp);
    if (seen.at(-1)?.limit !== limit) seen.push({ limit, at });
  });
  const p = profile(5, 'TxDefaultProfile', [{ startPeriod: 0, limit: 12 }, { startPeriod: 2, limit: 8 }], { stackLevel: 0 });
  const start = Date.parse(p.chargingSchedule.startSchedule!);
  t.match((await send(gw, 'CP1', 'SetChargingProfile', { connectorId: 1, csChargingProfiles: p })).json, { answer: { status: 'Accepted' }, answeredBy: 'chargegate' });
  await eventually(() => limitOf(cp1.cp) === 12, 'the first period');
  await eventually(() => limitOf(cp1.cp) === 8, 'the second period, on its own', 8000);
  t.same(seen.map((s) => s.limit), [12, 8], 'the first period, then the second');
  // Timers may fire a millisecond early; the charger got it when the second period had begun.
  t.ok(seen[1]!.at >= start + 1990, `not before its startPeriod (${seen[1]!.at - start} ms after the start)`);
  t.ok(seen[1]!.at <= start + 8000, 'and soon after it');
});

t.test('kept across a restart (same data directory)', async (t) => {
  const gw = await gateway(t);
  const first = await charger(t, gw, 'CP1');
  t.match((await send(gw, 'CP1', 'SetChargingProfile', { connectorId: 0, csChargingProfiles: profile(21, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 10 }]) })).json, { answer: { status: 'Accepted' } });
  await eventually(() => limitOf(first.cp) === 10, 'the standing limit held to 10 A');
  await first.cp.close();
  await gw.stop();

  const again = await gateway(t, { dir: gw.dir });
  t.match((await listed(again, 'CP1')).profiles, [{ connectorId: 0, profile: { chargingProfileId: 21 }, ampsNow: 10 }], 'read back from disk');
  const cp1 = await charger(t, again, 'CP1');
  cp1.cp.plugIn(1, { maxCurrentA: 32, phases: 3 });
  await cp1.cp.startTransaction(1, 'TAG1');
  await eventually(() => limitOf(cp1.cp) === 10 && cp1.got.length > 0, 'the session held to the user\'s 10 A after the restart');
  t.ok(cp1.got.every((g) => g.profile.chargingSchedule.chargingSchedulePeriod.every((p) => p.limit <= 10)), 'never more than 10 A since the restart');
});

t.test('a TxProfile needs a transaction on its connector and ends with it; misplaced purposes are Rejected', async (t) => {
  const gw = await gateway(t);
  const cp1 = await charger(t, gw, 'CP1');
  await eventually(() => limitOf(cp1.cp) === 16, 'the standing limit');
  const none = await send(gw, 'CP1', 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(31, 'TxProfile', [{ startPeriod: 0, limit: 8 }]) });
  t.match(none.json, { answer: { status: 'Rejected' }, answeredBy: 'chargegate', reason: /no transaction/ }, 'no transaction: Rejected (§3.13.1)');
  const misplaced = await send(gw, 'CP1', 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(32, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 8 }]) });
  t.match(misplaced.json, { answer: { status: 'Rejected' }, answeredBy: 'chargegate', reason: /connector 0/ }, 'a ChargePointMaxProfile on connector 1');

  cp1.cp.plugIn(1, { maxCurrentA: 32, phases: 3 });
  const { transactionId } = await cp1.cp.startTransaction(1, 'TAG1');
  const other = await send(gw, 'CP1', 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(33, 'TxProfile', [{ startPeriod: 0, limit: 8 }], { transactionId: transactionId + 1000 }) });
  t.match(other.json, { answer: { status: 'Rejected' } }, 'another transaction');
  const tx = await send(gw, 'CP1', 'SetChargingProfile', { connectorId: 1, csChargingProfiles: profile(34, 'TxProfile', [{ startPeriod: 0, limit: 8 }], { transactionId }) });
  t.match(tx.json, { answer: { status: 'Accepted' }, answeredBy: 'chargegate' });
  await eventually(() => limitOf(cp1.cp) === 8, 'the session at the user\'s 8 A');
  t.match((await listed(gw, 'CP1')).profiles, [{ connectorId: 1, transactionId, profile: { chargingProfileId: 34 } }]);

  await cp1.cp.stopTransaction(1);
  await untilAsync(async () => (await listed(gw, 'CP1')).profiles.length === 0, 'the TxProfile to end with its transaction (§3.13.3)');
  await eventually(() => gw.app.balancer!.allocation()?.connectors.find((c) => c.chargerId === 'CP1')?.detail.includes('user profile') === false, 'the cap gone with it');
  t.same(foreign(cp1.got), []);
});

t.test('without a site: section the charger gets the payload unchanged and answers itself', async (t) => {
  const gw = await gateway(t, { site: false });
  const cp1 = await charger(t, gw, 'CP1');
  const payload = { connectorId: 0, csChargingProfiles: profile(12, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 10 }]) };
  const set = await send(gw, 'CP1', 'SetChargingProfile', payload);
  t.match(set.json, { answer: { status: 'Accepted' }, answeredBy: 'charger' });
  t.notOk('reason' in set.json, 'chargegate had nothing to say');
  t.same(cp1.got, [{ connectorId: 0, profile: payload.csChargingProfiles, status: 'Accepted', at: cp1.got[0]?.at }], 'the very payload');
  t.equal(limitOf(cp1.cp), 10, 'in force at the charger');
  t.match((await send(gw, 'CP1', 'ClearChargingProfile', { id: 12 })).json, { answer: { status: 'Accepted' }, answeredBy: 'charger' });
  t.equal(limitOf(cp1.cp), 16, 'cleared at the charger');
  t.match(await listed(gw, 'CP1'), { keptByChargegate: false, profiles: [] });
});

t.test('over MQTT: the same door; the connector\'s limitReason names the user profile', async (t) => {
  const operator = { username: 'operator', password: 'operator-secret-pw' };
  const gw = await startGateway(t, {
    patch: (c) => {
      c.site = SITE;
      c.mqtt = { port: 0, throttle: 0, users: [{ ...operator, access: 'command' }] };
    },
  });
  const mqtt = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, operator);
  await mqtt.subscribe(['chargegate/chargers/CP1/ocpp/+/result', 'chargegate/chargers/CP1/connectors/1/limitReason']);
  const cp1 = await chargingAt16(t, gw);
  await mqtt.publish('chargegate/chargers/CP1/ocpp/SetChargingProfile/set', JSON.stringify({ connectorId: 0, csChargingProfiles: profile(12, 'ChargePointMaxProfile', [{ startPeriod: 0, limit: 10 }]) }), { qos: 1 });
  const result = JSON.parse((await mqtt.waitFor('chargegate/chargers/CP1/ocpp/SetChargingProfile/result')).payload);
  t.match(result, { result: 'accepted', reason: /^chargegate answered Accepted: .*load balancer/, answer: { status: 'Accepted' } });
  await mqtt.waitFor('chargegate/chargers/CP1/connectors/1/limitReason', (p) => p.includes('capped at 10 A by user profile 12'));
  await eventually(() => limitOf(cp1.cp) === 10, 'the charger at 10 A');
  t.same(foreign(cp1.got), []);
});
