import type { LimitStore, UserCap, UserSiteLimit } from '../ports.js';
import type { Db } from './rows.js';

interface CapRow {
  charger_id: string;
  connector_id: number;
  amps: number;
  source: string;
  set_at: string;
}

/** The user_caps and user_site_limit tables (migration 14); written through the store's group commit. */
export function createLimitStore(db: Db): LimitStore {
  const allCaps = db.prepare<[], CapRow>('SELECT * FROM user_caps ORDER BY charger_id, connector_id');
  const upsertCap = db.prepare(`
    INSERT INTO user_caps (charger_id, connector_id, amps, source, set_at) VALUES (@chargerId, @connectorId, @amps, @source, @setAt)
    ON CONFLICT (charger_id, connector_id) DO UPDATE SET amps = excluded.amps, source = excluded.source, set_at = excluded.set_at`);
  const deleteCap = db.prepare<[string, number]>('DELETE FROM user_caps WHERE charger_id = ? AND connector_id = ?');
  const getSite = db.prepare<[], { amps: number; source: string; until_at: string }>('SELECT amps, source, until_at FROM user_site_limit WHERE id = 1');
  const upsertSite = db.prepare(`
    INSERT INTO user_site_limit (id, amps, source, until_at) VALUES (1, @amps, @source, @until)
    ON CONFLICT (id) DO UPDATE SET amps = excluded.amps, source = excluded.source, until_at = excluded.until_at`);
  const deleteSite = db.prepare('DELETE FROM user_site_limit');
  return {
    caps: () => allCaps.all().map((r): UserCap => ({ chargerId: r.charger_id, connectorId: r.connector_id, amps: r.amps, source: r.source, setAt: r.set_at })),
    setCap: (cap) => void upsertCap.run(cap),
    clearCap: (chargerId, connectorId) => void deleteCap.run(chargerId, connectorId),
    siteLimit(): UserSiteLimit | undefined {
      const row = getSite.get();
      return row ? { amps: row.amps, source: row.source, until: row.until_at } : undefined;
    },
    setSiteLimit(limit) {
      if (limit) upsertSite.run(limit);
      else deleteSite.run();
    },
  };
}
