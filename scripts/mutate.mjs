#!/usr/bin/env node
/**
 * `npm run mutate`: breaks each critical rule on purpose, one named one-line mutation at a
 * time (scripts/mutations.mjs), and checks that the tests named for it fail.
 *
 * For each mutation: src/, test/, package.json, tsconfig*.json, adapters/ and config/ are copied
 * into a fresh temporary directory (node_modules symlinked), the mutation is applied there,
 * and only its test files run there with tap. Killed: a test failed. Survived: all passed.
 * The working tree is never written to (others run tests in it at the same time).
 *
 * Before the mutations, the same test files run once unmutated (the baseline): a suite that
 * is red without any mutation would make every "killed" meaningless.
 *
 *   npm run mutate                        every mutation, then a table; exit 1 if any survived
 *   npm run mutate -- --list              the mutations, their rule, file and tests (anchors checked)
 *   npm run mutate -- --only <name>[,..]  only these (repeatable)
 *   options: --no-baseline  --keep (leave the temp dirs)  --markdown (table for docs/development.md)
 *            --timeout <s> per mutation (default 300)  --jobs <n> tap jobs (default 1)  --verbose
 *
 * Exit: 0 all killed; 1 some survived; 2 the list is broken (an anchor missing or ambiguous,
 * a test file missing, a mutation that does not parse) or the baseline is red.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import mutations from './mutations.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const COPIED = ['src', 'test', 'package.json', 'adapters', 'config'];

// ---- arguments -------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = { list: false, only: [], baseline: true, keep: false, markdown: false, timeoutS: 300, jobs: 1, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    const flag = arg.split('=')[0];
    if (flag === '--list') opts.list = true;
    else if (flag === '--only') opts.only.push(...value().split(',').filter(Boolean));
    else if (flag === '--no-baseline') opts.baseline = false;
    else if (flag === '--keep') opts.keep = true;
    else if (flag === '--markdown') opts.markdown = true;
    else if (flag === '--verbose' || flag === '-v') opts.verbose = true;
    else if (flag === '--timeout') opts.timeoutS = Number(value());
    else if (flag === '--jobs') opts.jobs = Number(value());
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0].replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
      process.exit(0);
    } else fail(`unknown argument ${arg} (see --help)`);
  }
  if (!(opts.timeoutS > 0)) fail('--timeout must be a number of seconds');
  if (!(Number.isInteger(opts.jobs) && opts.jobs > 0)) fail('--jobs must be a positive integer');
  return opts;
}

function fail(message, code = 2) {
  process.stderr.write(`mutate: ${message}\n`);
  process.exit(code);
}

// ---- the list, checked ----------------------------------------------------------------------

function count(text, needle) {
  let n = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) n++;
  return n;
}

/** Everything wrong with one mutation against the working tree (empty: fine). */
function problemsOf(m) {
  const out = [];
  for (const key of ['name', 'rule', 'file', 'find']) if (typeof m[key] !== 'string' || m[key] === '') out.push(`${key} missing`);
  if (typeof m.replace !== 'string') out.push('replace missing');
  if (!Array.isArray(m.tests) || m.tests.length === 0) out.push('no test files named');
  if (out.length > 0) return out;
  if (m.find === m.replace) out.push('replace equals find');
  if (m.find.includes('\n')) out.push('find spans lines: a mutation is one line');
  const path = join(ROOT, m.file);
  if (!existsSync(path)) out.push(`${m.file} does not exist`);
  else {
    const n = count(readFileSync(path, 'utf8'), m.find);
    if (n === 0) out.push(`anchor not found in ${m.file}: ${JSON.stringify(m.find)}`);
    if (n > 1) out.push(`anchor found ${n} times in ${m.file} (must be once): ${JSON.stringify(m.find)}`);
  }
  for (const f of m.tests) if (!existsSync(join(ROOT, f))) out.push(`test file ${f} does not exist`);
  return out;
}

function checkList(selected) {
  const names = new Set();
  const broken = [];
  for (const m of mutations) {
    if (names.has(m.name)) broken.push(`${m.name}: the name is used twice`);
    names.add(m.name);
  }
  for (const m of selected) for (const p of problemsOf(m)) broken.push(`${m.name}: ${p}`);
  return broken;
}

