/**
 * The commands of `chargegate charger <id> <command> …`, each mapped to its HTTP route (pure:
 * reading a file is passed in). Values go to the gateway as typed (whole numbers as numbers):
 * the API checks them and says what is wrong, so the CLI and the API cannot disagree.
 */
import { COMMAND_ACTIONS } from '../control/actions.js';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below /api/chargers/<id>, with its query. */
  path: string;
  body?: unknown;
}

/** A command line that does not fit: exit code 2 with the message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandSpec {
  args: string;
  summary: string;
  /** Options it takes (each with a value), besides the common ones. */
  flags?: readonly string[];
  /** How many positional arguments: [least, most]. */
  arity: [number, number];
  build(args: string[], flags: Record<string, string>, readJson: (file: string) => unknown): ApiRequest;
}

/** "12" → 12; anything else as typed, for the API to refuse in words. */
const num = (text: string): number | string => (/^-?\d{1,15}$/.test(text) ? Number(text) : text);
const seg = encodeURIComponent;
const optional = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const numOpt = (text: string | undefined) => (text === undefined ? undefined : num(text));
const query = (pairs: [string, string | undefined][]) => {
  const q = new URLSearchParams(pairs.filter((p): p is [string, string] => p[1] !== undefined));
  return q.size ? `?${q}` : '';
};

