/**
 * A stopped simulated charger keeps no timer alive, also when a transaction is started on it
 * afterwards: a fleet or test that stops its chargers lets its process end (a leaked meter
 * interval kept a test file alive until its timeout on a loaded CI box).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

t.test('a charger stopped, then told to start a transaction, lets its process exit', async (t) => {
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'test/integration/sim-stopped.fixture.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // 'close', not 'exit': the last of its output may still be in the pipe when it exits.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  // The fixture prints once it is done; from then on only a leaked handle keeps it running.
  const printed = new Promise<void>((resolve) => child.stdout.on('data', () => out.includes('\n') && resolve()));
  await Promise.race([printed, exited]);
  const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000).unref())]);
  t.equal(code, 0, `the process ended by itself; active after stop: ${out.trim()}`);
  t.match(out, /"active"/, 'the fixture ran to its end');
  t.notMatch(out, /Timeout/, 'no timer was left running');
});
