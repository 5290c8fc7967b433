/**
 * The durable ceiling of `npm run bench` (issue #19): the least a server must do to store each
 * MeterValues durably before it answers, with nothing of chargegate but its schema. A bare `ws`
 * server (ocpp1.6, no schema validation) that parses each CALL, inserts its samples into
 * chargegate's own `meter_samples` table (the same migrations, the same INSERT OR IGNORE, the
 * same pragmas: WAL, synchronous = NORMAL), commits once per turn of the event loop, fdatasyncs
 * the WAL on libuv's thread pool, and only then sends each CALLRESULT (the guarantee of OCPP 1.6
 * §3.7 that chargegate keeps: an answered MeterValues is not resent, so it must be on disk).
 *
 * Written apart from chargegate's store on purpose: if chargegate's group commit got slower,
 * the ceiling must not follow it.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WebSocketServer, type WebSocket } from 'ws';
import { MIGRATIONS } from '../store/migrations.js';

/** Rows per INSERT statement, as chargegate's meter store. */
const ROWS_PER_INSERT = 8;

/** One row of meter_samples. */
export interface SampleRow {
  chargerId: string;
  connectorId: number;
  transactionId: number | null;
  timestamp: string;
  value: string;
  measurand: string;
  phase: string | null;
  unit: string | null;
  context: string | null;
  location: string | null;
  format: string | null;
}

export interface ParsedCall {
  id: string;
  action: string;
  payload: Record<string, unknown>;
}

/** An OCPP-J CALL `[2, id, action, payload]`, or undefined for anything else (no schema check: a ceiling). */
export function parseCall(text: string): ParsedCall | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(frame) || frame[0] !== 2 || typeof frame[1] !== 'string' || typeof frame[2] !== 'string') return undefined;
  const payload = frame[3];
  return { id: frame[1], action: frame[2], payload: typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {} };
}

interface SampledValue16 {
  value?: unknown;
  measurand?: unknown;
  phase?: unknown;
  unit?: unknown;
  context?: unknown;
  location?: unknown;
  format?: unknown;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The rows a 1.6 MeterValues payload stores: one per sampled value, with the 1.6 §7.43 defaults chargegate fills for measurand and context. */
export function meterValuesRows(chargerId: string, payload: Record<string, unknown>): SampleRow[] {
  const connectorId = typeof payload.connectorId === 'number' ? payload.connectorId : 0;
  const transactionId = typeof payload.transactionId === 'number' ? payload.transactionId : null;
  const rows: SampleRow[] = [];
  for (const mv of Array.isArray(payload.meterValue) ? (payload.meterValue as { timestamp?: unknown; sampledValue?: unknown }[]) : []) {
    for (const sv of Array.isArray(mv.sampledValue) ? (mv.sampledValue as SampledValue16[]) : []) {
      rows.push({
        chargerId,
        connectorId,
        transactionId,
        timestamp: String(mv.timestamp),
        value: String(sv.value),
        measurand: text(sv.measurand) ?? 'Energy.Active.Import.Register',
        phase: text(sv.phase),
        unit: text(sv.unit),
        context: text(sv.context) ?? 'Sample.Periodic',
        location: text(sv.location),
        format: text(sv.format),
      });
    }
  }
  return rows;
}

export interface DurableCeiling {
  port: number;
  dbFile: string;
  close(): Promise<void>;
}

/** Makes the WAL durable off the event loop, then calls back: fdatasync, or a test's stand-in. */
export type WalSync = (fd: number, done: (error: Error | null) => void) => void;

/** Starts the ceiling on 127.0.0.1 (port 0: any free one), its database `ceiling.db` in `dir`. */
export function startDurableCeiling(dir: string, options: { port?: number; walSync?: WalSync } = {}): Promise<DurableCeiling> {
  const { port = 0, walSync = fdatasync } = options;
  const dbFile = join(dir, 'ceiling.db');
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  for (const m of MIGRATIONS) db.exec(m.sql);
  // One statement per message of up to eight rows, bound by position: the cheapest way to
  // store a MeterValues that chargegate knows (its meter store does the same since 6 December
  // 2026), so that the ceiling stays the least a durable server must do. Its own text, like
  // the rest of this file: the ceiling must not follow chargegate's store if that got slower.
  const inserts: Database.Statement<unknown[]>[] = [];
  const insertOf = (rows: number): Database.Statement<unknown[]> =>
    (inserts[rows] ??= db.prepare(`
      INSERT OR IGNORE INTO meter_samples (charger_id, connector_id, transaction_id, timestamp, value,
                                 measurand, phase, unit, context, location, format)
      VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`));
  // Per message a savepoint inside the turn's transaction, as chargegate's durably() does.
  const store = db.transaction((rows: SampleRow[]) => {
    for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
      const chunk = Math.min(ROWS_PER_INSERT, rows.length - from);
      const params: unknown[] = [];
      for (let i = from; i < from + chunk; i++) {
        const r = rows[i]!;
        params.push(r.chargerId, r.connectorId, r.transactionId, r.timestamp, r.value, r.measurand, r.phase, r.unit, r.context, r.location, r.format);
      }
      insertOf(chunk).run(params);
    }
  });
  const walFd = openSync(`${dbFile}-wal`, 'r');

  /** Answers waiting for the commit of this turn, then for the fdatasync that covers it. */
  let open: (() => void)[] = [];
  let committed: (() => void)[] = [];
  let syncing = false;
  const syncSoon = (): void => {
    if (syncing || committed.length === 0) return;
    const batch = committed;
    committed = [];
    syncing = true;
    walSync(walFd, (error) => {
      syncing = false;
      if (error) throw error; // a benchmark: a failing disk ends it loudly
      for (const answer of batch) answer();
      syncSoon();
    });
  };
  const durably = (rows: SampleRow[], answer: () => void): void => {
    if (open.length === 0) {
      db.exec('BEGIN IMMEDIATE');
      setImmediate(() => {
        db.exec('COMMIT');
        committed.push(...open);
        open = [];
        syncSoon();
      });
    }
    store(rows);
    open.push(answer);
  };

  const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
  wss.on('connection', (ws: WebSocket, req) => {
    const chargerId = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    ws.on('message', (data: Buffer) => {
      const call = parseCall(data.toString());
      if (!call) return;
      if (call.action === 'MeterValues') {
        durably(meterValuesRows(chargerId, call.payload), () => ws.send(`[3,${JSON.stringify(call.id)},{}]`));
      } else {
        ws.send(JSON.stringify([3, call.id, { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }]));
      }
    });
  });
  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => {
      resolve({
        port: (wss.address() as { port: number }).port,
        dbFile,
        close: () =>
          new Promise<void>((done) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => {
              closeSync(walFd);
              db.close();
              done();
            });
          }),
      });
    });
  });
}
