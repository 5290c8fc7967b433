/**
 * Field tolerance per charger (issue 14; docs/chargers.md "Field tolerance"): what happens to a
 * frame that fails the OCPP 1.6 schemas (errata applied). In lenient mode it is repaired
 * (ocpp/v16/leniency.ts); in either mode a transaction message that still fails is salvaged:
 * what can be understood is handled, and the frame itself is kept in the store's raw_frames.
 * A StopTransaction is never answered with a CALLERROR in lenient mode, and nothing a charger
 * sent in a Start, Stop or MeterValues is lost to validation: a charger that gets a CALLERROR
 * for a transaction message may drop it for good (1.6 §3.7).
 *
 * Every leniency is an 'ocpp.leniency' event (counted in /metrics by charger and kind) and is
 * logged once per charger and kind, so a charger that sends the same deviation every minute
 * does not fill the log.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { OcppCallError } from '../ocpp/errors.js';
import type { Rescue } from '../ocpp/session.js';
import { answerName, repairAnswer } from '../ocpp/answer-repair.js';
import { repairRequest16, salvageRequest, type Leniency } from '../ocpp/v16/leniency.js';
import type { Validator } from '../ocpp/validate.js';
import type { RawFrame, Store } from '../store/ports.js';

export type ValidationMode = 'strict' | 'lenient';

/** Kinds beyond the repairs of leniency.ts. */
export type ToleranceKind = Leniency['kind'] | 'salvaged' | 'quarantined' | 'no-subprotocol' | TranslationKind;
/** What the OCPP 2.0.1 edge could not carry over to the core (gateway/edge201/): something dropped, or mapped to the nearest value. */
export type TranslationKind = 'translation-lost' | 'translation-mapped';

/** The transaction messages of 1.6 §3.7 (a CALLERROR may make the charger drop them). */
const TRANSACTION_MESSAGES = new Set(['StartTransaction', 'StopTransaction', 'MeterValues']);

/** Remembers which charger was logged for which kind, for the life of the process. */
export function createLeniencyNotes(events: EventBus): (chargerId: string, logger: Logger, kind: ToleranceKind, detail: string, action?: string, version?: '1.6' | '2.0.1') => void {
  const logged = new Set<string>();
  return (chargerId, logger, kind, detail, action, version = '1.6') => {
    events.emit('ocpp.leniency', { chargerId, kind, detail, ...(action ? { action } : {}) });
    const key = `${chargerId}\n${kind}`;
    if (logged.has(key)) return;
    logged.add(key);
    const what = kind === 'translation-lost' || kind === 'translation-mapped' ? 'an OCPP 2.0.1 message not carried over whole to the core' : `tolerated a deviation from OCPP ${version}`;
    logger.warn({ kind, action, detail }, `${what} (logged once per charger and kind; counted in /metrics chargegate_ocpp_leniencies_total)`);
  };
}

export interface ToleranceDeps {
  chargerId: string;
  mode: ValidationMode;
  validator: Validator;
  logger: Logger;
  store: Store;
  now: () => Date;
  note: ReturnType<typeof createLeniencyNotes>;
}

export type Call = { id: string; action: string; payload: unknown };

/** The frame as the charger sent it, in raw_frames; awaited: on disk before the charger hears any answer to it. */
export function keepRawFrame(deps: Pick<ToleranceDeps, 'chargerId' | 'store' | 'now'>, call: Call, problem: string, outcome: RawFrame['outcome']): Promise<void> {
  return deps.store.durably(() =>
    deps.store.rawFrames.add({ chargerId: deps.chargerId, action: call.action, messageId: call.id, frame: JSON.stringify([2, call.id, call.action, call.payload]), problem, outcome, receivedAt: deps.now().toISOString() }),
  );
}

