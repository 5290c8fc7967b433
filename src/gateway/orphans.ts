/**
 * Sessions superseded by a later StartTransaction on their connector ("orphans"). A connector
 * runs one transaction at a time (1.6 §3.6), so a second Start means the first session's Stop
 * was lost or is still queued in the charger (1.6 §3.7: a charger delivers queued transaction
 * messages in order once it can, so the Stop may well come right after the new Start). The
 * first session therefore waits for its own Stop for a grace period; only then does chargegate
 * close it by estimate, from the last meter reading it has. Pure: the clock is passed in.
 */
import type { MeterSample, SessionRecord } from '../store/ports.js';

export interface OrphanPlan {
  /** Superseded sessions whose grace is over: close them now. */
  due: SessionRecord[];
  /** Milliseconds until the next one falls due; undefined when none waits. */
  nextInMs?: number;
}

export function planOrphans(orphans: readonly SessionRecord[], nowMs: number, graceMs: number): OrphanPlan {
  const due: SessionRecord[] = [];
  let next: number | undefined;
  for (const s of orphans) {
    // A missing or unreadable time is treated as superseded now: never closed early.
    const at = s.supersededAt ? Date.parse(s.supersededAt) : NaN;
    const dueAt = (Number.isNaN(at) ? nowMs : at) + graceMs;
    if (dueAt <= nowMs) due.push(s);
    else next = Math.min(next ?? Infinity, dueAt - nowMs);
  }
  return next === undefined ? { due } : { due, nextInMs: next };
}

/** The Stop chargegate estimates for an orphan whose own Stop never came. */
export interface EstimatedStop {
  transactionId: number;
  meterStop: number;
  timestamp: string;
  reason: 'Other';
}

/**
 * The last energy register reading of the session (Energy.Active.Import.Register, Wh or kWh),
 * at its time; without one, the meterStart (no energy is invented) at the time the later
 * start says the connector was free again.
 */
export function estimateStop(session: SessionRecord, samples: readonly MeterSample[], supersedingStartedAt: string | undefined): EstimatedStop {
  let best: { wh: number; at: string } | undefined;
  for (const s of samples) {
    if (s.measurand !== 'Energy.Active.Import.Register' || (s.phase !== undefined && s.phase !== 'N')) continue;
    const value = Number(s.value);
    if (!Number.isFinite(value)) continue;
    const wh = Math.round(s.unit === 'kWh' ? value * 1000 : value);
    if (!best || s.timestamp > best.at || (s.timestamp === best.at && wh > best.wh)) best = { wh, at: s.timestamp };
  }
  const meterStop = best && best.wh >= session.meterStart ? best.wh : session.meterStart;
  const timestamp = best && best.wh >= session.meterStart ? best.at : (supersedingStartedAt ?? session.startedAt);
  return { transactionId: session.transactionId, meterStop, timestamp, reason: 'Other' };
}
