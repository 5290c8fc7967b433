/**
 * Charging plans as a home user sees them: a real gateway whose clock the test moves through a
 * night quarter hour by quarter hour (the clock passed in), a time-of-use tariff (0.40 in the
 * evening, 0.30 until 02:00, 0.15 from 02:00 to 05:00, 0.35 by day, UTC), and a strict charger
 * that follows its profiles (test/helpers/physical-charger.ts). The car's energy register is
 * what it would have taken in each quarter hour at the current the charger allows then.
 *
 * Asserted: with "22 kWh by 07:00" the car charges only from 02:00, at full power, and has the
 * 22 kWh by 04:00; the plan's state (next slot, expected finish and cost) in the API and on
 * MQTT; the plan over MQTT, refused in words when wrong; a restart keeps it; it ends with the session.
 */
import t, { type Test } from 'tap';
import { eventually, PASSWORDS, startGateway } from '../helpers/gateway.js';
import { api, TOKENS } from '../helpers/http.js';
import { connectClient } from '../helpers/mqtt.js';
import { physicalCharger } from '../helpers/physical-charger.js';
import { attributesOf, discoveryProblems, haConfig, stateProblem } from '../helpers/ha-discovery.js';

const VOLTAGE = 230;
const COMMANDER = { username: 'ha', password: 'ha-secret-password-1' };
const C1 = 'chargegate/chargers/CP1/connectors/1';
const QUARTER = 15 * 60_000;
// Tomorrow (real time) at 18:00 UTC: later than the charger's own (real) timestamps.
const DAY = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
const EVENING = Date.parse(`${DAY}T18:00:00Z`);
const hour = (h: number) => EVENING + (h - 18) * 3_600_000;

async function home(t: Test, clock: { ms: number }, dir?: string) {
  return startGateway(t, {
    ...(dir ? { dir } : {}),
    now: () => new Date(clock.ms),
    patch: (c) => {
      c.http = { port: 0, host: '127.0.0.1', token: TOKENS.full, readToken: TOKENS.read };
      c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0, users: [{ ...COMMANDER, access: 'command' }] };
      c.site = {
        supply: { maxCurrent: 32, phases: 3, voltage: VOLTAGE },
        balancing: { settleTime: 60, responseTime: 0.2, rampInterval: 0.2, rampStep: 32, hysteresis: 0.5, recheckInterval: 0.2, standingInterval: 0 },
      };
      c.tariff = {
        currency: 'EUR',
        price: 0.35,
        timeZone: 'UTC',
        periods: [
          { from: '17:00', to: '22:00', price: 0.4 },
          { from: '22:00', to: '02:00', price: 0.3 },
          { from: '02:00', to: '05:00', price: 0.15 },
        ],
        feed: {},
      };
    },
  });
}

