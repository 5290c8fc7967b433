/**
 * `node scripts/failed-assertions.mjs <tap log>`: every failed assertion of a tap run, each with
 * its test file and the first lines of tap's diagnostics (diff, source line), at most 150 lines.
 *
 * Why: CI keeps only the end of its output, and tap prints a failure where it happens, often
 * thousands of lines before the end. `.ci/run` prints this list just before its last line, so a
 * red run says which test failed and why.
 */
import { readFileSync } from 'node:fs';

const DIAGNOSTIC_LINES = 14;
const MAX_LINES = 150;

/**
 * The failed assertions in tap's output (the TAP stream: `# Subtest: <file>` opens a file at the
 * top level; a failure is an indented or top-level `not ok`).
 * @param {string} text
 * @returns {string[]}
 */
export function failedAssertions(text) {
  const out = [];
  let file = '(before the first test file)';
  let listedInFile = 0;
  let diagnostics = 0;
  let indent = 0;
  let skippingArgs = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('# Subtest: ')) {
      file = line.slice('# Subtest: '.length);
      listedInFile = 0;
    }
    const failure = /^(\s*)not ok /.exec(line);
    if (failure) {
      out.push(`${file}: ${line.trim()}`);
      const sumsUp = / # time=[\d.]+m?s$/.test(line);
      // A failed subtest or file (`# time=`) only sums up the failures already listed; a file
      // that failed with none listed crashed, was killed or timed out: its exit code and signal.
      diagnostics = !sumsUp || (failure[1] === '' && listedInFile === 0) ? DIAGNOSTIC_LINES : 0;
      indent = failure[1].length + 2;
      listedInFile++;
    } else if (diagnostics > 0) {
      // tap's YAML block under a failure ends at its `...` line.
      if (/^\s*\.\.\.$/.test(line)) diagnostics = 0;
      else {
        // How tap ran the file (its command line, directory, stdio) says nothing about why it failed.
        if (/^\s*args:/.test(line)) skippingArgs = true;
        else if (!/^\s*- /.test(line)) skippingArgs = false;
        if (skippingArgs || /^\s*(stdio|cwd|externalID|command):/.test(line)) continue;
        out.push(`    ${line.slice(Math.min(indent, line.length - line.trimStart().length))}`);
        diagnostics--;
      }
    }
  }
  return out;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: node scripts/failed-assertions.mjs <tap log>\n');
    process.exit(2);
  }
  const lines = failedAssertions(readFileSync(path, 'utf8'));
  const shown = lines.slice(0, MAX_LINES);
  if (lines.length > shown.length) shown.push(`… ${lines.length - shown.length} more lines in the full log`);
  process.stdout.write(shown.length ? `${shown.join('\n')}\n` : 'no failed assertion found in the log\n');
}
