/**
 * Issue #18: Home Assistant renders the session duration when the session topic gets a
 * message, so a charger that reports every 15 minutes (or never) left it standing still. While a
 * session runs its topic is published again each minute, with `durationS` moved on by the app's
 * clock. Fake timers (installed once the charger has booted) and a clock that follows them: the
 * minutes pass when the test says so.
 */
import t from 'tap';
import { PASSWORDS, startGateway } from '../helpers/gateway.js';
import { installFakeTimers, type FakeClock } from '../helpers/fake-timers.js';
import { connectClient } from '../helpers/mqtt.js';
import { bootPayload, rpcCharger } from '../helpers/rpc-charger.js';
import { discoveryProblems, haConfig, stateProblem } from '../helpers/ha-discovery.js';

const C1 = 'chargegate/chargers/CP1/connectors/1';
const SESSION = `${C1}/session`;

t.test('the session topic moves each minute while a session runs, and stops moving once it ended', async (t) => {
  let fake: FakeClock | undefined;
  const base = Date.now();
  const now = () => new Date(base + (fake?.now ?? 0));
  const gw = await startGateway(t, { now, patch: (c) => (c.mqtt = { homeAssistant: { format: 'entity' }, port: 0, throttle: 0 }) });
  const live = await connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`);
  await live.subscribe(['chargegate/chargers/CP1/#', 'homeassistant/sensor/#']);
  const cp = await rpcCharger(t, gw.url, 'CP1', PASSWORDS.CP1);
  await cp.call('BootNotification', bootPayload);
  const entity = await live.waitFor('homeassistant/sensor/chargegate_CP1/c1_session_duration/config');

  fake = installFakeTimers(t);
  const started = now();
  const { transactionId } = await cp.call('StartTransaction', { connectorId: 1, idTag: 'TAG1', meterStart: 0, timestamp: started.toISOString() });
  const sessionMessages = () => live.received.filter((m) => m.topic === SESSION).map((m) => JSON.parse(m.payload) as { transactionId: number; state: string; durationS: number });
  await live.waitFor(SESSION, (p) => JSON.parse(p).transactionId === transactionId);

  // A minute without a word from the charger: published again, on the minute.
  fake.tick(60_000);
  const first = JSON.parse((await live.waitFor(SESSION, (p) => JSON.parse(p).durationS > 0)).payload);
  t.match(first, { transactionId, state: 'active' });
  t.ok(first.durationS <= 60, `its duration moved (${first.durationS} s)`);
  fake.tick(60_000);
  const second = JSON.parse((await live.waitFor(SESSION, (p) => JSON.parse(p).durationS > first.durationS)).payload);
  t.equal(second.durationS, first.durationS + 60, 'a minute later, a minute more');

  const config = haConfig(entity.payload);
  t.strictSame(discoveryProblems('sensor', config), []);
  t.equal(stateProblem('sensor', config, live.latest(SESSION)!), undefined, 'Home Assistant takes it');

  // Ended: its duration is fixed, and nothing is published again.
  await cp.call('StopTransaction', { transactionId, meterStop: 100, timestamp: new Date(started.getTime() + 150_000).toISOString() });
  await live.waitFor(SESSION, (p) => JSON.parse(p).state === 'completed');
  t.equal(sessionMessages().at(-1)!.durationS, 150, 'from its start to its stop');
  const ended = sessionMessages().length;
  fake.tick(120_000);
  // Something published after the tick: anything the tick published is here before it.
  await cp.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
  await live.waitFor(`${C1}/status`, (p) => p === 'Available');
  t.equal(sessionMessages().length, ended, 'no more session messages once none runs');
  fake.uninstall();
});
