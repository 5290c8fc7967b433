/** The fuzzer's own parts: a reproducible PRNG, findings counted, shrunk and timed out. */
import t from 'tap';
import { runTarget } from '../../../src/fuzz/harness.js';
import { inputSeed, Rng } from '../../../src/fuzz/prng.js';
import { mutateText } from '../../../src/fuzz/mutate.js';
import { shrinkText, Violation, type Target } from '../../../src/fuzz/target.js';
import { randomText } from '../../../src/fuzz/values.js';

t.test('the PRNG: same seed, same draws; inputs of one run independent of each other', async (t) => {
  const draw = (seed: number) => Array.from({ length: 5 }, ((r) => () => r.u32())(new Rng(seed)));
  t.same(draw(42), draw(42));
  t.not(draw(42).join(), draw(43).join());
  t.not(inputSeed(1, 'frame', 7), inputSeed(1, 'frame', 8));
  t.not(inputSeed(1, 'frame', 7), inputSeed(1, 'mqtt', 7));
  const r = new Rng(1);
  for (let i = 0; i < 1000; i++) {
    const n = r.range(-3, 3);
    if (n < -3 || n > 3 || !Number.isInteger(n)) t.fail(`range out of bounds: ${n}`);
  }
  t.equal(mutateText(new Rng(9), '[2,"a","Heartbeat",{}]'), mutateText(new Rng(9), '[2,"a","Heartbeat",{}]'), 'mutations are reproducible');
});

/** A target with a planted bug: text containing "!" crashes, text containing "?" never settles. */
function planted(): Target<string> {
  return {
    name: 'planted',
    about: 'a planted bug',
    weight: 1,
    batch: 4,
    async setup() {},
    generate: (rng) => randomText(rng, 30),
    async execute(input) {
      if (input.includes('!')) throw new Violation('planted crash');
      if (input.includes('?')) await new Promise(() => {});
      return input.charCodeAt(0) % 2 ? 'odd' : 'even';
    },
    describe: (input) => JSON.stringify(input),
    shrink: shrinkText,
    async teardown() {},
  };
}

t.test('a planted crash and hang are found, counted and shrunk to the character that causes them', async (t) => {
  const r = await runTarget(planted(), { seed: 1, inputs: 200, deadlineMs: 50 });
  t.equal(r.inputs, 200);
  t.ok(r.crashes > 0, `crashes found: ${r.crashes}`);
  t.ok(r.hangs > 0, `hangs found: ${r.hangs}`);
  t.equal((r.outcomes.get('odd') ?? 0) + (r.outcomes.get('even') ?? 0) + r.crashes + r.hangs, 200, 'every input has an outcome or a finding');
  const crash = r.findings.find((f) => f.kind === 'crash')!;
  t.equal(crash.input, '"!"', 'shrunk to the one character');
  t.match(crash.error, /planted crash/);
  t.equal(crash.seed, 1);
  t.ok(r.findings.some((f) => f.kind === 'hang'));
});

t.test('a run is reproducible: the same seed gives the same outcomes', async (t) => {
  const a = await runTarget(planted(), { seed: 7, inputs: 100, deadlineMs: 20 });
  const b = await runTarget(planted(), { seed: 7, inputs: 100, deadlineMs: 20 });
  t.same([...a.outcomes], [...b.outcomes]);
  t.equal(a.crashes, b.crashes);
  const one = await runTarget(planted(), { seed: 7, inputs: 1, start: a.findings[0]!.index, deadlineMs: 20 });
  t.equal(one.crashes + one.hangs, 1, '--start N --inputs 1 reproduces input N');
});
