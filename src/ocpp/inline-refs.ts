/**
 * Inlines a JSON schema's local `$ref`s (`#/definitions/<Name>`) before ajv compiles it. Pure.
 *
 * The OCA's 2.0.1 schemas describe each type once under `definitions` and refer to it
 * everywhere (667 `$ref`s in the 129 files): ajv inlines only a referenced schema that has no
 * `$ref` of its own, and compiles each other one to a function of its own, called (with its
 * error bookkeeping) for every value it checks. A TransactionEvent with its meter values pays a
 * call per sample, per unit of measure, per custom data. Replacing each `$ref` by a copy of what
 * it names makes one function of the whole schema: the same checks, in the same order, so the
 * same verdict and the same first error (instancePath, keyword, params; only the schemaPath,
 * which chargegate does not use, names the inlined place).
 *
 * Left as it is: a `$ref` that is not local (`#/definitions/...`), names nothing, or is
 * recursive (its definition refers back to itself, directly or through others: inlining it would
 * never end). `definitions` stays in the result, so those references still resolve. A `$ref`
 * with sibling keywords is left too (draft-06 ignores the siblings and ajv 8 does not: a copy
 * would have to choose); the OCA's files have none.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const LOCAL = '#/definitions/';

/** Keywords whose value is a map of names to schemas (a property named "$ref" is not a reference). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', 'dependencies']);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The schema with its local, non-recursive `$ref`s replaced by copies of their definitions; the input is not changed. */
export function inlineLocalRefs<T extends object>(schema: T): T {
  const root = schema as unknown as JsonObject;
  const definitions = isObject(root.definitions) ? root.definitions : undefined;
  if (!definitions) return schema;

  /** The definition a `$ref` node names, when it is one this module inlines. */
  const target = (node: JsonObject): string | undefined => {
    const ref = node.$ref;
    if (typeof ref !== 'string' || !ref.startsWith(LOCAL) || Object.keys(node).length !== 1) return undefined;
    const name = ref.slice(LOCAL.length);
    return Object.hasOwn(definitions, name) ? name : undefined;
  };

  // A schema (a keyword's value that is a schema or holds schemas), walked with the chain of
  // definitions being expanded: a reference to one of them is a cycle and stays a reference.
  const schemaNode = (node: Json, expanding: readonly string[]): Json => {
    if (Array.isArray(node)) return node.map((item) => schemaNode(item, expanding));
    if (!isObject(node)) return node;
    const name = target(node);
    if (name !== undefined) {
      if (expanding.includes(name)) return node;
      return schemaNode(definitions[name]!, [...expanding, name]);
    }
    const out: JsonObject = {};
    for (const key of Object.keys(node)) {
      const value = node[key]!;
      if (key === 'definitions' && node === root) out[key] = value;
      else if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples' || key === 'required') out[key] = value;
      else if (SCHEMA_MAPS.has(key) && isObject(value)) {
        const map: JsonObject = {};
        for (const prop of Object.keys(value)) map[prop] = schemaNode(value[prop]!, expanding);
        out[key] = map;
      } else if (typeof value === 'object' && value !== null) out[key] = schemaNode(value, expanding);
      else out[key] = value;
    }
    return out;
  };
  return schemaNode(root, []) as unknown as T;
}
