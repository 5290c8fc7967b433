/**
 * chargegate runs with the same node flags wherever it is launched (src/runtime/launch-flags.ts):
 * `npm start`, the systemd unit and the container image, and in the same environment. A launch line that lost the flag would
 * cost a 1,000-charger site 15-25 MiB of RSS with nothing failing; this test fails instead.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { allocationSitePretenuring, LAUNCH_ENV, LAUNCH_NODE_FLAGS, NO_PRETENURING, SEMI_SPACE_MIB, semiSpaceMiB, SINGLE_THREADED_GC, singleThreadedGc } from '../../../src/runtime/launch-flags.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}/${path}`, 'utf8');

/** The words of a launch line between `node` and the script it runs. */
function nodeFlagsBefore(words: string[], script: string): string[] {
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  const at = words.findIndex((w) => w.endsWith(script));
  if (node < 0 || at < node) throw new Error(`no "node … ${script}" in: ${words.join(' ')}`);
  return words.slice(node + 1, at);
}

const ENV_WORDS = Object.entries(LAUNCH_ENV).map(([k, v]) => `${k}=${v}`);

t.test('npm start runs node with the launch flags and environment', async (t) => {
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
  const words = start.split(/\s+/);
  t.strictSame(nodeFlagsBefore(words, 'bin/chargegate.js'), LAUNCH_NODE_FLAGS, start);
  // `VAR=value exec node …`: sh exports the assignment to what exec runs.
  t.strictSame(words.slice(0, words.indexOf('exec')), ENV_WORDS, start);
});

t.test('the systemd unit runs node with the launch flags', async (t) => {
  const line = read('deploy/chargegate.service').split('\n').find((l) => l.startsWith('ExecStart='))!;
  t.strictSame(nodeFlagsBefore(line.slice('ExecStart='.length).split(/\s+/), 'bin/chargegate.js'), LAUNCH_NODE_FLAGS, line);
  const env = read('deploy/chargegate.service').split('\n').filter((l) => l.startsWith('Environment=')).map((l) => l.slice('Environment='.length));
  for (const word of ENV_WORDS) t.ok(env.includes(word), `Environment=${word}`);
});

t.test('the container runs node with the launch flags', async (t) => {
  const line = read('deploy/Dockerfile').split('\n').find((l) => l.startsWith('ENTRYPOINT'))!;
  const words = JSON.parse(line.slice('ENTRYPOINT'.length).trim()) as string[];
  t.strictSame(nodeFlagsBefore(words, 'bin/chargegate.js'), LAUNCH_NODE_FLAGS, line);
  const env = read('deploy/Dockerfile').split('\n').filter((l) => l.startsWith('ENV ')).map((l) => l.slice('ENV '.length).trim());
  for (const word of ENV_WORDS) t.ok(env.includes(word), `ENV ${word}`);
});

t.test('the semi-space size in effect is read from the command line and NODE_OPTIONS', async (t) => {
  t.equal(semiSpaceMiB([...LAUNCH_NODE_FLAGS], ''), SEMI_SPACE_MIB);
  t.equal(semiSpaceMiB([], ''), undefined, 'none given: V8 picks');
  t.equal(semiSpaceMiB([], '--max-old-space-size=300 --max_semi_space_size=8'), 8, 'NODE_OPTIONS, underscores');
  t.equal(semiSpaceMiB(['--max-semi-space-size=2'], '--max-semi-space-size=8'), 2, 'the command line comes after NODE_OPTIONS');
});

t.test('the collector on the main thread alone: launched so, and read back as the log says it', async (t) => {
  t.ok(LAUNCH_NODE_FLAGS.includes(SINGLE_THREADED_GC), 'a launch flag');
  t.equal(singleThreadedGc([...LAUNCH_NODE_FLAGS], ''), true);
  t.equal(singleThreadedGc([], ''), false, "none given: V8's helper threads");
  t.equal(singleThreadedGc([], '--single_threaded_gc'), true, 'NODE_OPTIONS, underscores');
  t.equal(singleThreadedGc(['--no-single-threaded-gc'], '--single-threaded-gc'), false, 'the command line comes after NODE_OPTIONS');
});

t.test('pretenuring off: launched so, and read back as the log says it', async (t) => {
  t.ok(LAUNCH_NODE_FLAGS.includes(NO_PRETENURING), 'a launch flag');
  t.equal(allocationSitePretenuring([...LAUNCH_NODE_FLAGS], ''), false);
  t.equal(allocationSitePretenuring([], ''), true, "none given: V8's default");
  t.equal(allocationSitePretenuring([], '--no_allocation_site_pretenuring'), false, 'NODE_OPTIONS, underscores');
  t.equal(allocationSitePretenuring(['--allocation-site-pretenuring'], '--no-allocation-site-pretenuring'), true, 'the command line comes after NODE_OPTIONS');
  t.equal(allocationSitePretenuring(['--no-single-threaded-gc'], ''), true, 'another switch turned off does not read as this one');
});
