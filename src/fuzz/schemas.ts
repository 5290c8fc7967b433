/** The OCPP 1.6 request schemas the payloads are drawn from (the same files the validator compiles). */
import { existsSync, readFileSync } from 'node:fs';
import { CENTRAL_INITIATED_16, CHARGER_INITIATED_16 } from '../ocpp/v16/actions.js';
import type { Schema } from './schema-gen.js';

/** The 2015 set, then the security whitepaper's (validate.ts compiles both). */
const DIRS = [new URL('../ocpp/schemas/v16/', import.meta.url), new URL('../ocpp/schemas/v16-security/', import.meta.url)];

let cache: Map<string, Schema> | undefined;

/** Request schemas by action, both directions. */
export function requestSchemas(): ReadonlyMap<string, Schema> {
  if (!cache) {
    cache = new Map();
    for (const action of new Set<string>([...CHARGER_INITIATED_16, ...CENTRAL_INITIATED_16])) {
      const dir = DIRS.find((d) => existsSync(new URL(`${action}.json`, d)));
      if (!dir) throw new Error(`no schema file for ${action}`);
      const raw = JSON.parse(readFileSync(new URL(`${action}.json`, dir), 'utf8')) as Record<string, unknown>;
      cache.set(action, inlineRefs(raw, raw) as Schema);
    }
  }
  return cache;
}

/** Names that are no 1.6 action, or are one only by a prototype's or a spelling's accident. */
export const NOT_ACTIONS = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'heartbeat', 'Heartbeat ', ' Heartbeat', 'HeartBeat', 'NotifyReport', 'X'.repeat(300), '\u0000', 'Authorize\u0000'];

/**
 * The security whitepaper's files (draft-06) name shared types with `$ref: "#/definitions/X"`;
 * the generator reads plain schemas, so each reference is replaced by what it names (the OCPP
 * files have no recursive types).
 */
function inlineRefs(node: unknown, root: Record<string, unknown>, depth = 0): unknown {
  if (depth > 20 || typeof node !== 'object' || node === null) return node;
  if (Array.isArray(node)) return node.map((n) => inlineRefs(n, root, depth + 1));
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    let target: unknown = root;
    for (const part of ref.slice(2).split('/')) target = (target as Record<string, unknown> | undefined)?.[part];
    return inlineRefs(target ?? {}, root, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'definitions') out[k] = inlineRefs(v, root, depth + 1);
  return out;
}
