/**
 * The processes a bench part runs its servers in: chargegate itself (`dist/main.js start`, with
 * a bench config) and the bare peers (`dist/bench/<script>.js`), each in its own process so
 * that the load generator and the server under test do not share a core; and what the bench
 * reads of them from /proc (CPU time, RSS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { LAUNCH_ENV, LAUNCH_NODE_FLAGS } from '../runtime/launch-flags.js';
import { closeAll, connectAll } from './load.js';

const dist = new URL('../', import.meta.url);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function waitForLine(child: ChildProcess, match: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (match(line)) {
          child.stdout!.off('data', onData);
          return resolve(line);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
  });
}

/**
 * CPU time a process has used so far (user + system), ms, from /proc/<pid>/stat: utime and
 * stime are fields 14 and 15, counted in clock ticks (USER_HZ, 100 on Linux).
 */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** A peer server (bench/<script>.js, which prints its port) in its own process, as chargegate runs. */
export async function startPeer(script: string, ...args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [new URL(`bench/${script}.js`, dist).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(await waitForLine(child, (l) => /^\d+$/.test(l.trim())));
  return { url: `ws://127.0.0.1:${port}/ocpp`, child };
}

/**
 * The gateway runs with the flags it is launched with on a site (src/runtime/launch-flags.ts),
 * then BENCH_GATEWAY_NODE_ARGS: node options for the gateway alone, e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof` or `--max-semi-space-size=16` (the later one wins; docs/performance.md).
 */
/** The gateway's environment: the launch environment (launch-flags.ts), unless the bench's own sets the same variable. */
export function benchGatewayEnv(): NodeJS.ProcessEnv {
  return { ...LAUNCH_ENV, ...process.env };
}

export function benchNodeArgs(): string[] {
  return [...LAUNCH_NODE_FLAGS, ...(process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')];
}

export async function startGateway(dir: string, nodeArgs = benchNodeArgs()): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const configFile = join(dir, 'bench.yaml');
  writeFileSync(
    configFile,
    [
      // The per-charger limits (ocpp.callRate, maxCallsInFlight) are lifted: this measures the path itself.
      `ocpp: { host: 127.0.0.1, port: ${port}, pingInterval: 0, maxCallsInFlight: 100, callRate: 10000, callBurst: 100000 }`,
      'chargers: { allowUnknown: true }',
      'authorization: { mode: accept-all }',
      `storage: { dir: ${JSON.stringify(join(dir, 'data'))} }`,
      'log: { level: warn }',
      'mqtt: { port: 0 }', // the mirror runs, as on a real site, on a port no other run holds
      'http: { port: 0 }', // so does the HTTP API
    ].join('\n'),
  );
  const child = spawn(process.execPath, [...nodeArgs, new URL('main.js', dist).pathname, 'start', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'], env: benchGatewayEnv() });
  // The listening line is logged at info; with level warn we poll the port instead.
  child.stdout!.resume();
  const url = `ws://127.0.0.1:${port}/ocpp`;
  // Up to a minute: on a loaded machine compiling the schemas alone can take ten seconds.
  for (let i = 0; i < 600; i++) {
    try {
      const probe = await connectAll(url, 1, 'PROBE');
      closeAll(probe);
      return { url, child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('chargegate did not start');
}

