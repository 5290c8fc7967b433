/**
 * The burst part of `npm run bench` (#19 item 4; BENCH_PARTS=burst): 500 chargers
 * (BENCH_BURST_CHARGERS) reconnect at once after an outage and each replays its offline queue:
 * BootNotification, the StartTransaction of a transaction it ran offline, 200 MeterValues of it
 * (BENCH_BURST_MESSAGES; 3 phases, timestamps 10 s apart in the past) and its StopTransaction,
 * one CALL at a time, each sent when the last is answered. The gateway runs in its own process
 * with its default per-charger call limits (ocpp.callRate 20/s after a burst of
 * ocpp.callBurst 100), the MQTT mirror, the HTTP API and the balancer on.
 *
 * Meanwhile a live site keeps charging on its own circuit (`live`, 40 A): LIVE-1…3 charge and
 * send MeterValues every 2 s; LIVE-4 starts and stops a session every 3 s. Each start lowers the
 * others' share (a decrease is sent at once): the time from LIVE-4's StartTransaction to the
 * first SetChargingProfile LIVE-1…3 receive is the balancer's reaction, measured before the
 * burst and during it. Prints figures, asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayStarter } from './gateway-under-test.js';
import { closeChargers, meterValues3Phase, openCharger, openChargers, startCharging, type SimCharger } from './sim-charger.js';
import { percentile } from './stats.js';

export interface BurstOptions {
  chargers: number;
  /** Queued MeterValues per charger. */
  messages: number;
  start: GatewayStarter;
  progress: (line: string) => void;
  /** Seconds the live site runs before the burst (its reaction without a burst). Default 12. */
  quietSeconds?: number;
  /** LIVE-4's start/stop period, ms. Default 3000. */
  toggleMs?: number;
}

export interface Reaction {
  /** Starts of LIVE-4 in the period, and how many of them lowered the others' limits. */
  starts: number;
  answered: number;
  p50ms: number;
  maxMs: number;
}

export interface BurstResult {
  chargers: number;
  messagesPerCharger: number;
  /** From the first connection opened to the last StopTransaction answered, s. */
  drainSeconds: number;
  /** CALLs answered in the burst (boot, start, MeterValues, stop) per second of the drain. */
  answersPerSecond: number;
  meterValues: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  callErrors: number;
  /** SetChargingProfile the live chargers and the burst's chargers received during the drain. */
  liveProfiles: number;
  burstProfiles: number;
  /** The balancer's reaction to LIVE-4's starts, without a burst and during it. */
  quiet: Reaction;
  during: Reaction;
  /** The gateway's CPU over the drain (% of one core) and its peak RSS, MiB. */
  cpuPercent: number;
  peakRssMiB: number;
}

const LIVE_PASSWORD = 'live-site-bench-1';
const LIVE_IDS = ['LIVE-1', 'LIVE-2', 'LIVE-3', 'LIVE-4'];

export function burstConfig(dir: string): Record<string, unknown> {
  return {
    ocpp: {},
    chargers: {
      // The burst's chargers are not listed (any id may connect); the live ones are, on their circuit.
      allowUnknown: true,
      // priority: the live site's share is its circuit's, whatever the 500 sessions of the burst want.
      list: LIVE_IDS.map((id) => ({ id, password: LIVE_PASSWORD, circuit: 'live', priority: 10 })),
    },
    authorization: { mode: 'accept-all' },
    storage: { dir: join(dir, 'data') },
    log: { level: 'warn' },
    mqtt: {},
    http: {},
    // 500 sessions at 32 A would need 16,000 A: everyone gets a share (about 8 A), and the live
    // circuit's 40 A is shared by its three or four sessions.
    // rampInterval 0: the others' raise after LIVE-4's stop is sent at once, so each start lowers them again.
    site: { supply: { maxCurrent: 4000 }, circuits: [{ id: 'live', maxCurrent: 40 }], balancing: { rampInterval: 0, rampStep: 32 } },
  };
}

