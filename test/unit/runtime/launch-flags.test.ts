/**
 * chargegate runs with the same node flags wherever it is launched (src/runtime/launch-flags.ts):
 * `npm start`, the systemd unit and the container image. A launch line that lost the flag would
 * cost a 1,000-charger site about 25 MiB of RSS with nothing failing; this test fails instead.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { LAUNCH_NODE_FLAGS, SEMI_SPACE_MIB, semiSpaceMiB } from '../../../src/runtime/launch-flags.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}/${path}`, 'utf8');

/** The words of a launch line between `node` and the script it runs. */
function nodeFlagsBefore(words: string[], script: string): string[] {
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  const at = words.findIndex((w) => w.endsWith(script));
  if (node < 0 || at < node) throw new Error(`no "node … ${script}" in: ${words.join(' ')}`);
  return words.slice(node + 1, at);
}

t.test('npm start runs node with the launch flags', async (t) => {
  const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start!;
  t.strictSame(nodeFlagsBefore(start.split(/\s+/), 'bin/chargegate.js'), LAUNCH_NODE_FLAGS, start);
});

t.test('the systemd unit runs node with the launch flags', async (t) => {
  const line = read('deploy/chargegate.service').split('\n').find((l) => l.startsWith('ExecStart='))!;
  t.strictSame(nodeFlagsBefore(line.slice('ExecStart='.length).split(/\s+/), 'bin/chargegate.js'), LAUNCH_NODE_FLAGS, line);
});

t.test('the container runs node with the launch flags', async (t) => {
  const line = read('deploy/Dockerfile').split('\n').find((l) => l.startsWith('ENTRYPOINT'))!;
  const words = JSON.parse(line.slice('ENTRYPOINT'.length).trim()) as string[];
  t.strictSame(nodeFlagsBefore(words, 'bin/chargegate.js'), LAUNCH_NODE_FLAGS, line);
});

t.test('the semi-space size in effect is read from the command line and NODE_OPTIONS', async (t) => {
  t.equal(semiSpaceMiB([...LAUNCH_NODE_FLAGS], ''), SEMI_SPACE_MIB);
  t.equal(semiSpaceMiB([], ''), undefined, 'none given: V8 picks');
  t.equal(semiSpaceMiB([], '--max-old-space-size=300 --max_semi_space_size=8'), 8, 'NODE_OPTIONS, underscores');
  t.equal(semiSpaceMiB(['--max-semi-space-size=2'], '--max-semi-space-size=8'), 2, 'the command line comes after NODE_OPTIONS');
});
