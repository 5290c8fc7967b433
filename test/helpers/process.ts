/**
 * The gateway as a real process (for kill -9 tests): started from the TypeScript sources with
 * tap's loader, resolved once it says it is listening. And a free TCP port for its config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { stringify } from 'yaml';
import { baseConfig } from './gateway.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A port free now, for a config, below Linux's ephemeral range (32768-60999): a kill -9 test
 * starts the gateway again on the same port, and a port from that range (listen(0)) could
 * meanwhile be handed to any outgoing connection on the machine. On a loaded box with the
 * suite's thousands of connections, that happened (EADDRINUSE at the restart of
 * upstream-201-kill.test.ts). A random port below the range is only taken by someone who asks
 * for it by number.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** `chargegate start --config <file>`; killed with SIGKILL when the test ends if still running. */
export async function spawnGateway(t: Test, configFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'src/main.ts', 'start', '--config', configFile], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('chargegate is listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`chargegate exited with ${code}: ${out}`)));
  });
  return child;
}

/**
 * A config file for a gateway process on a free port, with an aggregate upstream to `cloudUrl`
 * (fast retries, no MQTT): what the kill -9 tests start, kill and start again.
 */
/** `upstream`: more keys of the upstream section (e.g. mirrors). */
export async function killableConfig(t: Test, cloudUrl: string, upstream: Record<string, unknown> = {}): Promise<{ file: string; url: string; dataDir: string }> {
  const dir = t.testdir();
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const config = baseConfig(dataDir);
  Object.assign(config, {
    ocpp: { host: '127.0.0.1', port, path: '/ocpp', pingInterval: 0, callTimeout: 2 },
    log: { level: 'info' },
    mqtt: { broker: 'off' },
    upstream: { url: cloudUrl, identity: 'SITE-GW-1', callTimeout: 2, transactionMessageRetryInterval: 0, reconnect: { initialDelay: 0.05, maxDelay: 0.2 }, ...upstream },
  });
  const file = join(dir, 'chargegate.yaml');
  writeFileSync(file, stringify(config));
  return { file, url: `ws://127.0.0.1:${port}/ocpp`, dataDir };
}
