/**
 * The scale part of `npm run bench` (#19 item 3; BENCH_PARTS=scale): what a site of N chargers
 * costs the gateway at rest, for N = 100, 1,000, 5,000 (BENCH_SCALE_CHARGERS).
 *
 * Each charger is a light raw-ws OCPP 1.6 client (sim-charger.ts): it boots, starts one
 * transaction and sends a 3-phase MeterValues every 10 s, the chargers spread evenly over the
 * 10 s; the current it reports follows the limit the balancer gave it. The gateway runs with
 * everything a site has on: the embedded MQTT broker with one subscriber to `#`, the HTTP API
 * with one client reading /api/chargers every 5 s, and the balancer (a supply too small for
 * everyone's maximum, so it allocates). After all are charging and one meter round has gone by,
 * the gateway's CPU time is read over a steady window (BENCH_SCALE_SECONDS, default 30 s), then
 * its RSS. The gateway runs in its own process (childGateway), so the load generator's CPU is
 * not counted. Prints figures, asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { NEW_INSTALL_FORMAT, type DiscoveryFormat } from '../mqtt/discovery-format.js';
import type { GatewayStarter, GatewayUnderTest } from './gateway-under-test.js';
import { goalVerdict, growthTable, type ScaleFigures } from './growth.js';
import { closeChargers, meterValues3Phase, openChargers, startCharging, type SimCharger } from './sim-charger.js';
import { percentile } from './stats.js';

export interface ScaleOptions {
  counts: number[];
  /** The steady window the CPU is measured over, s. */
  steadySeconds: number;
  /** Each charger's MeterValues interval, s (10 on a site; the smoke test shortens it). */
  meterIntervalS: number;
  /** The HTTP client's interval between two reads of /api/chargers, s. */
  pollIntervalS: number;
  start: GatewayStarter;
  progress: (line: string) => void;
  /** mqtt.homeAssistant.format (BENCH_HA_FORMAT); not set: the product's choice for a new install (per device). */
  haFormat?: DiscoveryFormat;
}

export interface ScaleResult extends ScaleFigures {
  /** Chargers online and booted as /api/chargers showed them at the end of the window. */
  online: number;
  /** Connecting, booting and starting a transaction on every charger took this long, s. */
  startSeconds: number;
  /** After that, the MQTT mirror's backlog (discovery configs, state topics) took this long to reach the subscriber, s. */
  mirrorSeconds: number;
  /** Publishes the gateway made that had not reached the subscriber at the end of the window. */
  mirrorBehind: number;
  peakRssMiB: number;
  seconds: number;
  /** MeterValues answered in the window, and their answer times (ms). */
  meterValues: number;
  answerP50ms: number;
  answerP99ms: number;
  /** CALLERRORs the chargers got in all (none expected). */
  callErrors: number;
  /** SetChargingProfile CALLs the chargers received in the window. */
  profiles: number;
  /** MQTT messages the `#` subscriber received in the window. */
  mqttMessages: number;
  /** Reads of /api/chargers in the window: how many, p50 and slowest (ms), size of the last (bytes). */
  polls: number;
  pollP50ms: number;
  pollMaxMs: number;
  pollBytes: number;
  /** Reads that failed three times in a row (none expected). */
  pollFailures: number;
}

/** A site of `n` chargers with the balancer on: a supply of 12 A per charger (at most 4,000 A), under their 16 A draw. */
export function scaleConfig(n: number, dir: string, haFormat?: DiscoveryFormat): Record<string, unknown> {
  return {
    // pingInterval and the per-charger call limits keep their defaults: this is a site at rest.
    ocpp: {},
    chargers: { allowUnknown: true },
    authorization: { mode: 'accept-all' },
    storage: { dir: join(dir, 'data') },
    log: { level: 'warn' },
    mqtt: haFormat ? { homeAssistant: { format: haFormat } } : {},
    // One HTTP client: the per-address connection limit (http.maxConnectionsPerAddress) is not
    // reached; OCPP has no per-address limit, so N chargers from one address are accepted.
    http: {},
    site: { supply: { maxCurrent: Math.min(4000, 12 * n) } },
  };
}

export async function runScaleBench(o: ScaleOptions): Promise<ScaleResult[]> {
  const out: ScaleResult[] = [];
  for (const n of o.counts) out.push(await oneSite(n, o));
  return out;
}

