/**
 * Setup's memory per charger, in the SQLite meta table (one JSON value per charger, key
 * `setup.<chargerId>`): written after every answer, so a restart or a rebooting charger never
 * makes chargegate forget what it already changed. A value that cannot be read is treated as
 * empty (and logged by the caller): the worst outcome is one more careful setup run.
 */
import type { MetaStore } from '../store/ports.js';
import { EMPTY_MEMORY, type SetupMemory } from './plan.js';

const PREFIX = 'setup.';

export interface SetupMemoryStore {
  load(chargerId: string): { memory: SetupMemory; unreadable?: string };
  save(chargerId: string, memory: SetupMemory): void;
}

export function metaSetupMemory(meta: MetaStore): SetupMemoryStore {
  return {
    load(chargerId) {
      const text = meta.get(PREFIX + chargerId);
      if (text === undefined) return { memory: EMPTY_MEMORY };
      try {
        const raw = JSON.parse(text) as Partial<SetupMemory>;
        return {
          memory: {
            keys: isRecord(raw.keys) ? (raw.keys as SetupMemory['keys']) : {},
            unknownKeys: Array.isArray(raw.unknownKeys) ? raw.unknownKeys.filter((k): k is string => typeof k === 'string') : [],
            changes: isRecord(raw.changes) ? (raw.changes as SetupMemory['changes']) : {},
            interrupted: Array.isArray(raw.interrupted) ? raw.interrupted.filter((t): t is number => typeof t === 'number') : [],
            ...(typeof raw.readAt === 'number' ? { readAt: raw.readAt } : {}),
            ...(isRecord(raw.status) ? { status: raw.status as SetupMemory['status'] } : {}),
          },
        };
      } catch (err) {
        return { memory: EMPTY_MEMORY, unreadable: (err as Error).message };
      }
    },
    save(chargerId, memory) {
      meta.set(PREFIX + chargerId, JSON.stringify(memory));
    },
  };
}

function isRecord(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
