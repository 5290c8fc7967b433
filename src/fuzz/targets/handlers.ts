/**
 * Every charger-initiated 1.6 action through the real gateway: its own session hooks (the
 * handlers, the salvage of schema-invalid StopTransactions, the events) on a real app with a
 * SQLite store and the balancer listening, each charger on an in-memory OcppSession.
 * Payloads are drawn from the official schemas at their edges (boundary lengths, every enum
 * member, dates far past and future, negative and huge meter values, unknown connectors,
 * transaction ids never issued) and, one in four, broken in one place.
 *
 * Invariants: every CALL is answered; a schema-valid one never with InternalError (nor with
 * anything but a CALLRESULT, unless the code says why); a schema-invalid one with a CALLERROR
 * (a salvageable StopTransaction excepted); nothing is logged at error level.
 */
import { CALL, CALLERROR, CALLRESULT } from '../../ocpp/frame.js';
import { OcppSession } from '../../ocpp/session.js';
import { validatorFor } from '../../ocpp/validate.js';
import { CHARGER_INITIATED_16 } from '../../ocpp/v16/actions.js';
import type { Rng } from '../prng.js';
import { invalidValue, validValue, type Hints } from '../schema-gen.js';
import { requestSchemas } from '../schemas.js';
import { CHARGER_IDS, type FuzzSite } from '../site.js';
import { Violation, type Target } from '../target.js';
import { weirdString } from '../values.js';

export interface HandlerInput {
  chargerId: string;
  action: string;
  payload: unknown;
}

interface Charger {
  session: OcppSession;
  waiting: Map<string, (frame: unknown[]) => void>;
}

export interface HandlerTargetOptions {
  site: { get(): Promise<FuzzSite>; release(): Promise<void> };
  /** Wraps the gateway's handler (the fuzzer's own test plants a bug this way). */
  wrap?: (handler: (action: string, payload: unknown) => unknown) => (action: string, payload: unknown) => unknown;
}

const MAX_FRAME_BYTES = 65536;
const TAGS = ['TAG1', 'TAG2', 'BLOCKED1', 'OLD1', 'UNKNOWN1', '', 'x'.repeat(20), 'tag1', '__proto__', 'constructor'];

