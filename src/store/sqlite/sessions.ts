import type BetterSqlite3 from 'better-sqlite3';
import { createHandledEvents, type SeqNosRow } from './handled-events.js';
import type { NewSession, SessionFilter, SessionRecord, SessionStore, StopInput, TransactionEventSeen } from '../ports.js';
import { fromJson, omitEmpty, orNull, orUndefined, toJson, type Db } from './rows.js';

/** OCPP 1.6 declares transactionId an `integer`; chargers store it as int32. */
export const MAX_TRANSACTION_ID = 2 ** 31 - 1;

interface SessionRow {
  transaction_id: number;
  charger_id: string;
  connector_id: number;
  id_tag: string;
  started_at: string;
  meter_start: number;
  reservation_id: number | null;
  auth_status: string;
  received_at: string;
  state: 'active' | 'completed';
  stopped_at: string | null;
  meter_stop: number | null;
  energy_wh: number | null;
  stop_reason: string | null;
  stop_id_tag: string | null;
  transaction_data: string | null;
  superseded_by: number | null;
  superseded_at: string | null;
  closed_by: 'charger' | 'gateway' | null;
  corrected_at: string | null;
  transaction_ref: string | null;
  id_token_type: string | null;
}

interface UnmatchedStopRow {
  charger_id: string;
  transaction_id: number;
  stopped_at: string;
  meter_stop: number;
  reason: string | null;
  id_tag: string | null;
  transaction_data: string | null;
  received_at: string;
}

