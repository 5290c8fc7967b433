/**
 * allocate(): the site's supply shared among its connectors. Pure: the time and the rotation
 * memory come in and go out, nothing is read from outside.
 *
 * In plain words:
 * 1. Every circuit (the supply included) and every multi-connector charger is a per-phase
 *    constraint. The supply's capacity is its fuse (or a lower external limit) minus the
 *    margin and the other loads the meter sees.
 * 2. Connectors whose limit cannot change now (offline, flagged) are counted at what they
 *    are assumed to draw, first.
 * 3. Sessions are admitted at their minimum in rank order: a session paused longer than
 *    maxWait first, then by priority, then running sessions still in their turn, then waiting
 *    ones (longest first), then running ones past their turn. A session whose minimum does
 *    not fit is paused (0 A): IEC 61851-1 cars need 6 A or nothing.
 * 4. Priority tier by tier, the admitted sessions rise together from their minimum
 *    (water-filling); a session stops at its maximum (or at what its car actually draws, once
 *    settled), everyone on a constraint stops when it is full.
 * 5. Idle connectors share what is left, as their standing limit for a car that arrives.
 * The result is floored to 0.1 A (OCPP 1.6 §7.13: limits are multiples of 0.1).
 */
import { MinHeap } from './heap.js';
import {
  PHASE_NAMES,
  SUPPLY,
  connectorKey,
  type Allocation,
  type AllocationInput,
  type BalancerState,
  type ChargerModel,
  type ConnectorAllocation,
  type ConnectorInput,
  type ConnectorMemory,
  type ExternalLimit,
  type Phase,
  type Reason,
  type SiteModel,
  type SupplyModel,
} from './model.js';

const EPS = 1e-9;

/** What an unlisted charger (chargers.allowUnknown) is assumed to be: the config defaults. */
export function defaultCharger(id: string): ChargerModel {
  return {
    id,
    connectors: 1,
    phases: 3,
    minCurrent: 6,
    maxCurrent: 32,
    rotation: [0, 1, 2],
    circuit: SUPPLY,
    priority: 0,
    quirks: { stackLevelZeroOnly: false, wattsOnly: false, noTxProfile: false, noZeroAmps: false },
  };
}

export function chargerOf(site: SiteModel, id: string): ChargerModel {
  return site.chargers.get(id) ?? defaultCharger(id);
}

/** The supply limit in force: the fuse, or the lowest external limit when lower. */
export function effectiveSiteLimit(supply: SupplyModel, external: readonly ExternalLimit[]): { amps: number; source: string } {
  let best = { amps: supply.maxCurrent, source: SUPPLY };
  for (const e of external) if (e.amps < best.amps) best = { amps: Math.max(0, e.amps), source: e.source };
  return best;
}

/**
 * Site phases a connector loads. A 3-phase charger's car may use fewer phases: once it draws,
 * the phases carrying current tell (a 1-phase car on a 3-phase charger loads one site phase).
 * Before that, all the charger's phases are assumed: the safe side.
 */
export function phasesOf(charger: ChargerModel, supplyPhases: 1 | 3, measured: ConnectorInput['measured'], threshold: number): Phase[] {
  if (supplyPhases === 1) return [0];
  if (charger.phases === 1) return [charger.rotation[0]];
  if (measured) {
    const used = [0, 1, 2].filter((i) => measured.currents[i]! > threshold).map((i) => charger.rotation[i]!);
    if (used.length > 0) return used;
  }
  return [...charger.rotation];
}

interface Constraint {
  kind: 'supply' | 'circuit' | 'charger';
  id: string;
  phase: Phase;
  remaining: number;
  /** Water level at which `remaining` was last brought up to date. */
  at: number;
  /** Members still rising. */
  rising: number;
  members: Item[];
  version: number;
  /** Lowest priority admitted on it (for the pause reason). */
  lowestAdmitted: number;
}

interface Item {
  key: string;
  input: ConnectorInput;
  charger: ChargerModel;
  phases: Phase[];
  constraints: Constraint[];
  min: number;
  max: number;
  maxReason: Reason;
  maxDetail: string;
  level: number;
  frozenBy: Constraint | 'max' | undefined;
  admitted: boolean;
  blockedBy: Constraint | undefined;
}

