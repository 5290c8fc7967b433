/**
 * `.ci/run` ends a red run with the list `scripts/failed-assertions.mjs` prints: CI keeps only the
 * end of the output, so that list is all a developer sees of which test failed and why. The script
 * is run as CI runs it, on a log file in tap's own format (the solar-phases part is from a real
 * failed run; the crashed file's block is tap's shape for a test process killed by a signal).
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../../scripts/failed-assertions.mjs');

const LOG = `# Subtest: test/unit/a.test.ts
    # Subtest: fine
        ok 1 - should be equal
        1..1
    ok 1 - fine # time=2.1ms
    1..1
ok 1 - test/unit/a.test.ts # time=40.5ms

# Subtest: test/integration/solar-phases.test.ts
    # Subtest: a falling surplus switches the car to one phase
        ok 1 - MQTT says 3
        not ok 2 - the API: one phase, L1, 12 A
          ---
          diff: |
            --- expected
            +++ actual
            @@ -1,3 +1,3 @@
             Object {
            -  "plannedA": 12,
            +  "plannedA": 10,
             }
          at:
            fileName: test/integration/solar-phases.test.ts
            lineNumber: 106
          ...
        ok 3 - the fuse was never exceeded on any phase: worst 15.5 / -4.0 / -4.0 A
        1..3
    not ok 1 - a falling surplus switches the car to one phase # time=5982.881ms
      ---
      at:
        fileName: test/integration/solar-phases.test.ts
      ...
    1..1
not ok 2 - test/integration/solar-phases.test.ts # time=9332.094ms
  ---
  exitCode: 1
  ...

# Subtest: test/unit/b.test.ts
    not ok 1 - timed out waiting for the car at 12 A
      ---
      stack: |
        eventually (test/helpers/gateway.ts:108:42)
      ...
    1..1
not ok 3 - test/unit/b.test.ts # time=30000.2ms

# Subtest: test/integration/crashed.test.ts
    ok 1 - booted
not ok 4 - test/integration/crashed.test.ts # time=812.5ms
  ---
  stdio: inherit
  cwd: /work/main
  externalID: test/integration/crashed.test.ts
  command: /usr/bin/node
  args:
    - --enable-source-maps
    - /work/main/test/integration/crashed.test.ts
  exitCode: null
  signal: SIGKILL
  ...
1..4
# { total: 5, pass: 3, fail: 2 }
`;

t.test('each failed assertion with its file and the diff; the files and subtests that only sum them up in one line', async (t) => {
  const log = join(t.testdir(), 'tap.log');
  writeFileSync(log, LOG);
  const { stdout } = await run(process.execPath, [SCRIPT, log]);
  const lines = stdout.trimEnd().split('\n');
  t.strictSame(
    lines.filter((l) => !l.startsWith(' ')),
    [
      'test/integration/solar-phases.test.ts: not ok 2 - the API: one phase, L1, 12 A',
      'test/integration/solar-phases.test.ts: not ok 1 - a falling surplus switches the car to one phase # time=5982.881ms',
      'test/integration/solar-phases.test.ts: not ok 2 - test/integration/solar-phases.test.ts # time=9332.094ms',
      'test/unit/b.test.ts: not ok 1 - timed out waiting for the car at 12 A',
      'test/unit/b.test.ts: not ok 3 - test/unit/b.test.ts # time=30000.2ms',
      'test/integration/crashed.test.ts: not ok 4 - test/integration/crashed.test.ts # time=812.5ms',
    ],
    'the failures, each named by its file; nothing that passed',
  );
  t.ok(lines.includes('      -  "plannedA": 12,') && lines.includes('      +  "plannedA": 10,'), 'the diff, its indentation kept');
  t.ok(lines.includes('      eventually (test/helpers/gateway.ts:108:42)'), "a thrown error's stack");
  t.equal(lines.filter((l) => l.includes('exitCode')).length, 1, "a file's summary of failures listed above adds no diagnostics");
  const crashed = lines.slice(lines.indexOf('test/integration/crashed.test.ts: not ok 4 - test/integration/crashed.test.ts # time=812.5ms') + 1);
  t.strictSame(crashed, ['    ---', '    exitCode: null', '    signal: SIGKILL'], 'a file that failed with no assertion listed (killed): its exit code and signal, not how tap ran it');
});

t.test('a log without failures says so; no log named: usage, exit 2', async (t) => {
  const log = join(t.testdir(), 'tap.log');
  writeFileSync(log, LOG.split('\n').slice(0, 7).join('\n'));
  t.equal((await run(process.execPath, [SCRIPT, log])).stdout, 'no failed assertion found in the log\n');
  const failed = await run(process.execPath, [SCRIPT]).catch((e: { code: number; stderr: string }) => e);
  t.match(failed, { code: 2, stderr: /usage: node scripts\/failed-assertions\.mjs <tap log>/ });
});