/** `forgetHandledEvents`: a durable write was undone, the replay check reads the table again (handled-events.ts). */
export function createSessionStore(db: Db): SessionStore & { forgetHandledEvents(): void } {
  const handled = createHandledEvents();
  const ensureCharger = db.prepare('INSERT OR IGNORE INTO chargers (id) VALUES (?)');
  const findReplay = db.prepare<NewSession, { transaction_id: number }>(`
    SELECT transaction_id FROM sessions
    WHERE charger_id = @chargerId AND connector_id = @connectorId AND id_tag = @idTag
      AND started_at = @startedAt AND meter_start = @meterStart`);
  const insertSession = db.prepare(`
    INSERT INTO sessions (charger_id, connector_id, id_tag, started_at, meter_start,
                          reservation_id, auth_status, received_at, transaction_ref, id_token_type)
    VALUES (@chargerId, @connectorId, @idTag, @startedAt, @meterStart,
            @reservationId, @authStatus, @receivedAt, @reference, @idTokenType)`);
  const getByReference = db.prepare<[string, string], SessionRow>('SELECT * FROM sessions WHERE charger_id = ? AND transaction_ref = ?');
  // One row per transaction, rewritten by each of its TransactionEvents in the durable write
  // its answer waits for (handled-events.ts, migration 21). Positional parameters.
  const writeSeqNos = db.prepare<[string, string, string, string]>(`
    INSERT INTO transaction_seq_nos (charger_id, transaction_ref, handled, offline) VALUES (?, ?, ?, ?)
    ON CONFLICT (charger_id, transaction_ref) DO UPDATE SET handled = excluded.handled, offline = excluded.offline`);
  // The row is in the table and its offline column unchanged (an online event, the usual case):
  // the same write, without the insert's attempt and its conflict (handled-events.ts onlyHandled).
  const writeHandled = db.prepare<[string, string, string]>('UPDATE transaction_seq_nos SET handled = ? WHERE charger_id = ? AND transaction_ref = ?');
  const readSeqNos = db.prepare<[string, string], SeqNosRow>('SELECT handled, offline FROM transaction_seq_nos WHERE charger_id = ? AND transaction_ref = ?');
  const loadSeqNos = (chargerId: string, reference: string) => readSeqNos.get(chargerId, reference);
  const getSession = db.prepare<[number], SessionRow>('SELECT * FROM sessions WHERE transaction_id = ?');
  const getPlace = db.prepare<[number], [string, number, number]>("SELECT charger_id, connector_id, state = 'active' FROM sessions WHERE transaction_id = ?").raw();
  // list()'s order and filter for one connector; no LIMIT (see listQuery): get() stops at the first row.
  const getRunning = db
    .prepare<[string, number], number>(
      `SELECT transaction_id FROM sessions WHERE charger_id = ? AND connector_id = ? AND state = 'active' AND superseded_by IS NULL
       ORDER BY started_at, transaction_id`,
    )
    .pluck();
  const closeSession = db.prepare(`
    UPDATE sessions SET state = 'completed', stopped_at = @stoppedAt, meter_stop = @meterStop,
      energy_wh = @meterStop - meter_start, stop_reason = @reason, stop_id_tag = @idTag,
      transaction_data = @transactionData, stop_received_at = @receivedAt, closed_by = @closedBy
    WHERE transaction_id = @transactionId`);
  // A late real Stop replaces chargegate's estimate (1.6 §3.7: a charger delivers its queued Stop when it can).
  const correctSession = db.prepare(`
    UPDATE sessions SET stopped_at = @stoppedAt, meter_stop = @meterStop,
      energy_wh = @meterStop - meter_start, stop_reason = @reason, stop_id_tag = @idTag,
      transaction_data = @transactionData, stop_received_at = @receivedAt, closed_by = 'charger',
      corrected_at = @receivedAt
    WHERE transaction_id = @transactionId`);
  const supersede = db.prepare(`
    UPDATE sessions SET superseded_by = ?, superseded_at = ?
    WHERE transaction_id = ? AND state = 'active' AND superseded_by IS NULL`);
  const listSuperseded = db.prepare<[], SessionRow>(`
    SELECT * FROM sessions WHERE state = 'active' AND superseded_by IS NOT NULL
    ORDER BY superseded_at, transaction_id`);
  const insertUnmatched = db.prepare(`
    INSERT OR IGNORE INTO unmatched_stops (charger_id, transaction_id, stopped_at, meter_stop,
                                           reason, id_tag, transaction_data, received_at)
    VALUES (@chargerId, @transactionId, @stoppedAt, @meterStop,
            @reason, @idTag, @transactionData, @receivedAt)`);
  const listUnmatched = db.prepare<[], UnmatchedStopRow>('SELECT * FROM unmatched_stops ORDER BY id');
  const setAuthStatus = db.prepare('UPDATE sessions SET auth_status = ? WHERE transaction_id = ?');
  // Only a session still without one: a replayed event never overwrites a token already attached.
  const attachIdTag = db.prepare("UPDATE sessions SET id_tag = ?, id_token_type = ?, auth_status = ? WHERE transaction_id = ? AND id_tag = ''");
  const listQueries = new Map<number, BetterSqlite3.Statement<unknown[], SessionRow>>();

  // IMMEDIATE: take the write lock before the replay lookup, so a second writer cannot
  // slip the same start in between the lookup and the insert.
  const start = db.transaction((input: NewSession) => {
    // A transaction the charger named itself is the same one again by that name alone.
    const existing = input.reference !== undefined ? getByReference.get(input.chargerId, input.reference) : findReplay.get(input);
    if (existing) return { transactionId: existing.transaction_id, replayed: true };
    ensureCharger.run(input.chargerId);
    const { lastInsertRowid } = insertSession.run({ ...input, reservationId: orNull(input.reservationId), reference: orNull(input.reference), idTokenType: orNull(input.idTokenType) });
    const transactionId = Number(lastInsertRowid);
    // Throwing rolls the insert back (and the AUTOINCREMENT counter with it).
    if (transactionId > MAX_TRANSACTION_ID) throw new Error(`transaction ids exhausted: ${transactionId} exceeds int32`);
    return { transactionId, replayed: false };
  });

  const stop = db.transaction((input: StopInput) => {
    const row = getSession.get(input.transactionId);
    // An id issued to another charger is not this charger's transaction: closing it would
    // end someone else's session, so it is kept apart like any id we never issued.
    if (!row || row.charger_id !== input.chargerId) {
      const { closedBy: _, ...unmatched } = stopParams(input);
      insertUnmatched.run(unmatched);
      return { known: false as const };
    }
    if (row.state === 'completed') {
      // Only the charger's own Stop corrects an estimate; a resend of a real Stop changes nothing.
      if (row.closed_by !== 'gateway' || input.closedBy === 'gateway') return { known: true as const, session: toSession(row), alreadyStopped: true };
      correctSession.run(stopParams(input));
      return { known: true as const, session: toSession(getSession.get(input.transactionId)!), alreadyStopped: false, corrected: toSession(row) };
    }
    closeSession.run(stopParams(input));
    return { known: true as const, session: toSession(getSession.get(input.transactionId)!), alreadyStopped: false };
  });

  function listQuery(filter: SessionFilter): BetterSqlite3.Statement<unknown[], SessionRow> {
    // The statement's key, a bit per filter: the ingest path asks for a charger's running
    // sessions on every MeterValues without a transaction, and a key string built per call was
    // garbage per message (issue #19).
    const key =
      (filter.chargerId !== undefined ? 1 : 0) |
      (filter.from !== undefined ? 2 : 0) |
      (filter.to !== undefined ? 4 : 0) |
      (filter.state !== undefined ? 8 : 0) |
      (filter.state === 'active' ? 16 : 0) |
      (filter.limit !== undefined ? 32 : 0);
    let statement = listQueries.get(key);
    if (!statement) {
      const where = [
        filter.chargerId !== undefined && 'charger_id = @chargerId',
        filter.from !== undefined && 'started_at >= @from',
        filter.to !== undefined && 'started_at < @to',
        filter.state !== undefined && 'state = @state',
        // The running session of a connector: not one a later start superseded (it waits for its Stop).
        filter.state === 'active' && 'superseded_by IS NULL',
      ]
        .filter((c): c is string => c !== false)
        .join(' AND ');
      // One statement per combination of filters (64 at most), so each can use its index.
      // A bound LIMIT costs SQLite some 40 µs per call even on an empty table (measured: 51 µs
      // against 2.5 for the same query without it): no LIMIT unless one is asked.
      statement = db.prepare<unknown[], SessionRow>(
        `SELECT * FROM sessions ${where ? `WHERE ${where}` : ''}
         ORDER BY started_at, transaction_id${filter.limit === undefined ? '' : ' LIMIT @limit'}`,
      );
      listQueries.set(key, statement);
    }
    return statement;
  }

  return {
    start: (input) => start.immediate(input),
    stop: (input) => stop.immediate(input),
    setAuthStatus: (transactionId, status) => void setAuthStatus.run(status, transactionId),
    attachIdTag: (transactionId, idTag, idTokenType, authStatus) => void attachIdTag.run(idTag, idTokenType, authStatus, transactionId),
    supersede: (transactionId, by, at) => void supersede.run(by, at, transactionId),
    superseded: () => listSuperseded.all().map(toSession),
    get(transactionId) {
      const row = getSession.get(transactionId);
      return row && toSession(row);
    },
    placeOf(transactionId) {
      const row = getPlace.get(transactionId);
      return row && { chargerId: row[0], connectorId: row[1], active: row[2] === 1 };
    },
    runningOn: (chargerId, connectorId) => getRunning.get(chargerId, connectorId),
    list(filter = {}) {
      return listQuery(filter).all(filter).map(toSession);
    },
    unmatchedStops() {
      return listUnmatched.all().map(toStopInput);
    },
    byReference(chargerId, reference) {
      const row = getByReference.get(chargerId, reference);
      return row && toSession(row);
    },
    noteEvent: (e: TransactionEventSeen) => {
      const row = handled.add(e.chargerId, e.reference, e.seqNo, e.offline, e.eventType === 'Ended', loadSeqNos);
      // onlyHandled is memory's belief that the row exists; the table has the last word: an
      // update that found no row (removed behind the store's back) falls back to the upsert.
      if (row && !(row.onlyHandled && writeHandled.run(row.handled, e.chargerId, e.reference).changes === 1)) {
        writeSeqNos.run(e.chargerId, e.reference, row.handled, row.offline);
      }
      return row !== undefined;
    },
    eventSeen: (chargerId, reference, seqNo) => handled.seen(chargerId, reference, seqNo, loadSeqNos),
    forgetHandledEvents: () => handled.forget(),
  };
}

