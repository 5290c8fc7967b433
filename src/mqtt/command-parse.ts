/**
 * Command payloads → typed commands, or a rejection in words (pure). Every command accepts a
 * JSON object (with an optional "id" that is echoed on the result topic, for callers that
 * match answers to questions); the commands Home Assistant sends also accept its plain forms
 * (a number, ON/OFF, soft/hard). A payload that fits nothing is rejected, never guessed at.
 */
import type { CommandAction } from '../control/actions.js';
import { TRIGGERABLE_16 } from '../ocpp/v16/actions.js';
import type { CommandAddress } from './topics.js';
import { CHARGE_MODES, isChargeMode, type ChargeMode } from '../balancer/solar.js';

export type Command =
  | { kind: 'start'; chargerId: string; connectorId: number; idTag?: string }
  | { kind: 'stop'; chargerId: string; connectorId: number }
  | { kind: 'unlock'; chargerId: string; connectorId: number }
  /** connectorId 0: the whole charger (OCPP 1.6 §5.2). */
  | { kind: 'available'; chargerId: string; connectorId: number; available: boolean }
  /** connectorId undefined: the whole charger. amps null removes the cap. */
  | { kind: 'maxcurrent'; chargerId: string; connectorId?: number; amps: number | null }
  | { kind: 'reset'; chargerId: string; type: 'Soft' | 'Hard' }
  /** The connector's charge mode (src/control/charge-modes.ts). */
  | { kind: 'mode'; chargerId: string; connectorId: number; mode: ChargeMode }
  /** The connector's charging plan (src/plan, checked there); plan null clears it. */
  | { kind: 'plan'; chargerId: string; connectorId: number; plan: Record<string, unknown> | null }
  /** amps null clears the temporary limit. */
  | { kind: 'siteLimit'; amps: number | null; durationS: number }
  /** The tariff's dynamic prices, checked by src/cost/tariff.ts parseFeed. */
  | { kind: 'tariffPrices'; prices: unknown }
  /** Any OCPP 1.6 command: the payload is the OCPP request, checked against the OCA schema before it is sent. */
  | { kind: 'ocpp'; chargerId: string; action: CommandAction; payload: Record<string, unknown> };

export type ParseResult = { ok: true; command: Command; id?: CorrelationId } | { ok: false; reason: string; id?: CorrelationId };
export type CorrelationId = string | number;

const MAX_PAYLOAD_BYTES = 4096;
/** CertificateSigned.req carries a chain of up to 10000 characters (security whitepaper schema). */
const MAX_OCPP_PAYLOAD_BYTES = 16 * 1024;
/**
 * A SendLocalList of a whole site's cards: 500 entries with an expiry date and a parent are about
 * 60 KB. The broker's own cap (mqtt.maxPacketSize, 256 KiB by default) still applies first.
 */
const MAX_LOCAL_LIST_BYTES = 256 * 1024;
/** A week of quarter-hour prices is about 60 KB. */
const MAX_FEED_BYTES = 256 * 1024;
const TRIGGERABLE: readonly string[] = TRIGGERABLE_16;
const MAX_AMPS = 1000;
const MAX_DURATION_S = 7 * 24 * 3600;

export function parseCommand(address: CommandAddress, payload: string): ParseResult {
  const max = address.target === 'tariff' ? MAX_FEED_BYTES : address.target !== 'ocpp' ? MAX_PAYLOAD_BYTES : address.action === 'SendLocalList' ? MAX_LOCAL_LIST_BYTES : MAX_OCPP_PAYLOAD_BYTES;
  if (payload.length > max) return { ok: false, reason: `payload too large (${payload.length} bytes, at most ${max})` };
  const text = payload.trim();
  const json = parseJson(text);
  const object = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const id = object ? correlationId(object.id) : undefined;
  const result = parseFor(address, text, json, object);
  return id === undefined ? result : { ...result, id };
}

