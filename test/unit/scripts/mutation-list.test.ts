/**
 * `npm run mutate` proves that the tests catch the one-line breaks of the rules the field taught
 * us (scripts/mutations.mjs). Each mutation finds its line by a text anchor; a refactor that
 * changes the line leaves the mutation unable to apply, and the full mutation run stops with
 * "the mutation list is broken". The full run takes half an hour and is not part of `npm test`,
 * so on 5 December 2026 five anchors had drifted unseen (the phase mapping's among them: the
 * mutation that stands for "a 32 A fuse carried 64 A with every test green"). This checks the
 * list on every test run: every anchor is found exactly once and every named test file exists.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

t.test('every mutation applies to today\'s code (npm run mutate -- --list)', async (t) => {
  const run = spawnSync(process.execPath, ['scripts/mutate.mjs', '--list'], { cwd: ROOT, encoding: 'utf8' });
  const broken = run.stdout.split('\n').filter((l) => l.includes('** BROKEN'));
  t.same(broken, [], 'no mutation whose anchor or tests went missing');
  t.equal(run.status, 0, `the list check exits 0 (${run.stderr.trim() || 'no error'})`);
  const names = run.stdout.split('\n').filter((l) => /^[a-z0-9-]+$/.test(l.trim()) && !l.startsWith(' '));
  t.ok(names.length >= 30, `the list holds the mutations (${names.length})`);
});
