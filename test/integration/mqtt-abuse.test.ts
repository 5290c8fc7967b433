/**
 * No MQTT client can crash or starve the gateway (issue 13), tried the way an attacker on the
 * site's LAN would: a real chargegate with its embedded broker on 127.0.0.1 (port 0), and
 * MQTT.js clients or raw sockets. Each test names the finding it guards against.
 */
import { once } from 'node:events';
import { connect as connectTcp, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { silentLogger, type Logger } from '../../src/log.js';
import { SimulatedCharger } from '../../src/sim/charger.js';
import { PASSWORDS, capturingLogger, eventually, startGateway } from '../helpers/gateway.js';
import { api } from '../helpers/http.js';
import { connectClient, type TestClient } from '../helpers/mqtt.js';

const COMMANDER = { username: 'homeassistant', password: 'ha-secret-pw1' };
const VIEWER = { username: 'viewer', password: 'viewer-secret-pw' };
const CP1 = 'chargegate/chargers/CP1';
const CONFIG_TOPIC = 'homeassistant/sensor/chargegate_CP1/c1_power/config';

async function site(t: Test, mqtt: Record<string, unknown> = {}, logger?: Logger) {
  const gw = await startGateway(t, {
    ...(logger ? { logger } : {}),
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
      // Four chargers, as on the site where the crash was found (67 discovery configs).
      c.chargers.list.push({ id: 'CP3', password: 'cp3-secret-key-03', maxCurrent: 32, phases: 3, connectors: 2 }, { id: 'CP4', password: 'cp4-secret-key-04', maxCurrent: 32, phases: 3 });
    },
  });
  const port = gw.app.mqtt!.ports!.mqtt;
  return { gw, port, url: `mqtt://127.0.0.1:${port}` };
}

/** The gateway still does its job: HTTP answers, a charger boots over OCPP, MQTT takes clients. */
async function stillServing(t: Test, gw: Awaited<ReturnType<typeof site>>['gw'], url: string): Promise<void> {
  t.equal((await api(gw.httpUrl, '/api/chargers')).status, 200, 'HTTP answers');
  const charger = new SimulatedCharger({ url: gw.url, identity: 'CP1', password: PASSWORDS.CP1, connectors: 1, phases: 3, logger: silentLogger(), backoff: { initialMs: 50, maxMs: 200 } });
  t.teardown(() => charger.stop());
  const booted = once(charger, 'booted');
  charger.start();
  await booted;
  t.pass('a charger boots over OCPP');
  const late = await connectClient(t, url, VIEWER);
  await late.subscribe(`${CP1}/connected`);
  await late.waitFor(`${CP1}/connected`, (p) => p === 'online');
  t.pass('MQTT takes new clients and mirrors the charger');
}

/** Publishes `count` messages as fast as the client can write them (MQTT.js batches them on the socket). */
async function flood(client: TestClient, topic: string, payload: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) client.client.publish(topic, payload, { qos: 0 });
  // A QoS 1 message after them: its PUBACK says the broker has read them all.
  await within(client.publish(topic, payload, { qos: 1 }), 15_000, 'the broker reads the flood');
}

t.test('Critical: 2,000 birth messages from read clients, a homeassistant/# subscriber: the gateway keeps serving', async (t) => {
  const { gw, url } = await site(t);
  const subscriber = await connectClient(t, url);
  await subscriber.subscribe(['homeassistant/#']);
  await subscriber.waitFor(CONFIG_TOPIC);
  // As reported: 2,000 26-byte publishes, from an anonymous client and from a read user.
  const attackers = [await connectClient(t, url), await connectClient(t, url, VIEWER)];
  await Promise.all(attackers.map((a) => flood(a, 'homeassistant/status', 'online', 2_000)));
  t.equal(subscriber.received.filter((m) => m.topic === 'homeassistant/status').length, 0, 'their birth messages reach no subscriber');
  // The crash came when the flooded subscriber left: the queue ran down in one go.
  await subscriber.end();
  await Promise.all(attackers.map((a) => a.end()));
  // Then one birth message from a command user: had any of the 4,000 counted, they would have
  // joined (or made) a republish before it; its republish answers it alone (event order, no sleep).
  const commander = await connectClient(t, url, COMMANDER);
  await commander.publish('homeassistant/status', 'online', { qos: 1 });
  await eventually(() => gw.app.mqtt!.discoveryRepublished > 0, 'the command user\'s republish', 5_000);
  t.equal(gw.app.mqtt!.discoveryRepublished, 1, 'one republish in all');
  t.equal(gw.app.mqtt!.discoveryBirthsInLastRepublish, 1, 'for the command user\'s one birth message: only command users (and mqtt.homeAssistant.user) may ask for one');
  await stillServing(t, gw, url);
});

