/**
 * Awkward values: the strings, numbers and shapes that break parsers and handlers. Shared by
 * every target so that each meets the same unicode, prototype keys and extreme numbers.
 */
import type { Rng } from './prng.js';

export const WEIRD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\u0000abc',
  '\u0007\b\f\n\r\t\u000b',
  '\u001b[31mred',
  '\ud800', // a lone high surrogate
  '\udfff',
  '\ud83d\ude00', // 😀
  '\ufeff', // byte order mark
  '\u200b\u200d', // zero-width
  '\u202e', // right-to-left override
  'é',
  'e\u0301', // e + combining accent
  '\uffff',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '-1',
  '0',
  'NaN',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  '%',
  '%00',
  '%2F',
  '%2B',
  '%ZZ',
  '%E0%A4%A',
  '../../etc/passwd',
  '/',
  '//',
  '+',
  '#',
  '$SYS',
  '"',
  '\\',
  "'; DROP TABLE sessions; --",
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '%s%s%n',
  'a'.repeat(20),
  'a'.repeat(21),
  'a'.repeat(36),
  'a'.repeat(37),
  'a'.repeat(255),
  'a'.repeat(256),
  'a'.repeat(257),
  'a'.repeat(5000),
  '2025-06-01T12:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2025-13-01T00:00:00Z',
  '2025-06-01T24:00:00Z',
  '2025-06-01T12:00:00+99:99',
  '2025-06-01 12:00:00',
  '2025-06-01T12:00:00',
  '2025-06-01T12:00:00.123456789012Z',
  '2025-06-01',
];

export const WEIRD_NUMBERS: readonly number[] = [
  0, -0, 1, -1, 2, 6, 16, 32, 0.1, 0.5, -0.5, 1.5, 6.3, 999, 1000, 1000.0001, 1001, 65535, 65536,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53),
  2 ** 63, -(2 ** 63), 2 ** 64, 1e20, 1e21, 1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE,
  5e-324, 1e-7,
];

/** Number spellings only JSON text can carry: precision loss, overflow to Infinity, odd forms. */
export const WEIRD_NUMBER_TEXT: readonly string[] = [
  '1e400', '-1e400', '1' + '0'.repeat(400), '0.' + '0'.repeat(400) + '1', '9007199254740993', '-0', '0e0', '1E2', '1.0', '-0.0',
  '123456789012345678901234567890', '4.9e-324', '2e-324',
];

export const PROTO_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

export function weirdString(rng: Rng): string {
  if (rng.chance(0.15)) return randomText(rng, rng.int(40));
  return rng.pick(WEIRD_STRINGS);
}

/** Random characters from across the code space, control characters and surrogates included. */
export function randomText(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const r = rng.int(10);
    if (r < 5) s += String.fromCharCode(0x20 + rng.int(95));
    else if (r < 7) s += String.fromCharCode(rng.int(0x20));
    else if (r < 8) s += String.fromCharCode(0xd800 + rng.int(0x800));
    else s += String.fromCharCode(rng.int(0x10000));
  }
  return s;
}

/** Any JSON value, of any type, possibly nested: what a wrong-typed field receives. */
export function anyValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(WEIRD_NUMBERS);
    case 3:
      return weirdString(rng);
    case 4:
      return rng.int(100);
    case 5:
      return Array.from({ length: rng.int(4) }, () => anyValue(rng, depth + 1));
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) defineKey(o, rng.chance(0.3) ? rng.pick(PROTO_KEYS) : weirdString(rng), anyValue(rng, depth + 1));
      return o;
    }
    default:
      return nested(rng, rng.range(10, 200));
  }
}

/** Deep nesting: arrays and objects inside each other `depth` times. */
export function nested(rng: Rng, depth: number): unknown {
  let v: unknown = rng.chance(0.5) ? 1 : 'x';
  for (let i = 0; i < depth; i++) v = rng.chance(0.5) ? [v] : { a: v };
  return v;
}

/** Sets an own property even for "__proto__" (as JSON.parse does), not the prototype. */
export function defineKey(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}
