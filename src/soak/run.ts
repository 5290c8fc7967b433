/**
 * `npm run soak -- --minutes N`: the chaos soak of issue 13. chargegate runs as a real process
 * on a tight site with hundreds of simulated chargers (a few misbehaving), a cloud that comes
 * and goes, MQTT, HTTP and OCPP attacks, and kill -9 at random moments; then a drain with the
 * cloud up, and a table of invariants (report.ts). Exit code 1 when one fails.
 *
 * Topology: the gateway in its own process, everything else (chargers, cloud, attackers,
 * samplers) in this one, so each has a core of a 2-core box.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { silentLogger } from '../log.js';
import { sleep } from '../sim/sleep.js';
import { formatMisbehaviour } from '../sim/misbehaviour.js';
import { killPlan, parseSoakArgs, seededRandom, SOAK_USAGE, UsageError, type SoakArgs } from './args.js';
import { Attacker } from './attacks.js';
import { startSoakCloud } from './cloud.js';
import { gatewayConfig, SECRETS, siteSpec, uncontrollable, type SoakPorts } from './config.js';
import { GatewayProcess } from './gateway-process.js';
import { checkFuse, checkTransactions } from './invariants.js';
import type { FuseSample, RssSample } from './ledger.js';
import { passed, renderReport, type SoakRun } from './report.js';
import { SoakSite } from './site.js';

/** The car's response time the fuse check excuses per episode (IEC 61851-1; site.balancing.responseTime). */
const GRACE_S = 5;
const DRAIN_MS = 180_000;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function upstreamState(httpPort: number): Promise<{ outboxDepth?: number; deadLetterCount?: number } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/api/upstream`, { headers: { authorization: `Bearer ${SECRETS.httpToken}` }, signal: AbortSignal.timeout(5000) });
    return res.ok ? ((await res.json()) as { outboxDepth?: number; deadLetterCount?: number }) : undefined;
  } catch {
    return undefined;
  }
}

/** `<out>.overshoot.json`: the gateway's chargers and site as its API shows them, and every charger's actual current. */
async function overshootSnapshot(out: string, httpPort: number, site: SoakSite, sample: FuseSample): Promise<void> {
  const get = async (path: string): Promise<unknown> => {
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, { headers: { authorization: `Bearer ${SECRETS.httpToken}` }, signal: AbortSignal.timeout(5000) });
      return await res.json();
    } catch (err) {
      return { error: (err as Error).message };
    }
  };
  const drawing = site.chargers.map((c) => ({ id: c.identity, misbehave: c.misbehave ? formatMisbehaviour(c.misbehave) : undefined, online: c.isOnline, currents: c.currents(), limitA: c.limitA(1) })).filter((c) => c.currents.some((a) => a > 0));
  const [chargers, siteView] = await Promise.all([get('/api/chargers'), get('/api/site')]);
  writeFileSync(`${out}.overshoot.json`, JSON.stringify({ sample, drawing, gateway: { chargers, site: siteView } }, null, 1));
  process.stderr.write(`\nsoak: over the fuse for more than ${GRACE_S} s at ${(sample.t / 1000).toFixed(1)} s; the gateway's view is in ${out}.overshoot.json\n`);
}

