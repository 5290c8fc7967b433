/**
 * A real Mosquitto for tests: started by the test on a free loopback port, with its own config
 * file in the test's temp folder (never the system service), no persistence, so a restart loses
 * every retained message, as a broker replaced or rebooted without a disk would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { freePort } from './process.js';

export function mosquittoPath(): string | undefined {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) {
    if (spawnSync(candidate, ['-h']).error === undefined) return candidate;
  }
  return undefined;
}

export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops and starts again on the same port (retained messages are gone). */
  restart(): Promise<void>;
}

export async function startMosquitto(t: Test, binary: string): Promise<Mosquitto> {
  // Its own temp folder: t.testdir() is shared with (and reset by) the gateway helper.
  const dir = mkdtempSync(join(tmpdir(), 'chargegate-mosquitto-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(configFile, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', ''].join('\n'));
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(binary, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 100; i++) {
      if (await canConnect(port)) return;
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not start: ${stderr}`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGTERM');
    await once(c, 'exit');
  };
  await start();
  t.teardown(stop);
  return { url: `mqtt://127.0.0.1:${port}`, port, stop, restart: async () => (await stop(), await start()) };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