export function handlerTarget(options: HandlerTargetOptions): Target<HandlerInput> {
  const schemas = requestSchemas();
  const validator = validatorFor('ocpp1.6');
  const issued: number[] = [];
  const chargers = new Map<string, Charger>();
  let site: FuzzSite | undefined;
  let nextId = 0;
  /** Leniencies the gateway recorded, by "chargerId action" (the ocpp.leniency event). */
  const tolerated = new Map<string, number>();

  const hints: Hints = {
    transactionId: (rng) => (issued.length > 0 && rng.chance(0.7) ? issued[issued.length - 1 - rng.int(Math.min(issued.length, 50))] : undefined),
    idTag: (rng) => rng.pick(TAGS),
    connectorId: (rng) => rng.pick([0, 1, 2, 3, -1, 99, 2 ** 31 - 1, 2 ** 53]),
    meterStart: (rng) => rng.pick([0, -1, 1e12, 2 ** 53, -(2 ** 31), rng.int(100000)]),
    meterStop: (rng) => rng.pick([0, -1, 1e12, 2 ** 53, -(2 ** 31), rng.int(100000)]),
    value: (rng) => rng.pick(['0', '-1', '12.5', '1e400', 'NaN', 'Infinity', '', 'abc', '9'.repeat(40), '-0', '0x10', weirdString(rng)]),
    vendorId: (rng) => rng.pick(['', 'chargegate', 'com.example', weirdString(rng)]),
  };

  function connect(chargerId: string, s: FuzzSite): Charger {
    const waiting = new Map<string, (frame: unknown[]) => void>();
    const logger = s.logger.child({ chargerId });
    const hooks = s.app.gateway.sessionHooks(chargerId, 'ocpp1.6', logger);
    const handler = options.wrap ? options.wrap(hooks.handler) : hooks.handler;
    const session = new OcppSession({
      ...hooks,
      handler,
      version: 'ocpp1.6',
      role: 'central',
      logger,
      callTimeoutMs: 2000,
      maxFrameBytes: MAX_FRAME_BYTES,
      inboundLimits: { maxInFlight: 100, ratePerSecond: 10000, burst: 100000 },
      socket: {
        send(text) {
          const frame = JSON.parse(text) as unknown[];
          // Answers to our CALLs; the gateway sends no CALLs here (the chargers are not in its registry).
          if (frame[0] === CALLRESULT || frame[0] === CALLERROR) waiting.get(frame[1] as string)?.(frame);
        },
        close() {},
      },
    });
    return { session, waiting };
  }

  return {
    name: 'handlers',
    about: 'gateway handlers of every charger action, real app and store',
    weight: 20,
    batch: 32,
    async setup() {
      site = await options.site.get();
      site.app.events.on('ocpp.leniency', (e) => {
        const key = `${e.chargerId} ${e.action ?? ''}`;
        tolerated.set(key, (tolerated.get(key) ?? 0) + 1);
      });
      for (const id of [...CHARGER_IDS, 'UNKNOWN-CP']) chargers.set(id, connect(id, site));
    },
    generate(rng: Rng) {
      const action = rng.pick(CHARGER_INITIATED_16);
      const schema = schemas.get(action)!;
      let payload = validValue(rng, schema, hints);
      if (rng.chance(0.25)) payload = invalidValue(rng, schema, payload);
      return { chargerId: rng.chance(0.95) ? rng.pick(CHARGER_IDS) : 'UNKNOWN-CP', action, payload };
    },
    async execute(input) {
      const charger = chargers.get(input.chargerId)!;
      const id = `h${(nextId++).toString(36)}`;
      const toleratedKey = `${input.chargerId} ${input.action}`;
      const toleratedBefore = tolerated.get(toleratedKey) ?? 0;
      const answered = new Promise<unknown[]>((resolve) => charger.waiting.set(id, resolve));
      charger.session.receive(JSON.stringify([CALL, id, input.action, input.payload]));
      const frame = await answered;
      charger.waiting.delete(id);
      const errors = site!.takeErrors(id);
      if (errors.length > 0) throw new Violation(`logged at error level: ${errors.join('; ')}`);
      if (!charger.session.isOpen) throw new Violation('the session closed');
      const valid = validator.checkRequest(input.action, input.payload) === null;
      if (frame[0] === CALLRESULT) {
        // Schema-invalid and answered: only as a leniency the gateway owns up to (repaired, salvaged
        // or kept raw: gateway/tolerance.ts), counted and logged; never silently.
        if (!valid && (tolerated.get(toleratedKey) ?? 0) === toleratedBefore) throw new Violation(`a schema-invalid ${input.action} was answered with a CALLRESULT and no leniency recorded: ${JSON.stringify(frame)}`);
        const result = frame[2] as { transactionId?: unknown };
        if (input.action === 'StartTransaction' && typeof result.transactionId === 'number') issued.push(result.transactionId);
        return `${input.action}:${valid ? 'CALLRESULT' : 'CALLRESULT(tolerated)'}`;
      }
      const code = String(frame[2]);
      // Refused for its size before anything else (ocpp.maxFrameBytes), valid or not.
      if (code === 'FormationViolation' && Buffer.byteLength(JSON.stringify(input.payload)) > MAX_FRAME_BYTES - 100) return `${input.action}:too-large:CALLERROR:${code}`;
      // Only a handler that failed answers InternalError: schema-valid input, or a StopTransaction let through to be salvaged.
      if (code === 'InternalError') throw new Violation(`a ${valid ? 'schema-valid' : 'salvaged'} ${input.action} was answered InternalError: ${JSON.stringify(frame)}`);
      return `${input.action}:${valid ? 'valid' : 'invalid'}:CALLERROR:${code}`;
    },
    describe: (input) => JSON.stringify(input),
    *shrink(input) {
      // Drop one property, half of an array or one of its elements at a time.
      const payload = input.payload;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return;
      for (const key of Object.keys(payload)) {
        const rest = { ...(payload as Record<string, unknown>) };
        delete rest[key];
        yield { ...input, payload: rest };
        const v = (payload as Record<string, unknown>)[key];
        if (!Array.isArray(v)) continue;
        if (v.length > 2) yield { ...input, payload: { ...(payload as Record<string, unknown>), [key]: v.slice(0, Math.ceil(v.length / 2)) } };
        for (let i = 0; i < v.length; i++) yield { ...input, payload: { ...(payload as Record<string, unknown>), [key]: v.filter((_, k) => k !== i) } };
      }
    },
    async teardown() {
      for (const c of chargers.values()) c.session.closed('fuzz done');
      chargers.clear();
      await options.site.release();
    },
  };
}
