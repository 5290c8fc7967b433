/**
 * The OCPP frame layer: raw text of valid frames, mutated (bit flips, truncation, unicode and
 * control characters, deep nesting, huge numbers, duplicate and prototype keys, wrong types),
 * into a real OcppSession (real parser, validator and inbound gate) over an in-memory socket.
 *
 * Invariants per input: nothing throws out of receive(); a frame that is a CALL, or that
 * cannot be read as an answer (CALLRESULT, CALLERROR), gets exactly one answer, with the
 * CALL's own id when it has a readable one, and a 1.6 error code; an answer gets none; the
 * session stays open. An answer to our own outstanding CALL settles that call, never hangs it.
 */
import { CALL, CALLERROR, CALLRESULT, MAX_MESSAGE_ID_LENGTH } from '../../ocpp/frame.js';
import { OcppSession, type CallHandler } from '../../ocpp/session.js';
import { silentLogger } from '../../log.js';
import { CHARGER_INITIATED_16, CENTRAL_INITIATED_16 } from '../../ocpp/v16/actions.js';
import { mutateText } from '../mutate.js';
import type { Rng } from '../prng.js';
import { invalidValue, validValue } from '../schema-gen.js';
import { NOT_ACTIONS, requestSchemas } from '../schemas.js';
import { shrinkText, Violation, type Target } from '../target.js';
import { anyValue, weirdString } from '../values.js';

export const ERROR_CODES_16: ReadonlySet<string> = new Set([
  'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError', 'FormationViolation',
  'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'TypeConstraintViolation', 'GenericError',
]);

const MAX_FRAME_BYTES = 65536;

/** A minimal schema-valid answer per charger action: this target is about frames, not handlers. */
const NOW = '2025-06-01T12:00:00.000Z';
const ANSWERS: Record<string, unknown> = {
  Authorize: { idTagInfo: { status: 'Accepted' } },
  BootNotification: { status: 'Accepted', currentTime: NOW, interval: 300 },
  DataTransfer: { status: 'UnknownVendorId' },
  DiagnosticsStatusNotification: {},
  FirmwareStatusNotification: {},
  Heartbeat: { currentTime: NOW },
  MeterValues: {},
  StartTransaction: { transactionId: 1, idTagInfo: { status: 'Accepted' } },
  StatusNotification: {},
  StopTransaction: {},
  // The 1.6 security extension's charger actions (src/ocpp/v16/actions.ts): without an answer
  // here their frames ended in the stub's InternalError, not in what the session does with them.
  LogStatusNotification: {},
  SecurityEventNotification: {},
  SignCertificate: { status: 'Accepted' },
  SignedFirmwareStatusNotification: {},
};

export interface FrameInput {
  /** Frames fed one after the other in the same turn (a burst, as a pipelining charger sends). */
  frames: string[];
  /** When set, the session first sends this CALL and "$ID" in the frames is its message id. */
  outbound?: string;
}

export interface FrameTargetOptions {
  /** The handler behind the session (a planted bug, in the fuzzer's own test). */
  handler?: CallHandler;
}

