// The committed JSON schema (for editors) must match the TypeBox source.
// To regenerate after changing schema.ts: UPDATE_SCHEMA=1 npx tap test/unit/config/schema-file.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { configJsonSchema } from '../../../src/config/schema.js';

const SCHEMA_FILE = fileURLToPath(new URL('../../../config/chargegate.schema.json', import.meta.url));

t.test('config/chargegate.schema.json is up to date', async (t) => {
  const generated = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (process.env.UPDATE_SCHEMA === '1') writeFileSync(SCHEMA_FILE, generated);
  t.equal(readFileSync(SCHEMA_FILE, 'utf8'), generated, 'run with UPDATE_SCHEMA=1 to regenerate');
});

t.test('keys with defaults may be omitted; required keys are required', async (t) => {
  const schema = configJsonSchema() as { required?: string[]; properties: Record<string, any> };
  t.equal(schema.required, undefined);
  t.equal(schema.properties.ocpp.required, undefined);
  // The password is required by securityProfile (1 and 2, not 3): a check across keys (config/security.ts).
  t.strictSame(schema.properties.chargers.properties.list.items.required, ['id']);
  t.strictSame(schema.properties.authorization.properties.list.items.required, ['idTag']);
  t.equal(schema.properties.ocpp.additionalProperties, false);
});