export function allocate(input: AllocationInput): Allocation {
  const { site, now } = input;
  const b = site.balancing;
  const siteLimit = effectiveSiteLimit(site.supply, input.external);
  const constraints = new Map<string, (Constraint | undefined)[]>();
  const supplyCap = supplyCapacity(site.supply, siteLimit.amps, input.otherLoad);

  const constraint = (kind: Constraint['kind'], id: string, phase: Phase, cap: number): Constraint => {
    const k = kind === 'charger' ? `charger:${id}` : id;
    let perPhase = constraints.get(k);
    if (!perPhase) {
      perPhase = [undefined, undefined, undefined];
      constraints.set(k, perPhase);
    }
    let c = perPhase[phase];
    if (!c) {
      c = { kind, id, phase, remaining: cap, at: 0, rising: 0, members: [], version: 0, lowestAdmitted: Infinity };
      perPhase[phase] = c;
    }
    return c;
  };
  const chain = circuitChains(site);

  const items: Item[] = [...input.connectors]
    .map((c) => ({ c, key: connectorKey(c.chargerId, c.connectorId) }))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .map(({ c, key }) => {
      const charger = chargerOf(site, c.chargerId);
      // Idle and fixed connectors may start drawing on every phase they have.
      const phases = c.session && !c.fixed ? phasesOf(charger, site.supply.phases, c.measured, b.phaseThreshold) : phasesOf(charger, site.supply.phases, undefined, 0);
      const cs: Constraint[] = [];
      for (const circuitId of chain.get(charger.circuit) ?? [SUPPLY]) {
        const circuit = site.circuits.get(circuitId);
        for (const p of phases) {
          if (circuitId === SUPPLY) cs.push(constraint('supply', SUPPLY, p, supplyCap[p]!));
          else cs.push(constraint('circuit', circuitId, p, circuit?.maxCurrent ?? 0));
        }
      }
      if (charger.connectors > 1) for (const p of phases) cs.push(constraint('charger', charger.id, p, charger.maxCurrent));
      const { max, maxReason, maxDetail } = demand(c, charger, phases, now, b);
      return { key, input: c, charger, phases, constraints: cs, min: charger.minCurrent, max, maxReason, maxDetail, level: 0, frozenBy: undefined, admitted: false, blockedBy: undefined } satisfies Item;
    });

  const take = (item: Item, amps: number) => {
    item.level = amps;
    for (const c of item.constraints) c.remaining -= amps;
  };

  // 2. What cannot change is counted first, even when it overfills.
  for (const item of items) if (item.input.fixed) take(item, item.input.fixed.amps);

  // 3. Admission at the minimum, in rank order.
  const sessions = items.filter((i) => i.input.session && !i.input.fixed);
  const ranked = sessions
    .map((item) => ({ item, rank: rankOf(item, input.state[item.key], now, b.turnMs, b.maxWaitMs) }))
    .sort((x, y) => compareRank(x.rank, y.rank))
    .map((x) => x.item);
  for (const item of ranked) {
    if (item.max < item.min) continue; // capped below its minimum: paused by the cap
    const blocking = item.constraints.find((c) => c.remaining < item.min - EPS);
    if (blocking && !item.input.cannotPause) {
      item.blockedBy = blocking;
      continue;
    }
    admit(item, take);
  }

  // 4. Water-filling, priority tier by tier.
  const admitted = sessions.filter((i) => i.admitted);
  for (const tier of byPriorityDesc(admitted)) waterFill(tier);

  // 5. Idle connectors share what is left as their standing limit. A charger that cannot be
  // told 0 A is given its minimum first: 0 is not a limit it keeps.
  const idle = items.filter((i) => !i.input.session && !i.input.fixed);
  for (const item of idle) {
    if (item.max < item.min) continue;
    if (item.charger.quirks.noZeroAmps) admit(item, take);
    else if (!item.constraints.some((c) => c.remaining < item.min - EPS)) admit(item, take);
  }
  waterFill(idle.filter((i) => i.admitted));

  // 6. Results, reasons and the memory for next time.
  const tenths: [number, number, number] = [0, 0, 0];
  const state: Record<string, ConnectorMemory> = {};
  const out: ConnectorAllocation[] = items.map((item) => {
    const result = describe(item, siteLimit, input.otherLoad?.failsafe, b.phaseThreshold);
    if (result.amps > 0) for (const p of item.phases) tenths[p] += Math.round(result.amps * 10);
    if (item.input.session && !item.input.fixed) state[item.key] = remember(input.state[item.key], result.amps, now, b.maxWaitMs);
    return result;
  });
  return { connectors: out, siteLimit, load: [tenths[0] / 10, tenths[1] / 10, tenths[2] / 10], state };
}

function admit(item: Item, take: (item: Item, amps: number) => void): void {
  item.admitted = true;
  take(item, item.min);
  for (const c of item.constraints) c.lowestAdmitted = Math.min(c.lowestAdmitted, item.charger.priority);
}

/** The supply's room per phase for the chargers. */
function supplyCapacity(supply: SupplyModel, limit: number, other: AllocationInput['otherLoad']): number[] {
  return [0, 1, 2].map((p) => {
    if (supply.phases === 1 && p > 0) return 0;
    const room = limit - supply.margin - (other?.currents[p] ?? 0);
    return Math.max(0, other?.budget !== undefined ? Math.min(room, other.budget) : room);
  });
}

