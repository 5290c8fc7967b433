/**
 * `npm run fuzz`: generated and mutated inputs through the OCPP frame layer, every charger
 * action's handler in a real gateway, the MQTT command path and the HTTP parameter parsing.
 * A CLI tool like the bench: it prints progress on stderr and a table on stdout, and exits 1
 * on any finding (crash, unhandled rejection, hang) with the seed and a small input to reproduce.
 *
 *   npm run fuzz -- [--inputs N] [--seed S] [--target name[,name…]] [--start I]
 */
import { escaped, runTarget, type Finding, type TargetResult } from './harness.js';
import { findingText, outcomeLines, progressLine, table } from './report.js';
import { createTargets } from './targets/index.js';
import { startWatchdog } from './watchdog.js';

/** A mistake on the command line: said in one line, without a stack. */
class UsageError extends Error {}

interface Args {
  inputs: number;
  seed: number;
  targets: string[] | undefined;
  start: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { inputs: 1_000_000, seed: Math.floor(Math.random() * 2 ** 31), targets: undefined, start: 0 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (flag === '--inputs') args.inputs = wholeNumber(flag, value);
    else if (flag === '--seed') args.seed = wholeNumber(flag, value);
    else if (flag === '--start') args.start = wholeNumber(flag, value);
    else if (flag === '--target') args.targets = value.split(',');
    else throw new UsageError(`unknown option ${flag} (options: --inputs N, --seed S, --target name, --start I)`);
  }
  return args;
}

function wholeNumber(flag: string, value: string): number {
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number, got ${value}`);
  return n;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const all = createTargets();
  const unknown = args.targets?.filter((t) => !all.some((x) => x.name === t)) ?? [];
  if (unknown.length > 0) throw new UsageError(`unknown target ${unknown.join(', ')} (targets: ${all.map((t) => t.name).join(', ')})`);
  const chosen = args.targets ? all.filter((t) => args.targets!.includes(t.name)) : all;
  const weights = chosen.reduce((s, t) => s + t.weight, 0);
  // The inputs are shared by weight; the last target takes the rounding remainder.
  let left = args.inputs;
  const plan = chosen.map((t, i) => {
    const n = i === chosen.length - 1 ? left : Math.round((args.inputs * t.weight) / weights);
    left -= n;
    return { target: t, inputs: n };
  });

  process.on('unhandledRejection', (error) => void escaped.push({ error, kind: 'unhandled' }));
  process.on('uncaughtException', (error) => void escaped.push({ error, kind: 'unhandled' }));
  const watchdog = startWatchdog(args.seed, chosen.map((t) => t.name), 30_000);
  const tty = process.stderr.isTTY;
  process.stderr.write(`fuzz: seed ${args.seed}, ${args.inputs} inputs over ${chosen.map((t) => t.name).join(', ')}\n`);

  const results: TargetResult[] = [];
  for (const [k, { target, inputs }] of plan.entries()) {
    watchdog.beat(k, -1);
    await target.setup();
    let lastDraw = 0;
    let lastTenth = -1;
    const onProgress = (done: number, r: TargetResult) => {
      const now = Date.now();
      if (tty && now - lastDraw > 200) {
        lastDraw = now;
        process.stderr.write(`\r${progressLine(target.name, done, inputs, r)}\u001b[K`);
      } else if (!tty && Math.floor((done / Math.max(1, inputs)) * 10) > lastTenth) {
        lastTenth = Math.floor((done / Math.max(1, inputs)) * 10);
        process.stderr.write(progressLine(target.name, done, inputs, r) + '\n');
      }
    };
    const onFinding = (f: Finding) => void process.stderr.write(`${tty ? '\n' : ''}${findingText(f)}\n`);
    // Torn down even when the fuzzer itself fails, so no temp folder of a real app is left behind.
    let result: TargetResult;
    try {
      result = await runTarget(target, { seed: args.seed, inputs, start: args.start, onInput: (index) => watchdog.beat(k, index), onFinding, onProgress });
    } finally {
      await target.teardown();
    }
    if (tty) process.stderr.write(`\r${progressLine(target.name, result.inputs, inputs, result)}\u001b[K\n`);
    results.push(result);
  }
  await watchdog.stop();

  process.stdout.write(`\n${table(results)}\n\nseed ${args.seed}\n\ndistinct outcomes:\n${outcomeLines(results)}\n`);
  const findings = results.flatMap((r) => r.findings);
  for (const f of findings) process.stdout.write(`\n${findingText(f)}\n`);
  const failed = results.some((r) => r.crashes + r.hangs > 0);
  process.stdout.write(failed ? `\nfuzz: FAILED (seed ${args.seed})\n` : '\nfuzz: no findings\n');
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fuzz: ${err instanceof UsageError ? err.message : ((err as Error)?.stack ?? String(err))}\n`);
    process.exit(2);
  },
);
