/**
 * The real soak, short: the built gateway (dist/, as `npm run soak` runs it) with 12 simulated
 * chargers for 0.3 minutes and one kill -9; the table must come out with nothing lost and the
 * verdict PASS. Slow by nature (a build if dist/ is stale, a warm-up, a restart, a drain).
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// About 40 s on a quiet 2-core box (gateway start, warm-up, 18 s of chaos, a restart, the
// drain); several times that on a loaded one: the whole file gets 4 minutes.
t.setTimeout(240_000);

t.test('npm run soak for 0.3 minutes: one kill, nothing lost, the table printed and written', async (t) => {
  execFileSync(process.execPath, ['scripts/build-if-needed.mjs'], { cwd: ROOT, stdio: 'ignore' });
  const out = join(t.testdir(), 'soak.md');
  const child = spawn(process.execPath, ['dist/soak/run.js', '--minutes', '0.3', '--chargers', '12', '--seed', '3', '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close', not 'exit': the last of its output may still be in the pipe when it exits.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  t.equal(code, 0, `exit code 0 (stderr: ${stderr.slice(-2000)})`);
  t.match(stdout, /Verdict: \*\*PASS\*\*/);
  t.match(stdout, /\| \*\*lost\*\* Start \/ Stop \/ MeterValues +\| 0 \/ 0 \/ 0 /);
  t.match(stdout, /\| kill -9 of the gateway \/ cloud outages +\| 1 \/ \d+ /, 'one kill');
  t.match(stdout, /\| \*\*process crashes\*\* +\| 0 /);
  t.match(stdout, /RSS of the gateway over time/);
  const sessions = Number(/\| sessions started at the chargers +\| (\d+) /.exec(stdout)?.[1]);
  t.ok(sessions >= 6, `sessions ran (${sessions})`);
  t.equal(readFileSync(out, 'utf8').trim(), stdout.trim(), '--out holds the same report');
});
