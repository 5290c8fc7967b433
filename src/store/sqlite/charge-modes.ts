import type { ChargeModeRecord, ChargeModeStore } from '../ports.js';
import type { Db } from './rows.js';

/** The charge mode per connector: one row each, replaced when the user chooses another. */
export function createChargeModeStore(db: Db): ChargeModeStore {
  const all = db.prepare<[], { charger_id: string; connector_id: number; mode: ChargeModeRecord['mode']; updated_at: string }>('SELECT charger_id, connector_id, mode, updated_at FROM charge_modes ORDER BY charger_id, connector_id');
  const upsert = db.prepare(`
    INSERT INTO charge_modes (charger_id, connector_id, mode, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (charger_id, connector_id) DO UPDATE SET mode = excluded.mode, updated_at = excluded.updated_at`);
  return {
    list: () => all.all().map((r) => ({ chargerId: r.charger_id, connectorId: r.connector_id, mode: r.mode, updatedAt: r.updated_at })),
    set: (r) => void upsert.run(r.chargerId, r.connectorId, r.mode, r.updatedAt),
  };
}