export async function runBurstBench(o: BurstOptions): Promise<BurstResult> {
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-bench-burst-'));
  const gw = await o.start(burstConfig(dir), dir);
  const live: SimCharger[] = [];
  let burst: SimCharger[] = [];
  try {
    o.progress('burst: the live site (LIVE-1…3 charging, LIVE-4 starting and stopping every 3 s)…');
    for (const id of LIVE_IDS) live.push(await openCharger(gw.ocppUrl, id, { password: LIVE_PASSWORD }));
    const liveTx = await Promise.all(live.slice(0, 3).map((c) => startCharging(c)));
    await live[3]!.call('BootNotification', { chargePointVendor: 'chargegate-bench', chargePointModel: 'live' });
    await live[3]!.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
    const site = startLiveSite(live, liveTx, o.toggleMs ?? 3000);
    await sleep((o.quietSeconds ?? 12) * 1000);
    const quiet = site.reactions();

    o.progress(`burst: ${o.chargers} chargers reconnect at once, each replaying ${o.messages} MeterValues…`);
    const cpu0 = gw.cpuMs();
    const profiles0 = sum(live, (c) => c.profiles);
    const t0 = performance.now();
    burst = await openChargers(gw.ocppUrl, 'BURST', o.chargers, o.chargers);
    const times = (await Promise.all(burst.map((c, i) => replay(c, i, o.messages)))).flat();
    const drainSeconds = (performance.now() - t0) / 1000;
    const cpuMs = gw.cpuMs() - cpu0;
    const during = site.reactions();
    await site.stop();
    const rss = gw.rssMiB();
    return {
      chargers: o.chargers,
      messagesPerCharger: o.messages,
      drainSeconds,
      answersPerSecond: (o.chargers * (o.messages + 3)) / drainSeconds,
      meterValues: times.length,
      p50ms: percentile(times, 50),
      p99ms: percentile(times, 99),
      maxMs: times.reduce((m, x) => Math.max(m, x), 0),
      callErrors: sum(burst, (c) => c.errors) + sum(live, (c) => c.errors),
      liveProfiles: sum(live, (c) => c.profiles) - profiles0,
      burstProfiles: sum(burst, (c) => c.profiles),
      quiet,
      during,
      cpuPercent: cpuMs / 10 / drainSeconds,
      peakRssMiB: rss.peak,
    };
  } finally {
    closeChargers([...live, ...burst]);
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);

/** One charger's offline queue, replayed one CALL at a time; resolves with its MeterValues' answer times (ms). */
async function replay(c: SimCharger, index: number, messages: number): Promise<number[]> {
  const stepMs = 10_000;
  const startedAt = Date.now() - (messages + 6) * stepMs - index; // in the past, before the outage ended
  await c.call('BootNotification', { chargePointVendor: 'chargegate-bench', chargePointModel: 'burst' });
  const started = (await c.call('StartTransaction', { connectorId: 1, idTag: 'BENCH', meterStart: 0, timestamp: new Date(startedAt).toISOString() })) as { transactionId?: number };
  const times: number[] = [];
  for (let k = 1; k <= messages; k++) {
    const t0 = performance.now();
    await c.call('MeterValues', meterValues3Phase(c, started.transactionId, k * 30, new Date(startedAt + k * stepMs)));
    times.push(performance.now() - t0);
  }
  if (started.transactionId !== undefined) {
    await c.call('StopTransaction', { transactionId: started.transactionId, meterStop: (messages + 1) * 30, timestamp: new Date(startedAt + (messages + 1) * stepMs).toISOString(), reason: 'Local' });
  }
  return times;
}

/**
 * LIVE-1…3 report their draw every 2 s; LIVE-4 starts a session, holds it for half of
 * `toggleMs`, stops it, waits the other half. reactions() returns the starts since the last
 * call and the time from each start to the first profile LIVE-1…3 received after it.
 */
function startLiveSite(live: SimCharger[], liveTx: number[], toggleMs: number): { reactions(): Reaction; stop(): Promise<void> } {
  let stopped = false;
  const meterTimer = setInterval(() => {
    for (const [i, c] of live.slice(0, 3).entries()) void c.call('MeterValues', meterValues3Phase(c, liveTx[i], Math.round(performance.now()), new Date()));
  }, 2000);
  let starts = 0;
  let reactions: number[] = [];
  const toggler = live[3]!;
  const others = live.slice(0, 3);
  const loop = (async () => {
    for (let round = 0; !stopped; round++) {
      const before = others.map((c) => c.profiles);
      const t0 = performance.now();
      const firstProfile = new Promise<number>((resolve) => {
        for (const c of others) c.onProfile = () => resolve(performance.now() - t0);
      });
      const answer = (await toggler.call('StartTransaction', { connectorId: 1, idTag: 'BENCH', meterStart: round * 100, timestamp: new Date().toISOString() })) as { transactionId?: number };
      starts++;
      const reaction = await Promise.race([firstProfile, sleep(toggleMs / 2).then(() => undefined)]);
      if (reaction !== undefined && others.some((c, i) => c.profiles > before[i]!)) reactions.push(reaction);
      for (const c of others) delete c.onProfile;
      await sleep(Math.max(0, toggleMs / 2 - (performance.now() - t0)));
      if (answer.transactionId !== undefined) await toggler.call('StopTransaction', { transactionId: answer.transactionId, meterStop: round * 100 + 50, timestamp: new Date().toISOString() });
      await sleep(toggleMs / 2);
    }
  })();
  return {
    reactions() {
      const r: Reaction = { starts, answered: reactions.length, p50ms: percentile(reactions, 50), maxMs: reactions.reduce((m, x) => Math.max(m, x), 0) };
      starts = 0;
      reactions = [];
      return r;
    },
    async stop() {
      stopped = true;
      clearInterval(meterTimer);
      await loop;
    },
  };
}

export function printBurst(r: BurstResult): string {
  const reaction = (x: Reaction) => `${x.answered} of ${x.starts} starts lowered the others' limits; first profile after the start p50 ${x.p50ms.toFixed(0)} ms, max ${x.maxMs.toFixed(0)} ms`;
  return [
    `\nBurst (#19): ${r.chargers} chargers reconnect at once, each replays StartTransaction, ${r.messagesPerCharger} MeterValues (3 phases, past timestamps) and StopTransaction, one CALL at a time; the gateway in its own process, default per-charger call limits\n`,
    `drained in ${r.drainSeconds.toFixed(1)} s: ${Math.round(r.answersPerSecond)} answers/s; MeterValues (${r.meterValues}) answer time p50 ${r.p50ms.toFixed(1)} ms, p99 ${r.p99ms.toFixed(1)} ms, max ${r.maxMs.toFixed(0)} ms` +
      (r.callErrors ? `; ${r.callErrors} CALLERRORs` : ''),
    `gateway during the drain: CPU ${r.cpuPercent.toFixed(0)} % of a core, peak RSS ${r.peakRssMiB.toFixed(1)} MiB`,
    `balancer during the drain: ${r.burstProfiles} SetChargingProfile to the burst's chargers, ${r.liveProfiles} to the live site (LIVE-1…4)`,
    `  live site before the burst: ${reaction(r.quiet)}`,
    `  live site during the burst: ${reaction(r.during)}`,
    '',
  ].join('\n');
}