export function frameTarget(options: FrameTargetOptions = {}): Target<FrameInput> {
  const schemas = requestSchemas();
  const handler: CallHandler = options.handler ?? ((action) => ANSWERS[action]);
  const sent: string[] = [];
  let closedBy: string | undefined;
  let waiter: { count: number; resolve: () => void } | undefined;
  const socket = {
    send(text: string) {
      sent.push(text);
      if (waiter && sent.length >= waiter.count) waiter.resolve();
    },
    close(code: number, reason: string) {
      closedBy = `${code} ${reason}`;
    },
    pause() {},
    resume() {},
  };
  const newSession = () =>
    new OcppSession({
      version: 'ocpp1.6',
      role: 'central',
      socket,
      handler,
      logger: silentLogger(),
      callTimeoutMs: 60_000,
      maxFrameBytes: MAX_FRAME_BYTES,
      // The session's rescue path (gateway/tolerance.ts does the real one): a Stop is taken as it is.
      rescue: ({ action, payload }) => (action === 'StopTransaction' && typeof payload === 'object' && payload !== null && 'transactionId' in payload ? { payload } : null),
      inboundLimits: { maxInFlight: 4, ratePerSecond: 10000, burst: 100000 },
    });
  // One long-lived session (state carries over, as on a real connection), and a fresh one per
  // input that answers our own CALL.
  const shared = newSession();

  function call(rng: Rng, id: string): unknown[] {
    const r = rng.int(20);
    const action = r < 15 ? rng.pick(CHARGER_INITIATED_16) : r < 17 ? rng.pick(CENTRAL_INITIATED_16) : rng.pick(NOT_ACTIONS);
    const schema = schemas.get(action);
    let payload: unknown = schema ? validValue(rng, schema) : {};
    if (schema && rng.chance(0.3)) payload = invalidValue(rng, schema, payload);
    return [CALL, id, action, payload];
  }

  function frame(rng: Rng, id: string): unknown[] {
    const r = rng.int(20);
    if (r < 15) return call(rng, id);
    if (r < 17) return [CALLRESULT, id, rng.chance(0.5) ? {} : anyValue(rng)];
    if (r < 19) return [CALLERROR, id, rng.pick(['GenericError', 'FormatViolation', 'OccurrenceConstraintViolation', 'RpcFrameworkError', '__proto__', 'constructor', weirdString(rng)]), weirdString(rng), anyValue(rng)];
    return Array.from({ length: rng.int(6) }, () => anyValue(rng));
  }

  function messageId(rng: Rng, index: number, alone: boolean): string {
    // Odd ids only alone: two CALLs with one id in flight at once are answered once (session.ts).
    if (alone && rng.chance(0.05)) return rng.pick(['', 'x'.repeat(MAX_MESSAGE_ID_LENGTH), 'x'.repeat(MAX_MESSAGE_ID_LENGTH + 1), '-1', '__proto__', '\u0000', '\ud800']);
    return `m${index.toString(36)}-${rng.u32().toString(36)}`;
  }

  return {
    name: 'frame',
    about: 'ocpp/frame.ts + OcppSession.receive, mutated frames',
    weight: 40,
    batch: 1,
    async setup() {},
    generate(rng, index) {
      if (rng.chance(0.05)) {
        // An answer to our own CALL, mutated or not.
        const answer = rng.chance(0.5) ? [CALLRESULT, '$ID', rng.chance(0.5) ? { configurationKey: [] } : anyValue(rng)] : [CALLERROR, '$ID', weirdString(rng), weirdString(rng), anyValue(rng)];
        const text = JSON.stringify(answer);
        return { outbound: 'GetConfiguration', frames: [rng.chance(0.5) ? mutateText(rng, text) : text] };
      }
      const count = rng.chance(0.05) ? rng.range(2, 6) : 1;
      const frames: string[] = [];
      for (let i = 0; i < count; i++) {
        let text = JSON.stringify(frame(rng, messageId(rng, index * 8 + i, count === 1)));
        if (rng.chance(0.6)) text = mutateText(rng, text);
        if (rng.chance(0.005)) text = text + ' '.repeat(MAX_FRAME_BYTES);
        frames.push(text);
      }
      return { frames };
    },
    async execute(input) {
      sent.length = 0;
      closedBy = undefined;
      const session = input.outbound ? newSession() : shared;
      let outcome: Promise<string> | undefined;
      let frames = input.frames;
      if (input.outbound) {
        outcome = session.call(input.outbound, {}).then(
          () => 'outbound:CALLRESULT',
          (err: Error) => `outbound:${err.name}`,
        );
        const id = (JSON.parse(sent.shift()!) as unknown[])[1] as string;
        frames = frames.map((f) => f.replaceAll('"$ID"', JSON.stringify(id)));
      }
      const expected = frames.map(expectation);
      const want = expected.filter((e) => e.answers).length;
      const arrived = new Promise<void>((resolve) => {
        waiter = { count: want, resolve };
        if (sent.length >= want) resolve();
      });
      for (const f of frames) {
        try {
          session.receive(f);
        } catch (err) {
          throw new Violation(`receive() threw: ${(err as Error)?.stack ?? String(err)}`);
        }
      }
      await arrived;
      waiter = undefined;
      // Anything more would come in this turn or the next: a second answer to one CALL.
      await new Promise((r) => setImmediate(r));
      if (sent.length !== want) throw new Violation(`${want} answer(s) expected, ${sent.length} sent: ${sent.join(' | ').slice(0, 500)}`);
      // A burst is answered in any order (a refusal at once, a handler's answer later): each
      // readable id exactly once, the rest without one of them.
      const ids = expected.flatMap((e) => (e.answers && e.id !== undefined ? [e.id] : []));
      // CALLRESULTs first: a CALLERROR may carry "-1" for an unreadable frame while a CALL's own id is "-1".
      const ordered = [...sent].sort((a, b) => Number(a.startsWith('[4')) - Number(b.startsWith('[4')));
      const labels = ordered.map((text) => checkAnswer(text, ids));
      if (ids.length > 0) throw new Violation(`no answer to ${ids.map((id) => JSON.stringify(id)).join(', ')}: ${sent.join(' | ').slice(0, 500)}`);
      if (closedBy !== undefined) throw new Violation(`the session closed the socket: ${closedBy}`);
      if (!session.isOpen) throw new Violation('the session is no longer open');
      if (outcome) {
        // Our CALL either settled from the answer or is still outstanding; closing must settle it.
        session.closed('input done');
        labels.push(await outcome);
      }
      if (input.frames.length > 1) return `burst of ${input.frames.length}: ${labels.length} answers`;
      return labels.length === 0 ? 'ignored' : labels.join('+');
    },
    describe: (input) => JSON.stringify(input),
    *shrink(input) {
      if (input.frames.length > 1) for (let i = 0; i < input.frames.length; i++) yield { ...input, frames: input.frames.filter((_, k) => k !== i) };
      for (let i = 0; i < input.frames.length; i++) {
        for (const smaller of shrinkText(input.frames[i]!)) yield { ...input, frames: input.frames.map((f, k) => (k === i ? smaller : f)) };
      }
    },
    async teardown() {
      shared.closed('fuzz done');
    },
  };
}

