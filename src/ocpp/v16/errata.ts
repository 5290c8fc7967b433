/**
 * The OCPP 1.6 errata, applied to the OCA 2015 schemas in memory when they are compiled: the
 * schema files stay byte for byte as published (schemas/v16/NOTICE.md). Pure: a patched deep
 * copy is returned, the input is not touched.
 *
 * - OCPP-J 1.6 errata, "MeterValues.json and StopTransaction.json incorrect spelling of
 *   Celsius": the schemas spell the unit `Celcius`; a central system must accept both
 *   `Celcius` and `Celsius` (the OCA's 2019 schema update added `Celsius` to MeterValues only,
 *   the later revision to StopTransaction too). Both files get `Celsius` here.
 * - OCPP 1.6 errata sheet v4.0 (2019-10-23) §3.84, page 106, section 7.45 "No UnitOfMeasure for
 *   Measurand Frequency": the unit of a Frequency sample is `Hertz`. The OCA schemas never
 *   listed it; chargers send it (Evnex firmware, issue 14), so it is accepted in both files.
 *
 * These are the two errata we found that change what a charger's message may contain (units);
 * we found none that changes a length or another enumeration. The field deviations beyond them
 * are handled by lenient validation (leniency.ts), not passed off as errata.
 */

/** The unit values the errata add, per schema file. */
export const ERRATA_UNITS: Readonly<Record<string, readonly string[]>> = {
  'MeterValues.json': ['Celsius', 'Hertz'],
  'StopTransaction.json': ['Celsius', 'Hertz'],
};

export function applyErrata16(file: string, schema: object): object {
  const copy = structuredClone(schema) as Record<string, unknown>;
  const units = ERRATA_UNITS[file];
  if (units) visit(copy, (node, key) => {
    if (key === 'unit' && Array.isArray(node.enum)) for (const u of units) if (!node.enum.includes(u)) node.enum.push(u);
  });
  return copy;
}

/** The lenient variant of a (patched) schema: no maxLength, since over-long strings are kept. */
export function withoutMaxLength(schema: object): object {
  const copy = structuredClone(schema) as Record<string, unknown>;
  // A second compile of the same file in one ajv: its id would clash with the strict one's.
  delete copy.id;
  delete copy.$id;
  visit(copy, (node) => {
    delete node.maxLength;
  });
  return copy;
}

type Node = Record<string, unknown> & { enum?: unknown[] };

/** Calls `fn` on every schema node, with the property name it describes (if any). */
function visit(node: Node, fn: (node: Node, key: string | undefined) => void, key?: string): void {
  fn(node, key);
  const props = node.properties;
  if (props && typeof props === 'object') for (const [k, v] of Object.entries(props)) if (v && typeof v === 'object') visit(v as Node, fn, k);
  const items = node.items;
  if (items && typeof items === 'object' && !Array.isArray(items)) visit(items as Node, fn, key);
  // The OCA 2.0.1 files keep their types in `definitions` (withoutMaxLength serves both versions).
  const defs = node.definitions;
  if (defs && typeof defs === 'object') for (const v of Object.values(defs)) if (v && typeof v === 'object') visit(v as Node, fn);
}