/** For each circuit, itself and its ancestors up to the supply. */
function circuitChains(site: SiteModel): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const id of site.circuits.keys()) {
    const chain: string[] = [];
    for (let at: string | undefined = id; at !== undefined && !chain.includes(at); at = site.circuits.get(at)?.parent) chain.push(at);
    if (!chain.includes(SUPPLY)) chain.push(SUPPLY);
    chains.set(id, chain);
  }
  return chains;
}

/** How much a session could use: charger max, operator cap, or (settled) what its car draws. */
function demand(c: ConnectorInput, charger: ChargerModel, phases: Phase[], now: number, b: SiteModel['balancing']) {
  let max = charger.maxCurrent;
  let maxReason: Reason = 'max';
  let maxDetail = `at the charger's maximum ${charger.maxCurrent} A`;
  if (c.cap && c.cap.amps < max) {
    max = Math.max(0, c.cap.amps);
    maxReason = 'cap';
    maxDetail = `capped at ${c.cap.amps} A by ${c.cap.source}`;
  }
  const { measured, offered } = c;
  if (c.session && measured && offered && offered.amps > 0 && measured.at >= offered.raisedAt + b.settleMs && measured.at <= now) {
    const draw = Math.max(...phases.map((p) => measured.currents[charger.rotation.indexOf(p)] ?? 0));
    // Below its offer by more than half the headroom: the car takes less than it may.
    if (draw < offered.amps - b.releaseHeadroom / 2) {
      const wants = Math.max(charger.minCurrent, Math.ceil((draw + b.releaseHeadroom) * 10) / 10);
      if (wants < max) {
        max = wants;
        maxReason = 'released';
        maxDetail = `the car draws ${round1(draw)} A: the rest goes to others`;
      }
    }
  }
  return { max, maxReason, maxDetail };
}

interface Rank {
  starving: number;
  priority: number;
  turnClass: number;
  since: number;
  key: string;
}

function rankOf(item: Item, mem: ConnectorMemory | undefined, now: number, turnMs: number, maxWaitMs: number): Rank {
  const priority = -item.charger.priority;
  if (mem?.activeSince !== undefined) {
    const inTurn = now - mem.activeSince < turnMs;
    // A session let in for having waited too long keeps its whole turn, else a higher
    // priority would pause it again at once.
    const boosted = inTurn && mem.boosted === true;
    return { starving: boosted ? 0 : 1, priority: boosted ? 0 : priority, turnClass: inTurn ? 0 : 2, since: mem.activeSince, key: item.key };
  }
  const waitingSince = mem?.pausedSince ?? now;
  // Among those waiting too long, the longest wait goes first whatever the priority: else a
  // low priority would lose to high ones that keep starving in turn.
  const starving = now - waitingSince >= maxWaitMs;
  return { starving: starving ? 0 : 1, priority: starving ? 0 : priority, turnClass: 1, since: waitingSince, key: item.key };
}

