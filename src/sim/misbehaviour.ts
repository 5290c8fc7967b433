/**
 * The ways a simulated charger can misbehave, modelled on chargers seen in the field (see
 * docs/simulator.md): how they are written (`--misbehave silent=1,late=2:25`, a scenario's
 * `misbehave: late:25`), which chargers of a fleet get them, and what a misbehaving charger
 * does with one CALL from the central system. Pure: no I/O and no clock.
 */
import type { CentralAction16 } from '../ocpp/v16/actions.js';

export const MISBEHAVIOUR_KINDS = ['silent', 'callerror', 'reject', 'ignore', 'late', 'noboot', 'disconnect'] as const;
export type MisbehaviourKind = (typeof MISBEHAVIOUR_KINDS)[number];

export type Misbehaviour =
  /** Answers no CALL at all (no CALLRESULT, no CALLERROR), but sends its own CALLs. */
  | { kind: 'silent' }
  /** SetChargingProfile and ClearChargingProfile get CALLERROR NotImplemented. */
  | { kind: 'callerror' }
  /** SetChargingProfile gets status Rejected (nothing is installed). */
  | { kind: 'reject' }
  /** SetChargingProfile is Accepted and installed, but the car draws its maximum anyway. */
  | { kind: 'ignore' }
  /** Every CALL is handled, and answered, `delaySeconds` after it arrived. */
  | { kind: 'late'; delaySeconds: number }
  /**
   * Works without BootNotification: StatusNotification, transactions, MeterValues, Heartbeat
   * and answers from the moment it connects. It boots `bootDelaySeconds` after each connect,
   * or never when undefined (then TriggerMessage BootNotification is Accepted and ignored).
   */
  | { kind: 'noboot'; bootDelaySeconds?: number }
  /** A SetChargingProfile makes it close the connection without answering; it reconnects. */
  | { kind: 'disconnect' };

/** How late a `late` charger answers when no delay is given: under the gateway's 30 s call timeout. */
export const DEFAULT_LATE_SECONDS = 25;
const MAX_SECONDS = 86_400;
const MAX_COUNT = 1000;

/** A misbehaviour written wrongly; the message names the value and what is allowed (no flag: callers add it). */
export class MisbehaviourError extends Error {
  override readonly name = 'MisbehaviourError';
}

const ALLOWED = `allowed: ${MISBEHAVIOUR_KINDS.join(', ')}; late:SECONDS and noboot:SECONDS take a delay`;

/** `silent`, `late`, `late:0.3`, `noboot`, `noboot:30`, … (`none` is not a misbehaviour: callers decide). */
export function parseMisbehaviour(text: string): Misbehaviour {
  const m = /^([A-Za-z]+)(?::(.*))?$/.exec(text.trim());
  const kind = m?.[1];
  if (!m || !(MISBEHAVIOUR_KINDS as readonly string[]).includes(kind!)) throw new MisbehaviourError(`unknown misbehaviour "${text}" (${ALLOWED})`);
  const seconds = m[2] === undefined ? undefined : parseSeconds(m[2], kind!);
  switch (kind as MisbehaviourKind) {
    case 'late':
      return { kind: 'late', delaySeconds: seconds ?? DEFAULT_LATE_SECONDS };
    case 'noboot':
      return seconds === undefined ? { kind: 'noboot' } : { kind: 'noboot', bootDelaySeconds: seconds };
    default:
      if (seconds !== undefined) throw new MisbehaviourError(`"${text}": ${kind} takes no :SECONDS (only late and noboot do)`);
      return { kind: kind as Exclude<MisbehaviourKind, 'late' | 'noboot'> };
  }
}

function parseSeconds(text: string, kind: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > MAX_SECONDS) {
    throw new MisbehaviourError(`${kind}:SECONDS must be a number of seconds 0..${MAX_SECONDS}, got "${text}"`);
  }
  return n;
}

/** The canonical text of a misbehaviour, as parseMisbehaviour reads it (logs, summaries). */
export function formatMisbehaviour(m: Misbehaviour): string {
  if (m.kind === 'late') return `late:${m.delaySeconds}`;
  if (m.kind === 'noboot' && m.bootDelaySeconds !== undefined) return `noboot:${m.bootDelaySeconds}`;
  return m.kind;
}

