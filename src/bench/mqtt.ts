/**
 * The MQTT part of `npm run bench`. Prints figures, asserts nothing.
 *
 * 1. Publishes/s: chargegate's mirror (MeterValues events → topics → embedded broker → one
 *    subscriber) next to a bare aedes publish loop to one subscriber, in this process, same run.
 * 2. Latency and backlog: chargegate in its own process, N chargers (default 1,000) on raw
 *    WebSockets each sending MeterValues every 10 s, one MQTT subscriber here: time from the
 *    MeterValues leaving the charger to its energy value arriving over MQTT (the whole path:
 *    OCPP parse and validation, SQLite fsync, the mirror, the broker, TCP).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { ConfigSchema } from '../config/schema.js';
import { silentLogger } from '../log.js';
import { startBareAedes } from '../mqtt/broker.js';
import type { MeterSample } from '../store/ports.js';
import { closeAll, connectAll } from './load.js';
import { percentile } from './stats.js';

const progress = (line: string) => process.stderr.write(`· ${line}\n`);

export interface MqttBenchOptions {
  /** Chargers of the latency run (BENCH_MQTT_CHARGERS, default 1000). */
  chargers: number;
  /** Seconds of the latency run (BENCH_MQTT_SECONDS, default 30: three meter intervals). */
  seconds: number;
  meterIntervalS: number;
  /** Messages of each publishes/s run. */
  messages: number;
}

export async function benchMqtt(options: MqttBenchOptions): Promise<string> {
  const raw = await rawAedesRate(options.messages);
  progress(`bare aedes publish loop: ${Math.round(raw)} publishes/s`);
  const mirror = await mirrorRate(options.messages);
  progress(`chargegate mirror: ${Math.round(mirror.perSecond)} publishes/s`);
  const latency = await meterToMqttLatency(options);
  return [
    `\nMQTT (embedded broker, QoS 0 telemetry, one subscriber)\n`,
    `publishes/s   bare aedes publish loop ${fmt(raw)}   chargegate mirror (MeterValues events → topics) ${fmt(mirror.perSecond)}   ratio ${((mirror.perSecond / raw) * 100).toFixed(0)} %`,
    `meter.values event → MQTT received (the mirror and the broker alone, 1,000 events 5 ms apart): p50 ${mirror.p50.toFixed(2)} ms, p99 ${mirror.p99.toFixed(2)} ms`,
    `MeterValues sent → MQTT received, ${latency.chargers} chargers every ${options.meterIntervalS} s for ${options.seconds} s: ` +
      `${latency.sent} sent, ${latency.received} received, backlog at the end ${latency.sent - latency.received}, ` +
      `p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms, max ${latency.max.toFixed(2)} ms ` +
      `(first third p99 ${latency.p99First.toFixed(2)} ms, last third p99 ${latency.p99Last.toFixed(2)} ms)`,
    '',
  ].join('\n');
}

const fmt = (n: number) => String(Math.round(n)).padStart(7);

async function subscriber(port: number, filter: string): Promise<MqttClient> {
  const client = connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  await client.subscribeAsync(filter, { qos: 0 });
  return client;
}

/** Publishes `count` messages as fast as aedes takes them; rate = delivered to the subscriber per second. */
async function rawAedesRate(count: number): Promise<number> {
  const broker = await startBareAedes();
  const client = await subscriber(broker.port, 'raw/#');
  let received = 0;
  const done = new Promise<void>((resolve) => client.on('message', () => ++received === count && resolve()));
  const payload = Buffer.from('11040');
  const started = performance.now();
  let i = 0;
  // Chunks of 100 per turn of the event loop, as a busy publisher would (larger chunks measured slower here).
  const pump = () => {
    for (const end = Math.min(count, i + 100); i < end; i++) broker.publish(`raw/chargers/CP${i % 1000}/connectors/1/power`, payload, () => undefined);
    if (i < count) setImmediate(pump);
  };
  pump();
  await done;
  const seconds = (performance.now() - started) / 1000;
  await client.endAsync(true);
  await broker.close();
  return count / seconds;
}

