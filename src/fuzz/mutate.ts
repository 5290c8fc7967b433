/**
 * Text mutations of a valid message (a frame, a payload, a query string): what a buggy
 * firmware, a flaky link or an attacker sends. Each returns new text; `mutateText` applies
 * one to five of them in a row.
 */
import type { Rng } from './prng.js';
import { PROTO_KEYS, WEIRD_NUMBER_TEXT, randomText, weirdString } from './values.js';

type Mutation = (rng: Rng, s: string) => string;

const at = (rng: Rng, s: string) => rng.int(s.length + 1);

const MUTATIONS: readonly Mutation[] = [
  // Bit flip in one character.
  (rng, s) => {
    if (!s) return s;
    const i = rng.int(s.length);
    return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << rng.int(16))) + s.slice(i + 1);
  },
  // Truncation.
  (rng, s) => s.slice(0, at(rng, s)),
  // Deletion of a range.
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + s.slice(i + 1 + rng.int(8));
  },
  // A range repeated.
  (rng, s) => {
    const i = at(rng, s);
    const j = Math.min(s.length, i + 1 + rng.int(16));
    return s.slice(0, j) + s.slice(i, j).repeat(1 + rng.int(3)) + s.slice(j);
  },
  // Unicode or control characters inserted.
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + randomText(rng, 1 + rng.int(4)) + s.slice(i);
  },
  // A JSON token inserted where it does not belong.
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + rng.pick(['[', ']', '{', '}', ',', ':', '"', '\\', 'null', 'true', '-', '.', 'e', ' ', '\n']) + s.slice(i);
  },
  // A number replaced by an extreme one.
  (rng, s) => replaceMatch(rng, s, /-?\d+(\.\d+)?([eE][+-]?\d+)?/g, () => rng.pick(WEIRD_NUMBER_TEXT)),
  // A string replaced by an awkward one.
  (rng, s) => replaceMatch(rng, s, /"(?:[^"\\]|\\.)*"/g, () => JSON.stringify(weirdString(rng))),
  // A value of the wrong type in place of a string, number, literal, object or array.
  (rng, s) => replaceMatch(rng, s, /"(?:[^"\\]|\\.)*"|-?\d+(\.\d+)?|true|false|null|\{\}|\[\]/g, () => rng.pick(['null', 'true', '0', '-1', '""', '[]', '{}', '"x"', '[[[]]]', '{"a":{}}', '1e400'])),
  // A duplicate key, a prototype key, at the start of an object.
  (rng, s) => replaceMatch(rng, s, /\{"([^"\\]*)"/g, (m) => `{"${rng.chance(0.5) ? rng.pick(PROTO_KEYS) : m.slice(2, -1)}":${rng.pick(['1', 'null', '{}', '"x"', '[]'])},${m.slice(1)}`),
  // Deep nesting around the whole message or inside it.
  (rng, s) => {
    const depth = rng.pick([2, 10, 100, 1000, 10000]);
    const open = rng.chance(0.5) ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    if (rng.chance(0.5)) return open.repeat(depth) + s + close.repeat(depth);
    const i = at(rng, s);
    return s.slice(0, i) + open.repeat(depth) + '1' + close.repeat(rng.chance(0.8) ? depth : rng.int(depth)) + s.slice(i);
  },
  // Whitespace padding (some clients pad, some parsers trip on it).
  (rng, s) => rng.pick([' ', '\t', '\n', '\r\n', '\ufeff', '\u00a0']).repeat(1 + rng.int(3)) + s,
  // Random garbage.
  (rng) => randomText(rng, rng.int(64)),
  // Swapped halves.
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(i) + s.slice(0, i);
  },
];

export function mutateText(rng: Rng, s: string): string {
  let out = s;
  for (let n = 1 + rng.int(rng.chance(0.7) ? 1 : 5); n > 0; n--) out = rng.pick(MUTATIONS)(rng, out);
  return out;
}

function replaceMatch(rng: Rng, s: string, re: RegExp, by: (match: string) => string): string {
  const matches = [...s.matchAll(re)];
  if (matches.length === 0) return s;
  const m = rng.pick(matches);
  const i = m.index;
  return s.slice(0, i) + by(m[0]) + s.slice(i + m[0].length);
}
