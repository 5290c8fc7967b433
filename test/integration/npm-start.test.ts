/**
 * The first steps as a user takes them (issue 18): `npm start` in one terminal, `npm run sim` in
 * another. The simulator says what it is doing from its first second, and SIGTERM to the npm
 * process (what `kill <pid>`, a process manager or a terminal closing sends) stops the gateway:
 * npm forwards the signal to the shell running the script, and the script `exec`s node so that
 * the shell is node (dash would otherwise die and leave node running with the ports).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { eventually } from '../helpers/gateway.js';
import { freePort } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
t.setTimeout(240_000);
/**
 * npm's own flags: --ignore-scripts skips only the pre-scripts (the build when the sources
 * changed: minutes on a busy box), not the script named. dist/ is the last build (npm install
 * made one); what is tested of it here (start, stop, a simulated charger booting) every build has.
 */
const NPM_FLAGS = ['--ignore-scripts', '--silent'];

function npm(t: Test, args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn('npm', args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    for (const pid of descendants(child.pid!)) killQuietly(pid);
    killQuietly(child.pid!);
  });
  return { child, output: () => out };
}

/** Every process below `pid` (Linux /proc), children first. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [...descendants(c), c]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

t.test('npm start, npm run sim, and SIGTERM to each npm process', async (t) => {
  // What npm install (prepare) made; a fresh or half-built checkout gets it first.
  if (!existsSync(join(ROOT, 'dist/main.js'))) {
    const build = spawn(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
    t.equal((await once(build, 'exit'))[0], 0, 'built');
  }
  const dir = t.testdir();
  const [ocppPort, httpPort] = [await freePort(), await freePort()];
  const config = join(dir, 'home.yaml');
  writeFileSync(
    config,
    stringify({
      ocpp: { host: '127.0.0.1', port: ocppPort },
      http: { host: '127.0.0.1', port: httpPort },
      mqtt: { broker: 'off' },
      chargers: { allowUnknown: true },
      authorization: { mode: 'accept-all' },
      storage: { dir: join(dir, 'data') },
    }),
  );
  const gateway = npm(t, ['start', ...NPM_FLAGS, '--', '--config', config]);
  await eventually(() => gateway.output().includes('chargegate is listening'), 'the gateway is listening', 120_000);
  // A box's memory is small: the gateway holds V8's heap near its live set (src/runtime/heap-growth.ts).
  t.match(gateway.output(), /"heapGrowingPercent":35\b/, 'the heap growth is limited at start');
  t.match(gateway.output(), /"maxSemiSpaceMiB":4\b/, "npm start launches node with V8's young generation capped (src/runtime/launch-flags.ts)");
  t.match(gateway.output(), /"mallocArenaMax":"2"/, 'and with two malloc arenas');
  t.match(gateway.output(), /"singleThreadedGc":true/, 'and with the collector on the main thread alone');
  t.match(gateway.output(), /"allocationSitePretenuring":false/, "and without V8's allocation-site pretenuring");
  const nodes = descendants(gateway.child.pid!);
  t.ok(nodes.length > 0, 'node runs under npm');
  // An orphaned gateway (the bug) is no longer below npm: end it by its own pid.
  t.teardown(() => nodes.forEach(killQuietly));

  // The simulator as this source has it says what it does, step by step.
  const fromSource = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'src/main.ts', 'sim', '--url', `ws://127.0.0.1:${ocppPort}/ocpp`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => killQuietly(fromSource.pid!));
  let progress = '';
  fromSource.stdout.on('data', (d: Buffer) => (progress += d.toString()));
  await eventually(() => progress.includes('car plugged in'), 'the car plugged in is shown', 120_000);
  const lines = progress.split('\n');
  const at = (text: string) => lines.findIndex((l) => l.includes(text));
  t.ok(at('simulating 1 charger') < at('connected to the central system'), 'it says that it connects');
  t.ok(at('connected to the central system') < at('charger booted'), 'then that it booted');
  t.ok(at('charger booted') < at('car plugged in'), 'then the car');
  fromSource.kill('SIGTERM');
  await once(fromSource, 'exit');

  // npm run sim: the same simulator (the last build), stopped by SIGTERM to npm.
  const sim = npm(t, ['run', 'sim', ...NPM_FLAGS, '--', '--url', `ws://127.0.0.1:${ocppPort}/ocpp`, '--id-prefix', 'NPM']);
  await eventually(() => sim.output().includes('charger booted'), 'the simulated charger booted', 120_000);
  const simLines = sim.output().split('\n');
  t.equal(simLines[0], 'chargegate sim: starting the simulator…', 'its first line, before chargegate is loaded, says it is starting');
  t.ok(simLines.findIndex((l) => l.includes('simulating 1 charger')) > 0, '… and the simulator follows');
  const simNodes = descendants(sim.child.pid!);
  t.teardown(() => simNodes.forEach(killQuietly));
  sim.child.kill('SIGTERM');
  // 'close', not 'exit': the last of its output may still be in the pipe when it exits.
  await once(sim.child, 'close');
  await eventually(() => simNodes.every((pid) => !alive(pid)), 'the simulator process is gone', 30_000);
  t.match(sim.output(), 'stopped', 'the simulator ended its sessions and stopped');

  gateway.child.kill('SIGTERM');
  const [code] = await once(gateway.child, 'close');
  t.equal(code, 0, 'npm start exits 0');
  await eventually(() => nodes.every((pid) => !alive(pid)), 'the gateway process is gone', 30_000);
  t.notOk(await listening(ocppPort), 'the OCPP port is free');
  t.notOk(await listening(httpPort), 'the HTTP port is free');
  t.match(gateway.output(), 'chargegate stopped', 'it stopped cleanly');
});
