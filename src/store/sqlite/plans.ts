import type { PlanRecord, PlanStore } from '../ports.js';
import type { Db } from './rows.js';

interface Row {
  charger_id: string;
  connector_id: number;
  energy_wh: number | null;
  soc: number | null;
  capacity_wh: number | null;
  deadline: string;
  transaction_id: number | null;
  base_wh: number;
  created_at: string;
}

/** The charging plan per connector: one row each, replaced by a new plan, deleted when done. */
export function createPlanStore(db: Db): PlanStore {
  const all = db.prepare<[], Row>('SELECT * FROM charging_plans ORDER BY charger_id, connector_id');
  const upsert = db.prepare(`
    INSERT OR REPLACE INTO charging_plans (charger_id, connector_id, energy_wh, soc, capacity_wh, deadline, transaction_id, base_wh, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const remove = db.prepare('DELETE FROM charging_plans WHERE charger_id = ? AND connector_id = ?');
  return {
    list: () =>
      all.all().map((r) => ({
        chargerId: r.charger_id,
        connectorId: r.connector_id,
        ...(r.energy_wh !== null ? { energyWh: r.energy_wh } : {}),
        ...(r.soc !== null ? { soc: r.soc } : {}),
        ...(r.capacity_wh !== null ? { capacityWh: r.capacity_wh } : {}),
        deadline: r.deadline,
        ...(r.transaction_id !== null ? { transactionId: r.transaction_id } : {}),
        baseWh: r.base_wh,
        createdAt: r.created_at,
      })),
    set: (r: PlanRecord) => void upsert.run(r.chargerId, r.connectorId, r.energyWh ?? null, r.soc ?? null, r.capacityWh ?? null, r.deadline, r.transactionId ?? null, r.baseWh, r.createdAt),
    delete: (chargerId, connectorId) => void remove.run(chargerId, connectorId),
  };
}