function compareRank(a: Rank, b: Rank): number {
  return a.starving - b.starving || a.priority - b.priority || a.turnClass - b.turnClass || a.since - b.since || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function byPriorityDesc(items: Item[]): Item[][] {
  const tiers = new Map<number, Item[]>();
  for (const i of items) {
    const tier = tiers.get(i.charger.priority);
    if (tier) tier.push(i);
    else tiers.set(i.charger.priority, [i]);
  }
  return [...tiers.entries()].sort((a, b) => b[0] - a[0]).map(([, tier]) => tier);
}

/**
 * Progressive filling: every item rises by the same amount W from its current level until it
 * reaches its max or one of its constraints is full. Event-driven (a heap of the W at which
 * each constraint fills), so 1,000 connectors cost a few thousand heap operations.
 */
function waterFill(items: Item[]): void {
  const rising = items.filter((i) => {
    if (i.max - i.level > EPS) return true;
    i.frozenBy = 'max';
    return false;
  });
  if (rising.length === 0) return;
  const involved = new Set<Constraint>();
  for (const i of rising) {
    for (const c of i.constraints) {
      if (!involved.has(c)) {
        involved.add(c);
        c.rising = 0;
        c.members = [];
        c.at = 0;
      }
      c.rising++;
      c.members.push(i);
    }
  }
  const heap = new MinHeap<{ w: number; c: Constraint; version: number }>((x) => x.w);
  const schedule = (c: Constraint) => {
    c.version++;
    if (c.rising > 0) heap.push({ w: c.at + Math.max(0, c.remaining) / c.rising, c, version: c.version });
  };
  for (const c of involved) schedule(c);
  const byMax = rising.map((i) => ({ i, w: i.max - i.level, start: i.level })).sort((a, b) => a.w - b.w);
  const start = new Map(byMax.map((x) => [x.i, x.start]));
  let next = 0;
  let frozen = 0;

  const freeze = (item: Item, w: number, by: Constraint | 'max') => {
    if (item.frozenBy !== undefined) return;
    item.frozenBy = by;
    item.level = start.get(item)! + w;
    frozen++;
    for (const c of item.constraints) {
      c.remaining -= c.rising * (w - c.at);
      c.at = w;
      c.rising--;
      schedule(c);
    }
  };

  for (const i of rising) i.frozenBy = undefined;
  while (frozen < rising.length) {
    while (heap.size > 0 && heap.peek()!.version !== heap.peek()!.c.version) heap.pop();
    const full = heap.peek();
    const atMax = byMax[next];
    if (atMax && (!full || atMax.w <= full.w + EPS)) {
      next++;
      freeze(atMax.i, atMax.w, 'max');
      continue;
    }
    if (!full) break;
    heap.pop();
    for (const m of full.c.members) freeze(m, full.w, full.c);
  }
}

function describe(item: Item, siteLimit: { amps: number; source: string }, failsafe: string | undefined, threshold: number): ConnectorAllocation {
  const { amps, reason, detail } = verdict(item, siteLimit, failsafe);
  const measured = item.input.measured;
  const phasesMeasured = !!item.input.session && !item.input.fixed && !!measured && item.charger.phases === 3 && measured.currents.some((a) => a > threshold);
  // One object literal (no spreads): this runs for every connector on every allocation.
  return { key: item.key, chargerId: item.input.chargerId, connectorId: item.input.connectorId, amps, phases: item.phases, phasesMeasured, active: item.input.session !== undefined, reason, detail };
}

function verdict(item: Item, siteLimit: { amps: number; source: string }, failsafe: string | undefined): { amps: number; reason: Reason; detail: string } {
  if (item.input.fixed) {
    const why = item.input.fixed.why === 'offline' ? 'offline: assumed to draw its standing limit' : 'flagged (ignores or rejects its limit): assumed at its maximum';
    return { amps: item.input.fixed.amps, reason: 'fixed', detail: why };
  }
  if (!item.admitted) {
    if (item.max < item.min) return { amps: 0, reason: 'cap', detail: `${item.maxDetail}, below its minimum ${item.min} A: paused` };
    if (!item.input.session) return { amps: 0, reason: 'standby', detail: 'no room left for a standing limit' };
    const c = item.blockedBy!;
    const where = constraintName(c);
    if (c.lowestAdmitted === Infinity) return { amps: 0, reason: 'paused-capacity', detail: `paused: ${where} has less than its minimum ${item.min} A free` };
    if (c.lowestAdmitted <= item.charger.priority) return { amps: 0, reason: 'paused-rotation', detail: `paused: waiting its turn on ${where}` };
    return { amps: 0, reason: 'paused-priority', detail: `paused: ${where} is used by higher-priority sessions` };
  }
  const amps = Math.min(item.max, Math.max(item.min, Math.floor(item.level * 10 + 1e-6) / 10));
  if (!item.input.session) return { amps, reason: 'standby', detail: `standing limit until a car arrives` };
  const by = item.frozenBy;
  if (by === undefined || by === 'max') return { amps, reason: item.maxReason, detail: item.maxDetail };
  if (by.kind === 'charger') return { amps, reason: 'max', detail: `the charger's ${item.charger.maxCurrent} A shared by its connectors` };
  if (by.kind === 'circuit') return { amps, reason: 'circuit-full', detail: `circuit ${by.id} full on ${PHASE_NAMES[by.phase]}` };
  if (failsafe) return { amps, reason: 'failsafe', detail: failsafe };
  if (siteLimit.source !== SUPPLY) return { amps, reason: 'external', detail: `site limited to ${siteLimit.amps} A by ${siteLimit.source}` };
  return { amps, reason: 'fair-share', detail: `fair share of the supply on ${PHASE_NAMES[by.phase]}` };
}

function constraintName(c: Constraint): string {
  if (c.kind === 'supply') return `the supply's ${PHASE_NAMES[c.phase]}`;
  if (c.kind === 'circuit') return `circuit ${c.id} ${PHASE_NAMES[c.phase]}`;
  return `charger ${c.id} ${PHASE_NAMES[c.phase]}`;
}

function remember(prev: ConnectorMemory | undefined, amps: number, now: number, maxWaitMs: number): ConnectorMemory {
  if (amps <= 0) return { pausedSince: prev?.pausedSince ?? now };
  if (prev?.activeSince !== undefined) return prev.boosted ? { activeSince: prev.activeSince, boosted: true } : { activeSince: prev.activeSince };
  const starved = prev?.pausedSince !== undefined && now - prev.pausedSince >= maxWaitMs;
  return starved ? { activeSince: now, boosted: true } : { activeSince: now };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export type { BalancerState };
