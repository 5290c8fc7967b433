import t, { type Test } from 'tap';
import { isDateTime, isDateTimeByParse, isPlainDateTime } from '../../../src/ocpp/validate.js';

/**
 * The date-time format's fast path (validate.ts isPlainDateTime) may only say true where the
 * definition (the pattern and Date.parse) says true: then isDateTime, which asks the definition
 * whenever the fast path says false, gives the definition's verdict on every string.
 */
function check(t: Test, values: Iterable<string>): { plain: number; all: number } {
  let plain = 0;
  let all = 0;
  let wrong = 0;
  for (const s of values) {
    all++;
    const expected = isDateTimeByParse(s);
    const fast = isPlainDateTime(s);
    if (fast) plain++;
    if ((fast && !expected) || isDateTime(s) !== expected) {
      if (wrong++ < 20) t.fail(`${JSON.stringify(s)}: definition ${expected}, fast path ${fast}, isDateTime ${isDateTime(s)}`);
    }
  }
  t.equal(wrong, 0, `${all} strings, ${plain} taken by the fast path`);
  return { plain, all };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

t.test('every calendar field, in and out of its range', async (t) => {
  const values: string[] = [];
  for (const year of [0, 1, 1900, 1970, 2000, 2023, 2024, 2100, 9999]) {
    for (let month = 0; month <= 19; month++) {
      for (let day = 0; day <= 39; day++) values.push(`${pad(year, 4)}-${pad(month)}-${pad(day)}T12:00:00Z`);
    }
  }
  const { plain } = check(t, values);
  t.ok(plain > 1000, 'the fast path takes the real dates');
});

t.test('every time field, in and out of its range, with each kind of ending', async (t) => {
  const endings = ['', 'Z', 'z', '+00:00', '-00:00', '+23:59', '-23:59', '+24:00', '-24:00', '+00:60', '+99:99', '+0530', '-0530', '+05', '+05:3', '+05:300', '.5', '.5Z', '.123Z', '.1234567891234567Z', '.123456789+01:00', '.Z', '.', '..5Z', 'ZZ', 'Z ', ' ', 'x', '.5z', '.5+01:00Z', '+01:00:00', '\n'];
  const values: string[] = [];
  for (let hour = 0; hour <= 25; hour++) {
    for (const minute of [0, 1, 30, 59, 60, 99]) {
      for (const second of [0, 59, 60, 61, 99]) {
        for (const ending of endings) values.push(`2024-02-29T${pad(hour)}:${pad(minute)}:${pad(second)}${ending}`);
      }
    }
  }
  check(t, values);
});

t.test('every one-character change, deletion and insertion of valid strings', async (t) => {
  const bases = ['2024-05-01T12:34:56.789Z', '2024-05-01T12:34:56+02:00', '2024-05-01T12:34:56', '2000-02-29T23:59:59.1-23:59', '1900-02-28T00:00:00Z'];
  const chars = ['0', '1', '2', '3', '5', '9', '-', '+', ':', '.', 'T', 't', ' ', 'Z', 'z', 'a', '/', '\u0660', '\uff10'];
  const values: string[] = [];
  for (const base of bases) {
    values.push(base);
    for (let i = 0; i <= base.length; i++) {
      values.push(base.slice(0, i) + base.slice(i + 1));
      for (const c of chars) {
        values.push(base.slice(0, i) + c + base.slice(i + 1));
        values.push(base.slice(0, i) + c + base.slice(i));
      }
    }
  }
  check(t, values);
});

t.test('what toISOString makes, and random strings of the format\'s characters', async (t) => {
  let seed = 16;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const values: string[] = [];
  for (let k = 0; k < 20_000; k++) {
    const date = new Date(Date.UTC(0, 0, 1) + random() * (Date.UTC(9999, 11, 31) - Date.UTC(0, 0, 1)));
    values.push(date.toISOString());
    values.push(date.toISOString().replace('.000Z', 'Z').replace('Z', random() < 0.5 ? '+01:30' : ''));
  }
  const alphabet = '0123456789-:T.Z+ ';
  for (let k = 0; k < 50_000; k++) {
    const chars = '2024-05-01T12:34:56'.split('');
    // A valid start with a few characters swapped for others of the format, and a random tail.
    for (let m = 0; m < 1 + Math.floor(random() * 3); m++) chars[Math.floor(random() * chars.length)] = alphabet[Math.floor(random() * alphabet.length)]!;
    let tail = '';
    for (let m = Math.floor(random() * 8); m > 0; m--) tail += alphabet[Math.floor(random() * alphabet.length)];
    values.push(chars.join('') + tail);
  }
  const { plain } = check(t, values);
  t.ok(plain >= 40_000, 'the fast path takes what toISOString makes');
});

t.test('the fast path takes the bench\'s and the specs\' usual forms', async (t) => {
  for (const s of ['2026-12-04T08:45:00.123Z', '2024-05-01T12:00:00Z', '2024-05-01T12:00:00+02:00', '2024-05-01T12:00:00']) t.ok(isPlainDateTime(s), s);
  for (const s of ['2024-05-01t12:00:00z', '2024-05-01 12:00:00Z', '2024-05-01T12:00:00+0200']) {
    t.notOk(isPlainDateTime(s), `${s}: left to the definition`);
    t.ok(isDateTime(s), `${s}: valid all the same`);
  }
});
