// Start-up problems with the data directory and the YAML itself: one line, exit 2, never a stack or a hang.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { chargegate, VALID } from '../helpers/cli.js';

// Each case starts chargegate from source in a child process (transpiled on the fly): seconds
// each on a busy box, so the file gets more than tap's default 60 s.
t.setTimeout(240_000);

t.test('a data directory that cannot be used stops start-up with exit 2 and one line, never a stack or a hang', async (t) => {
  const dir = t.testdir({ 'afile': 'not a directory' });
  const cases: [string, RegExp][] = [
    [join(dir, 'afile', 'sub'), /ENOTDIR/],
    // Node's own recursive mkdir never returns here: it retries ENOENT forever.
    ['/proc/chargegate-nope', /ENOENT/],
  ];
  for (const [storage, why] of cases) {
    const file = join(dir, `site-${cases.findIndex((c) => c[0] === storage)}.yaml`);
    writeFileSync(file, VALID + `storage:\n  dir: ${storage}\nlog:\n  level: silent\n`);
    const run = await chargegate(['start', '--config', file]);
    t.equal(run.code, 2, `${storage}: exit 2`);
    const lines = run.stderr.trim().split('\n');
    t.equal(lines.length, 1, `${storage}: one line (${run.stderr.trim()})`);
    t.match(lines[0], `chargegate: storage.dir: cannot use ${storage} as the data directory: `);
    t.match(lines[0], why);
    t.notMatch(run.stderr, /\n\s+at /, 'no stack');
  }
});

t.test('a self-referencing YAML alias is a config problem: exit 2, one line naming the key', async (t) => {
  const dir = t.testdir({ 'loop.yaml': VALID + 'site: &loop\n  circuits:\n    - *loop\n' });
  const run = await chargegate(['config', 'check', join(dir, 'loop.yaml')]);
  t.equal(run.code, 2);
  t.match(run.stderr, 'site.circuits[0]: a YAML alias refers to the value it is part of (circular)');
  t.notMatch(run.stderr, /RangeError|\n\s+at /);
});