t.test('the Home Assistant user floods its birth message to a homeassistant/# subscriber that then leaves: one republish, the gateway keeps serving', async (t) => {
  const { gw, url } = await site(t, { homeAssistant: { format: 'entity', user: VIEWER.username } });
  const subscriber = await connectClient(t, url, VIEWER);
  await subscriber.subscribe(['homeassistant/#']);
  await subscriber.waitFor(CONFIG_TOPIC);
  // Accepted and delivered, each one to the subscriber: the broker's router queues them.
  const floods = [await connectClient(t, url, VIEWER), await connectClient(t, url, VIEWER), await connectClient(t, url, COMMANDER), await connectClient(t, url, COMMANDER)];
  await Promise.all(floods.map((a) => flood(a, 'homeassistant/status', 'online', 5_000)));
  // The subscriber leaves with the queue full: what is left is delivered to nobody.
  await subscriber.end();
  await Promise.all(floods.map((a) => a.end()));
  await eventually(() => gw.app.mqtt!.discoveryRepublished === 1, 'one republish', 5_000);
  await stillServing(t, gw, url);
  t.equal(gw.app.mqtt!.discoveryRepublished, 1, '20,000 birth messages, one republish');
});

t.test('birth messages from a command user: coalesced into one republish, then at most one per 30 s', async (t) => {
  const { gw, url } = await site(t);
  const watcher = await connectClient(t, url);
  await watcher.subscribe(CONFIG_TOPIC);
  await watcher.waitFor(CONFIG_TOPIC);
  const ha = await connectClient(t, url, COMMANDER);
  await flood(ha, 'homeassistant/status', 'online', 2_000);
  await eventually(() => watcher.received.filter((m) => m.topic === CONFIG_TOPIC).length === 2, 'the configs published again', 5_000);
  // All 2,001 when the flood arrives within the 1 s coalescing delay; on a busy machine the rest
  // wait for the next interval: either way a burst joins one republish.
  t.ok(gw.app.mqtt!.discoveryBirthsInLastRepublish > 1, `one republish answered a burst (${gw.app.mqtt!.discoveryBirthsInLastRepublish} birth messages)`);
  await flood(ha, 'homeassistant/status', 'online', 100);
  // These 100 fall inside the 30 s interval: planned, not done. The last one is acknowledged,
  // so the broker has handed all 100 on: the count is read after them, not after a sleep.
  t.equal(gw.app.mqtt!.discoveryRepublished, 1, 'inside the interval: still one republish');
  t.equal(watcher.received.filter((m) => m.topic === CONFIG_TOPIC).length, 2, 'the retained config plus one republish for 2,100 birth messages');
  t.equal(ha.client.connected, true);
});

