import t, { type Test } from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';
import { inlineLocalRefs } from '../../../src/ocpp/inline-refs.js';
import { isDateTime } from '../../../src/ocpp/validate.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: Json };

const draft06 = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json') as object;
const dir = new URL('../../../src/ocpp/schemas/v201/', import.meta.url);

/** An ajv set up as validate.ts sets up its draft-06 one. */
function ajv(): Ajv {
  const a = new Ajv({ allErrors: false, strict: false, multipleOfPrecision: 6 });
  a.addMetaSchema(draft06);
  a.addFormat('date-time', { type: 'string', validate: isDateTime });
  a.addFormat('uri', { type: 'string', validate: (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(s) });
  return a;
}

const resolve = (root: Schema, node: Schema): Schema => {
  const ref = node.$ref;
  return typeof ref === 'string' ? resolve(root, (root.definitions as Schema)[ref.slice('#/definitions/'.length)] as Schema) : node;
};

/** A valid instance of the schema: every property (full) or only the required ones. */
function sample(root: Schema, node: Schema, full: boolean, depth = 0): Json {
  const s = resolve(root, node);
  if (Array.isArray(s.enum)) return s.enum[s.enum.length - 1]!;
  switch (s.type) {
    case 'object': {
      const out: Record<string, Json> = {};
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      for (const [name, p] of Object.entries(props)) if (required.includes(name) || (full && depth < 6)) out[name] = sample(root, p, full, depth + 1);
      return out;
    }
    case 'array': {
      const n = Math.max(Number(s.minItems ?? 0), full ? 2 : 1);
      return Array.from({ length: Math.min(n, Number(s.maxItems ?? n)) }, () => sample(root, s.items as Schema, full, depth + 1));
    }
    case 'string':
      if (s.format === 'date-time') return '2026-12-04T08:00:00.000Z';
      if (s.format === 'uri') return 'wss://example.com/ocpp';
      return 'x'.repeat(Math.min(3, Number(s.maxLength ?? 3)));
    case 'integer':
      return Number(s.minimum ?? 1);
    case 'number':
      return Number(s.minimum ?? 1.5);
    case 'boolean':
      return true;
    default:
      return 'anything';
  }
}

/** Every path to a value in an instance. */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...at, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
  return out;
}

/** Invalid variants (most of them) of a valid instance: each value removed, of another type, too long, out of range, an extra property… */
function mutations(valid: Json): Json[] {
  const replacements: Json[] = [null, true, 1.5, -1, 0, 'x'.repeat(2600), 'NotInAnyEnum', '2026-13-45', [], {}, [valid]];
  const out: Json[] = [];
  for (const path of paths(valid)) {
    const edit = (fn: (parent: Json[] | Record<string, Json>, key: string | number) => void) => {
      const copy = structuredClone(valid);
      if (path.length === 0) return;
      let parent = copy as Record<string | number, Json>;
      for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
      fn(parent as Record<string, Json>, path.at(-1)!);
      out.push(copy);
    };
    for (const r of replacements) edit((p, k) => void ((p as Record<string, Json>)[k] = r));
    edit((p, k) => (Array.isArray(p) ? p.splice(k as number, 1) : delete p[k]));
    edit((p, k) => {
      const v = (p as Record<string, Json>)[k];
      if (v && typeof v === 'object' && !Array.isArray(v)) v.notInTheSchema = 1;
      if (Array.isArray(v)) v.push(...Array.from({ length: 300 }, () => v[0] ?? null));
    });
  }
  out.push(null, [], 'text', { notInTheSchema: 1 });
  return out;
}

const firstError = (errors: ErrorObject[] | null | undefined) => {
  const e = errors?.[0];
  return e && { instancePath: e.instancePath, keyword: e.keyword, params: e.params, message: e.message };
};