function parseFor(address: CommandAddress, text: string, json: unknown, object: Record<string, unknown> | undefined): ParseResult {
  if (address.target === 'site') return siteLimit(text, object);
  if (address.target === 'tariff') {
    if (json === undefined) return { ok: false, reason: 'expected a JSON array of { "from", "to"?, "price" } (or { "prices": [...] })' };
    return { ok: true, command: { kind: 'tariffPrices', prices: json } };
  }
  if (address.target === 'ocpp') {
    if (!object) return { ok: false, reason: `expected the ${address.action} request as a JSON object (with an optional "id")` };
    // No 1.6 request has a top-level "id" of its own: it is the caller's correlation id.
    const { id: _id, ...payload } = object;
    return { ok: true, command: { kind: 'ocpp', chargerId: address.chargerId, action: address.action, payload } };
  }
  const { chargerId } = address;
  if (address.target === 'charger') {
    switch (address.command) {
      case 'available':
        return available(chargerId, 0, text, json, object);
      case 'maxcurrent':
        return maxCurrent(chargerId, undefined, json, object);
      case 'reset':
        return reset(chargerId, text, object);
      case 'configuration':
        return configuration(chargerId, object);
      case 'trigger':
        return trigger(chargerId, text, object);
    }
  }
  const { connectorId } = address;
  switch (address.command) {
    case 'start': {
      if (!object) return { ok: false, reason: 'expected a JSON object such as {"idTag":"04A2B3C4"} or {} (then mqtt.startIdTag is used)' };
      const unknown = unknownKeys(object, ['idTag', 'id']);
      if (unknown) return { ok: false, reason: unknown };
      if (object.idTag === undefined) return { ok: true, command: { kind: 'start', chargerId, connectorId } };
      if (typeof object.idTag !== 'string' || object.idTag.length < 1 || object.idTag.length > 20) {
        return { ok: false, reason: 'idTag must be a string of 1 to 20 characters' };
      }
      return { ok: true, command: { kind: 'start', chargerId, connectorId, idTag: object.idTag } };
    }
    case 'stop':
    case 'unlock': {
      if (!object) return { ok: false, reason: 'expected a JSON object, e.g. {}' };
      const unknown = unknownKeys(object, ['id']);
      if (unknown) return { ok: false, reason: unknown };
      return { ok: true, command: { kind: address.command, chargerId, connectorId } };
    }
    case 'available':
      return available(chargerId, connectorId, text, json, object);
    case 'maxcurrent':
      return maxCurrent(chargerId, connectorId, json, object);
    case 'mode':
      return mode(chargerId, connectorId, text, object);
    case 'plan':
      return plan(chargerId, connectorId, text, object);
  }
}

/** A plan as JSON ({"energyKWh": 20, "by": "07:00"}, checked by src/plan/request.ts); "clear" or {"clear": true} removes it. */
function plan(chargerId: string, connectorId: number, text: string, object: Record<string, unknown> | undefined): ParseResult {
  if (text.toLowerCase() === 'clear' || (object && object.clear === true && Object.keys(object).every((k) => k === 'clear' || k === 'id'))) return { ok: true, command: { kind: 'plan', chargerId, connectorId, plan: null } };
  if (!object) return { ok: false, reason: 'expected a JSON object such as {"energyKWh": 20, "by": "07:00"}, or "clear"' };
  const { id: _id, ...rest } = object;
  return { ok: true, command: { kind: 'plan', chargerId, connectorId, plan: rest } };
}

/** Home Assistant's select sends the option as plain text (off, now, minsolar, solar); {"mode": "solar"} too. */
function mode(chargerId: string, connectorId: number, text: string, object: Record<string, unknown> | undefined): ParseResult {
  if (object) {
    const unknown = unknownKeys(object, ['mode', 'id']);
    if (unknown) return { ok: false, reason: unknown };
  }
  const value = object ? object.mode : text.toLowerCase();
  if (!isChargeMode(value)) return { ok: false, reason: `expected a charge mode: ${CHARGE_MODES.join(', ')} (or {"mode": "solar"})` };
  return { ok: true, command: { kind: 'mode', chargerId, connectorId, mode: value } };
}

function available(chargerId: string, connectorId: number, text: string, json: unknown, object: Record<string, unknown> | undefined): ParseResult {
  let value: unknown = object ? object.available : json;
  if (object) {
    const unknown = unknownKeys(object, ['available', 'id']);
    if (unknown) return { ok: false, reason: unknown };
  }
  if (!object && /^(on|off)$/i.test(text)) value = text.toUpperCase() === 'ON';
  if (typeof value !== 'boolean') return { ok: false, reason: 'expected ON, OFF, true, false or {"available": true|false}' };
  return { ok: true, command: { kind: 'available', chargerId, connectorId, available: value } };
}

function maxCurrent(chargerId: string, connectorId: number | undefined, json: unknown, object: Record<string, unknown> | undefined): ParseResult {
  if (object) {
    const unknown = unknownKeys(object, ['amps', 'id']);
    if (unknown) return { ok: false, reason: unknown };
  }
  const value = object ? object.amps : json;
  const amps = ampsOrNull(value);
  if (amps === undefined) return { ok: false, reason: `expected a current in A from 0 to ${MAX_AMPS} (e.g. 16 or {"amps":16}), or null to remove the cap` };
  return { ok: true, command: { kind: 'maxcurrent', chargerId, ...(connectorId !== undefined ? { connectorId } : {}), amps } };
}

