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
  // §3.7) meets the meter_samples_resend unique index and is kept once (migration 3).
  const insert = db.prepare(`
    INSERT OR IGNORE INTO meter_samples (charger_id, connector_id, transaction_id, timestamp, value,
                               measurand, phase, unit, context, location, format)
    VALUES (@chargerId, @connectorId, @transactionId, @timestamp, @value,
            @measurand, @phase, @unit, @context, @location, @format)`);
  // Insertion order is arrival order, which is what a reader of a transaction wants.
  const forTransaction = db.prepare<[number], SampleRow>(
    'SELECT * FROM meter_samples WHERE transaction_id = ? ORDER BY id',
  );
  const recentForCharger = db.prepare<[string, number], SampleRow>(
    'SELECT * FROM meter_samples WHERE charger_id = ? ORDER BY id DESC LIMIT ?',
  );
  const recentForConnector = db.prepare<[string, number, number], SampleRow>(
    'SELECT * FROM meter_samples WHERE charger_id = ? AND connector_id = ? ORDER BY id DESC LIMIT ?',
  );
  // One MeterValues carries many sampled values: one transaction (one fsync) for all of them.
  const appendAll = db.transaction((samples: MeterSample[]) =>
    samples.map((sample) => insert.run({
        chargerId: sample.chargerId,
        connectorId: sample.connectorId,
        transactionId: orNull(sample.transactionId),
        timestamp: sample.timestamp,
        value: sample.value,
        measurand: sample.measurand,
        phase: orNull(sample.phase),
        unit: orNull(sample.unit),
        context: orNull(sample.context),
        location: orNull(sample.location),
        format: orNull(sample.format),
      }).changes === 1),
  );

  return {
    append(samples) {
      return samples.length > 0 ? appendAll(samples) : [];
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