async function oneSite(n: number, o: ScaleOptions): Promise<ScaleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-scale-'));
  const gw = await o.start(scaleConfig(n, dir, o.haFormat), dir);
  const stops: (() => void | Promise<unknown>)[] = [];
  try {
    const mqtt = connect(`mqtt://127.0.0.1:${gw.mqttPort}`, { protocolVersion: 4, reconnectPeriod: 0 });
    stops.push(() => mqtt.endAsync(true));
    await new Promise<void>((resolve, reject) => (mqtt.once('connect', () => resolve()), mqtt.once('error', reject)));
    await mqtt.subscribeAsync('#', { qos: 0 });
    let mqttMessages = 0;
    mqtt.on('message', () => mqttMessages++);

    o.progress(`scale: ${n} chargers connecting, booting, starting a transaction each…`);
    const startedAt = performance.now();
    const chargers = await openChargers(gw.ocppUrl, 'SCALE', n, 100);
    stops.push(() => closeChargers(chargers));
    const transactions: number[] = [];
    for (let i = 0; i < n; i += 100) transactions.push(...(await Promise.all(chargers.slice(i, i + 100).map((c) => startCharging(c)))));

    const startSeconds = (performance.now() - startedAt) / 1000;
    const poller = startPoller(gw, o.pollIntervalS * 1000);
    stops.push(() => poller.stop());
    const meters = startMeters(chargers, transactions, o.meterIntervalS * 1000);
    stops.push(() => meters.stop());
    o.progress(`scale: ${n} chargers charging after ${startSeconds.toFixed(1)} s; waiting for the MQTT mirror's backlog to reach the subscriber…`);
    const mirrorSeconds = await mirrorCaughtUp(gw, () => mqttMessages);

    // One whole meter round before the window: every charger has reported, the balancer has
    // its readings, the mirror has published every charger's topics once.
    o.progress(`scale: mirror caught up after ${mirrorSeconds.toFixed(1)} s; one meter round (${o.meterIntervalS} s), then ${o.steadySeconds} s measured…`);
    await sleep(o.meterIntervalS * 1000);
    const at0 = performance.now();
    const cpu0 = gw.cpuMs();
    const [mqtt0, profiles0, answers0, polls0] = [mqttMessages, sum(chargers, (c) => c.profiles), meters.answers.length, poller.times.length];
    await sleep(o.steadySeconds * 1000);
    const cpuMs = gw.cpuMs() - cpu0;
    const seconds = (performance.now() - at0) / 1000;
    const rss = gw.rssMiB();
    const answers = meters.answers.slice(answers0);
    const polls = poller.times.slice(polls0);
    const online = await poller.onlineNow();
    // What the subscriber had before the gateway's count is read: messages arriving during that
    // request would count as received but not as published, and the difference would go negative.
    const receivedBeforeCount = mqttMessages;
    const mirrorBehind = (await publishedByGateway(gw)) - receivedBeforeCount;
    const r: ScaleResult = {
      chargers: n,
      online,
      startSeconds,
      mirrorSeconds,
      mirrorBehind,
      cpuPercent: (cpuMs / 10) / seconds,
      rssMiB: rss.now,
      peakRssMiB: rss.peak,
      seconds,
      meterValues: answers.length,
      answerP50ms: percentile(answers, 50),
      answerP99ms: percentile(answers, 99),
      callErrors: sum(chargers, (c) => c.errors),
      profiles: sum(chargers, (c) => c.profiles) - profiles0,
      mqttMessages: mqttMessages - mqtt0,
      polls: polls.length,
      pollP50ms: percentile(polls, 50),
      pollMaxMs: polls.length ? Math.max(...polls) : NaN,
      pollBytes: poller.lastBytes(),
      pollFailures: poller.failures(),
    };
    o.progress(`scale: ${n} chargers → CPU ${r.cpuPercent.toFixed(2)} % of a core, RSS ${r.rssMiB.toFixed(1)} MiB, ${r.meterValues} MeterValues answered (p99 ${r.answerP99ms.toFixed(1)} ms)`);
    return r;
  } finally {
    for (const stop of stops.reverse()) await stop();
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * GET with two more tries: a keep-alive connection the server closes (http.keepAliveTimeout)
 * just as the next request goes out fails that request, which says nothing about the gateway.
 */
async function getText(url: string, tries = 3): Promise<string> {
  for (let i = 1; ; i++) {
    try {
      const res = await fetch(url);
      const text = await res.text();
      if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
      return text;
    } catch (err) {
      if (i >= tries) throw err;
    }
  }
}

/** chargegate_mqtt_published_total: what the gateway handed to its broker so far. */
async function publishedByGateway(gw: GatewayUnderTest): Promise<number> {
  const text = await getText(`${gw.httpUrl}/metrics`);
  return Number(/^chargegate_mqtt_published_total (\d+)/m.exec(text)?.[1] ?? 0);
}

/**
 * Waits until the subscriber to `#` has received everything the gateway published up to a
 * second before (every publish of chargegate matches `#`); resolves with the time it took, s.
 */
async function mirrorCaughtUp(gw: GatewayUnderTest, received: () => number): Promise<number> {
  const t0 = performance.now();
  let before = await publishedByGateway(gw);
  for (;;) {
    await sleep(1000);
    if (received() >= before) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > 900_000) throw new Error(`the MQTT subscriber is still ${before - received()} publishes behind after 15 min`);
    before = await publishedByGateway(gw);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);

/**
 * MeterValues from every charger every `intervalMs`, charger i at i × intervalMs / N within each
 * interval (real meters drift apart); one timer for all. Collects the answer times (ms).
 */
function startMeters(chargers: SimCharger[], transactions: number[], intervalMs: number): { answers: number[]; stop(): void } {
  const answers: number[] = [];
  const spacing = intervalMs / chargers.length;
  const started = performance.now();
  let tick = 0;
  const timer = setInterval(() => {
    const due = Math.floor((performance.now() - started) / spacing);
    for (; tick < due; tick++) {
      const i = tick % chargers.length;
      const c = chargers[i]!;
      const round = Math.floor(tick / chargers.length);
      const t0 = performance.now();
      void c.call('MeterValues', meterValues3Phase(c, transactions[i], 1000 + round * 30, new Date())).then(() => answers.push(performance.now() - t0));
    }
  }, 20);
  return { answers, stop: () => clearInterval(timer) };
}

interface ChargerList {
  chargers: { online: boolean; booted: boolean }[];
}

/** A client reading /api/chargers every `intervalMs` (the next read waits for the last). */
function startPoller(gw: GatewayUnderTest, intervalMs: number): { times: number[]; failures(): number; lastBytes(): number; onlineNow(): Promise<number>; stop(): void } {
  const times: number[] = [];
  let bytes = 0;
  const read = async (): Promise<ChargerList> => {
    const text = await getText(`${gw.httpUrl}/api/chargers`);
    bytes = text.length;
    return JSON.parse(text) as ChargerList;
  };
  let busy = false;
  let failures = 0;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const t0 = performance.now();
    void read()
      .then(() => times.push(performance.now() - t0), () => failures++)
      .finally(() => (busy = false));
  }, intervalMs);
  return {
    times,
    failures: () => failures,
    lastBytes: () => bytes,
    onlineNow: async () => (await read()).chargers.filter((c) => c.online && c.booted).length,
    stop: () => clearInterval(timer),
  };
}