function stopParams(input: StopInput) {
  return {
    chargerId: input.chargerId,
    transactionId: input.transactionId,
    stoppedAt: input.stoppedAt,
    meterStop: input.meterStop,
    reason: orNull(input.reason),
    idTag: orNull(input.idTag),
    transactionData: toJson(input.transactionData),
    receivedAt: input.receivedAt,
    closedBy: input.closedBy ?? 'charger',
  };
}

function toSession(row: SessionRow): SessionRecord {
  return omitEmpty<SessionRecord>({
    transactionId: row.transaction_id,
    chargerId: row.charger_id,
    connectorId: row.connector_id,
    idTag: row.id_tag,
    startedAt: row.started_at,
    meterStart: row.meter_start,
    reservationId: orUndefined(row.reservation_id),
    authStatus: row.auth_status,
    receivedAt: row.received_at,
    state: row.state,
    stoppedAt: orUndefined(row.stopped_at),
    meterStop: orUndefined(row.meter_stop),
    energyWh: orUndefined(row.energy_wh),
    stopReason: orUndefined(row.stop_reason),
    stopIdTag: orUndefined(row.stop_id_tag),
    transactionData: fromJson(row.transaction_data),
    supersededBy: orUndefined(row.superseded_by),
    supersededAt: orUndefined(row.superseded_at),
    closedBy: orUndefined(row.closed_by),
    correctedAt: orUndefined(row.corrected_at),
    reference: orUndefined(row.transaction_ref),
    idTokenType: orUndefined(row.id_token_type),
  });
}

function toStopInput(row: UnmatchedStopRow): StopInput {
  return omitEmpty<StopInput>({
    chargerId: row.charger_id,
    transactionId: row.transaction_id,
    stoppedAt: row.stopped_at,
    meterStop: row.meter_stop,
    reason: orUndefined(row.reason),
    idTag: orUndefined(row.id_tag),
    transactionData: fromJson(row.transaction_data),
    receivedAt: row.received_at,
  });
}
