/**
 * Reads a V8 CPU profile (`node --cpu-prof`, a `.cpuprofile` file) into where the time of the
 * ingest path goes: each sample taken inside a time window is given to one stage (parse,
 * validate, handler, store insert, commit…) by the frame nearest the leaf of its stack that a
 * rule recognises, so a SQLite call counts for the chargegate function that made it (an insert
 * from the meter store, a COMMIT from the group commit). Pure.
 */

export interface CallFrame {
  functionName: string;
  url: string;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The parts of a `.cpuprofile` read here; times are µs on the monotonic clock. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stage of the ingest path and how to recognise its frames. */
export interface StageRule {
  stage: string;
  /** A substring of the frame's script URL (a `dist/…` path or a package's `node_modules/<name>/`). */
  url?: string;
  /** The frame's function name, exactly. */
  functionName?: string;
}

/**
 * The stages of a 1.6 MeterValues, in the order the message meets them. Rules are tried in
 * this order on each frame, from the sample's leaf towards the root; the first frame some rule
 * matches decides. better-sqlite3 has no rule of its own: its time goes to the chargegate code
 * that called it.
 */
export const INGEST_STAGES: readonly StageRule[] = [
  { stage: 'socket read (ws frames)', url: 'node_modules/ws/lib/receiver' },
  { stage: 'parse (OCPP-J frame)', url: 'dist/ocpp/frame.js', functionName: 'parseFrame' },
  { stage: 'validate (ajv, 1.6 schema)', url: 'dist/ocpp/validate.js' },
  { stage: 'validate (ajv, 1.6 schema)', url: 'node_modules/ajv/' },
  { stage: 'store insert (meter_samples)', url: 'dist/store/sqlite/meters.js' },
  { stage: 'commit (COMMIT to the WAL)', url: 'dist/store/sqlite/group-commit.js', functionName: 'commit' },
  { stage: 'sync (fdatasync callback)', url: 'dist/store/sqlite/group-commit.js', functionName: 'syncSoon' },
  { stage: 'savepoint (group commit, per message)', url: 'dist/store/sqlite/group-commit.js' },
  { stage: 'other store (sessions, charger rows…)', url: 'dist/store/' },
  { stage: 'MQTT mirror', url: 'dist/mqtt/' },
  { stage: 'MQTT mirror', url: 'node_modules/aedes' },
  { stage: 'MQTT mirror', url: 'node_modules/mqtt-packet' },
  { stage: 'balancer', url: 'dist/balancer/' },
  { stage: 'metrics (prom-client)', url: 'node_modules/prom-client' },
  { stage: 'logging (pino)', url: 'node_modules/pino' },
  { stage: 'handler (1.6 MeterValues)', url: 'dist/gateway/handlers/' },
  { stage: 'gateway (dispatch, registry, events)', url: 'dist/gateway/' },
  { stage: 'gateway (dispatch, registry, events)', url: 'dist/events.js' },
  { stage: 'answer (encode, ws send)', url: 'dist/ocpp/frame.js' },
  { stage: 'answer (encode, ws send)', url: 'node_modules/ws/lib/sender' },
  { stage: 'answer (encode, ws send)', url: 'dist/ocpp/server.js', functionName: 'send' },
  { stage: 'answer (encode, ws send)', url: 'dist/ocpp/session.js', functionName: 'send' },
  { stage: 'session (OCPP-J calls, limits)', url: 'dist/ocpp/' },
  { stage: 'socket read (ws frames)', url: 'node_modules/ws/' },
  { stage: 'garbage collector', functionName: '(garbage collector)' },
  { stage: 'idle', functionName: '(idle)' },
];

/** What no rule recognised: Node's streams and timers, V8 itself. */
export const OTHER_STAGE = 'other (Node streams, timers, V8)';

export interface StageTime {
  stage: string;
  /** Sampled time in the window, µs. */
  us: number;
}

/**
 * The sampled time of each stage within [fromUs, toUs] (the profile's own clock), largest
 * first; stages without a sample are left out.
 */
export function stageBreakdown(profile: CpuProfile, fromUs: number, toUs: number, rules: readonly StageRule[] = INGEST_STAGES): StageTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const stageOfNode = new Map<number, string>();
  const stageOf = (id: number): string => {
    const known = stageOfNode.get(id);
    if (known !== undefined) return known;
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const rule = rules.find((r) => (r.url === undefined || frame.url.includes(r.url)) && (r.functionName === undefined || r.functionName === frame.functionName));
      if (rule) {
        stageOfNode.set(id, rule.stage);
        return rule.stage;
      }
    }
    stageOfNode.set(id, OTHER_STAGE);
    return OTHER_STAGE;
  };
  const totals = new Map<string, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    // A sample's delta is the time since the one before: charged to this sample's stack.
    if (t < fromUs || t > toUs) return;
    const stage = stageOf(id);
    totals.set(stage, (totals.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...totals].map(([stage, us]) => ({ stage, us })).sort((a, b) => b.us - a.us);
}
