import { readdirSync } from 'node:fs';
import t from 'tap';
import { compiledSchemaCount, validatorFor } from '../../../src/ocpp/validate.js';

// Issue #19: a gateway compiles only the schemas its chargers use, each once (the count is
// per process, and tap runs this file in its own).

t.test('a validator compiles nothing until an action is checked, then each schema once', async (t) => {
  const v16 = validatorFor('ocpp1.6');
  const v201 = validatorFor('ocpp2.0.1');
  t.equal(compiledSchemaCount(), 0, 'creating the validators compiles no schema');
  t.ok(v16.knows('Heartbeat'), 'actions are known without compiling');
  t.ok(v16.allows('Heartbeat', 'toCentral'));
  t.notOk(v16.knows('NoSuchAction'));
  t.equal(compiledSchemaCount(), 0);

  t.equal(v16.checkRequest('Heartbeat', {}), null);
  t.equal(compiledSchemaCount(), 1, 'the first check compiles the request schema');
  t.equal(v16.checkRequest('Heartbeat', { extra: 1 })?.code, 'FormationViolation', 'the compiled schema still refuses');
  t.equal(v16.checkRequest('Heartbeat', {}), null);
  t.equal(compiledSchemaCount(), 1, 'later checks reuse it');

  t.equal(v16.checkResponse('Heartbeat', { currentTime: '2024-05-01T12:00:00Z' }), null);
  t.equal(compiledSchemaCount(), 2, 'the response schema on its first use');
  t.equal(v16.checkRequestLenient('Heartbeat', {}), null);
  t.equal(compiledSchemaCount(), 3, 'the lenient variant only when leniency needs it');

  t.equal(v16.checkRequest('NoSuchAction', {})?.code, 'NotImplemented', 'an unknown action compiles nothing');
  t.equal(compiledSchemaCount(), 3);
  t.equal(v201.checkRequest('Heartbeat', {}), null, 'the other version compiles its own');
  t.equal(compiledSchemaCount(), 4);
});

t.test('the errata-applied request schema is there for the lenient repair without compiling it', async (t) => {
  const before = compiledSchemaCount();
  const schema = validatorFor('ocpp1.6').requestSchema('StartTransaction') as { properties?: Record<string, unknown> };
  t.ok(schema.properties?.idTag);
  t.equal(validatorFor('ocpp1.6').requestSchema('StartTransaction'), schema, 'parsed once');
  t.equal(compiledSchemaCount(), before);
});

t.test('every schema file of both versions still compiles (they are no longer all compiled at start-up)', async (t) => {
  const actionsIn = (dir: string) =>
    readdirSync(new URL(`../../../src/ocpp/schemas/${dir}/`, import.meta.url))
      .filter((f) => f.endsWith('.json') && !f.endsWith('Response.json'))
      .map((f) => f.replace(/(Request)?\.json$/, ''));
  for (const [version, dirs] of [
    ['ocpp1.6', ['v16', 'v16-security']],
    ['ocpp2.0.1', ['v201']],
  ] as const) {
    const v = validatorFor(version);
    const actions = dirs.flatMap(actionsIn);
    t.ok(actions.length > 20, `${version}: ${actions.length} actions`);
    for (const action of actions) {
      t.ok(v.knows(action), `${version} knows ${action}`);
      t.doesNotThrow(() => v.checkRequest(action, {}), `${version} ${action} request`);
      t.doesNotThrow(() => v.checkResponse(action, {}), `${version} ${action} response`);
      t.doesNotThrow(() => v.checkRequestLenient(action, {}), `${version} ${action} lenient`);
    }
  }
});