/** MeterValues events for 1,000 chargers into a real app's mirror; rate = MQTT messages delivered per second. */
async function mirrorRate(count: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-mqtt-'));
  const config = parseConfig(
    // The per-charger limits (ocpp.callRate, maxCallsInFlight) are lifted: this measures the path itself.
    stringify({ ocpp: { host: '127.0.0.1', port: 0, maxCallsInFlight: 100, callRate: 10000, callBurst: 100000 }, chargers: { allowUnknown: true }, authorization: { mode: 'accept-all' }, storage: { dir }, log: { level: 'silent' }, mqtt: { port: 0, throttle: 0, homeAssistant: { discovery: false } }, ...otherServersOff() }),
    { env: {}, baseDir: dir },
  );
  const app = createApp(config, { logger: silentLogger() });
  await app.start();
  const client = await subscriber(app.mqtt!.ports!.mqtt, 'chargegate/chargers/#');
  let received = 0;
  client.on('message', () => received++);
  const samplesPerEvent = 8; // energy, power, 3 currents, 3 voltages
  const emitRound = (round: number, chargers: number) => {
    for (let c = 0; c < chargers; c++) app.events.emit('meter.values', { chargerId: `CP${c}`, connectorId: 1, samples: samples(`CP${c}`, round) });
  };
  emitRound(0, 1000); // warm-up: first sight of each charger
  await quiet(() => received);
  received = 0;
  const events = Math.ceil(count / samplesPerEvent);
  const started = performance.now();
  for (let round = 1; round * 1000 <= events; round++) {
    emitRound(round, 1000);
    await new Promise((r) => setImmediate(r));
  }
  await quiet(() => received);
  const seconds = (performance.now() - started - QUIET_MS) / 1000;
  const perSecond = received / seconds;

  // Latency of the mirror alone: a 'meter.values' event (what the gateway emits once a
  // MeterValues is stored) to its energy topic at the subscriber, one event every 5 ms.
  const emittedAt = new Map<string, number>();
  const latencies: number[] = [];
  client.on('message', (topic, payload) => {
    const t0 = emittedAt.get(`${topic}=${payload.toString()}`);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
  for (let i = 0; i < 1000; i++) {
    const round = 10_000 + i;
    const chargerId = `CP${i}`;
    emittedAt.set(`chargegate/chargers/${chargerId}/connectors/1/energy=${1000 + round * 31}`, performance.now());
    app.events.emit('meter.values', { chargerId, connectorId: 1, samples: samples(chargerId, round) });
    await new Promise((r) => setTimeout(r, 5));
  }
  await quiet(() => latencies.length);
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
  return { perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const QUIET_MS = 300;

/** Resolves once `value()` has not changed for QUIET_MS. */
async function quiet(value: () => number): Promise<void> {
  let last = -1;
  while (value() !== last) {
    last = value();
    await new Promise((r) => setTimeout(r, QUIET_MS));
  }
}

function samples(chargerId: string, round: number): MeterSample[] {
  const base = { chargerId, connectorId: 1, timestamp: new Date().toISOString() };
  const phases = ['L1', 'L2', 'L3'];
  return [
    { ...base, measurand: 'Energy.Active.Import.Register', value: String(1000 + round * 31), unit: 'Wh' },
    { ...base, measurand: 'Power.Active.Import', value: String(11000 + (round % 50)), unit: 'W' },
    ...phases.map((phase) => ({ ...base, measurand: 'Current.Import', phase, value: (16 - (round % 10) / 10).toFixed(1), unit: 'A' })),
    ...phases.map((phase) => ({ ...base, measurand: 'Voltage', phase: `${phase}-N`, value: String(225 + (round % 10)), unit: 'V' })),
  ];
}

interface LatencyResult {
  chargers: number;
  sent: number;
  received: number;
  p50: number;
  p99: number;
  max: number;
  p99First: number;
  p99Last: number;
}

async function meterToMqttLatency(options: MqttBenchOptions): Promise<LatencyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-mqtt-'));
  const gw = await startGatewayProcess(dir);
  try {
    progress(`MQTT latency: connecting ${options.chargers} chargers…`);
    const sockets = await connectAll(gw.ocppUrl, options.chargers, 'MQ');
    for (const [i, ws] of sockets.entries()) ws.send(JSON.stringify([2, `boot-${i}`, 'BootNotification', { chargePointVendor: 'bench', chargePointModel: 'mqtt' }]));
    const client = await subscriber(gw.mqttPort, 'chargegate/chargers/+/connectors/1/energy');
    const sentAt = new Map<string, number>();
    const latencies: { at: number; ms: number }[] = [];
    client.on('message', (topic, payload) => {
      const key = `${topic.split('/')[2]}:${payload.toString()}`;
      const t0 = sentAt.get(key);
      if (t0 === undefined) return;
      sentAt.delete(key);
      latencies.push({ at: t0, ms: performance.now() - t0 });
    });
    // Warm-up: every boot answered and every charger's discovery published (20 retained configs each).
    const everything = await subscriber(gw.mqttPort, '#');
    let seen = 0;
    everything.on('message', () => seen++);
    await quiet(() => seen);
    await everything.endAsync(true);
    progress(`MQTT latency: ${options.chargers} chargers, MeterValues every ${options.meterIntervalS} s, for ${options.seconds} s…`);
    const started = performance.now();
    const spacingMs = (options.meterIntervalS * 1000) / options.chargers;
    let sent = 0;
    let tick = 0;
    // Spread evenly: charger i sends at i × spacing within each interval, as real meters drift apart.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.floor((performance.now() - started) / spacingMs);
        for (; tick < due; tick++) {
          const i = tick % options.chargers;
          const round = Math.floor(tick / options.chargers);
          const energy = 1000 + round * 100 + (i % 7);
          const id = `MQ-${String(i + 1).padStart(4, '0')}`;
          sentAt.set(`${id}:${energy}`, performance.now());
          sockets[i]!.send(JSON.stringify([2, `mv-${tick}`, 'MeterValues', meterValues(energy)]));
          sent++;
        }
        if (performance.now() - started >= options.seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await new Promise((r) => setTimeout(r, 2000)); // what has not arrived 2 s after the last send is backlog
    await client.endAsync(true);
    closeAll(sockets);
    const all = latencies.map((l) => l.ms).sort((a, b) => a - b);
    const third = (options.seconds * 1000) / 3;
    const firstThird = latencies.filter((l) => l.at - started < third).map((l) => l.ms);
    const lastThird = latencies.filter((l) => l.at - started >= 2 * third).map((l) => l.ms);
    return { chargers: options.chargers, sent, received: all.length, p50: percentile(all, 50), p99: percentile(all, 99), max: all.at(-1) ?? NaN, p99First: percentile(firstThird, 99), p99Last: percentile(lastThird, 99) };
  } finally {
    gw.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

function meterValues(energyWh: number): unknown {
  return {
    connectorId: 1,
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [
          { value: String(energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '11040', measurand: 'Power.Active.Import', unit: 'W' },
          { value: '16.0', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
          { value: '230', measurand: 'Voltage', phase: 'L1-N', unit: 'V' },
        ],
      },
    ],
  };
}

async function startGatewayProcess(dir: string): Promise<{ ocppUrl: string; mqttPort: number; child: ChildProcess }> {
  const [ocppPort, mqttPort] = [await freePort(), await freePort()];
  const configFile = join(dir, 'bench-mqtt.yaml');
  writeFileSync(
    configFile,
    stringify({
      ocpp: { host: '127.0.0.1', port: ocppPort, pingInterval: 0, maxCallsInFlight: 100, callRate: 10000, callBurst: 100000 },
      chargers: { allowUnknown: true },
      authorization: { mode: 'accept-all' },
      storage: { dir: join(dir, 'data') },
      log: { level: 'warn' },
      mqtt: { host: '127.0.0.1', port: mqttPort },
      ...otherServersOff(),
    }),
  );
  const main = new URL('../main.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [main, 'start', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'] });
  const ocppUrl = `ws://127.0.0.1:${ocppPort}/ocpp`;
  for (let i = 0; i < 100; i++) {
    try {
      closeAll(await connectAll(ocppUrl, 1, 'PROBE'));
      return { ocppUrl, mqttPort, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill();
  throw new Error('chargegate did not start');
}

/** Servers other parts add (the HTTP API) on any free port, so that runs never collide on a fixed one. */
function otherServersOff(): Record<string, unknown> {
  return 'http' in ConfigSchema.properties ? { http: { port: 0 } } : {};
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
