import t from 'tap';
import { HttpError } from '../../../src/http/errors.js';
import { parseBody, parseQuery } from '../../../src/http/params.js';

const SPEC = {
  limit: { type: 'integer', minimum: 1, maximum: 100, description: 'How many.' },
  amps: { type: 'ampsOrNull', maximum: 1000, description: 'A per phase.' },
} as const;

t.test('declared parameters are read by their type', async (t) => {
  t.same(parseQuery(SPEC, new URLSearchParams('limit=5&amps=null')), { limit: 5, amps: null });
  t.same(parseBody(SPEC, { limit: 5, amps: 16.5 }), { limit: 5, amps: 16.5 });
});

t.test('names inherited from Object.prototype are unknown, not fields (found by npm run fuzz)', async (t) => {
  for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', '__defineGetter__']) {
    t.throws(() => parseQuery(SPEC, new URLSearchParams(`${name}=x`)), { code: 'bad_query', message: new RegExp(`unknown parameter "${name}"`) }, `?${name}=x`);
    // JSON.parse makes "__proto__" an own key, as a client's body does.
    const body = JSON.parse(`{"${name}": 1}`) as unknown;
    t.throws(() => parseBody(SPEC, body), { code: 'bad_body', message: new RegExp(`unknown key "${name}"`) }, `{"${name}": 1}`);
  }
  t.throws(() => parseBody({}, JSON.parse('{"constructor": {}}')), HttpError, 'also where nothing is declared');
});