function reset(chargerId: string, text: string, object: Record<string, unknown> | undefined): ParseResult {
  let type: unknown = object ? (object.type ?? 'soft') : text;
  if (object) {
    const unknown = unknownKeys(object, ['type', 'id']);
    if (unknown) return { ok: false, reason: unknown };
  }
  type = typeof type === 'string' ? type.toLowerCase() : type;
  if (type !== 'soft' && type !== 'hard') return { ok: false, reason: 'expected soft, hard or {"type":"soft"|"hard"}' };
  return { ok: true, command: { kind: 'reset', chargerId, type: type === 'soft' ? 'Soft' : 'Hard' } };
}

/** {"key": "HeartbeatInterval", "value": 300}: ChangeConfiguration (a number or boolean is sent as its text, OCPP 1.6 §9). */
function configuration(chargerId: string, object: Record<string, unknown> | undefined): ParseResult {
  const usage = 'expected {"key": "HeartbeatInterval", "value": "300"}';
  if (!object) return { ok: false, reason: usage };
  const unknown = unknownKeys(object, ['key', 'value', 'id']);
  if (unknown) return { ok: false, reason: unknown };
  const { key, value } = object;
  if (typeof key !== 'string' || key.length < 1 || key.length > 50) return { ok: false, reason: `key must be a string of 1 to 50 characters; ${usage}` };
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return { ok: false, reason: `value must be text, a number or true/false; ${usage}` };
  return { ok: true, command: { kind: 'ocpp', chargerId, action: 'ChangeConfiguration', payload: { key, value: String(value) } } };
}

/** StatusNotification, or {"message": "MeterValues", "connectorId": 1}: TriggerMessage. */
function trigger(chargerId: string, text: string, object: Record<string, unknown> | undefined): ParseResult {
  const usage = `expected one of ${TRIGGERABLE.join(', ')}, or {"message": "StatusNotification", "connectorId": 1}`;
  if (!object) return TRIGGERABLE.includes(text) ? { ok: true, command: { kind: 'ocpp', chargerId, action: 'TriggerMessage', payload: { requestedMessage: text } } } : { ok: false, reason: usage };
  const unknown = unknownKeys(object, ['message', 'connectorId', 'id']);
  if (unknown) return { ok: false, reason: unknown };
  const { message, connectorId } = object;
  if (typeof message !== 'string' || !TRIGGERABLE.includes(message)) return { ok: false, reason: usage };
  if (connectorId !== undefined && (typeof connectorId !== 'number' || !Number.isInteger(connectorId) || connectorId < 1)) return { ok: false, reason: 'connectorId must be a whole number from 1' };
  return { ok: true, command: { kind: 'ocpp', chargerId, action: 'TriggerMessage', payload: { requestedMessage: message, ...(connectorId !== undefined ? { connectorId } : {}) } } };
}

function siteLimit(text: string, object: Record<string, unknown> | undefined): ParseResult {
  const usage = 'expected {"amps": 20, "duration": 3600} (A per phase, seconds), or {"amps": null} to clear the limit';
  if (!object) return { ok: false, reason: text === 'null' ? 'expected {"amps": null} to clear the limit' : usage };
  const unknown = unknownKeys(object, ['amps', 'duration', 'id']);
  if (unknown) return { ok: false, reason: unknown };
  const amps = ampsOrNull(object.amps);
  if (amps === undefined) return { ok: false, reason: usage };
  if (amps === null) return { ok: true, command: { kind: 'siteLimit', amps: null, durationS: 0 } };
  const duration = object.duration;
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_S) {
    return { ok: false, reason: `duration must be a whole number of seconds from 1 to ${MAX_DURATION_S}` };
  }
  return { ok: true, command: { kind: 'siteLimit', amps, durationS: duration } };
}

function ampsOrNull(value: unknown): number | null | undefined {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_AMPS) return undefined;
  return value;
}

function unknownKeys(object: Record<string, unknown>, allowed: string[]): string | undefined {
  const extra = Object.keys(object).filter((k) => !allowed.includes(k));
  return extra.length === 0 ? undefined : `unknown key ${extra.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${allowed.join(', ')})`;
}

/** The "id" of a JSON object payload, for answers given before the payload is parsed (refusals). */
export function correlationIdOf(payload: string): CorrelationId | undefined {
  const json = parseJson(payload.trim());
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? correlationId((json as Record<string, unknown>).id) : undefined;
}

function correlationId(value: unknown): CorrelationId | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.length <= 64) return value;
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