/** Compares the inlined and the original schema on valid and mutated samples; counts what was compared. */
function compareOn(t: Test, file: string, original: Schema, counts: { valid: number; invalid: number }): void {
  const before = JSON.stringify(original);
  const inlined = inlineLocalRefs(original);
  if (JSON.stringify(original) !== before) t.fail(`${file}: the input was changed`);
  if (JSON.stringify({ ...inlined, definitions: {} }).includes('$ref')) t.fail(`${file}: a $ref is left (none of the OCA's is recursive)`);
  // Two ajvs: the copies share the file's $id.
  const check = ajv().compile(original);
  const checkInlined = ajv().compile(inlined);
  for (const full of [false, true]) {
    const good = sample(original, original, full);
    if (!check(good)) t.fail(`${file}: the test's sample is not valid: ${JSON.stringify(check.errors)}`);
    for (const payload of [good, ...mutations(good)]) {
      const verdict = check(payload);
      const verdictInlined = checkInlined(payload);
      if (verdict !== verdictInlined || JSON.stringify(firstError(check.errors)) !== JSON.stringify(firstError(checkInlined.errors))) {
        t.fail(`${file}: differ on ${JSON.stringify(payload).slice(0, 300)}`, { original: firstError(check.errors), inlined: firstError(checkInlined.errors) });
      }
      if (verdict) counts.valid++;
      else counts.invalid++;
    }
  }
}

const read = (folder: URL, file: string) => JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as Schema;

t.test('every 2.0.1 request schema: the inlined and the original give the same verdict and first error', async (t) => {
  const files = readdirSync(dir).filter((f) => f.endsWith('Request.json'));
  t.equal(files.length, 64);
  const counts = { valid: 0, invalid: 0 };
  for (const file of files) compareOn(t, file, read(dir, file), counts);
  t.ok(counts.valid >= 128, `valid samples compared: ${counts.valid}`);
  t.ok(counts.invalid > 5000, `invalid samples compared: ${counts.invalid}`);
});

t.test('the other schemas with a $ref (2.0.1 responses, the 1.6 security whitepaper\'s): the same verdict and first error', async (t) => {
  const security16 = new URL('../../../src/ocpp/schemas/v16-security/', import.meta.url);
  const files: [URL, string][] = [
    ...readdirSync(dir).filter((f) => f.endsWith('Response.json')).map((f): [URL, string] => [dir, f]),
    ...readdirSync(security16).filter((f) => f.endsWith('.json')).map((f): [URL, string] => [security16, f]),
  ];
  const counts = { valid: 0, invalid: 0 };
  let withRefs = 0;
  for (const [folder, file] of files) {
    const schema = read(folder, file);
    if (!JSON.stringify(schema).includes('"$ref"')) continue;
    withRefs++;
    compareOn(t, file, schema, counts);
  }
  t.ok(withRefs >= 16 + 64, `schemas with a $ref compared: ${withRefs}`);
  t.ok(counts.invalid > 1000, `invalid samples compared: ${counts.invalid}`);
});

t.test('a recursive $ref stays a reference (a cycle), the others are inlined', async (t) => {
  const schema: Schema = {
    $schema: 'http://json-schema.org/draft-06/schema#',
    definitions: {
      Node: { type: 'object', properties: { name: { $ref: '#/definitions/Name' }, children: { type: 'array', items: { $ref: '#/definitions/Node' } } }, required: ['name'], additionalProperties: false },
      Name: { type: 'string', maxLength: 5 },
    },
    type: 'object',
    properties: { root: { $ref: '#/definitions/Node' }, other: { $ref: '#/definitions/Missing' }, properties: { type: 'object', properties: { $ref: { type: 'string' } } } },
  };
  const inlined = inlineLocalRefs(schema) as { properties: Record<string, Schema> };
  const root = inlined.properties.root!;
  t.same(root.properties, { name: { type: 'string', maxLength: 5 }, children: { type: 'array', items: { $ref: '#/definitions/Node' } } });
  t.same(inlined.properties.other, { $ref: '#/definitions/Missing' }, 'a $ref that names nothing stays');
  t.same(inlined.properties.properties, { type: 'object', properties: { $ref: { type: 'string' } } }, 'a property named $ref is not a reference');
  const { other: _, ...withoutMissing } = (schema.properties as Schema);
  const check = ajv().compile(inlineLocalRefs({ ...schema, properties: withoutMissing }));
  t.ok(check({ root: { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] } }));
  t.notOk(check({ root: { name: 'a', children: [{ name: 'b', children: [{ name: 'toolong' }] }] } }));
  t.equal(check.errors?.[0]?.instancePath, '/root/children/0/children/0/name');
});

t.test('a schema without definitions is returned as it is', async (t) => {
  const schema = { type: 'object', properties: { a: { type: 'string' } } };
  t.equal(inlineLocalRefs(schema), schema);
});