/** The scale part's printout: per site size, then the growth table and the goal line. */
export function printScale(results: readonly ScaleResult[], seconds: number, haFormat?: DiscoveryFormat): string {
  const discovery = haFormat ? `per ${haFormat} (BENCH_HA_FORMAT)` : `per ${NEW_INSTALL_FORMAT} (a new install's default; BENCH_HA_FORMAT=entity for the other)`;
  const lines = [`\nSite scale (#19): the gateway's own process, ${seconds} s steady window; MeterValues every 10 s (3 phases), MQTT subscriber to #, Home Assistant discovery ${discovery}, /api/chargers every 5 s, balancer on\n`];
  for (const r of results) {
    lines.push(
      `${String(r.chargers).padStart(5)} chargers (${r.online} online, all charging after ${r.startSeconds.toFixed(1)} s, the MQTT backlog received ${r.mirrorSeconds.toFixed(1)} s later): CPU ${r.cpuPercent.toFixed(2)} % of a core, RSS ${r.rssMiB.toFixed(1)} MiB (peak ${r.peakRssMiB.toFixed(1)}), ` +
        `${r.meterValues} MeterValues answered (p50 ${r.answerP50ms.toFixed(1)} ms, p99 ${r.answerP99ms.toFixed(1)} ms), ${r.profiles} SetChargingProfile, ` +
        `${r.mqttMessages} MQTT messages (${r.mirrorBehind} behind at the end), /api/chargers ${r.polls}× (p50 ${r.pollP50ms.toFixed(0)} ms, max ${r.pollMaxMs.toFixed(0)} ms, ${(r.pollBytes / 1024).toFixed(0)} KiB${r.pollFailures ? `, ${r.pollFailures} failed` : ''})` +
        (r.callErrors ? `, ${r.callErrors} CALLERRORs` : ''),
    );
  }
  lines.push('', ...growthTable(results));
  const verdict = goalVerdict(results);
  if (verdict) lines.push('', verdict);
  return lines.join('\n') + '\n';
}
