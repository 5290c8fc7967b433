/**
 * The gateway the scale and burst benches measure (#19), started from a config object either
 * as a child process (`npm run bench`: its CPU time and RSS are its own, read from /proc, not
 * the load generator's) or in this process (the smoke test: process.cpuUsage of the whole
 * process, load generator included).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createApp } from '../app.js';
import { parseConfig } from '../config/load.js';
import { silentLogger } from '../log.js';
import { benchGatewayEnv, benchNodeArgs, cpuMs, rssMiB } from './processes.js';

export interface GatewayUnderTest {
  /** The gateway's process id (this process's when it runs here). */
  pid: number;
  ocppUrl: string;
  httpUrl: string;
  mqttPort: number;
  /** CPU time used so far (user + system), ms. */
  cpuMs(): number;
  /** Resident memory now, and the highest so far, MiB. */
  rssMiB(): { now: number; peak: number };
  stop(): Promise<void>;
}

/** Starts a gateway with `config` (its ocpp, http and mqtt ports are set here); `dir` holds its files. */
export type GatewayStarter = (config: Record<string, unknown>, dir: string) => Promise<GatewayUnderTest>;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const section = (config: Record<string, unknown>, key: string) => (config[key] ?? {}) as Record<string, unknown>;

/** chargegate as `node dist/main.js start` in its own process (this file runs from dist/bench). */
export const childGateway: GatewayStarter = async (config, dir) => {
  const [ocpp, http, mqtt] = [await freePort(), await freePort(), await freePort()];
  const configFile = join(dir, 'bench.yaml');
  writeFileSync(
    configFile,
    stringify({
      ...config,
      ocpp: { ...section(config, 'ocpp'), host: '127.0.0.1', port: ocpp },
      http: { ...section(config, 'http'), host: '127.0.0.1', port: http },
      mqtt: { ...section(config, 'mqtt'), host: '127.0.0.1', port: mqtt },
    }),
  );
  const child = spawn(process.execPath, [...benchNodeArgs(), new URL('../main.js', import.meta.url).pathname, 'start', '--config', configFile], { stdio: ['ignore', 'ignore', 'inherit'], env: benchGatewayEnv() });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const httpUrl = `http://127.0.0.1:${http}`;
  // Up to a minute: on a loaded machine compiling the schemas alone can take ten seconds.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`chargegate exited with ${child.exitCode} at start`);
    if (await fetch(`${httpUrl}/api/whoami`).then((r) => r.ok, () => false)) break;
    if (i > 600) throw new Error('chargegate did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    pid,
    ocppUrl: `ws://127.0.0.1:${ocpp}/ocpp`,
    httpUrl,
    mqttPort: mqtt,
    cpuMs: () => cpuMs(pid),
    rssMiB: () => procRssMiB(pid),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
};

/** chargegate in this process (tests): its CPU time is this process's, the load generator's included. */
export const inProcessGateway: GatewayStarter = async (config, dir) => {
  const app = createApp(
    parseConfig(
      stringify({
        ...config,
        ocpp: { ...section(config, 'ocpp'), host: '127.0.0.1', port: 0 },
        http: { ...section(config, 'http'), host: '127.0.0.1', port: 0 },
        mqtt: { ...section(config, 'mqtt'), host: '127.0.0.1', port: 0 },
      }),
      { env: {}, baseDir: dir },
    ),
    { logger: silentLogger() },
  );
  const ports = await app.start();
  let peak = 0;
  const rss = () => {
    const now = process.memoryUsage.rss() / 2 ** 20;
    peak = Math.max(peak, now);
    return { now, peak };
  };
  return {
    pid: process.pid,
    ocppUrl: `ws://127.0.0.1:${ports.ocppPort!}/ocpp`,
    httpUrl: `http://127.0.0.1:${ports.httpPort!}`,
    mqttPort: app.mqtt!.ports!.mqtt!,
    cpuMs: () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    },
    rssMiB: rss,
    stop: () => app.stop(),
  };
};

/** VmRSS and VmHWM (the peak) of a process, MiB. */
export function procRssMiB(pid: number): { now: number; peak: number } {
  const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { now: rssMiB(pid), peak: peak ? Number(peak[1]) / 1024 : NaN };
}

/** The soft limit of open files of this process (each charger's socket is one, here and in the gateway). */
export function openFilesLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}