export const CHARGER_COMMANDS: Record<string, CommandSpec> = {
  'get-configuration': { args: '[key…]', summary: 'read configuration keys (all without one)', arity: [0, 100], build: (keys) => ({ method: 'GET', path: `/configuration${query(keys.map((k) => ['key', k]))}` }) },
  'change-configuration': { args: '<key> <value>', summary: 'set a configuration key', arity: [2, 2], build: ([key, value]) => ({ method: 'PUT', path: `/configuration/${seg(key!)}`, body: { value } }) },
  trigger: {
    args: '<message> [--connector N]', summary: 'ask for BootNotification, Heartbeat, StatusNotification, MeterValues…', flags: ['connector'], arity: [1, 1],
    build: ([message], f) => ({ method: 'POST', path: '/trigger', body: optional({ message, connectorId: numOpt(f.connector) }) }),
  },
  'clear-cache': { args: '', summary: 'empty the authorization cache', arity: [0, 0], build: () => ({ method: 'POST', path: '/clear-cache', body: {} }) },
  'data-transfer': {
    args: '<vendorId> [--message-id ID] [--data TEXT]', summary: 'a vendor-specific message', flags: ['message-id', 'data'], arity: [1, 1],
    build: ([vendorId], f) => ({ method: 'POST', path: '/data-transfer', body: optional({ vendorId, messageId: f['message-id'], data: f.data }) }),
  },
  reset: {
    args: '[soft|hard]', summary: 'restart the charger (default soft)', arity: [0, 1],
    build: ([type]) => ({ method: 'POST', path: '/reset', body: optional({ type }) }),
  },
  start: { args: '<connector> <idTag>', summary: 'start a session', arity: [2, 2], build: ([c, idTag]) => ({ method: 'POST', path: `/connectors/${seg(c!)}/start`, body: { idTag } }) },
  stop: { args: '<connector>', summary: 'stop the running session', arity: [1, 1], build: ([c]) => ({ method: 'POST', path: `/connectors/${seg(c!)}/stop`, body: {} }) },
  unlock: { args: '<connector>', summary: 'unlock the connector', arity: [1, 1], build: ([c]) => ({ method: 'POST', path: `/connectors/${seg(c!)}/unlock`, body: {} }) },
  available: {
    args: '<connector|0> on|off', summary: 'make a connector (0: the charger) available or not', arity: [2, 2],
    build: ([c, onOff]) => {
      if (onOff !== 'on' && onOff !== 'off') throw new UsageError(`available: say on or off, not "${onOff}"`);
      return { method: 'POST', path: c === '0' ? '/availability' : `/connectors/${seg(c!)}/availability`, body: { available: onOff === 'on' } };
    },
  },
  reserve: {
    args: '<connector> <idTag> <expiry> [--id N] [--parent TAG]', summary: 'reserve a connector until expiry (chargegate picks an id without --id)', flags: ['id', 'parent'], arity: [3, 3],
    build: ([c, idTag, expiryDate], f) => ({ method: 'POST', path: `/connectors/${seg(c!)}/reserve`, body: optional({ idTag, expiryDate, reservationId: numOpt(f.id), parentIdTag: f.parent }) }),
  },
  'cancel-reservation': { args: '<reservationId>', summary: 'cancel a reservation', arity: [1, 1], build: ([id]) => ({ method: 'DELETE', path: `/reservations/${seg(id!)}` }) },
  'local-list-version': { args: '', summary: 'the version of the local authorization list', arity: [0, 0], build: () => ({ method: 'GET', path: '/local-list/version' }) },
  'send-local-list': { args: '<file.json>', summary: 'send a local list (a SendLocalList request in the file)', arity: [1, 1], build: ([file], _f, readJson) => ({ method: 'POST', path: '/local-list', body: readJson(file!) }) },
  firmware: {
    args: '<url> [--retrieve-date T] [--retries N] [--retry-interval S]', summary: 'install firmware from a URL (UpdateFirmware)', flags: ['retrieve-date', 'retries', 'retry-interval'], arity: [1, 1],
    build: ([location], f) => ({ method: 'POST', path: '/firmware', body: optional({ location, retrieveDate: f['retrieve-date'], retries: numOpt(f.retries), retryInterval: numOpt(f['retry-interval']) }) }),
  },
  diagnostics: {
    args: '<url> [--start T] [--stop T] [--retries N] [--retry-interval S]', summary: 'upload diagnostics to a URL (GetDiagnostics)', flags: ['start', 'stop', 'retries', 'retry-interval'], arity: [1, 1],
    build: ([location], f) => ({ method: 'POST', path: '/diagnostics', body: optional({ location, startTime: f.start, stopTime: f.stop, retries: numOpt(f.retries), retryInterval: numOpt(f['retry-interval']) }) }),
  },
  'composite-schedule': {
    args: '<connector|0> <seconds> [--unit A|W]', summary: 'the schedule the charger will follow', flags: ['unit'], arity: [2, 2],
    build: ([c, duration], f) => ({ method: 'GET', path: `/connectors/${seg(c!)}/composite-schedule${query([['duration', duration], ['unit', f.unit]])}` }),
  },
  'set-charging-profile': { args: '<file.json>', summary: 'install a charging profile (a SetChargingProfile request in the file)', arity: [1, 1], build: ([file], _f, readJson) => ({ method: 'POST', path: '/charging-profiles', body: readJson(file!) }) },
  'clear-charging-profile': {
    args: '[--id N] [--connector N] [--purpose P] [--stack-level N]', summary: 'remove the matching charging profiles (all without a filter)', flags: ['id', 'connector', 'purpose', 'stack-level'], arity: [0, 0],
    build: (_a, f) => ({ method: 'DELETE', path: `/charging-profiles${query([['id', f.id], ['connectorId', f.connector], ['purpose', f.purpose], ['stackLevel', f['stack-level']]])}` }),
  },
  ocpp: {
    args: "<Action> '<json>'", summary: 'any OCPP 1.6 command (or, to a 2.0.1 charger, GetVariables, SetVariables, GetBaseReport, GetReport), its OCPP request as JSON', arity: [1, 2],
    build: ([action, json]) => {
      if (!(COMMAND_ACTIONS as readonly string[]).includes(action!)) throw new UsageError(`ocpp: unknown action "${action}" (known: ${COMMAND_ACTIONS.join(', ')})`);
      return { method: 'POST', path: `/ocpp/${action}`, body: parseJsonArg(json ?? '{}', 'the OCPP request') };
    },
  },
};

export function parseJsonArg(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON (${(err as Error).message})`);
  }
}