t.test('mqtt.homeAssistant.user: a read user whose birth message counts; nobody else\'s does', async (t) => {
  const { gw, url } = await site(t, { homeAssistant: { format: 'entity', user: VIEWER.username } });
  const watcher = await connectClient(t, url, COMMANDER);
  await watcher.subscribe([CONFIG_TOPIC, 'homeassistant/status']);
  await watcher.waitFor(CONFIG_TOPIC);
  const anonymous = await connectClient(t, url);
  await anonymous.publish('homeassistant/status', 'online');
  t.equal(anonymous.client.connected, true, 'its sender keeps its connection');
  const ha = await connectClient(t, url, VIEWER);
  await ha.publish('homeassistant/status', 'online');
  await watcher.waitFor('homeassistant/status', (p) => p === 'online');
  await eventually(() => watcher.received.filter((m) => m.topic === CONFIG_TOPIC).length === 2, 'the configs published again');
  t.equal(gw.app.mqtt!.discoveryBirthsInLastRepublish, 1, 'the republish answers Home Assistant\'s birth message alone: the anonymous one was dropped');
  t.equal(watcher.received.filter((m) => m.topic === 'homeassistant/status').length, 1, 'only Home Assistant\'s own birth message was delivered');
});

/** A raw TCP connection to the broker; resolves `closed` when the broker closes it. */
async function rawSocket(t: Test, port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  t.teardown(() => void socket.destroy());
  await once(socket, 'connect');
  const start = performance.now();
  // Not events.once: it rejects on 'error', and the broker closing with data unread is a reset.
  return { socket, closed: new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - start))) };
}

function closeOf(client: TestClient): Promise<void> {
  return new Promise((resolve) => client.client.once('close', () => resolve()));
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const late = new Promise<T>((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms).unref();
  });
  return Promise.race([promise, late]);
}

t.test('High: a CONNECT declaring 268 MB is cut off at once, before any credentials', async (t) => {
  const { gw, port, url } = await site(t);
  const sockets = await Promise.all([rawSocket(t, port), rawSocket(t, port), rawSocket(t, port)]);
  for (const { socket } of sockets) {
    // CONNECT, Remaining Length 268,435,455 (FF FF FF 7F) [MQTT-2.2.3], then the start of a body.
    socket.write(Buffer.concat([Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), Buffer.alloc(64 * 1024, 0x61)]));
  }
  // Closed on the header, before the body is read: the user-visible fact (memory is not
  // measured here, the test's own clients share the process).
  for (const { closed } of sockets) t.ok((await within(closed, 2_000, 'the broker closes the socket')) < 2_000, 'closed');
  // A CONNECT under mqtt.maxPacketSize but over 16 KiB: no client needs one, and a crowd of
  // unauthenticated sockets must not each hold 256 KiB.
  const connect20k = await rawSocket(t, port);
  connect20k.socket.write(Buffer.from([0x10, 0xa0, 0xa0, 0x01])); // Remaining Length 20,512
  await within(connect20k.closed, 2_000, 'a 20 KiB CONNECT is cut off');
  t.pass('a CONNECT over 16 KiB is cut off');
  await stillServing(t, gw, url);
});

t.test('after CONNECT the same limit: a larger packet closes the connection, a smaller one is read', async (t) => {
  const { port, url } = await site(t, { maxPacketSize: 4096 });
  const ha = await connectClient(t, url, COMMANDER);
  await ha.subscribe(`${CP1}/connectors/1/start/result`);
  await ha.publish(`${CP1}/connectors/1/start/set`, JSON.stringify({ idTag: 'TAG1', pad: 'x'.repeat(3_900) }));
  t.match(JSON.parse((await ha.waitFor(`${CP1}/connectors/1/start/result`)).payload), { result: 'rejected', reason: /malformed payload/ }, 'a packet under the limit is read and answered');
  const closed = closeOf(ha);
  ha.client.publish(`${CP1}/connectors/1/start/set`, 'x'.repeat(5_000), { qos: 1 });
  await within(closed, 2_000, 'the broker closes the connection');
  t.pass('a packet over mqtt.maxPacketSize closes the connection');
  // A header that declares 1 MB and never sends it: closed at once, not after the keepalive.
  const raw = await connectClient(t, url, COMMANDER);
  const rawClosed = closeOf(raw);
  raw.client.stream.write(Buffer.from([0x30, 0x80, 0x80, 0x40]));
  await within(rawClosed, 2_000, 'a declared 1 MB PUBLISH is cut off');
  t.pass('a header alone is enough to close');
  // Before CONNECT too: a CONNECT declaring 4,112 bytes.
  const unauthenticated = await rawSocket(t, port);
  unauthenticated.socket.write(Buffer.from([0x10, 0x90, 0x20]));
  await within(unauthenticated.closed, 2_000, 'a 4 KiB CONNECT is over a 4,096-byte limit');
});

