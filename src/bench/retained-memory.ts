/**
 * `npm run build && node --expose-gc dist/bench/retained-memory.js`: what the embedded broker's
 * retained store costs per charger (issue #19). Publishes RETAINED_CHARGERS × 60 retained
 * topics (33 discovery-sized configs of ~600 bytes and 27 short state values per charger, as
 * a site's start-up does) into a real broker, lets them reach its store, then RETAINED_ROUNDS
 * (default 5) meter rounds republish each charger's state values among transient Buffers, as a
 * running site does; and prints the process's memory after a full GC: RSS, heap used, and
 * `arrayBuffers` (the Buffers' memory), and the heap used above the baseline per retained topic.
 *
 * What it measures is the store's structure: the topic names, the short state values, the
 * entries and records. Every config is the same string here (the broker keeps payloads as
 * given, no copy), so the configs' bytes, about 20 MB at a real site, are not in it.
 */
import { connectAsync } from 'mqtt';
import { pino } from 'pino';
import { createEmbeddedBroker } from '../mqtt/broker.js';
import { Topics } from '../mqtt/topics.js';

const CHARGERS = Number(process.env.RETAINED_CHARGERS ?? 1000);
const CONFIGS = 33;
const STATES = 27;
const ROUNDS = Number(process.env.RETAINED_ROUNDS ?? 5);

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const broker = createEmbeddedBroker({
    options: { host: '127.0.0.1', port: 0, users: [], anonymous: 'read', discoveryPrefix: 'homeassistant', homeAssistantUser: undefined, maxPacketSize: 1 << 20, maxAuthFailures: 10 } as never,
    topics: new Topics('chargegate'),
    logger: pino({ level: 'silent' }),
  });
  await broker.start();
  // One subscriber to everything, as the scale bench and Home Assistant have: every publish
  // is also written to its socket (packets cut from the same pool as the payloads).
  let received = 0;
  const subscriber = await connectAsync(`mqtt://127.0.0.1:${broker.ports.mqtt}`, { reconnectPeriod: 0 });
  subscriber.on('message', () => void received++);
  await subscriber.subscribeAsync('#', { qos: 1 });
  gc();
  const before = process.memoryUsage();
  const config = JSON.stringify({ name: 'x'.repeat(40), unique_id: 'y'.repeat(40), state_topic: 'z'.repeat(80), device: { identifiers: ['i'.repeat(30)], name: 'n'.repeat(30), manufacturer: 'm'.repeat(30), model: 'o'.repeat(30) }, extra: 'e'.repeat(280) });
  let published = 0;
  const transient: Buffer[] = [];
  for (let c = 0; c < CHARGERS; c++) {
    for (let i = 0; i < CONFIGS; i++) broker.publish(`homeassistant/sensor/CP${c}/e${i}/config`, config, { qos: 1, retain: true });
    for (let i = 0; i < STATES; i++) broker.publish(`chargegate/chargers/CP${c}/s${i}`, String(1000 + c * i), { qos: 0, retain: true });
    published += CONFIGS + STATES;
    // Short, ordinary strings between publishes, as a gateway's other work allocates.
    if (c % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  // Meter rounds: each charger's state values change and are published again, among the
  // transient Buffers a gateway makes all the time (events, OCPP frames), as in a running site.
  for (let round = 1; round <= ROUNDS; round++) {
    for (let c = 0; c < CHARGERS; c++) {
      for (let i = 0; i < STATES; i++) broker.publish(`chargegate/chargers/CP${c}/s${i}`, String(round * 7919 + c * i), { qos: 0, retain: true });
      broker.publish(`chargegate/chargers/CP${c}/event`, JSON.stringify({ event: 'MeterValues', round, charger: c }), { qos: 1, retain: false });
      transient.push(Buffer.from(`[2,"${round}-${c}","MeterValues",{"connectorId":1,"meterValue":[]}]`));
      if (transient.length > 200) transient.shift();
      published += STATES + 1;
      if (c % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
  // Publishes leave in order: the last words are stored once every publish before them is.
  await broker.stop({ topic: 'chargegate/status', payload: 'offline' });
  subscriber.end(true);
  gc();
  const after = process.memoryUsage();
  const mib = (n: number) => (n / 1048576).toFixed(1);
  // Each charger's configs and state values, and the last words (chargegate/status).
  const retainedTopics = CHARGERS * (CONFIGS + STATES) + 1;
  // A report on stdout, as the other bench parts print theirs (not log lines).
  process.stdout.write(
    `${CHARGERS} chargers, ${retainedTopics} retained topics, ${published} publishes\n` +
      `  received by the # subscriber: ${received}; heapTotal ${mib(after.heapTotal)} MiB, external ${mib(after.external)} MiB\n` +
      `  rss ${mib(before.rss)} -> ${mib(after.rss)} MiB, heapUsed ${mib(before.heapUsed)} -> ${mib(after.heapUsed)} MiB, arrayBuffers ${mib(before.arrayBuffers)} -> ${mib(after.arrayBuffers)} MiB\n` +
      `  heap used above the baseline per retained topic: ${Math.round((after.heapUsed - before.heapUsed) / retainedTopics)} bytes\n`,
  );
  // Keeps the broker (and its retained store) alive until measured.
  void broker;
}

main().catch((err: unknown) => {
  process.stderr.write(`retained-memory bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
