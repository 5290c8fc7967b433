import type { StatusChange, StatusHistoryStore } from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

/** Per charger: weeks of an ordinary charger's statuses, bounded for one that flaps. */
export const STATUS_HISTORY_KEPT = 2000;
/**
 * The trim runs once per this many additions of a charger (and at its first after a start), not
 * on each: StatusNotification is on the ingest path. So a charger holds at most KEPT + this − 1.
 */
export const STATUS_HISTORY_TRIM_EVERY = 100;
const DEFAULT_LIMIT = 200;

interface Row {
  id: number;
  charger_id: string;
  kind: StatusChange['kind'];
  connector_id: number | null;
  status: string | null;
  error_code: string | null;
  info: string | null;
  vendor_error_code: string | null;
  timestamp: string;
  received_at: string;
}

/** The status_history table: written inside the StatusNotification's own group commit, read by the charger page. */
export function createStatusHistoryStore(db: Db, kept = STATUS_HISTORY_KEPT): StatusHistoryStore {
  const insert = db.prepare(`
    INSERT INTO status_history (charger_id, kind, connector_id, status, error_code, info, vendor_error_code, timestamp, received_at)
    VALUES (@chargerId, @kind, @connectorId, @status, @errorCode, @info, @vendorErrorCode, @timestamp, @receivedAt)`);
  const trim = db.prepare<[string, string, number]>(`
    DELETE FROM status_history WHERE charger_id = ? AND id <= (
      SELECT id FROM status_history WHERE charger_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`);
  const page = db.prepare<[string, number, number], Row>('SELECT * FROM status_history WHERE charger_id = ? AND id < ? ORDER BY id DESC LIMIT ?');
  const sinceTrim = new Map<string, number>();

  return {
    add(change) {
      insert.run({
        chargerId: change.chargerId,
        kind: change.kind,
        connectorId: change.kind === 'status' ? change.connectorId : null,
        status: change.kind === 'status' ? change.status : null,
        errorCode: change.kind === 'status' ? change.errorCode : null,
        info: orNull(change.info),
        vendorErrorCode: change.kind === 'status' ? orNull(change.vendorErrorCode) : null,
        timestamp: change.timestamp,
        receivedAt: change.receivedAt,
      });
      const count = sinceTrim.get(change.chargerId) ?? 0;
      if (count % STATUS_HISTORY_TRIM_EVERY === 0) trim.run(change.chargerId, change.chargerId, kept);
      sinceTrim.set(change.chargerId, count + 1);
    },
    list(chargerId, { limit = DEFAULT_LIMIT, before = Number.MAX_SAFE_INTEGER } = {}) {
      return page.all(chargerId, before, limit).map(toChange);
    },
  };
}

function toChange(r: Row): StatusChange & { id: number } {
  const common = { id: r.id, chargerId: r.charger_id, timestamp: r.timestamp, receivedAt: r.received_at };
  if (r.kind === 'status') {
    return omitEmpty({
      ...common,
      kind: 'status' as const,
      connectorId: r.connector_id ?? 0,
      status: r.status ?? '',
      errorCode: r.error_code ?? '',
      info: orUndefined(r.info),
      vendorErrorCode: orUndefined(r.vendor_error_code),
    });
  }
  return omitEmpty({ ...common, kind: r.kind, info: orUndefined(r.info) });
}
