/**
 * Automatic setup's decisions: what to ask or change next, given what is known about the
 * charger and the clock, and how each answer changes what is known. Pure: the driver
 * (driver.ts) does the I/O, one call at a time, each after the previous answer.
 *
 * The sequence after an accepted BootNotification (OCPP 1.6 §4.2):
 *   1. GetConfiguration [GetConfigurationMaxKeys] (§9.1), unless the vendor profile knows it;
 *   2. GetConfiguration of LEARNT_KEYS, at most GetConfigurationMaxKeys per call (§5.8: a key
 *      the charger does not know comes back in unknownKey; one missing from both lists, a
 *      truncated answer, counts as unknown);
 *   3. ChangeConfiguration (§5.3) of MeterValuesSampledData, then MeterValueSampleInterval, each
 *      only where the balancer needs it, the key exists, is not read-only, is not skipped by the
 *      vendor profile, and the same change was neither refused before nor made within
 *      repeatAfterMs; a charger whose value already fits is left alone (every write is flash).
 *
 * Never in a loop: what was changed, when, and the answer are kept in SQLite (memory.ts); runs
 * that a reboot or a disconnect cut short are counted, and after MAX_INTERRUPTED of them within
 * repeatAfterMs setup does not start again until that window has passed.
 */
import { LEARNT_KEYS, MAX_KEYS_KEY, csl, intValue } from './keys.js';
import type { KeyReading } from './learn.js';

export type ChangeResult = 'Accepted' | 'RebootRequired' | 'Rejected' | 'NotSupported' | 'Failed';

export interface ChangeRecord {
  value: string;
  /** Epoch ms. */
  at: number;
  result: ChangeResult;
  /** For Failed: the error in words. */
  error?: string;
}

export type SetupStatus = 'pending' | 'done' | 'failed';

/** Everything setup remembers about one charger (kept across restarts). */
export interface SetupMemory {
  keys: Record<string, KeyReading>;
  /** Keys the charger said it does not have (unknownKey, or left out of its answer). */
  unknownKeys: string[];
  /** When the keys were last read (epoch ms). */
  readAt?: number;
  /** The last ChangeConfiguration of each key. */
  changes: Record<string, ChangeRecord>;
  /** Start times (epoch ms) of runs that never finished: the charger rebooted or dropped during setup. */
  interrupted: number[];
  status?: { status: SetupStatus; reason?: string; at: number };
}

export const EMPTY_MEMORY: SetupMemory = { keys: {}, unknownKeys: [], changes: {}, interrupted: [] };

/** What a vendor profile and the config say about setup. */
export interface SetupRules {
  /** MeterValuesSampledData must contain these (default keys.ts BALANCER_MEASURANDS). */
  measurands: readonly string[];
  /** The MeterValueSampleInterval wanted, s (chargers.setup.meterValueSampleInterval). */
  sampleInterval: number;
  /** Bounds from the vendor profile, s. */
  minSampleInterval?: number;
  maxSampleInterval?: number;
  /** Keys never changed on this model. */
  skipChange: readonly string[];
  /** GetConfigurationMaxKeys known in advance (vendor profile): not asked. */
  maxKeys?: number;
  /** The same change is not repeated within this, ms (and a cut-short run counts within it). */
  repeatAfterMs: number;
}

/** Where the current run is. */
export interface RunProgress {
  /** GetConfigurationMaxKeys once known. */
  maxKeys?: number;
  /** Keys asked in this run. */
  asked: readonly string[];
  /** Keys changed (or whose change was decided against) in this run. */
  settled: readonly string[];
}

export type Step =
  | { kind: 'read'; keys: string[] }
  | { kind: 'change'; key: string; value: string; why: string }
  | { kind: 'done'; kept: { key: string; why: string }[] };

export const MAX_INTERRUPTED = 2;
export const REPEAT_AFTER_MS = 24 * 3600 * 1000;

/** Whether a run may start now; else why not. */
export function mayStart(memory: SetupMemory, rules: Pick<SetupRules, 'repeatAfterMs'>, now: number): { ok: true } | { ok: false; reason: string } {
  const recent = memory.interrupted.filter((t) => now - t < rules.repeatAfterMs);
  if (recent.length < MAX_INTERRUPTED) return { ok: true };
  const resume = new Date(Math.min(...recent) + rules.repeatAfterMs).toISOString();
  return { ok: false, reason: `setup was cut short ${recent.length} times (the charger rebooted or disconnected during it): not tried again before ${resume}` };
}

export function nextStep(memory: SetupMemory, run: RunProgress, rules: SetupRules, now: number): Step {
  const maxKeys = run.maxKeys ?? rules.maxKeys;
  if (maxKeys === undefined) return { kind: 'read', keys: [MAX_KEYS_KEY] };
  const toAsk = LEARNT_KEYS.filter((k) => !run.asked.includes(k));
  if (toAsk.length > 0) return { kind: 'read', keys: toAsk.slice(0, Math.max(1, maxKeys)) };
  const kept: { key: string; why: string }[] = [];
  for (const key of ['MeterValuesSampledData', 'MeterValueSampleInterval'] as const) {
    if (run.settled.includes(key)) continue;
    const wanted = key === 'MeterValuesSampledData' ? wantedMeasurands(memory, rules) : wantedInterval(memory, rules);
    if ('keep' in wanted) {
      kept.push({ key, why: wanted.keep });
      continue;
    }
    const blocked = mayNotChange(memory, key, wanted.value, rules, now);
    if (blocked) {
      kept.push({ key, why: blocked });
      continue;
    }
    return { kind: 'change', key, value: wanted.value, why: wanted.why };
  }
  return { kind: 'done', kept };
}

