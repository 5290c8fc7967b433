import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../../../src/runtime/heap-growth.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The churn fixture in its own process (V8 flags are per process); its peak heap, MiB. */
async function peakHeap(mode: 'limited' | 'default'): Promise<number> {
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', 'test/unit/runtime/heap-churn.fixture.ts', mode], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`churn fixture exited with ${code}`);
  return (JSON.parse(out) as { peakHeapMiB: number }).peakHeapMiB;
}

t.test('with the growth limited, V8 reserves far less heap for the same live set and churn', async (t) => {
  const [limited, unlimited] = [await peakHeap('limited'), await peakHeap('default')];
  t.comment(`peak heap: limited ${limited.toFixed(0)} MiB, V8's default ${unlimited.toFixed(0)} MiB`);
  // Measured on the 2-core box: about 90 against 250 MiB. The check leaves room for V8's own
  // timing, and fails if the limit is not applied (the two would be alike).
  t.ok(limited < unlimited * 0.7, `limited ${limited.toFixed(0)} MiB < 0.7 × ${unlimited.toFixed(0)} MiB`);
});

t.test('a --heap-growing-percent given to node wins over chargegate’s', async (t) => {
  t.equal(limitHeapGrowth(HEAP_GROWING_PERCENT, ['--heap-growing-percent=50']), undefined);
  t.equal(limitHeapGrowth(HEAP_GROWING_PERCENT, ['--heap_growing_percent=50']), undefined);
  t.equal(limitHeapGrowth(HEAP_GROWING_PERCENT, ['--max-semi-space-size=4']), HEAP_GROWING_PERCENT, 'another flag is not the operator’s growth');
});

t.test('node refuses --heap-growing-percent in NODE_OPTIONS, so only its command line needs looking at', async (t) => {
  const child = spawn(process.execPath, ['-e', '0'], { env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--heap-growing-percent=40' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.not(code, 0, 'node does not start');
  t.match(err, /--heap-growing-percent.*not allowed in NODE_OPTIONS/);
});