async function soak(args: SoakArgs): Promise<boolean> {
  const random = seededRandom(args.seed);
  const began = Date.now();
  const elapsed = (): number => Date.now() - began;
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-soak-'));
  const cloud = await startSoakCloud();
  const ports: SoakPorts = { ocpp: await freePort(), http: await freePort(), mqtt: await freePort(), cloud: cloud.port };
  const spec = siteSpec(args.chargers, args.margin);
  const configFile = join(dir, 'chargegate.yaml');
  writeFileSync(configFile, stringify(gatewayConfig(spec, ports, join(dir, 'data'))));
  const gateway = new GatewayProcess({ configFile, readyPort: ports.http, elapsed });
  const site = new SoakSite({ url: `ws://127.0.0.1:${ports.ocpp}/ocpp`, spec, random, logger: silentLogger(), meterIntervalS: 5, sessionS: [20, 120], pauseS: [3, 15] });
  const attacker = new Attacker(ports, random);
  const misbehaving = spec.chargers.filter((c) => c.misbehave).map((c) => formatMisbehaviour(c.misbehave!));
  const obeying = new Set(spec.chargers.filter((c) => !uncontrollable(c.misbehave)).map((c) => c.id));
  const prompt = new Set(spec.chargers.filter((c) => !c.misbehave).map((c) => c.id));
  const currents: FuseSample[] = [];
  const compliant: FuseSample[] = [];
  const rss: RssSample[] = [];
  const timers: NodeJS.Timeout[] = [];
  const stopChaos = new AbortController();
  setMaxListeners(0, stopChaos.signal);
  let cloudOutages = 0;
  let gatewayBusy = false;
  const durationMs = args.minutes * 60_000;
  let chaosBegan = 0;

  let lastLine = -1;
  const progress = (final = false): void => {
    const t = Math.min(durationMs, chaosBegan ? Date.now() - chaosBegan : 0);
    const mmss = (ms: number): string => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;
    const mem = gateway.rssMiB();
    const line = `soak ${mmss(t)}/${mmss(durationMs)} · kills ${gateway.kills} · crashes ${gateway.crashes.length} · sessions ${site.sessions.length} (charging ${site.charging}) · chargers online ${site.online}/${args.chargers} · gateway ${gateway.running ? 'up' : 'DOWN'} · cloud ${cloud.isUp ? 'up' : 'down'} · RSS ${mem === undefined ? '-' : mem.toFixed(0)} MiB`;
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
    else if (final || Math.floor(t / 30_000) !== lastLine) process.stderr.write(`${line}\n`);
    lastLine = Math.floor(t / 30_000);
  };

  try {
    process.stderr.write(`soak: chargegate in ${dir}; ${args.chargers} chargers (${misbehaving.join(', ') || 'none misbehaving'}) on 3 × ${spec.supplyA} A; seed ${args.seed}\n`);
    await gateway.start();
    site.connect();
    // Warm-up: the chargers connect and get their standing limits before any car arrives, as
    // on a site that existed before the soak; the chaos is what comes after.
    // A charger left without a standing limit (no room for one) gets none: the warm-up ends
    // once every well-behaved charger is online and no new profile came for 5 s.
    const warmUntil = Date.now() + 60_000;
    let lastProfileAt = Date.now();
    for (const c of site.chargers) c.on('profile', () => (lastProfileAt = Date.now()));
    const online = (): boolean => site.chargers.every((c) => !prompt.has(c.identity) || c.isOnline);
    const limited = (): boolean => site.chargers.every((c) => !prompt.has(c.identity) || c.profiles().length > 0);
    while (Date.now() < warmUntil && !(online() && (limited() || Date.now() - lastProfileAt > 5000))) await sleep(250);
    process.stderr.write(`soak: warm-up done in ${(elapsed() / 1000).toFixed(1)} s (${site.online} chargers online)\n`);

    // The first time the site stays over the fuse beyond the grace with the gateway up, what
    // the gateway believed and what each charger drew are saved for the diagnosis.
    let overSince: number | undefined;
    let snapshot: Promise<void> | undefined;
    timers.push(
      setInterval(() => {
        const sample = { t: elapsed(), phases: site.phaseCurrents(), gatewayUp: gateway.running };
        currents.push(sample);
        overSince = Math.max(...sample.phases) > spec.supplyA + 0.001 ? (overSince ?? sample.t) : undefined;
        if (args.out && !snapshot && overSince !== undefined && sample.t - overSince > GRACE_S * 1000 && gateway.running) {
          snapshot = overshootSnapshot(args.out, ports.http, site, sample);
        }
      }, 100),
    );
    timers.push(
      setInterval(() => {
        const sum: [number, number, number] = [0, 0, 0];
        for (const c of site.chargers) {
          if (!obeying.has(c.identity)) continue;
          const [a, b, d] = c.currents();
          sum[0] += a;
          sum[1] += b;
          sum[2] += d;
        }
        compliant.push({ t: elapsed(), phases: sum });
      }, 100),
    );
    timers.push(
      setInterval(() => {
        const mib = gateway.rssMiB();
        if (mib !== undefined) rss.push({ t: elapsed(), mib });
      }, 1000),
    );
    const ticker = setInterval(() => progress(), 1000);
    timers.push(ticker);
    // A gateway that died without our kill is restarted, as systemd would.
    timers.push(
      setInterval(() => {
        if (gatewayBusy || gateway.running || stopChaos.signal.aborted) return;
        gatewayBusy = true;
        void gateway.start().catch(() => undefined).finally(() => (gatewayBusy = false));
      }, 1000),
    );

    chaosBegan = Date.now();
    site.run();
    attacker.startReader();

    const kills = killPlan(durationMs, args.killEvery, random);
    const killing = (async () => {
      for (const at of kills) {
        await sleep(chaosBegan + at - Date.now(), stopChaos.signal);
        if (stopChaos.signal.aborted) return;
        while (gatewayBusy) await sleep(100);
        gatewayBusy = true;
        try {
          await gateway.kill9();
          // A power cut lasts a moment; then the box boots again.
          await sleep(500 + random() * 4500);
          await gateway.start().catch(() => undefined);
        } finally {
          gatewayBusy = false;
        }
      }
    })();
    const flapping = (async () => {
      while (!stopChaos.signal.aborted) {
        await sleep((10 + random() * 50) * 1000, stopChaos.signal);
        if (stopChaos.signal.aborted) break;
        await cloud.down();
        cloudOutages++;
        await sleep((3 + random() * 17) * 1000, stopChaos.signal);
        await cloud.up();
      }
    })();
    const attacking = (async () => {
      while (!stopChaos.signal.aborted) {
        await sleep((10 + random() * 20) * 1000, stopChaos.signal);
        if (!stopChaos.signal.aborted && gateway.running) await attacker.round();
      }
    })();

    await sleep(durationMs);
    stopChaos.abort();
    clearInterval(ticker);
    await Promise.all([killing, flapping]);
    await cloud.up();
    while (gatewayBusy) await sleep(100);
    if (!gateway.running) await gateway.start().catch(() => undefined);
    progress(true);

    // The drain: every session ends, the chargers empty their queues, the gateway its outbox.
    process.stderr.write('soak: chaos over; draining (sessions end, queues and outbox empty)…\n');
    const drainUntil = Date.now() + DRAIN_MS;
    let drained = await site.finish(DRAIN_MS);
    let state = await upstreamState(ports.http);
    while (Date.now() < drainUntil && (state?.outboxDepth ?? 1) > 0) {
      await sleep(500);
      state = await upstreamState(ports.http);
    }
    drained &&= state?.outboxDepth === 0;
    process.stderr.write(`soak: drain ${drained ? 'complete' : 'INCOMPLETE'} after ${((Date.now() - drainUntil + DRAIN_MS) / 1000).toFixed(1)} s\n`);
    await attacking;
    for (const t of timers) clearInterval(t);

    const run: SoakRun = {
      minutes: args.minutes,
      chargers: args.chargers,
      misbehaving: misbehaving.length ? `misbehaving: ${misbehaving.join(', ')}` : 'none misbehaving',
      seed: args.seed,
      supplyA: spec.supplyA,
      marginA: spec.marginA,
      graceS: GRACE_S,
      sessions: site.sessions.length,
      kills: gateway.kills,
      crashes: gateway.crashes,
      cloudOutages,
      drained,
      deadLetters: state?.deadLetterCount,
      tx: checkTransactions(site.sessions, cloud.messages),
      fuse: checkFuse(currents, spec.supplyA, GRACE_S),
      fuseCompliant: checkFuse(compliant, spec.supplyA - spec.marginA, 0),
      fuseWhileDown: checkFuse(currents, spec.supplyA, 0, (s) => s.gatewayUp === false),
      rss,
      currents,
      attacks: attacker.tally,
      mqttReceived: attacker.mqttReceived,
    };
    const report = renderReport(run);
    process.stdout.write(`\n${report}\n`);
    if (args.out) writeFileSync(args.out, `${report}\n`);
    return passed(run);
  } finally {
    stopChaos.abort();
    for (const t of timers) clearInterval(t);
    await attacker.close().catch(() => undefined);
    await site.close().catch(() => undefined);
    await gateway.stop().catch(() => undefined);
    await cloud.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let args: SoakArgs;
  try {
    args = parseSoakArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`soak: ${err.message}\n${SOAK_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return;
  }
  const ok = await soak(args);
  process.exitCode = ok ? 0 : 1;
}

main().then(
  // Timers of the simulated chargers and sockets may linger: the verdict is in, so leave.
  () => process.exit(),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