t.test('22 kWh by 07:00: charged only in the cheap window, full power, in the car by the deadline', async (t) => {
  t.setTimeout(240_000);
  const clock = { ms: EVENING };
  const gw = await home(t, clock);
  const ha = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`, COMMANDER);
  await ha.subscribe('chargegate/#');
  await ha.subscribe('homeassistant/sensor/chargegate_CP1/+/config');
  const cp = await physicalCharger(t, { url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, phases: 3, maxCurrentA: 16, meterIntervalMs: 0 });
  cp.plugIn(1, { maxCurrentA: 16, phases: 3 });
  const { transactionId } = await cp.startTransaction(1, 'TAG1');
  await eventually(() => cp.currentA(1) === 16, 'without a plan the car charges at once');

  let registerWh = 0;
  const reading = () => cp.client.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: new Date(clock.ms).toISOString(), sampledValue: [{ value: String(Math.round(registerWh)), measurand: 'Energy.Active.Import.Register', unit: 'Wh', location: 'Outlet' }] }] });

  const put = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.full, method: 'PUT', body: { energyKWh: 22, by: '07:00' } });
  t.equal(put.status, 200);
  t.equal(put.json.accepted, true, `accepted: ${put.json.reason}`);
  t.match(put.json.plan, { energyKWh: 22, by: new Date(hour(31)).toISOString(), status: 'waiting', nextSlot: { from: new Date(hour(26)).toISOString() }, expectedCost: 3.3, currency: 'EUR' }, 'waits for 02:00; 22 kWh at 0.15');
  t.match(put.json.reason, /next from 02:00/);
  await eventually(() => cp.currentA(1) === 0, 'held at 0 A in the dear evening');
  const retained = JSON.parse((await ha.waitFor(`${C1}/plan`, (p) => p.includes('"waiting"'))).payload);
  t.match(retained, { status: 'waiting', remainingKWh: 22, expectedFinish: /T03:5/ }, 'the plan on MQTT');
  // Home Assistant's plan sensors read that topic: the status, the plan's facts as attributes, the finish as a time.
  const entity = async (object: string) => haConfig((await ha.waitFor(`homeassistant/sensor/chargegate_CP1/${object}/config`)).payload);
  const [planSensor, finishSensor] = [await entity('c1_plan'), await entity('c1_plan_finish')];
  t.strictSame([...discoveryProblems('sensor', planSensor), ...discoveryProblems('sensor', finishSensor)], [], 'both entities are ones Home Assistant accepts');
  t.equal(planSensor.state_topic, `${C1}/plan`);
  t.equal(finishSensor.state_topic, `${C1}/plan`);
  const planPayload = JSON.stringify(retained);
  t.equal(stateProblem('sensor', planSensor, planPayload), undefined, 'the plan sensor takes the retained plan');
  t.match(attributesOf(planSensor, planPayload), { nextSlot: { from: new Date(hour(26)).toISOString() }, expectedFinish: /T03:5/, expectedCost: 3.3 }, 'next slot, finish and cost as attributes');
  t.equal(stateProblem('sensor', finishSensor, planPayload), undefined, 'the finish sensor takes the expected finish as a time');
  const site = (await api(gw.httpUrl, '/api/site', { token: TOKENS.read })).json;
  t.match(site.connectors.find((c: any) => c.chargerId === 'CP1').detail, /charging plan/, 'the reason names the plan');

  // The night, a quarter hour at a time: a reading, then the car draws what it is allowed.
  const charging: string[] = [];
  for (let at = EVENING; at < hour(31); at += QUARTER) {
    clock.ms = at;
    await reading();
    const cheap = at >= hour(26) && registerWh < 22_000;
    await eventually(() => cp.currentA(1) === (cheap ? 16 : 0), `${new Date(at).toISOString().slice(11, 16)}: ${cheap ? 'charging at full power' : 'held at 0 A'}`);
    if (cp.currentA(1) > 0) charging.push(new Date(at).toISOString().slice(11, 16));
    registerWh += (cp.currentA(1) * 3 * VOLTAGE * QUARTER) / 3_600_000;
  }
  t.same(charging, ['02:00', '02:15', '02:30', '02:45', '03:00', '03:15', '03:30', '03:45'], 'charged only from 02:00 to 04:00');
  t.ok(registerWh >= 22_000, `22 kWh in the car by the deadline (${Math.round(registerWh)} Wh)`);
  const done = (await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.read })).json;
  t.match(done, { status: 'reached', remainingKWh: 0 });

  // The session ends: so does its plan.
  await cp.stopTransaction(1, 'EVDisconnected');
  await ha.waitFor(`${C1}/plan`, (p) => p === 'none');
  t.equal(stateProblem('sensor', planSensor, 'none'), undefined, 'no plan: the plan sensor says none');
  t.equal(stateProblem('sensor', finishSensor, 'none'), undefined, 'no plan: the finish is unknown');
  t.equal((await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.read })).json, null);
  t.same(cp.validationFailures, [], 'every frame valid for the strict charger');
});

t.test('a plan over MQTT: refused in words when wrong, kept across a restart, cleared', async (t) => {
  t.setTimeout(240_000);
  const dir = t.testdir();
  const clock = { ms: hour(20) };
  let gw = await home(t, clock, dir);
  const broker = () => `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`;
  let ha = await connectClient(t, broker(), COMMANDER);
  await ha.subscribe('chargegate/#');

  await ha.publish(`${C1}/plan/set`, '{"soc": 80, "by": "07:00"}', { qos: 1 });
  t.match(JSON.parse((await ha.waitFor(`${C1}/plan/result`)).payload), { result: 'rejected', reason: /soc needs capacityKWh/ });
  await ha.publish(`${C1}/plan/set`, '{"energyKWh": 10, "by": "7am"}', { qos: 1 });
  t.match(JSON.parse((await ha.waitFor(`${C1}/plan/result`, (p) => p.includes('7am'))).payload), { result: 'rejected', reason: /by must be a time of day HH:MM/ });

  // 80 % of 50 kWh, no SoC reported (no car yet): planned as if empty, 40 kWh, 3.6 h: 02:00-05:00 and 22:00-22:40.
  await ha.publish(`${C1}/plan/set`, '{"soc": 80, "capacityKWh": 50, "by": "07:00"}', { qos: 1 });
  t.match(JSON.parse((await ha.waitFor(`${C1}/plan/result`, (p) => p.includes('accepted'))).payload), { result: 'accepted', reason: /as if empty/ });
  const plan = JSON.parse((await ha.waitFor(`${C1}/plan`, (p) => p.includes('"soc"'))).payload);
  t.match(plan, { soc: 80, capacityKWh: 50, remainingKWh: 40, status: 'waiting', nextSlot: { from: new Date(hour(22)).toISOString() } });
  t.same(plan.windows.map((w: any) => w.from.slice(11, 16)), ['22:00', '02:00'], 'the cheapest 3.6 hours');
  await eventually(() => gw.app.balancer!.caps('CP1').some((c) => c.connectorId === 1 && c.amps === 0 && c.source === 'charging plan'), 'held at 0 A until 22:00');

  await ha.end();
  await gw.stop();
  gw = await home(t, clock, dir);
  ha = await connectClient(t, broker(), COMMANDER);
  await ha.subscribe(`${C1}/plan`);
  t.match(JSON.parse((await ha.waitFor(`${C1}/plan`, (p) => p !== 'none')).payload), { soc: 80, capacityKWh: 50, by: new Date(hour(31)).toISOString() }, 'the plan survived the restart');
  t.match((await api(gw.httpUrl, '/api/site/plans', { token: TOKENS.read })).json.plans, [{ chargerId: 'CP1', connectorId: 1, status: 'waiting' }]);
  await eventually(() => gw.app.balancer!.caps('CP1').some((c) => c.connectorId === 1 && c.amps === 0 && c.source === 'charging plan'), 'and holds the connector again');

  // Day-ahead prices arrive: 0.05 from midnight to 04:00. The plan moves there at once.
  const feed = await api(gw.httpUrl, '/api/tariff/prices', { token: TOKENS.full, method: 'PUT', body: { prices: [{ from: new Date(hour(24)).toISOString(), to: new Date(hour(28)).toISOString(), price: 0.05 }] } });
  t.equal(feed.json.accepted, true);
  const moved = JSON.parse((await ha.waitFor(`${C1}/plan`, (p) => p.includes(`"from":"${new Date(hour(24)).toISOString()}"`))).payload);
  t.same(moved.windows.map((w: any) => [w.from.slice(11, 16), w.to.slice(11, 16)]), [['00:00', '03:45']], 'the cheapest 3.6 hours are now from midnight (the last quarter partly)');
  t.match(moved.expectedFinish, /T03:37/);
  t.equal(moved.expectedCost, 2, '40 kWh at 0.05');

  const readOnly = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.read, method: 'DELETE' });
  t.equal(readOnly.status, 403, 'the read token may not clear it');
  const unknown = await api(gw.httpUrl, '/api/chargers/CP9/connectors/1/plan', { token: TOKENS.full, method: 'PUT', body: { energyKWh: 5, by: '07:00' } });
  t.equal(unknown.status, 404);
  const bad = await api(gw.httpUrl, '/api/chargers/CP1/connectors/1/plan', { token: TOKENS.full, method: 'PUT', body: { energyKWh: 5 } });
  t.equal(bad.status, 400);
  t.match(bad.json, { error: { code: 'bad_body', message: /by must be/ } });
  await ha.publish(`${C1}/plan/set`, 'clear', { qos: 1 });
  await ha.waitFor(`${C1}/plan`, (p) => p === 'none');
  t.notOk(gw.app.balancer!.caps('CP1').some((c) => c.source === 'charging plan'), 'cleared: no cap left');
});
