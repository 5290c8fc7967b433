import type { CostStore, SessionCost } from '../ports.js';
import type { Db } from './rows.js';

interface CostRow {
  currency: string;
  amount: number;
  energy_wh: number;
  unpriced_wh: number;
  computed_at: string;
}

export function createCostStore(db: Db): CostStore {
  const upsert = db.prepare(`
    INSERT INTO session_costs (transaction_id, currency, amount, energy_wh, unpriced_wh, computed_at)
    VALUES (@transactionId, @currency, @amount, @energyWh, @unpricedWh, @computedAt)
    ON CONFLICT (transaction_id) DO UPDATE SET currency = excluded.currency, amount = excluded.amount,
      energy_wh = excluded.energy_wh, unpriced_wh = excluded.unpriced_wh, computed_at = excluded.computed_at`);
  const select = db.prepare<[number], CostRow>('SELECT * FROM session_costs WHERE transaction_id = ?');
  return {
    record: (transactionId, cost) => void upsert.run({ transactionId, ...cost }),
    get(transactionId): SessionCost | undefined {
      const row = select.get(transactionId);
      return row && { currency: row.currency, amount: row.amount, energyWh: row.energy_wh, unpricedWh: row.unpriced_wh, computedAt: row.computed_at };
    },
  };
}
