/** The OCPP 1.6 request schemas the payloads are drawn from (the same files the validator compiles). */
import { readFileSync } from 'node:fs';
import { CENTRAL_INITIATED_16, CHARGER_INITIATED_16 } from '../ocpp/v16/actions.js';
import type { Schema } from './schema-gen.js';

const DIR = new URL('../ocpp/schemas/v16/', import.meta.url);

let cache: Map<string, Schema> | undefined;

/** Request schemas by action, both directions. */
export function requestSchemas(): ReadonlyMap<string, Schema> {
  if (!cache) {
    cache = new Map();
    for (const action of new Set<string>([...CHARGER_INITIATED_16, ...CENTRAL_INITIATED_16])) {
      cache.set(action, JSON.parse(readFileSync(new URL(`${action}.json`, DIR), 'utf8')) as Schema);
    }
  }
  return cache;
}

/** Names that are no 1.6 action, or are one only by a prototype's or a spelling's accident. */
export const NOT_ACTIONS = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'heartbeat', 'Heartbeat ', ' Heartbeat', 'HeartBeat', 'SecurityEventNotification', 'SignCertificate', 'NotifyReport', 'X'.repeat(300), '\u0000', 'Authorize\u0000'];