type Wanted = { value: string; why: string } | { keep: string };

function wantedMeasurands(memory: SetupMemory, rules: SetupRules): Wanted {
  const reading = memory.keys.MeterValuesSampledData;
  if (!reading) return { keep: 'the charger does not have MeterValuesSampledData' };
  const current = csl(reading.value);
  const missing = rules.measurands.filter((m) => !current.some((c) => c.toLowerCase() === m.toLowerCase()));
  if (missing.length === 0) return { keep: `already samples ${rules.measurands.join(', ')}` };
  // What it samples already stays (someone may rely on it), after what the balancer needs,
  // within MeterValuesSampledDataMaxLength (§9.1) when the charger states one.
  let value = [...rules.measurands, ...current.filter((c) => !rules.measurands.some((m) => m.toLowerCase() === c.toLowerCase()))];
  const maxLength = intValue(memory.keys.MeterValuesSampledDataMaxLength?.value);
  if (maxLength !== undefined && maxLength > 0) value = value.slice(0, maxLength);
  return { value: value.join(','), why: `MeterValues lack ${missing.join(', ')}` };
}

function wantedInterval(memory: SetupMemory, rules: SetupRules): Wanted {
  const reading = memory.keys.MeterValueSampleInterval;
  if (!reading) return { keep: 'the charger does not have MeterValueSampleInterval' };
  const min = rules.minSampleInterval ?? 1;
  const target = Math.max(min, Math.min(rules.sampleInterval, rules.maxSampleInterval ?? Infinity));
  const current = intValue(reading.value);
  // §9.1: 0 means no sampled data at all.
  if (current !== undefined && current >= min && current > 0 && current <= target) return { keep: `samples every ${current} s already (wanted at most ${target} s)` };
  const why = current === undefined ? `unreadable value ${JSON.stringify(reading.value ?? '')}` : current === 0 ? 'sampling is off (0)' : current < min ? `${current} s is below this model's ${min} s` : `${current} s is longer than ${target} s`;
  return { value: String(target), why };
}

/** Why a change must not be sent, or undefined when it may. */
export function mayNotChange(memory: SetupMemory, key: string, value: string, rules: Pick<SetupRules, 'skipChange' | 'repeatAfterMs'>, now: number): string | undefined {
  if (rules.skipChange.includes(key)) return 'the vendor profile says not to change it';
  const reading = memory.keys[key];
  if (!reading) return `the charger does not have ${key}`;
  if (reading.readonly) return `${key} is read-only on this charger`;
  const last = memory.changes[key];
  if (!last) return undefined;
  if (last.result === 'NotSupported') return `the charger answered NotSupported to a change of ${key} (${new Date(last.at).toISOString()}): not tried again`;
  if (last.result === 'Rejected' && last.value === value) return `the charger rejected ${key} = ${value} (${new Date(last.at).toISOString()}): not tried again`;
  if (now - last.at < rules.repeatAfterMs) return `${key} was changed to ${last.value} at ${new Date(last.at).toISOString()} (${last.result}): not again within ${Math.round(rules.repeatAfterMs / 3600000)} h`;
  return undefined;
}

/** A GetConfiguration answer folded into what is known. */
export function afterRead(
  memory: SetupMemory,
  run: RunProgress,
  asked: readonly string[],
  answer: { configurationKey?: { key: string; readonly: boolean; value?: string }[]; unknownKey?: string[] },
  now: number,
): { memory: SetupMemory; run: RunProgress } {
  const keys = { ...memory.keys };
  const unknown = new Set(memory.unknownKeys);
  const got = new Set<string>();
  for (const k of answer.configurationKey ?? []) {
    if (!asked.includes(k.key)) continue; // only what was asked: a charger that answers everything is read within bounds
    keys[k.key] = { readonly: k.readonly, ...(k.value !== undefined ? { value: k.value } : {}) };
    unknown.delete(k.key);
    got.add(k.key);
  }
  for (const k of asked) {
    if (got.has(k)) continue;
    delete keys[k];
    unknown.add(k);
  }
  let maxKeys = run.maxKeys;
  if (asked.includes(MAX_KEYS_KEY)) {
    const n = intValue(keys[MAX_KEYS_KEY]?.value);
    // Unknown or nonsense: one key per call, the careful choice.
    maxKeys = n !== undefined && n >= 1 ? n : 1;
  }
  return {
    memory: { ...memory, keys, unknownKeys: [...unknown].sort(), readAt: now },
    run: { ...run, asked: [...run.asked, ...asked.filter((k) => k !== MAX_KEYS_KEY)], ...(maxKeys !== undefined ? { maxKeys } : {}) },
  };
}

/** A ChangeConfiguration answer (or its failure) folded into what is known. */
export function afterChange(memory: SetupMemory, run: RunProgress, key: string, value: string, result: ChangeResult, now: number, error?: string): { memory: SetupMemory; run: RunProgress } {
  const keys = { ...memory.keys };
  // Accepted or RebootRequired: the value is the charger's (after its reboot for the latter).
  if ((result === 'Accepted' || result === 'RebootRequired') && keys[key]) keys[key] = { ...keys[key]!, value };
  return {
    memory: { ...memory, keys, changes: { ...memory.changes, [key]: { value, at: now, result, ...(error ? { error } : {}) } } },
    run: { ...run, settled: [...run.settled, key] },
  };
}
