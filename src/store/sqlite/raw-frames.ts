import type { RawFrame, RawFrameStore } from '../ports.js';
import type { Db } from './rows.js';

interface Row {
  id: number;
  charger_id: string;
  action: string;
  message_id: string;
  frame: string;
  problem: string;
  outcome: RawFrame['outcome'];
  received_at: string;
}

/**
 * The newest frames kept: a charger that sends the same deviation in every MeterValues would
 * otherwise grow the table without end on a small disk. 10,000 frames of about 1 KB.
 */
export const RAW_FRAMES_KEPT = 10_000;

/** The raw_frames table (migration 3): transaction messages kept as received. */
export function createRawFrameStore(db: Db, kept = RAW_FRAMES_KEPT): RawFrameStore {
  const insert = db.prepare(`
    INSERT INTO raw_frames (charger_id, action, message_id, frame, problem, outcome, received_at)
    VALUES (@chargerId, @action, @messageId, @frame, @problem, @outcome, @receivedAt)`);
  const trim = db.prepare<[number, number]>('DELETE FROM raw_frames WHERE id <= ? - ?');
  const all = db.prepare<[number], Row>('SELECT * FROM raw_frames ORDER BY id DESC LIMIT ?');
  const byCharger = db.prepare<[string, number], Row>('SELECT * FROM raw_frames WHERE charger_id = ? ORDER BY id DESC LIMIT ?');
  const toFrame = (r: Row): RawFrame & { id: number } => ({
    id: r.id,
    chargerId: r.charger_id,
    action: r.action,
    messageId: r.message_id,
    frame: r.frame,
    problem: r.problem,
    outcome: r.outcome,
    receivedAt: r.received_at,
  });
  return {
    add: (frame) => {
      const id = Number(insert.run(frame).lastInsertRowid);
      trim.run(id, kept);
    },
    list: (filter = {}) => {
      const limit = filter.limit ?? 100;
      return (filter.chargerId !== undefined ? byCharger.all(filter.chargerId, limit) : all.all(limit)).map(toFrame);
    },
  };
}
