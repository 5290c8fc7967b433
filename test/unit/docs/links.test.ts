/**
 * The manual's links land where they say: every relative link in README.md and docs/*.md names
 * a file that exists, and its `#anchor`, if any, a heading of that file, written the way GitHub
 * makes a heading's anchor (github-slugger: lower case; every character that is not a letter,
 * a number, a space, `-` or `_` dropped, an en dash and `→` included; each space a `-`; a
 * repeated heading gets `-1`, `-2`…). A reader who follows a link from the README to a figure
 * in performance.md lands on that figure, not at the top of a 2,000-line page.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PAGES = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))];

/** GitHub's anchor for a heading's text (github-slugger's rules, written here). */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** A page's anchors: its headings (outside code blocks), inline markup removed first, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    // What GitHub slugs is the heading's text: links keep their text, code its content, emphasis goes.
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`([^`]*)`/g, '$1').replace(/[*_]{1,2}([^*_]+)[*_]{1,2}/g, '$1');
    const base = slug(text);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

t.test('the slug of a heading is GitHub\'s', async (t) => {
  t.equal(slug('Memory of a 1,000-charger site, second cut: 258 → about 200 MiB (4 December 2026, 13:40–15:20 UTC)'), 'memory-of-a-1000-charger-site-second-cut-258--about-200-mib-4-december-2026-13401520-utc');
  t.equal(slug('One config per device: mqtt.homeAssistant.format: device'), 'one-config-per-device-mqtthomeassistantformat-device');
  t.equal(slug('Heap growth at 25 % against 35 %, on a slower box'), 'heap-growth-at-25--against-35--on-a-slower-box');
});

const anchors = new Map<string, Set<string>>();
for (const page of PAGES) {
  t.test(`the links of ${relative(ROOT, page)} land`, async (t) => {
    const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    let links = 0;
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue; // http:, mailto:…: not ours to check here
      links++;
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? page : resolve(dirname(page), decodeURIComponent(path));
      if (!existsSync(file)) {
        broken.push(`${target}: no file ${relative(ROOT, file)}`);
        continue;
      }
      if (anchor === undefined || !file.endsWith('.md')) continue;
      if (!anchors.has(file)) anchors.set(file, anchorsOf(file));
      if (!anchors.get(file)!.has(decodeURIComponent(anchor))) broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, file)}`);
    }
    t.strictSame(broken, [], `${links} relative links, none broken`);
  });
}
