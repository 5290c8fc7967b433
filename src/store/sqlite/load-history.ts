import type { LoadHistoryStore, LoadSample } from '../ports.js';
import type { Db } from './rows.js';

interface Row {
  start_ms: number;
  l1: number;
  l2: number;
  l3: number;
  grid_samples: number;
  grid_l1: number | null;
  grid_l2: number | null;
  grid_l3: number | null;
  limit_a: number | null;
}

/** The load_history table: one row per bucket and resolution, each a running mean of its samples. */
export function createLoadHistoryStore(db: Db): LoadHistoryStore {
  // In an UPDATE every expression reads the row as it was: the old counts weigh the old means.
  const upsert = db.prepare(`
    INSERT INTO load_history (resolution_s, start_ms, samples, l1, l2, l3, grid_samples, grid_l1, grid_l2, grid_l3, limit_a)
    VALUES (@resolutionS, @startMs, 1, @l1, @l2, @l3, @gridSamples, @g1, @g2, @g3, @limitA)
    ON CONFLICT (resolution_s, start_ms) DO UPDATE SET
      samples = samples + 1,
      l1 = (l1 * samples + excluded.l1) / (samples + 1),
      l2 = (l2 * samples + excluded.l2) / (samples + 1),
      l3 = (l3 * samples + excluded.l3) / (samples + 1),
      grid_samples = grid_samples + excluded.grid_samples,
      grid_l1 = CASE WHEN excluded.grid_samples = 0 THEN grid_l1 ELSE (COALESCE(grid_l1, 0) * grid_samples + excluded.grid_l1) / (grid_samples + 1) END,
      grid_l2 = CASE WHEN excluded.grid_samples = 0 THEN grid_l2 ELSE (COALESCE(grid_l2, 0) * grid_samples + excluded.grid_l2) / (grid_samples + 1) END,
      grid_l3 = CASE WHEN excluded.grid_samples = 0 THEN grid_l3 ELSE (COALESCE(grid_l3, 0) * grid_samples + excluded.grid_l3) / (grid_samples + 1) END,
      limit_a = COALESCE(excluded.limit_a, limit_a)`);
  const prune = db.prepare<[number, number]>('DELETE FROM load_history WHERE resolution_s = ? AND start_ms < ?');
  const select = db.prepare<[number, number], Row>('SELECT * FROM load_history WHERE resolution_s = ? AND start_ms >= ? ORDER BY start_ms');

  return {
    add(sample, buckets) {
      const ms = Date.parse(sample.at);
      if (Number.isNaN(ms)) return;
      for (const { resolutionS, keepMs } of buckets) {
        const size = resolutionS * 1000;
        upsert.run({
          resolutionS,
          startMs: Math.floor(ms / size) * size,
          l1: sample.chargersA[0],
          l2: sample.chargersA[1],
          l3: sample.chargersA[2],
          gridSamples: sample.gridA ? 1 : 0,
          g1: sample.gridA?.[0] ?? null,
          g2: sample.gridA?.[1] ?? null,
          g3: sample.gridA?.[2] ?? null,
          limitA: sample.limitA,
        });
        prune.run(resolutionS, ms - keepMs);
      }
    },
    list(resolutionS, fromMs) {
      return select.all(resolutionS, fromMs).map(toSample);
    },
  };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function toSample(r: Row): LoadSample {
  return {
    at: new Date(r.start_ms).toISOString(),
    chargersA: [round1(r.l1), round1(r.l2), round1(r.l3)],
    ...(r.grid_samples > 0 ? { gridA: [round1(r.grid_l1 ?? 0), round1(r.grid_l2 ?? 0), round1(r.grid_l3 ?? 0)] as [number, number, number] } : {}),
    limitA: r.limit_a,
  };
}
