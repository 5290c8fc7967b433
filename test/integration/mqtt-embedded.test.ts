/**
 * MQTT through the embedded broker, as a Home Assistant user sees it: a real chargegate, a
 * simulated charger, and MQTT.js clients logging in as the configured users.
 */
import t, { type Test } from 'tap';
import { silentLogger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { PASSWORDS, eventually, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';
import { deviceProblems, haConfig } from '../helpers/ha-discovery.js';

const COMMANDER = { username: 'homeassistant', password: 'ha-secret-pw1' };
const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const CP1 = 'chargegate/chargers/CP1';

async function site(t: Test, mqtt: Record<string, unknown> = {}) {
  const gw = await startGateway(t, {
    patch: (c) => {
      c.mqtt = {
        port: 0,
        throttle: 0,
        homeAssistant: { format: 'entity' },
        users: [
          { ...COMMANDER, access: 'command' },
          { ...VIEWER, access: 'read' },
        ],
        ...mqtt,
      };
    },
  });
  const url = `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`;
  const charger = new SimulatedCharger({ url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, connectors: 1, phases: 3, maxCurrentA: 16, serialNumber: 'SN-0001', firmwareVersion: '1.2.3', logger: silentLogger(), backoff: { initialMs: 50, maxMs: 200 } });
  const calls: { action: string; payload: any }[] = [];
  charger.on('call', (action, payload) => calls.push({ action, payload }));
  charger.start();
  t.teardown(() => charger.stop());
  await new Promise((resolve) => charger.once('booted', resolve));
  return { gw, url, charger, calls };
}

async function viewer(t: Test, url: string): Promise<TestClient> {
  const c = await connectClient(t, url, VIEWER);
  await c.subscribe(['chargegate/#', 'homeassistant/#']);
  return c;
}

t.test('the documented topics and Home Assistant discovery appear', async (t) => {
  const { gw, url, charger } = await site(t);
  const v = await viewer(t, url);

  t.equal((await v.waitFor('chargegate/status')).payload, 'online');
  await v.waitFor(`${CP1}/connected`, (p) => p === 'online');
  const info = JSON.parse((await v.waitFor(`${CP1}/info`)).payload);
  t.match(info, { serialNumber: 'SN-0001', firmwareVersion: '1.2.3' });
  await v.waitFor(`${CP1}/connectors/1/status`, (p) => p === 'Available');

  const power = haConfig((await v.waitFor('homeassistant/sensor/chargegate_CP1/c1_power/config')).payload);
  t.match(power, {
    state_topic: `${CP1}/connectors/1/power`,
    device_class: 'power',
    unit_of_measurement: 'W',
    state_class: 'measurement',
    unique_id: 'chargegate_CP1_c1_power',
    availability: [{ topic: 'chargegate/status' }, { topic: `${CP1}/connected` }],
  });
  t.strictSame(power.device, { identifiers: ['chargegate_CP1'], name: 'CP1' }, 'an entity links to the device by its ids and name');
  // The full device on one config per charger (issue #19, memory): the connectivity sensor.
  const connected = haConfig((await v.waitFor('homeassistant/binary_sensor/chargegate_CP1/connected/config', (p) => JSON.parse(p).dev?.sw === '1.2.3')).payload);
  t.match(connected, { device: { identifiers: ['chargegate_CP1'], name: 'CP1', manufacturer: info.vendor, model: info.model, sw_version: '1.2.3', serial_number: 'SN-0001' }, origin: { name: 'chargegate' } });
  const energy = haConfig((await v.waitFor('homeassistant/sensor/chargegate_CP1/c1_energy/config')).payload);
  t.match(energy, { device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'Wh' });
  for (const phase of ['L1', 'L2', 'L3']) await v.waitFor(`homeassistant/sensor/chargegate_CP1/c1_current_${phase.toLowerCase()}/config`);
  const limit = haConfig((await v.waitFor('homeassistant/number/chargegate_CP1/c1_limit/config')).payload);
  t.match(limit, { command_topic: `${CP1}/connectors/1/maxcurrent/set`, max: 16 });
  const available = haConfig((await v.waitFor('homeassistant/switch/chargegate_CP1/available/config')).payload);
  t.match(available, { command_topic: `${CP1}/available/set`, state_topic: `${CP1}/available` });
  await v.waitFor('homeassistant/button/chargegate_CP1/c1_start/config');
  await v.waitFor('homeassistant/button/chargegate_CP1/c1_stop/config');
  // CP2 is configured but never connected: it is there, offline, maker unknown.
  t.equal((await v.waitFor('chargegate/chargers/CP2/connected')).payload, 'offline');
  t.match(haConfig((await v.waitFor('homeassistant/binary_sensor/chargegate_CP2/connected/config')).payload), { device: { name: 'CP2', manufacturer: 'unknown' } });
  t.ok(v.received.filter((m) => m.topic.startsWith('homeassistant/')).every((m) => m.retain), 'discovery configs are retained');
  // As the broker handed them out (its retained store need not keep the order they were published in).
  const latest = new Map(v.received.filter((m) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config')).map((m) => [m.topic, m.payload]));
  t.strictSame(deviceProblems([...latest].map(([topic, payload]) => ({ topic, payload })), { ordered: false }), [], 'each device said in full once, linked by ids and name elsewhere');

  charger.plugIn(1);
  const started = await charger.startTransaction(1, 'TAG1');
  t.ok(started.accepted);
  const event = JSON.parse((await v.waitFor(`${CP1}/event/session-started`)).payload);
  t.match(event, { connectorId: 1, energyWh: 0, state: 'active' });
  t.notOk('idTag' in event, 'the idTag is hidden unless mqtt.showIdTag');
  await charger.sendMeterValues(1);
  const energyWh = Number((await v.waitFor(`${CP1}/connectors/1/energy`)).payload);
  t.ok(Number.isInteger(energyWh), 'energy register in Wh');
  // Before the session they said 0 W and 0 A (an offline or idle charger draws nothing).
  t.ok(Number((await v.waitFor(`${CP1}/connectors/1/power`, (p) => p !== '0')).payload) > 0, 'power in W');
  for (const phase of ['L1', 'L2', 'L3']) t.ok(Number((await v.waitFor(`${CP1}/connectors/1/current/${phase}`, (p) => p !== '0')).payload) > 0, `current ${phase}`);
  await v.waitFor(`${CP1}/connectors/1/voltage/L1`);
  await v.waitFor(`${CP1}/connectors/1/status`, (p) => p === 'Charging');
  const session = JSON.parse((await v.waitFor(`${CP1}/connectors/1/session`, (p) => JSON.parse(p).transactionId === started.transactionId)).payload);
  t.equal(session.state, 'active');

  await charger.stopTransaction(1, 'Local');
  const ended = JSON.parse((await v.waitFor(`${CP1}/event/session-ended`)).payload);
  t.match(ended, { transactionId: (started as { transactionId: number }).transactionId, state: 'completed', stopReason: 'Local' });

  // A late subscriber gets the whole state from the retained messages.
  const late = await viewer(t, url);
  t.equal((await late.waitFor(`${CP1}/connected`)).payload, 'online');
  t.equal((await late.waitFor(`${CP1}/connectors/1/session`)).payload, v.latest(`${CP1}/connectors/1/session`));
  await gw.stop();
});

t.test('new firmware at a boot: the configs again, the full device first with the new version (issue #19)', async (t) => {
  const { gw, url, charger } = await site(t);
  const v = await viewer(t, url);
  const isConfig = (topic: string) => topic.startsWith('homeassistant/') && topic.split('/')[2] === 'chargegate_CP1';
  await v.waitFor('homeassistant/binary_sensor/chargegate_CP1/connected/config', (p) => JSON.parse(p).dev?.sw === '1.2.3');
  // The boot's info is published after its configs (publishes leave in order): with it in, they are all stored.
  await v.waitFor(`${CP1}/info`, (p) => JSON.parse(p).firmwareVersion === '1.2.3');
  // v's retained stream (chargegate/#, then homeassistant/#) may still be handing out CP1's
  // configs after a live message such as the offline below: counted then, some were missed and
  // came after the mark as if republished. This subscriber's retained messages come filter by
  // filter (src/mqtt/retained-store.ts): CP1's configs, then its info; once the info is in, it
  // has every config, and all that follows is live.
  const configs = await connectClient(t, url, VIEWER);
  await configs.subscribe(['homeassistant/+/chargegate_CP1/#', `${CP1}/info`]);
  await configs.waitFor(`${CP1}/info`);
  await charger.stop();
  await v.waitFor(`${CP1}/connected`, (p) => p === 'offline');
  const count = new Set(configs.received.filter((m) => isConfig(m.topic)).map((m) => m.topic)).size;
  const mark = configs.received.length;

  const updated = new SimulatedCharger({ url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, connectors: 1, phases: 3, maxCurrentA: 16, serialNumber: 'SN-0001', firmwareVersion: '1.3.0', logger: silentLogger(), backoff: { initialMs: 50, maxMs: 200 } });
  updated.start();
  t.teardown(() => updated.stop());
  await v.waitFor('homeassistant/binary_sensor/chargegate_CP1/connected/config', (p) => JSON.parse(p).dev?.sw === '1.3.0');
  await eventually(() => configs.received.slice(mark).filter((m) => isConfig(m.topic)).length >= count, `all ${count} configs of CP1 again`);
  const again = configs.received.slice(mark).filter((m) => isConfig(m.topic));
  t.equal(again.length, count, 'each config once');
  t.equal(again[0]!.topic, 'homeassistant/binary_sensor/chargegate_CP1/connected/config', 'the full device first, live, as published');
  t.match(haConfig(again[0]!.payload), { device: { identifiers: ['chargegate_CP1'], name: 'CP1', sw_version: '1.3.0', serial_number: 'SN-0001' }, origin: { name: 'chargegate' } });
  t.strictSame(deviceProblems(again), [], 'the others link to it by ids and name, in order');
});

t.test('commands reach the charger and are answered on the result topic', async (t) => {
  const { gw, url, charger, calls } = await site(t, { startIdTag: 'TAG1' });
  const ha = await connectClient(t, url, COMMANDER);
  await ha.subscribe('chargegate/+/+/+/+/+/result');
  await ha.subscribe('chargegate/+/+/+/result');
  await ha.subscribe('chargegate/site/limit/result');
  charger.plugIn(1);
  // The transactionId chargegate gives the charger in StartTransaction.conf: the stop must name it.
  const started = new Promise<{ transactionId: number }>((resolve) => charger.once('transactionStarted', resolve));

  await ha.publish(`${CP1}/connectors/1/start/set`, '{"idTag":"TAG2","id":"req-1"}');
  const start = JSON.parse((await ha.waitFor(`${CP1}/connectors/1/start/result`)).payload);
  t.strictSame(start, { command: 'start', result: 'accepted', reason: 'charger answered Accepted to RemoteStartTransaction', id: 'req-1' });
  t.match(calls.find((c) => c.action === 'RemoteStartTransaction')?.payload, { connectorId: 1, idTag: 'TAG2' });
  await eventually(() => charger.hasTransaction(1), 'the remote-started transaction');
  const { transactionId } = await started;
  t.type(transactionId, 'number');

  await ha.publish(`${CP1}/connectors/1/stop/set`, '{}');
  const stop = JSON.parse((await ha.waitFor(`${CP1}/connectors/1/stop/result`)).payload);
  t.equal(stop.result, 'accepted');
  t.equal(calls.find((c) => c.action === 'RemoteStopTransaction')?.payload.transactionId, transactionId, 'RemoteStopTransaction names the running transaction');
  await eventually(() => !charger.hasTransaction(1), 'the transaction to stop');
  // Finishing (the car still plugged in) takes no remote start (gateway/remote-start.ts): the next car comes.
  await charger.unplug(1);
  charger.plugIn(1);
  await eventually(() => gw.app.gateway.registry.get('CP1')?.connectors.get(1)?.status === 'Preparing', 'the next car plugged in');

  // The Home Assistant start button sends {}: mqtt.startIdTag is used.
  await ha.publish(`${CP1}/connectors/1/start/set`, '{}');
  await ha.waitFor(`${CP1}/connectors/1/start/result`, (p) => p !== ha.received.find((m) => m.topic.endsWith('start/result'))!.payload);
  t.equal(calls.filter((c) => c.action === 'RemoteStartTransaction').at(-1)?.payload.idTag, 'TAG1');

  await ha.publish(`${CP1}/available/set`, 'OFF');
  t.match(JSON.parse((await ha.waitFor(`${CP1}/available/result`)).payload), { result: 'accepted' });
  t.match(calls.find((c) => c.action === 'ChangeAvailability')?.payload, { connectorId: 0, type: 'Inoperative' });

  await ha.publish(`${CP1}/connectors/1/unlock/set`, '{}');
  t.match(JSON.parse((await ha.waitFor(`${CP1}/connectors/1/unlock/result`)).payload), { command: 'unlock', result: 'accepted' });
  t.match(calls.find((c) => c.action === 'UnlockConnector')?.payload, { connectorId: 1 });

  await ha.publish(`${CP1}/reset/set`, 'soft');
  t.match(JSON.parse((await ha.waitFor(`${CP1}/reset/result`)).payload), { result: 'accepted' });
  t.match(calls.find((c) => c.action === 'Reset')?.payload, { type: 'Soft' });

  // No site: section, so no balancer: a cap is the charger's own profile; a site limit needs one.
  await ha.publish(`${CP1}/connectors/1/maxcurrent/set`, '10');
  t.match(JSON.parse((await ha.waitFor(`${CP1}/connectors/1/maxcurrent/result`)).payload), { command: 'maxcurrent', result: 'accepted', reason: /capped at 10 A/ });
  await ha.publish('chargegate/site/limit/set', '{"amps":20,"duration":3600}');
  t.match(JSON.parse((await ha.waitFor('chargegate/site/limit/result')).payload), { result: 'rejected', reason: /a site limit needs load balancing/ });

  // A charger that is configured but not connected.
  await ha.publish('chargegate/chargers/CP2/connectors/1/unlock/set', '{}');
  t.match(JSON.parse((await ha.waitFor('chargegate/chargers/CP2/connectors/1/unlock/result')).payload), { result: 'rejected', reason: /not connected/ });
  await ha.publish('chargegate/chargers/NOPE/connectors/1/unlock/set', '{}');
  t.match(JSON.parse((await ha.waitFor('chargegate/chargers/NOPE/connectors/1/unlock/result')).payload), { result: 'rejected', reason: 'unknown charger "NOPE"' });
});

t.test('a garbage payload is rejected and nothing else changes', async (t) => {
  const { url, calls, gw } = await site(t);
  const ha = await connectClient(t, url, COMMANDER);
  await ha.subscribe(`${CP1}/#`);
  await ha.waitFor(`${CP1}/connectors/1/status`);
  // The charger's boot traffic may still be on its way (throttled topics publish up to a second
  // late): wait until the gateway holds nothing back, then for the answer to a probe, which the
  // broker delivers after everything the gateway published before it.
  await eventually(() => gw.app.mqtt!.publisher.idle(), 'nothing held back by the throttle');
  await ha.publish(`${CP1}/connectors/1/probe/set`, '{"id":"probe"}');
  await ha.waitFor(`${CP1}/connectors/1/probe/result`);
  const before = ha.received.length;
  const callsBefore = calls.length;

  for (const [topic, payload] of [
    [`${CP1}/connectors/1/start/set`, '\u0000\u00ff not json {'],
    [`${CP1}/connectors/1/maxcurrent/set`, '"sixteen"'],
    [`${CP1}/available/set`, 'maybe'],
    [`${CP1}/connectors/1/start/set`, '{"idTag":"TAG1","extra":1}'],
    [`${CP1}/connectors/1/explode/set`, '{}'],
  ] as const) {
    await ha.publish(topic, payload);
  }
  const results = await Promise.all([
    ha.waitFor(`${CP1}/connectors/1/start/result`, (p) => p.includes('expected a JSON object')),
    ha.waitFor(`${CP1}/connectors/1/maxcurrent/result`),
    ha.waitFor(`${CP1}/available/result`),
    ha.waitFor(`${CP1}/connectors/1/start/result`, (p) => p.includes('unknown key')),
    ha.waitFor(`${CP1}/connectors/1/explode/result`),
  ]);
  for (const r of results) t.match(JSON.parse(r.payload), { result: 'rejected' }, r.topic);
  t.match(JSON.parse(results[0].payload).reason, /^malformed payload: /);
  t.match(JSON.parse(results[4].payload).reason, /unknown connector command "explode"/);
  t.equal(calls.length, callsBefore, 'nothing reached the charger');
  const stateChanges = ha.received.slice(before).filter((m) => !m.topic.endsWith('/set') && !m.topic.endsWith('/result'));
  t.strictSame(stateChanges, [], 'no state topic changed');
  t.equal(ha.client.connected, true, 'the client that sent garbage stays connected');
});

t.test('a retained command is ignored and not kept by the broker', async (t) => {
  const { url, calls } = await site(t);
  const ha = await connectClient(t, url, COMMANDER);
  await ha.subscribe(`${CP1}/connectors/1/unlock/result`);
  await ha.publish(`${CP1}/connectors/1/unlock/set`, '{}', { retain: true });
  t.match(JSON.parse((await ha.waitFor(`${CP1}/connectors/1/unlock/result`)).payload), { result: 'rejected', reason: /retained command ignored/ });
  t.notOk(calls.some((c) => c.action === 'UnlockConnector'));
  const later = await connectClient(t, url, COMMANDER); // read users may not subscribe to command topics
  await later.subscribe(`${CP1}/connectors/1/unlock/set`);
  await later.subscribe(`${CP1}/connected`);
  await later.waitFor(`${CP1}/connected`);
  t.equal(later.latest(`${CP1}/connectors/1/unlock/set`), undefined, 'a new subscriber does not get the command');
});

t.test('who may write what on the embedded broker', async (t) => {
  const { url, calls } = await site(t, { anonymous: 'read' });
  const v = await viewer(t, url);
  const power = `${CP1}/connectors/1/status`;
  const real = (await v.waitFor(power)).payload;

  const ha = await connectClient(t, url, COMMANDER);
  const closed = new Promise<void>((resolve) => ha.client.once('close', () => resolve()));
  ha.client.publish(power, 'Hacked', { qos: 1, retain: true });
  await closed;
  t.pass('a write outside the command topics closes the connection (MQTT-3.3.5-2)');
  const fresh = await viewer(t, url);
  t.equal((await fresh.waitFor(power)).payload, real, 'the retained state is unchanged');
  t.notOk(v.received.some((m) => m.payload === 'Hacked'), 'no subscriber saw the forged value');

  // Read users and anonymous clients: their commands are acknowledged and dropped, neither
  // delivered nor answered (issue 13; test/integration/mqtt-abuse.test.ts has the details).
  const reader = await connectClient(t, url, VIEWER);
  await reader.subscribe(`${CP1}/connectors/1/unlock/result`);
  await reader.publish(`${CP1}/connectors/1/unlock/set`, '{"id":6}');

  const anonymous = await connectClient(t, url);
  await anonymous.subscribe([`${CP1}/connectors/1/unlock/result`, `${CP1}/connected`]);
  t.equal((await anonymous.waitFor(`${CP1}/connected`)).payload, 'online', 'anonymous clients may read');
  await anonymous.publish(`${CP1}/connectors/1/unlock/set`, '{"id":7}');
  const commander = await connectClient(t, url, COMMANDER);
  await commander.publish(`${CP1}/connectors/1/unlock/set`, '{"id":8}');
  await reader.waitFor(`${CP1}/connectors/1/unlock/result`, (p) => p.includes('"id":8'));
  t.notOk([...reader.received, ...anonymous.received].some((m) => /"id":[67]/.test(m.payload)), 'refused commands get no result');
  t.ok(reader.client.connected && anonymous.client.connected, 'and their senders stay connected');
  t.equal(calls.filter((c) => c.action === 'UnlockConnector').length, 1, 'only the command user\'s command reached the charger');

  await t.rejects(connectClient(t, url, { username: VIEWER.username, password: 'wrong-password' }), 'a wrong password is refused');
  await t.rejects(connectClient(t, url, { username: 'nobody', password: 'whatever-1' }), 'an unknown user is refused');
});

t.test('anonymous clients are refused when mqtt.anonymous is none', async (t) => {
  const gw = await startGateway(t, { patch: (c) => void (c.mqtt = { port: 0, anonymous: 'none', homeAssistant: { format: 'entity' } }) });
  await t.rejects(connectClient(t, `mqtt://127.0.0.1:${gw.app.mqtt!.ports!.mqtt}`));
});
