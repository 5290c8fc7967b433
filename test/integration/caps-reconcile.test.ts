/**
 * A charger's own cap profile (no site: section, issue #18) and what the charger did with it:
 * a cap removed while the charger was away, then a restart of chargegate, is still cleared at
 * the charger when it connects; a charger that refuses the cap (Rejected, or a CALLERROR) is
 * seen refusing it on the MQTT result, in the HTTP answer and on the limit topics, and gets the
 * cap again when it reconnects. Strict ocpp-rpc chargers, the embedded broker.
 */
import t, { type Test } from 'tap';
import { PASSWORDS, eventually, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';

const USER = { username: 'homeassistant', password: 'ha-secret-pw1' };
const CP1 = 'chargegate/chargers/CP1';
const C1 = `${CP1}/connectors/1`;
const embedded = (c: Record<string, any>) => (c.mqtt = { port: 0, throttle: 0, users: [{ ...USER, access: 'command' }] });

async function user(t: Test, gw: RunningGateway): Promise<TestClient> {
  const c = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, USER);
  await c.subscribe(['chargegate/#']);
  return c;
}

/** A strict 1.6 charger answering SetChargingProfile with `answer` (a status, or 'error': a CALLERROR). */
async function charger(t: Test, gw: RunningGateway, answer: 'Accepted' | 'Rejected' | 'error' = 'Accepted') {
  const profiles: any[] = [];
  const clears: any[] = [];
  const c = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  c.handle('SetChargingProfile', ({ params }) => {
    profiles.push(params);
    if (answer === 'error') throw Object.assign(new Error('no smart charging here'), { rpcErrorCode: 'NotSupported' });
    return { status: answer };
  });
  c.handle('ClearChargingProfile', ({ params }) => (clears.push(params), { status: 'Accepted' }));
  await c.call('BootNotification', bootPayload);
  await c.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  return { c, profiles, clears };
}

async function result(u: TestClient, topic: string, after: number): Promise<any> {
  await eventually(() => u.received.filter((m) => m.topic === topic).length > after, `a result on ${topic}`);
  return JSON.parse(u.received.filter((m) => m.topic === topic)[after]!.payload);
}

t.test('a cap removed while the charger was offline, then a restart: the charger\'s profile is cleared when it connects', async (t) => {
  const dir = t.testdir();
  let gw = await startGateway(t, { dir, patch: embedded });
  let u = await user(t, gw);
  const first = await charger(t, gw);
  await u.publish(`${C1}/maxcurrent/set`, '10');
  t.match(await result(u, `${C1}/maxcurrent/result`, 0), { result: 'accepted' });
  t.equal(first.profiles.length, 1, 'the charger holds the cap profile');

  await first.c.close();
  await u.waitFor(`${CP1}/connected`, (p) => p === 'offline');
  await u.publish(`${C1}/maxcurrent/set`, 'null');
  t.match(await result(u, `${C1}/maxcurrent/result`, 1), { result: 'accepted', reason: /cap removed \(the charger gets it when it connects\)/ });

  await gw.stop();
  gw = await startGateway(t, { dir, patch: embedded });
  u = await user(t, gw);
  const again = await charger(t, gw);
  await eventually(() => again.clears.length > 0, 'the ClearChargingProfile after the restart');
  t.same(again.clears, [{ id: 7101 }], 'exactly the cap\'s profile');
  t.same(again.profiles, [], 'no cap sent');
  await eventually(() => gw.app.store.meta.get('chargerCaps.held') === '{}', 'the charger holds no cap profile now');

  // Once cleared, the next restart has nothing to clear.
  await again.c.close();
  await gw.stop();
  gw = await startGateway(t, { dir, patch: embedded });
  u = await user(t, gw);
  const third = await charger(t, gw);
  await u.publish(`${C1}/maxcurrent/set`, '12');
  t.match(await result(u, `${C1}/maxcurrent/result`, 0), { result: 'accepted' });
  t.same(third.clears, [], 'no ClearChargingProfile before the new cap');
});

for (const refusal of ['Rejected', 'error'] as const) {
  t.test(`a charger that refuses the cap (${refusal === 'error' ? 'a CALLERROR' : 'Rejected'}): the person sees it; the cap is sent again when it reconnects`, async (t) => {
    const gw = await startGateway(t, { patch: (c) => ((embedded(c)), (c.http = { port: 0, host: '127.0.0.1' })) });
    const u = await user(t, gw);
    const refusing = await charger(t, gw, refusal);
    const why = refusal === 'error' ? /NotSupported|no smart charging/ : /Rejected/;

    await u.publish(`${C1}/maxcurrent/set`, '10');
    const said = await result(u, `${C1}/maxcurrent/result`, 0);
    t.match(said, { result: 'rejected', reason: /did not take the cap of 10 A/ }, 'the MQTT result says the charger did not take it');
    t.match(said.reason, why, `with its reason: ${said.reason}`);
    t.match((await u.waitFor(`${C1}/limitReason`, (p) => /did not take/.test(p))).payload, why, 'the limit reason says so');
    await u.waitFor(`${C1}/cap`, (p) => p === '10');
    t.pass('the cap is kept (the person\'s wish)');
    await eventually(() => u.latest(`${C1}/limitAccepted`) === 'none' && u.latest(`${C1}/limitInFlight`) === 'none', 'nothing accepted, nothing in flight');

    // The whole charger from the HTTP API: the answer says not applied.
    const res = await fetch(`${gw.httpUrl}/api/chargers/CP1/max-current`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ amps: 8 }) });
    const body = (await res.json()) as { accepted: boolean; reason: string };
    t.match(body, { accepted: false, reason: /did not take the cap of 8 A/ }, `HTTP ${res.status}: ${body.reason}`);

    // It reconnects taking profiles: both caps again, and accepted.
    await refusing.c.close();
    await u.waitFor(`${CP1}/connected`, (p) => p === 'offline');
    const willing = await charger(t, gw, 'Accepted');
    await eventually(() => willing.profiles.length >= 2, 'the caps sent again');
    // Sent when it connects and again when it boots (it may have lost them): the same two caps.
    const sent = new Set(willing.profiles.map((p) => `${p.connectorId}:${p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit}`));
    t.same([...sent].sort(), ['0:8', '1:10']);
    await u.waitFor(`${C1}/limitAccepted`, (p) => p === '8');
    await u.waitFor(`${C1}/limitReason`, (p) => p.startsWith('cap: capped at 8 A'));
  });
}
