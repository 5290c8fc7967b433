/**
 * The soak's verdict, computed from what was recorded on both ends (ledger.ts). Pure.
 *
 * - **lost**: a Start or Stop the charger got an answer for (so it forgot it) that the cloud
 *   never received; MeterValues the same, counted per session (the cloud must hold at least as
 *   many distinct readings of a session as the charger was answered for).
 * - **doubled**: one charger session that the cloud saw as two: two different Starts naming
 *   its idTag (or two transactionIds), or two different Stops of one transaction. Identical
 *   resends are not doubles: chargegate resends a message whose answer was lost unchanged
 *   (docs/cloud.md, *The cloud upstream*) and a deduplicating CSMS absorbs them; they are counted
 *   apart (`redelivered`).
 * - **out of order**: per charger connector, the messages as they arrived must follow the
 *   charger's own chronology (OCPP 1.6 §3.7); a Stop or MeterValues naming a transaction the
 *   cloud never started, and MeterValues arriving after their Stop, count too.
 */
import type { ChargerSession, CloudMessage, FuseSample } from './ledger.js';

export interface Violation {
  kind: 'lost' | 'doubled' | 'out-of-order';
  what: string;
}

export interface TransactionVerdict {
  startsAnswered: number;
  /** Starts still in a charger's queue at the end (never answered). */
  startsQueued: number;
  stopsAnswered: number;
  stopsQueued: number;
  meterValuesAnswered: number;
  cloudStarts: number;
  cloudStops: number;
  cloudMeterValues: number;
  redelivered: number;
  lostStarts: number;
  lostStops: number;
  lostMeterValues: number;
  doubled: number;
  outOfOrder: number;
  /** Sessions the chargers gave up a message of (retries used up): their business, shown apart. */
  chargerDropped: number;
  /** Examples, at most a few per kind, for the report. */
  violations: Violation[];
}

const MAX_EXAMPLES = 5;

interface CloudTx {
  start: CloudMessage;
  stops: CloudMessage[];
  meterTimestamps: Set<string>;
}

export function checkTransactions(sessions: readonly ChargerSession[], cloud: readonly CloudMessage[]): TransactionVerdict {
  const violations: Violation[] = [];
  const counts = { lost: 0, doubled: 0, 'out-of-order': 0 };
  const note = (kind: Violation['kind'], what: string, n = 1): void => {
    counts[kind] += n;
    if (violations.filter((v) => v.kind === kind).length < MAX_EXAMPLES) violations.push({ kind, what });
  };

  const ordered = [...cloud].sort((a, b) => a.seq - b.seq);
  const byTx = new Map<number, CloudTx>();
  const startsByTag = new Map<string, CloudMessage[]>();
  let redelivered = 0;
  let cloudStarts = 0;
  let cloudStops = 0;
  let cloudMeterValues = 0;
  // Each transaction's messages in arrival order, first arrivals only, for the order check.
  const streams = new Map<string, { label: string; messages: CloudMessage[] }>();
  const sessionByTag = new Map(sessions.map((s) => [s.idTag, s]));
  const streamOf = (tx: CloudTx): { label: string; messages: CloudMessage[] } => {
    const key = tx.start.idTag ?? `tx${tx.start.transactionId}`;
    const session = sessionByTag.get(key);
    const label = session ? `${session.charger}/${session.connector}` : `cloud connector ${tx.start.connectorId}`;
    let s = streams.get(label);
    if (!s) streams.set(label, (s = { label, messages: [] }));
    return s;
  };

  for (const m of ordered) {
    if (m.duplicate) {
      redelivered++;
      continue;
    }
    if (m.action === 'StartTransaction') {
      cloudStarts++;
      const tag = m.idTag ?? '';
      const earlier = startsByTag.get(tag) ?? [];
      if (earlier.length > 0) note('doubled', `two different StartTransactions for the session of idTag ${tag} (transactionIds ${earlier[0]!.transactionId} and ${m.transactionId})`);
      earlier.push(m);
      startsByTag.set(tag, earlier);
      if (m.transactionId === undefined) continue;
      const tx: CloudTx = { start: m, stops: [], meterTimestamps: new Set() };
      byTx.set(m.transactionId, tx);
      streamOf(tx).messages.push(m);
      continue;
    }
    const tx = m.transactionId === undefined ? undefined : byTx.get(m.transactionId);
    if (m.action === 'StopTransaction') cloudStops++;
    else cloudMeterValues++;
    if (!tx) {
      // A MeterValues outside a transaction carries no transactionId: nothing to order it by.
      if (m.action === 'MeterValues' && m.transactionId === undefined) continue;
      note('out-of-order', `${m.action} for transaction ${m.transactionId} arrived before any StartTransaction of it (message ${m.seq})`);
      continue;
    }
    if (m.action === 'StopTransaction') {
      if (tx.stops.length > 0) note('doubled', `two different StopTransactions for transaction ${m.transactionId} (idTag ${tx.start.idTag})`);
      tx.stops.push(m);
    } else {
      if (tx.stops.length > 0) note('out-of-order', `MeterValues of transaction ${m.transactionId} (${m.timestamp}) arrived after its StopTransaction`);
      tx.meterTimestamps.add(m.timestamp);
    }
    streamOf(tx).messages.push(m);
  }

  // §3.7: in chronological order, per connector. An equal timestamp is not a reversal.
  for (const { label, messages } of streams.values()) {
    for (let i = 1; i < messages.length; i++) {
      const prev = messages[i - 1]!;
      const cur = messages[i]!;
      if (Date.parse(cur.timestamp) < Date.parse(prev.timestamp)) {
        note('out-of-order', `${label}: ${cur.action} of ${cur.timestamp} arrived after ${prev.action} of ${prev.timestamp}`);
      }
    }
  }

  let lostStarts = 0;
  let lostStops = 0;
  let lostMeterValues = 0;
  let startsAnswered = 0;
  let startsQueued = 0;
  let stopsAnswered = 0;
  let stopsQueued = 0;
  let meterValuesAnswered = 0;
  let chargerDropped = 0;
  for (const s of sessions) {
    if (s.dropped) chargerDropped++;
    meterValuesAnswered += s.meterValuesAnswered;
    const starts = startsByTag.get(s.idTag) ?? [];
    const txs = starts.map((m) => (m.transactionId === undefined ? undefined : byTx.get(m.transactionId))).filter((x): x is CloudTx => x !== undefined);
    if (s.startAnswered) startsAnswered++;
    else if (!s.dropped) startsQueued++;
    if (s.startAnswered && starts.length === 0) {
      lostStarts++;
      note('lost', `${s.charger}/${s.connector}: StartTransaction of ${s.startedAt} (idTag ${s.idTag}) was answered but never reached the cloud`);
    }
    if (s.stoppedAt !== undefined) {
      if (s.stopAnswered) stopsAnswered++;
      else if (!s.dropped) stopsQueued++;
    }
    if (s.stopAnswered && !txs.some((tx) => tx.stops.length > 0)) {
      lostStops++;
      note('lost', `${s.charger}/${s.connector}: StopTransaction of ${s.stoppedAt} (idTag ${s.idTag}) was answered but never reached the cloud`);
    }
    const readings = txs.reduce((n, tx) => n + tx.meterTimestamps.size, 0);
    if (readings < s.meterValuesAnswered) {
      lostMeterValues += s.meterValuesAnswered - readings;
      note('lost', `${s.charger}/${s.connector}: ${s.meterValuesAnswered} MeterValues of idTag ${s.idTag} answered, ${readings} at the cloud`);
    }
  }
  counts.lost = lostStarts + lostStops + lostMeterValues;

  return {
    startsAnswered,
    startsQueued,
    stopsAnswered,
    stopsQueued,
    meterValuesAnswered,
    cloudStarts,
    cloudStops,
    cloudMeterValues,
    redelivered,
    lostStarts,
    lostStops,
    lostMeterValues,
    doubled: counts.doubled,
    outOfOrder: counts['out-of-order'],
    chargerDropped,
    violations,
  };
}