interface Expectation {
  answers: boolean;
  /** The id the answer must carry, when the CALL's id is readable. */
  id?: string;
}

/**
 * What OCPP-J 1.6 §4 asks of a frame, worked out apart from the parser under test: a CALL is
 * answered; a frame that is not readable JSON, not an array, or of no known type is answered
 * with a CALLERROR (it may have been a CALL); an answer (type 3 or 4) is never answered, also
 * when it is too large or not JSON but starts as one.
 */
function expectation(text: string): Expectation {
  const startsAsAnswer = /^\s*\[\s*[34]\s*,/.test(text);
  if (Buffer.byteLength(text) > MAX_FRAME_BYTES) return { answers: !startsAsAnswer };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { answers: !startsAsAnswer };
  }
  if (!Array.isArray(data) || data.length === 0) return { answers: true };
  if (data[0] === CALLRESULT || data[0] === CALLERROR) return { answers: false };
  const id = data[1];
  if (data[0] === CALL && typeof id === 'string' && id.length >= 1 && id.length <= MAX_MESSAGE_ID_LENGTH) return { answers: true, id };
  return { answers: true };
}

function checkAnswer(text: string, ids: string[]): string {
  const frame = JSON.parse(text) as unknown[];
  if (!Array.isArray(frame)) throw new Violation(`answer is not an array: ${text}`);
  if (typeof frame[1] !== 'string') throw new Violation(`answer without a string id: ${text}`);
  const at = ids.indexOf(frame[1]);
  if (at >= 0) ids.splice(at, 1);
  if (frame[0] === CALLRESULT) {
    if (at < 0) throw new Violation(`a CALLRESULT to ${JSON.stringify(frame[1])}, which no CALL of this input carried: ${text}`);
    return 'CALLRESULT';
  }
  if (frame[0] !== CALLERROR || frame.length !== 5) throw new Violation(`answer is neither CALLRESULT nor CALLERROR: ${text}`);
  if (!ERROR_CODES_16.has(frame[2] as string)) throw new Violation(`CALLERROR code ${JSON.stringify(frame[2])} is not an OCPP 1.6 code`);
  return `CALLERROR:${String(frame[2])}`;
}