export function createRescue(deps: ToleranceDeps): (call: Call, problem: OcppCallError) => Promise<Rescue | null> {
  const { chargerId, mode, validator, logger } = deps;
  const note = (kind: ToleranceKind, detail: string, action: string) => deps.note(chargerId, logger, kind, detail, action);
  const keepRaw = (call: Call, problem: string, outcome: RawFrame['outcome']) => keepRawFrame(deps, call, problem, outcome);

  return async (call, problem) => {
    const { action } = call;
    const schema = validator.requestSchema(action);
    if (!schema) return null;
    const transaction = TRANSACTION_MESSAGES.has(action);
    let candidate = call.payload;
    let repairs: Leniency[] = [];
    if (mode === 'lenient') {
      const repaired = repairRequest16(action, call.payload, schema);
      repairs = repaired.notes;
      if (!validator.checkRequestLenient(action, repaired.payload)) {
        for (const n of repaired.notes) note(n.kind, n.detail, action);
        // Something was dropped from a transaction message: the frame as sent is kept too.
        if (transaction && repaired.lossy) await keepRaw(call, `${problem.description}; ${repaired.notes.map((n) => n.detail).join('; ')}`, 'repaired');
        return { payload: repaired.payload };
      }
      candidate = repaired.payload;
    }
    if (!transaction) return null;
    // Strict mode is today's behaviour: the documented CALLERROR, but for the Stop, which a
    // charger may drop for good when refused. The refused frame is kept all the same.
    if (mode === 'strict' && action !== 'StopTransaction') {
      await keepRaw(call, problem.description, 'refused');
      return null;
    }
    const check = mode === 'lenient' ? validator.checkRequestLenient : validator.checkRequest;
    const passes = (p: unknown) => check(action, p) === null;
    let salvaged = salvageRequest(candidate, schema, passes);
    if (!salvaged && action === 'StopTransaction' && isObject(candidate)) {
      // A Stop whose only unusable required field is its timestamp still closes its session:
      // the time it reached chargegate stands in (the charger's own is in raw_frames).
      const received = deps.now().toISOString();
      const retried = salvageRequest({ ...candidate, timestamp: received }, schema, passes);
      if (retried) salvaged = { payload: retried.payload, dropped: [...retried.dropped, `timestamp ${JSON.stringify(candidate.timestamp)}: the receive time ${received} used`] };
    }
    if (salvaged) {
      for (const n of repairs) note(n.kind, n.detail, action);
      note('salvaged', `${problem.description}; left out: ${salvaged.dropped.join('; ') || 'nothing'}`, action);
      await keepRaw(call, `${problem.description}; left out: ${salvaged.dropped.join('; ')}`, 'salvaged');
      return { payload: salvaged.payload };
    }
    await keepRaw(call, problem.description, 'unsalvageable');
    note('quarantined', `${problem.description}: nothing could be taken from it; kept in raw_frames`, action);
    // A Stop or MeterValues answered anyway (their .conf needs nothing we do not have); a Start
    // cannot be answered without a session to name, so it gets its CALLERROR (kept raw all the same).
    if (mode === 'lenient' && action !== 'StartTransaction') return { answer: {} };
    return null;
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The lenient repair of a charger's answer to a CALL of chargegate's (ocpp/answer-repair.ts),
 * each repair counted as a leniency of `<Action>.conf`; undefined in strict mode, where an
 * answer that fails its schema is unreadable as it is.
 */
export function createAnswerRepair(deps: Pick<ToleranceDeps, 'chargerId' | 'mode' | 'validator' | 'logger' | 'note'>): ((action: string, payload: unknown) => { payload: unknown } | null) | undefined {
  if (deps.mode !== 'lenient') return undefined;
  const { validator } = deps;
  const version = validator.version === 'ocpp2.0.1' ? '2.0.1' : '1.6';
  return (action, payload) => {
    const repaired = repairAnswer(validator, action, payload);
    if (!repaired) return null;
    for (const n of repaired.notes) deps.note(deps.chargerId, deps.logger, n.kind, `in its answer: ${n.detail}`, answerName(validator, action), version);
    return { payload: repaired.payload };
  };
}
