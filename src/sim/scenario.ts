/**
 * Scenario files for `chargegate sim --scenario FILE`: which chargers exist and a timeline of
 * what happens to them, so that a demo or a benchmark is the same every time. YAML or JSON
 * (YAML is a superset). Validated completely up front; every problem is reported with the
 * place it is in ("step 3: unknown action "x"").
 *
 *   chargers:
 *     - { id: CP-1, connectors: 2, phases: 3, maxCurrent: 16, password: secret }
 *     - { id: CP-2, misbehave: late:25 }
 *   timeline:
 *     - { at: 0,   charger: CP-1, connector: 1, do: plugIn }
 *     - { at: 1,   charger: CP-1, connector: 1, do: start, idTag: TAG01 }
 *     - { at: 30,  charger: CP-1, connector: 1, do: setCarMaxCurrent, value: 10 }
 *     - { at: 300, charger: CP-1, do: misbehave, value: ignore }
 *     - { at: 600, charger: CP-1, connector: 1, do: stop, value: EVDisconnected }
 */
import { parse } from 'yaml';
import type { StopReason } from './charger.js';
import { MisbehaviourError, parseMisbehaviour, type Misbehaviour } from './misbehaviour.js';

export const SCENARIO_ACTIONS = ['plugIn', 'authorize', 'start', 'stop', 'unplug', 'meterValues', 'fault', 'disconnect', 'setCarMaxCurrent', 'misbehave'] as const;
export type ScenarioAction = (typeof SCENARIO_ACTIONS)[number];

const STOP_REASONS: readonly StopReason[] = ['EmergencyStop', 'EVDisconnected', 'HardReset', 'Local', 'Other', 'PowerLoss', 'Reboot', 'Remote', 'SoftReset', 'UnlockCommand', 'DeAuthorized'];
/** Actions that concern the whole charger, not one connector. */
const CHARGER_WIDE: readonly ScenarioAction[] = ['authorize', 'disconnect', 'misbehave'];

export interface ScenarioCharger {
  id: string;
  password?: string;
  connectors: number;
  phases: 1 | 3;
  maxCurrent: number;
  /** From the start; a `misbehave` step changes it later. */
  misbehave?: Misbehaviour;
}

export interface ScenarioStep {
  /** Seconds after the start. */
  at: number;
  charger: string;
  connector?: number;
  do: ScenarioAction;
  idTag?: string;
  /** setCarMaxCurrent: amperes; stop: the reason (default Local); misbehave: a misbehaviour or "none". */
  value?: number | string;
}

export interface Scenario {
  chargers: ScenarioCharger[];
  /** Sorted by `at`; steps at the same second keep their file order. */
  timeline: ScenarioStep[];
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(readonly problems: string[]) {
    super(`invalid scenario:\n  ${problems.join('\n  ')}`);
  }
}

