import type { SecurityEvent, SecurityEventStore } from '../ports.js';
import { omitEmpty, orNull, orUndefined, type Db } from './rows.js';

/** Per charger: enough for an investigation, bounded so a charger repeating an event cannot fill the disk. */
export const SECURITY_EVENTS_KEPT = 1000;
const DEFAULT_LIMIT = 100;

interface Row {
  charger_id: string;
  type: string;
  timestamp: string;
  tech_info: string | null;
  received_at: string;
}

export function createSecurityEventStore(db: Db): SecurityEventStore {
  const insert = db.prepare(`
    INSERT INTO security_events (charger_id, type, timestamp, tech_info, received_at)
    VALUES (@chargerId, @type, @timestamp, @techInfo, @receivedAt)`);
  const prune = db.prepare(`
    DELETE FROM security_events WHERE charger_id = ? AND id <= (
      SELECT id FROM security_events WHERE charger_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`);
  const recent = db.prepare<[string, number], Row>('SELECT * FROM security_events WHERE charger_id = ? ORDER BY id DESC LIMIT ?');
  return {
    add(event: SecurityEvent) {
      insert.run({ ...event, techInfo: orNull(event.techInfo) });
      prune.run(event.chargerId, event.chargerId, SECURITY_EVENTS_KEPT);
    },
    list(chargerId, limit = DEFAULT_LIMIT) {
      return recent.all(chargerId, limit).map((r) =>
        omitEmpty({ chargerId: r.charger_id, type: r.type, timestamp: r.timestamp, techInfo: orUndefined(r.tech_info), receivedAt: r.received_at }),
      );
    },
  };
}