// ---- one run ----------------------------------------------------------------------------------

/** A fresh copy of what the tests need, node_modules linked. */
function freshCopy(label) {
  const dir = mkdtempSync(join(tmpdir(), `chargegate-mutate-${label}-`));
  const tsconfigs = readdirSync(ROOT).filter((f) => /^tsconfig.*\.json$/.test(f));
  for (const entry of [...COPIED, ...tsconfigs]) {
    const from = join(ROOT, entry);
    if (!existsSync(from)) continue;
    // Not tap's own droppings (.tap/, fixtures of other runs) nor a nested node_modules.
    // dereference: real copies even where the source is a link, so no write can reach the original.
    cpSync(from, join(dir, entry), { recursive: true, dereference: true, filter: (p) => !['.tap', 'node_modules'].includes(basename(p)) });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Applies the mutation in the copy; returns a syntax problem of the mutated file, if any. */
async function apply(dir, m) {
  const path = join(dir, m.file);
  // Never write outside the copy (a link there would lead into the working tree).
  if (!realpathSync(path).startsWith(realpathSync(dir) + sep)) throw new Error(`${m.name}: ${m.file} in the copy leads outside it; refusing to write`);
  const text = readFileSync(path, 'utf8');
  if (count(text, m.find) !== 1) throw new Error(`${m.name}: the anchor changed while copying (someone is editing ${m.file}?)`);
  const mutated = text.replace(m.find, () => m.replace);
  writeFileSync(path, mutated);
  if (!m.file.endsWith('.ts')) return undefined;
  // A mutation that does not even parse would be "killed" by any test: say so instead.
  const ts = (await import('typescript')).default;
  const { diagnostics } = ts.transpileModule(mutated, { fileName: m.file, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022 } });
  const first = diagnostics?.[0];
  return first ? ts.flattenDiagnosticMessageText(first.messageText, '\n') : undefined;
}

let running;

/** Runs tap on `files` in `dir` for at most `timeoutS`; resolves with its exit code, output and whether it timed out. */
function tap(dir, files, opts, timeoutS = opts.timeoutS) {
  const args = ['--disable-coverage', '--allow-empty-coverage', '--allow-incomplete-coverage', '--bail', '--reporter=tap', '--no-color', `--jobs=${opts.jobs}`, ...files];
  return new Promise((done) => {
    const child = spawn(join(dir, 'node_modules', '.bin', 'tap'), args, { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    running = child;
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      done({ code: code ?? (signal ? 128 : 1), output, timedOut });
    });
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL'); // tap and the test processes it started: that group only
  } catch {
    /* already gone */
  }
}

/** The first failing assertion or test of a tap run, for the progress line. */
function firstFailure(output) {
  const lines = output.split('\n');
  const notOk = lines.filter((l) => /^\s*not ok \d+/.test(l)).map((l) => l.trim().replace(/^not ok \d+ - /, ''));
  // The innermost failure names the assertion; the outer ones name its test and file.
  const found = notOk.length > 0 ? notOk.slice(0, 2).join(' ‹ ') : (lines.find((l) => /Bail out!/.test(l)) ?? lines.find((l) => /Error|error/.test(l)))?.trim();
  return found && found.length > 160 ? `${found.slice(0, 157)}…` : found;
}

// ---- the whole run ---------------------------------------------------------------------------

const tempDirs = [];
function cleanup(keep) {
  if (running) killGroup(running);
  if (keep) return;
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

const seconds = (ms) => (ms / 1000).toFixed(1);

function table(rows, markdown) {
  const head = ['mutation', 'rule it breaks', 'result', 's'];
  const body = rows.map((r) => [r.name, r.rule, r.result, seconds(r.ms)]);
  if (markdown) {
    const md = rows.map((r) => `| \`${r.name}\` | ${r.rule} | \`${r.file}\` | ${r.result} | ${seconds(r.ms)} |`);
    return ['| mutation | rule it breaks | file | result | s |', '|---|---|---|---|---:|', ...md].join('\n');
  }
  const width = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 3 ? c.padStart(width[i]) : c.padEnd(width[i]))).join('  ').trimEnd();
  return [line(head), width.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const known = new Set(mutations.map((m) => m.name));
  for (const name of opts.only) if (!known.has(name)) fail(`no mutation named ${name} (see --list)`);
  const selected = opts.only.length > 0 ? mutations.filter((m) => opts.only.includes(m.name)) : mutations;

  if (opts.list) {
    for (const m of mutations) {
      const problems = problemsOf(m);
      process.stdout.write(`${m.name}${problems.length ? '   ** BROKEN: ' + problems.join('; ') : ''}\n  rule:  ${m.rule}\n  file:  ${m.file}\n  find:  ${m.find}\n  into:  ${m.replace}\n  tests: ${m.tests.join(' ')}\n\n`);
    }
    process.exit(checkList(mutations).length > 0 ? 2 : 0);
  }

  const broken = checkList(selected);
  if (broken.length > 0) fail(`the mutation list is broken:\n  ${broken.join('\n  ')}`);

  process.on('SIGINT', () => {
    cleanup(opts.keep);
    process.exit(130);
  });
  const started = Date.now();

  if (opts.baseline) {
    const files = [...new Set(selected.flatMap((m) => m.tests))];
    process.stdout.write(`baseline: ${files.length} test file(s), unmutated … `);
    const dir = freshCopy('baseline');
    tempDirs.push(dir);
    const t0 = Date.now();
    // The per-mutation timeout is for a mutation's one or two files: the baseline runs them all
    // (on 6 December, 43 files on a busy box outran 300 s and read as a red suite).
    const baselineS = opts.timeoutS * Math.max(1, files.length / 2);
    const run = await tap(dir, files, opts, baselineS);
    if (run.code !== 0) {
      process.stdout.write(`RED in ${seconds(Date.now() - t0)} s\n${run.output.slice(-4000)}\n`);
      cleanup(opts.keep);
      const why = run.timedOut ? `timed out after ${baselineS} s` : (firstFailure(run.output) ?? `exit ${run.code}`);
      fail(`the baseline is red without any mutation (${why}): fix the suite first`);
    }
    process.stdout.write(`green in ${seconds(Date.now() - t0)} s\n`);
    cleanup(opts.keep);
  }

  const rows = [];
  for (const [i, m] of selected.entries()) {
    const tag = `[${String(i + 1).padStart(String(selected.length).length)}/${selected.length}]`;
    process.stdout.write(`${tag} ${m.name} (${m.file}) … `);
    const t0 = Date.now();
    const dir = freshCopy(m.name);
    tempDirs.push(dir);
    const invalid = await apply(dir, m);
    let result;
    let why;
    if (invalid) {
      result = 'INVALID';
      why = `the mutated ${m.file} does not parse: ${invalid}`;
    } else {
      const run = await tap(dir, m.tests, opts);
      result = run.code === 0 ? 'SURVIVED' : 'killed';
      why = run.timedOut ? `timed out after ${opts.timeoutS} s` : run.code === 0 ? `${m.tests.join(', ')} all passed` : firstFailure(run.output) ?? `exit ${run.code}`;
      if (opts.verbose || (run.code !== 0 && !firstFailure(run.output))) process.stdout.write(`\n${run.output.slice(-3000)}\n`);
    }
    const ms = Date.now() - t0;
    rows.push({ name: m.name, rule: m.rule, file: m.file, result, ms });
    process.stdout.write(`${result} in ${seconds(ms)} s${why ? ` (${why})` : ''}\n`);
    if (opts.keep) process.stdout.write(`    kept: ${dir}\n`);
    cleanup(opts.keep);
  }

  const survived = rows.filter((r) => r.result === 'SURVIVED').length;
  const invalid = rows.filter((r) => r.result === 'INVALID').length;
  process.stdout.write(`\n${table(rows, false)}\n\n`);
  if (opts.markdown) process.stdout.write(`${table(rows, true)}\n\n`);
  process.stdout.write(`${rows.length - survived - invalid} killed, ${survived} survived${invalid ? `, ${invalid} invalid` : ''} in ${seconds(Date.now() - started)} s\n`);
  process.exit(invalid > 0 ? 2 : survived > 0 ? 1 : 0);
}

main().catch((err) => {
  cleanup(false);
  fail(err.stack ?? String(err));
});
