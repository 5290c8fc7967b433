import type { MeterSample, MeterStore } from '../ports.js';
import type BetterSqlite3 from 'better-sqlite3';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

const DEFAULT_RECENT_LIMIT = 100;
/** Samples per INSERT statement: one MeterValues of up to 8 sampled values in one. */
const ROWS_PER_INSERT = 8;

interface SampleRow {
  charger_id: string;
  connector_id: number;
  transaction_id: number | null;
  timestamp: string;
  value: string;
  measurand: string;
  phase: string | null;
  unit: string | null;
  context: string | null;
  location: string | null;
  format: string | null;
}

export function createMeterStore(db: Db): MeterStore {
  // OR IGNORE: the same sample again (a MeterValues resent after a crash lost its answer, 1.6
  // §3.7) meets the unique index meter_samples_resend_by_time and is kept once (migrations 5, 23).
  // A message's samples go in one statement of up to ROWS_PER_INSERT rows (positional
  // parameters: binding by name costs a lookup per column per row): one statement for a
  // 4-sample MeterValues cost 3 µs less than four (docs/performance.md "Where the time goes").
  const inserts: BetterSqlite3.Statement<unknown[]>[] = [];
  const insertOf = (rows: number): BetterSqlite3.Statement<unknown[]> =>
    (inserts[rows] ??= db.prepare(`
      INSERT OR IGNORE INTO meter_samples (charger_id, connector_id, transaction_id, timestamp, value,
                                 measurand, phase, unit, context, location, format)
      VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`));
  // The rows a statement just inserted, oldest first: the newest `changes` rows up to its last
  // rowid (a table without AUTOINCREMENT gives each new row a rowid above every other's).
  const justInserted = db.prepare<[number, number], KeyRow>(`
    SELECT * FROM (
      SELECT id, charger_id, connector_id, transaction_id, timestamp, value, measurand, phase, context, location
      FROM meter_samples WHERE id <= ? ORDER BY id DESC LIMIT ?
    ) ORDER BY id`);
  // Insertion order is arrival order, which is what a reader of a transaction wants.
  const forTransaction = db.prepare<[number], SampleRow>(
    'SELECT * FROM meter_samples WHERE transaction_id = ? ORDER BY id',
  );
  // Newest first, scanning back from the latest row (no index by charger since migration 23:
  // kept for tests and diagnosis; the product reads a connector's latest readings from memory).
  const recentForCharger = db.prepare<[string, number], SampleRow>(
    'SELECT * FROM meter_samples WHERE charger_id = ? ORDER BY id DESC LIMIT ?',
  );
  const recentForConnector = db.prepare<[string, number, number], SampleRow>(
    'SELECT * FROM meter_samples WHERE charger_id = ? AND connector_id = ? ORDER BY id DESC LIMIT ?',
  );
  const insertAll = (samples: MeterSample[]): boolean[] => {
    const fresh: boolean[] = [];
    for (let from = 0; from < samples.length; from += ROWS_PER_INSERT) {
      const chunk = samples.length - from < ROWS_PER_INSERT ? samples.length - from : ROWS_PER_INSERT;
      const params: unknown[] = [];
      for (let i = from; i < from + chunk; i++) {
        const s = samples[i]!;
        params.push(s.chargerId, s.connectorId, orNull(s.transactionId), s.timestamp, s.value, s.measurand, orNull(s.phase), orNull(s.unit), orNull(s.context), orNull(s.location), orNull(s.format));
      }
      const { changes, lastInsertRowid } = insertOf(chunk).run(params);
      if (changes === chunk || changes === 0) {
        for (let i = 0; i < chunk; i++) fresh.push(changes === chunk);
      } else {
        // Some kept, some a resend (or the same sample twice in one message): which were kept
        // is read back. The rows went in in the order given, each new one above the last.
        let next = 0;
        const rows = justInserted.all(Number(lastInsertRowid), changes);
        for (let i = from; i < from + chunk; i++) {
          const kept = next < rows.length && sameKey(samples[i]!, rows[next]!);
          if (kept) next++;
          fresh.push(kept);
        }
      }
    }
    return fresh;
  };
  // One MeterValues carries many sampled values: all of them or none. Inside a transaction
  // already (the group commit's savepoint for this message) that holds without another one.
  const appendAll = db.transaction(insertAll);

  return {
    append(samples) {
      if (samples.length === 0) return [];
      return db.inTransaction ? insertAll(samples) : appendAll(samples);
    },
    forTransaction(transactionId) {
      return forTransaction.all(transactionId).map(toSample);
    },
    recent(chargerId, connectorId, limit = DEFAULT_RECENT_LIMIT) {
      const rows =
        connectorId === undefined
          ? recentForCharger.all(chargerId, limit)
          : recentForConnector.all(chargerId, connectorId, limit);
      return rows.map(toSample);
    },
  };
}

/** A row's columns of the resend key (meter_samples_resend_by_time). */
type KeyRow = Omit<SampleRow, 'unit' | 'format'> & { id: number };

/** Whether a sample and a row are the same by the resend key (migration 22's unique index). */
function sameKey(s: MeterSample, row: KeyRow): boolean {
  return (
    row.timestamp === s.timestamp &&
    row.charger_id === s.chargerId &&
    row.connector_id === s.connectorId &&
    (row.transaction_id ?? -1) === (s.transactionId ?? -1) &&
    row.measurand === s.measurand &&
    (row.phase ?? '') === (s.phase ?? '') &&
    (row.location ?? '') === (s.location ?? '') &&
    (row.context ?? '') === (s.context ?? '') &&
    row.value === s.value
  );
}

function toSample(row: SampleRow): MeterSample {
  return omitEmpty<MeterSample>({
    chargerId: row.charger_id,
    connectorId: row.connector_id,
    transactionId: orUndefined(row.transaction_id),
    timestamp: row.timestamp,
    value: row.value,
    measurand: row.measurand,
    phase: orUndefined(row.phase),
    unit: orUndefined(row.unit),
    context: orUndefined(row.context),
    location: orUndefined(row.location),
    format: orUndefined(row.format),
  });
}