/** How many chargers of a fleet get one misbehaviour. */
export interface MisbehaviourCount {
  misbehaviour: Misbehaviour;
  count: number;
}

/**
 * `KIND=COUNT[:SECONDS],…`, e.g. `silent=1,late=2:0.3,noboot=1`. Each kind at most once; the
 * order is kept, because it decides which chargers get which (assignMisbehaviours).
 */
export function parseMisbehaviourCounts(text: string): MisbehaviourCount[] {
  const out: MisbehaviourCount[] = [];
  const items = text.split(',').map((s) => s.trim());
  for (const item of items) {
    const m = /^([^=:]*)=([^:]*)(?::(.*))?$/.exec(item);
    if (!m) throw new MisbehaviourError(`"${item}" must be KIND=COUNT or KIND=COUNT:SECONDS (${ALLOWED})`);
    const [, kind = '', countText = '', seconds] = m;
    const count = Number(countText);
    if (!/^\d+$/.test(countText) || count > MAX_COUNT) throw new MisbehaviourError(`the count in "${item}" must be a whole number 0..${MAX_COUNT}, got "${countText}"`);
    const misbehaviour = parseMisbehaviour(seconds === undefined ? kind : `${kind}:${seconds}`);
    if (out.some((o) => o.misbehaviour.kind === misbehaviour.kind)) throw new MisbehaviourError(`${misbehaviour.kind} is given twice in "${text}"`);
    out.push({ misbehaviour, count });
  }
  return out;
}

/** Total chargers a list of counts needs. */
export function misbehavingCount(counts: readonly MisbehaviourCount[]): number {
  return counts.reduce((sum, c) => sum + c.count, 0);
}

/**
 * Which misbehaviour each of `chargers` chargers (in id order) gets: the first `count` of the
 * first entry, the next ones the second entry's, …; the rest behave (undefined).
 */
export function assignMisbehaviours(counts: readonly MisbehaviourCount[], chargers: number): (Misbehaviour | undefined)[] {
  const out: (Misbehaviour | undefined)[] = [];
  for (const { misbehaviour, count } of counts) for (let i = 0; i < count; i++) out.push(misbehaviour);
  if (out.length > chargers) throw new MisbehaviourError(`${out.length} misbehaving chargers asked for, but the fleet has ${chargers}`);
  while (out.length < chargers) out.push(undefined);
  return out;
}

/** What a charger does with one CALL from the central system. */
export type CallPlan =
  /** Handle and answer it as a well-behaved charger does. */
  | { do: 'answer' }
  /** Never answer it, and do nothing it asks. */
  | { do: 'ignore-call' }
  /** Handle it and answer only after `ms`. */
  | { do: 'delay'; ms: number }
  /** CALLERROR NotImplemented. */
  | { do: 'callerror' }
  /** Answer status Rejected without installing anything. */
  | { do: 'reject' }
  /** Close the connection without answering. */
  | { do: 'drop-connection' };

const PROFILE_WRITES: readonly string[] = ['SetChargingProfile', 'ClearChargingProfile'] satisfies CentralAction16[];

/** The plan for `action` under `m` (undefined: a charger that behaves). */
export function planCall(m: Misbehaviour | undefined, action: string): CallPlan {
  switch (m?.kind) {
    case 'silent':
      return { do: 'ignore-call' };
    case 'late':
      return { do: 'delay', ms: m.delaySeconds * 1000 };
    case 'callerror':
      return PROFILE_WRITES.includes(action) ? { do: 'callerror' } : { do: 'answer' };
    case 'reject':
      return action === 'SetChargingProfile' ? { do: 'reject' } : { do: 'answer' };
    case 'disconnect':
      return action === 'SetChargingProfile' ? { do: 'drop-connection' } : { do: 'answer' };
    default:
      // ignore answers normally (the model disobeys the limit); noboot answers normally.
      return { do: 'answer' };
  }
}