export interface FuseVerdict {
  /** Seconds during which the sum on a phase exceeded the supply, per phase (raw, no grace). */
  secondsOver: [number, number, number];
  /** The same, without the first `graceS` seconds of each episode. */
  secondsOverBeyondGrace: [number, number, number];
  /** Longest episode over the supply on any phase (s). */
  longestEpisodeS: number;
  /** Highest sum on any phase (A) and by how much it exceeded the supply. */
  peakA: number;
  worstExcessA: number;
  samples: number;
}

/**
 * Seconds over the fuse from samples taken every ~100 ms: a sample over the supply counts
 * for the time until the next sample (the last one for the median gap). `graceS` excuses the
 * start of each episode (the car's response time, when the report says so); both are given.
 * `counts` picks the samples that count (e.g. those taken while the gateway was down).
 */
export function checkFuse(samples: readonly FuseSample[], supplyA: number, graceS: number, counts: (s: FuseSample) => boolean = () => true): FuseVerdict {
  const over: [number, number, number] = [0, 0, 0];
  const beyond: [number, number, number] = [0, 0, 0];
  const episodeStart: (number | undefined)[] = [undefined, undefined, undefined];
  let longest = 0;
  let peak = 0;
  const gaps = samples.slice(1).map((s, i) => s.t - samples[i]!.t).sort((a, b) => a - b);
  const typicalGap = gaps[Math.floor(gaps.length / 2)] ?? 100;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const next = samples[i + 1];
    const dt = (next ? next.t - s.t : typicalGap) / 1000;
    for (let p = 0; p < 3; p++) {
      const a = s.phases[p]!;
      peak = Math.max(peak, a);
      // 1 mA: sums of floating-point currents may miss an exact fuse by rounding.
      if (a > supplyA + 0.001 && counts(s)) {
        const begun = (episodeStart[p] ??= s.t);
        over[p]! += dt;
        const inEpisode = (s.t - begun) / 1000;
        beyond[p]! += Math.max(0, Math.min(dt, inEpisode + dt - graceS));
        longest = Math.max(longest, inEpisode + dt);
      } else {
        episodeStart[p] = undefined;
      }
    }
  }
  return {
    secondsOver: over,
    secondsOverBeyondGrace: beyond,
    longestEpisodeS: longest,
    peakA: peak,
    worstExcessA: Math.max(0, peak - supplyA),
    samples: samples.length,
  };
}