t.test('the limit holds over WebSocket too', async (t) => {
  const { gw } = await site(t, { maxPacketSize: 4096, websocket: { port: 0 } });
  const ws = await connectClient(t, `ws://127.0.0.1:${gw.app.mqtt!.ports!.websocket}/mqtt`, COMMANDER);
  const closed = closeOf(ws);
  ws.client.publish(`${CP1}/connectors/1/start/set`, 'x'.repeat(10_000), { qos: 1 });
  await within(closed, 2_000, 'the broker closes the WebSocket connection');
  t.pass('closed');
});

t.test('read users and anonymous clients: no command topics, no $SYS, no commands', async (t) => {
  const logs = capturingLogger('warn');
  const { url } = await site(t, {}, logs.logger);
  const ha = await connectClient(t, url, COMMANDER);
  await ha.subscribe([`${CP1}/connectors/1/unlock/set`, `${CP1}/connectors/1/unlock/result`]);
  for (const [who, options] of [
    ['a read user', VIEWER],
    ['an anonymous client', {}],
  ] as const) {
    const reader = await connectClient(t, url, options);
    // MQTT.js reports a SUBACK with a Failure code (0x80, 3.1.1 §3.9.3) as an error carrying the packet.
    const suback = await reader.client.subscribeAsync([`${CP1}/connectors/1/start/set`, 'chargegate/chargers/+/connectors/+/+/set', '$SYS/#', 'chargegate/#'], { qos: 1 }).then(
      () => undefined,
      (err: { packet?: { granted?: number[] } }) => err.packet,
    );
    t.strictSame(suback?.granted, [128, 128, 128, 1], `${who}: command topics and $SYS refused (0x80), the rest granted`);

    // A command user's command: the reader sees its result, never the command (its idTag).
    await ha.publish(`${CP1}/connectors/1/unlock/set`, '{"id":"from-ha"}');
    await reader.waitFor(`${CP1}/connectors/1/unlock/result`, (p) => p.includes('from-ha'));
    t.notOk(reader.received.some((m) => m.topic.endsWith('/set')), `${who} sees no command payload`);

    // Its own commands: acknowledged, dropped, never delivered nor answered; it stays connected.
    await reader.publish(`${CP1}/connectors/1/unlock/set`, '{"id":"from-reader"}');
    await reader.publish(`${CP1}/connectors/1/unlock/set`, '{"id":"from-reader"}');
    await ha.publish(`${CP1}/connectors/1/unlock/set`, '{"id":"marker"}');
    await ha.waitFor(`${CP1}/connectors/1/unlock/result`, (p) => p.includes('marker'));
    t.notOk(ha.received.some((m) => m.payload.includes('from-reader')), `${who}'s command reached no subscriber and got no result`);
    t.equal(reader.client.connected, true, `${who} keeps its connection`);
    await reader.end();
  }
  const refusals = logs.entries().filter((e) => e.msg?.startsWith('MQTT publish refused'));
  t.equal(refusals.filter((e) => e.username === VIEWER.username && e.kind === 'command').length, 1, 'the read user\'s two refused commands: logged once');
  t.equal(refusals.filter((e) => e.username === undefined && e.kind === 'command').length, 1, 'the anonymous client\'s: once');
  const subscriptions = logs.entries().filter((e) => e.msg?.startsWith('MQTT subscription refused'));
  t.equal(subscriptions.filter((e) => e.username === VIEWER.username && e.kind === 'command-topics').length, 1, 'two refused command filters: logged once per client and kind');
  t.equal(subscriptions.filter((e) => e.username === VIEWER.username && e.kind === 'system-topics').length, 1);
});
