import type { MeterSample, MeterStore } from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

const DEFAULT_RECENT_LIMIT = 100;

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
  // Positional parameters: binding by name costs a lookup per column per row, and this runs
  // for every sample of every MeterValues (docs/performance.md "Where the time goes").
  const insert = db.prepare<[string, number, number | null, string, string, string, string | null, string | null, string | null, string | null, string | null]>(`
    INSERT OR IGNORE INTO meter_samples (charger_id, connector_id, transaction_id, timestamp, value,
                               measurand, phase, unit, context, location, format)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
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
  const insertAll = (samples: MeterSample[]): boolean[] =>
    samples.map((s) => insert.run(
      s.chargerId, s.connectorId, orNull(s.transactionId), s.timestamp, s.value,
      s.measurand, orNull(s.phase), orNull(s.unit), orNull(s.context), orNull(s.location), orNull(s.format),
    ).changes === 1);
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