export interface ScenarioDefaults {
  connectors: number;
  phases: 1 | 3;
  maxCurrent: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a scenario file's text; throws ScenarioError listing every problem. */
export function parseScenario(text: string, defaults: ScenarioDefaults): Scenario {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ScenarioError([`not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  const problems: string[] = [];
  if (!isObj(doc)) throw new ScenarioError(['the file must be a mapping with "chargers" and "timeline"']);
  unknownKeys(doc, ['chargers', 'timeline'], 'the scenario', problems);
  const chargers = parseChargers(doc.chargers, defaults, problems);
  const timeline = parseTimeline(doc.timeline, new Map(chargers.map((c) => [c.id, c])), problems);
  if (problems.length > 0) throw new ScenarioError(problems);
  return { chargers, timeline: timeline.map((s, i) => ({ s, i })).sort((a, b) => a.s.at - b.s.at || a.i - b.i).map(({ s }) => s) };
}

function parseChargers(raw: unknown, d: ScenarioDefaults, problems: string[]): ScenarioCharger[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push('"chargers" must be a non-empty list');
    return [];
  }
  const out: ScenarioCharger[] = [];
  raw.forEach((c: unknown, i) => {
    const where = `charger ${i + 1}`;
    if (!isObj(c)) return void problems.push(`${where}: must be a mapping with at least "id"`);
    unknownKeys(c, ['id', 'password', 'connectors', 'phases', 'maxCurrent', 'misbehave'], where, problems);
    if (typeof c.id !== 'string' || !/^[A-Za-z0-9._:-]{1,48}$/.test(c.id)) return void problems.push(`${where}: "id" must be 1-48 letters, digits or . _ : -`);
    if (out.some((o) => o.id === c.id)) return void problems.push(`${where}: id "${c.id}" is used twice`);
    const connectors = c.connectors ?? d.connectors;
    const phases = c.phases ?? d.phases;
    const maxCurrent = c.maxCurrent ?? d.maxCurrent;
    if (!Number.isInteger(connectors) || (connectors as number) < 1 || (connectors as number) > 10) problems.push(`${where}: "connectors" must be an integer 1..10`);
    if (phases !== 1 && phases !== 3) problems.push(`${where}: "phases" must be 1 or 3`);
    if (typeof maxCurrent !== 'number' || maxCurrent < 6 || maxCurrent > 80) problems.push(`${where}: "maxCurrent" must be a number of amperes 6..80`);
    if (c.password !== undefined && typeof c.password !== 'string') problems.push(`${where}: "password" must be a string`);
    const misbehave = c.misbehave === undefined ? undefined : misbehaviourOf(c.misbehave, `${where}: "misbehave"`, problems);
    out.push({
      id: c.id,
      connectors: connectors as number,
      phases: phases as 1 | 3,
      maxCurrent: maxCurrent as number,
      ...(typeof c.password === 'string' ? { password: c.password } : {}),
      ...(misbehave ? { misbehave } : {}),
    });
  });
  return out;
}

function parseTimeline(raw: unknown, chargers: Map<string, ScenarioCharger>, problems: string[]): ScenarioStep[] {
  if (!Array.isArray(raw)) {
    problems.push('"timeline" must be a list of steps');
    return [];
  }
  const out: ScenarioStep[] = [];
  raw.forEach((s: unknown, i) => {
    const where = `step ${i + 1}`;
    if (!isObj(s)) return void problems.push(`${where}: must be a mapping like { at: 0, charger: CP-1, connector: 1, do: plugIn }`);
    unknownKeys(s, ['at', 'charger', 'connector', 'do', 'idTag', 'value'], where, problems);
    const action = s.do;
    if (typeof action !== 'string' || !(SCENARIO_ACTIONS as readonly string[]).includes(action)) {
      return void problems.push(`${where}: unknown action ${JSON.stringify(action)} (allowed: ${SCENARIO_ACTIONS.join(', ')})`);
    }
    const act = action as ScenarioAction;
    if (typeof s.at !== 'number' || !Number.isFinite(s.at) || s.at < 0) problems.push(`${where}: "at" must be a number of seconds >= 0`);
    const charger = typeof s.charger === 'string' ? chargers.get(s.charger) : undefined;
    if (!charger) return void problems.push(`${where}: unknown charger ${JSON.stringify(s.charger)} (declared: ${[...chargers.keys()].join(', ') || 'none'})`);
    if (!CHARGER_WIDE.includes(act)) {
      if (!Number.isInteger(s.connector) || (s.connector as number) < 1 || (s.connector as number) > charger.connectors) {
        problems.push(`${where}: "${act}" needs "connector" 1..${charger.connectors}`);
      }
    }
    if (s.idTag !== undefined && (typeof s.idTag !== 'string' || s.idTag.length < 1 || s.idTag.length > 20)) problems.push(`${where}: "idTag" must be 1-20 characters`);
    if (act === 'setCarMaxCurrent' && (typeof s.value !== 'number' || s.value < 0)) problems.push(`${where}: setCarMaxCurrent needs "value" in amperes >= 0`);
    if (act === 'stop' && s.value !== undefined && !STOP_REASONS.includes(s.value as StopReason)) problems.push(`${where}: stop "value" must be a reason: ${STOP_REASONS.join(', ')}`);
    if (act === 'misbehave' && s.value !== 'none') misbehaviourOf(s.value, `${where}: misbehave "value" (or none)`, problems);
    out.push({
      at: s.at as number,
      charger: charger.id,
      do: act,
      ...(Number.isInteger(s.connector) ? { connector: s.connector as number } : {}),
      ...(typeof s.idTag === 'string' ? { idTag: s.idTag } : {}),
      ...(typeof s.value === 'number' || typeof s.value === 'string' ? { value: s.value } : {}),
    });
  });
  return out;
}

/** A misbehaviour written as in `--misbehave` without the count: `silent`, `late:25`, `noboot:30`. */
function misbehaviourOf(raw: unknown, where: string, problems: string[]): Misbehaviour | undefined {
  if (typeof raw !== 'string') {
    problems.push(`${where} must be a string like silent or late:25, got ${JSON.stringify(raw)}`);
    return undefined;
  }
  try {
    return parseMisbehaviour(raw);
  } catch (err) {
    if (!(err instanceof MisbehaviourError)) throw err;
    problems.push(`${where}: ${err.message}`);
    return undefined;
  }
}

function unknownKeys(o: Obj, allowed: string[], where: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${where}: unknown field "${k}" (allowed: ${allowed.join(', ')})`);
}
