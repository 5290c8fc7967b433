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
 *    (water-filling); a session stops at its maximum (or, once settled, at what its car
 *    actually draws, or at its minimum while the car has paused: SuspendedEV), everyone on a
 *    constraint stops when it is full. Under an external limit (demand response, schedule,
 *    price, cloud) nobody gets more than the same sessions would at the full fuse, so that a
 *    lower limit never raises anyone.
 * 4b. With balancing.step, the shares are whole steps (steps.ts): rounded down, then what that
 *    freed goes back a step at a time, first to those that hold it already.
 * 5. Idle connectors share what is left, as their standing limit for a car that arrives.
 * The result is floored to 0.1 A (OCPP 1.6 §7.13: limits are multiples of 0.1).
 */
import { ConstraintTable } from './constraints.js';
import { NOT_FROZEN, fillUnderCeilings, waterFill, type Fillable } from './fill.js';
import { chainOf, siteIndex, type SiteIndex } from './site-index.js';
import { wholeSteps } from './steps.js';
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

/**
 * An unlisted charger's model, made once per site model and id: the balancer asks for it per
 * connector on every run, and a fresh object each time was garbage (and missed the caches keyed
 * by the model, site-index.ts wired()). The models are immutable; a config reload makes a new site.
 */
const unlisted = new WeakMap<SiteModel, Map<string, ChargerModel>>();

export function chargerOf(site: SiteModel, id: string): ChargerModel {
  const listed = site.chargers.get(id);
  if (listed) return listed;
  let byId = unlisted.get(site);
  if (!byId) unlisted.set(site, (byId = new Map()));
  let model = byId.get(id);
  if (!model) byId.set(id, (model = defaultCharger(id)));
  return model;
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
 * Before that, all the charger's phases are assumed: the safe side; or, where the car said how
 * many it charges on (evPhases, its charging needs), the charger's first ones (a single-phase
 * car charges on L1): its profile then names that many phases (to-profile.ts).
 * A charger switched to three phases (switched) counts all of them at once: the 1-phase
 * currents it showed before the switch say nothing of what its car may draw now.
 */
export function phasesOf(charger: ChargerModel, index: SiteIndex, measured: ConnectorInput['measured'], threshold: number, evPhases?: number, switched?: 1 | 3): readonly Phase[] {
  const wired = index.wired(charger);
  if (wired.length === 1 || switched === 3) return wired;
  if (switched === 1) evPhases = 1;
  // The phases in use, in the charger's order, as one number (2 bits a phase, a leading 1):
  // the array for it is shared (PHASE_LISTS), not made again per connector and run.
  let code = 1;
  // A reading that leaves out phases (car-reading.ts) tells none of them: the car may draw on all.
  if (measured && !measured.partial) for (let i = 0; i < 3; i++) if (measured.currents[i]! > threshold) code = (code << 2) | charger.rotation[i]!;
  if (code > 1) return phaseList(code);
  if (evPhases === undefined || evPhases >= wired.length) return wired;
  code = 1;
  for (let i = 0; i < evPhases; i++) code = (code << 2) | wired[i]!;
  return phaseList(code);
}

/** Lists of site phases by their code (see phasesOf): at most 15, shared and never changed. */
const PHASE_LISTS = new Map<number, readonly Phase[]>();
function phaseList(code: number): readonly Phase[] {
  let list = PHASE_LISTS.get(code);
  if (!list) {
    const phases: Phase[] = [];
    for (let c = code; c > 1; c >>= 2) phases.unshift((c & 3) as Phase);
    PHASE_LISTS.set(code, (list = Object.freeze(phases)));
  }
  return list;
}

interface Item extends Fillable {
  key: string;
  input: ConnectorInput;
  charger: ChargerModel;
  phases: readonly Phase[];
  cons: readonly number[];
  /** A running session whose limit chargegate sets (not fixed). */
  session: boolean;
  min: number;
  maxReason: Reason;
  /** What the car draws, when that is why its max is lower ('released' by its draw); else NaN. */
  maxDraw: number;
  admitted: boolean;
  /** The constraint its minimum did not fit on, or -1. */
  blockedBy: number;
  rank: Rank | undefined;
}

export function allocate(input: AllocationInput): Allocation {
  const { site, now } = input;
  const b = site.balancing;
  const siteLimit = effectiveSiteLimit(site.supply, input.external);
  const index = siteIndex(site);
  const room = (limit: number) => supplyCapacity(site.supply, limit, input.otherLoad);
  const table = new ConstraintTable(index, room(siteLimit.amps));
  const shared: ConsCache = new Map();
  const { connectors, keys } = sortedByKey(input.connectors);
  const items: Item[] = new Array(connectors.length);
  for (let n = 0; n < connectors.length; n++) items[n] = itemOf(connectors[n]!, keys[n]!, site, index, table, now, shared);
  const { remaining } = table;
  const admit = (item: Item) => {
    item.admitted = true;
    take(item, item.min, remaining);
    for (const c of item.cons) if (item.charger.priority < table.lowestAdmitted[c]!) table.lowestAdmitted[c] = item.charger.priority;
  };

  // 2. What cannot change is counted first, even when it overfills.
  for (const item of items) if (item.input.fixed) take(item, item.input.fixed.amps, remaining);

  // 3. Admission at the minimum, in rank order.
  const candidates = items.filter((i) => i.session && i.max >= i.min);
  if (allMinimaFit(candidates, remaining)) {
    // Nobody is blocked whatever the order: the ranking is not needed.
    for (const item of candidates) admit(item);
  } else {
    for (const item of candidates) item.rank = rankOf(item, input.state[item.key], now, b.turnMs, b.maxWaitMs);
    candidates.sort((x, y) => compareRank(x.rank!, y.rank!));
    for (const item of candidates) {
      let blocking = -1;
      for (const c of item.cons) {
        if (remaining[c]! < item.min - EPS) {
          blocking = c;
          break;
        }
      }
      if (blocking >= 0 && !item.input.cannotPause) item.blockedBy = blocking;
      else admit(item);
    }
  }

  // 4. Above the minimum, priority tier by tier. Under an external limit, nobody rises above
  // what the same sessions would get at the full fuse (see fill.ts: monotone in the limit).
  const admitted = items.filter((i) => i.admitted);
  if (siteLimit.amps < site.supply.maxCurrent) {
    fillUnderCeilings(byPriorityDesc(admitted), atFullFuse(items, table.reopened(room(site.supply.maxCurrent))), remaining);
  } else {
    for (const tier of byPriorityDesc(admitted)) waterFill(tier, remaining);
  }
  // 4b. Whole steps (steps.ts): rounded down, and at the full fuse the rest handed back.
  if (b.step !== undefined) {
    const steppable = admitted.map((i) => ({ fill: i, min: i.min, priority: i.charger.priority, held: i.input.offered?.amps }));
    wholeSteps(steppable, b.step, remaining, siteLimit.source === SUPPLY);
  }

  // 5. Idle connectors share what is left, as their standing limit for a car that arrives.
  // A charger that cannot be told 0 A is given its minimum first: 0 is not a limit it keeps.
  const idle = items.filter((i) => !i.input.session && !i.input.fixed);
  for (const item of idle) {
    if (item.max < item.min) continue;
    if (item.charger.quirks.noZeroAmps || !item.cons.some((c) => remaining[c]! < item.min - EPS)) admit(item);
  }
  const standing = idle.filter((i) => i.admitted);
  waterFill(standing, remaining);
  if (b.step !== undefined) wholeSteps(standing.map((i) => ({ fill: i, min: i.min, priority: 0, held: undefined })), b.step, remaining, false);

  // 6. Results, reasons and the memory for next time.
  const tenths: [number, number, number] = [0, 0, 0];
  const state: Record<string, ConnectorMemory> = {};
  const failsafe = input.otherLoad?.failsafe;
  const out: ConnectorAllocation[] = new Array(items.length);
  for (let n = 0; n < items.length; n++) {
    const item = items[n]!;
    const { amps, reason, detail } = verdict(item, table, siteLimit, failsafe);
    const measured = item.input.measured;
    const phasesMeasured = item.session && measured !== undefined && !measured.partial && item.charger.phases === 3 && measured.currents.some((a) => a > b.phaseThreshold);
    if (amps > 0) for (const p of item.phases) tenths[p] += Math.round(amps * 10);
    if (item.session) state[item.key] = remember(input.state[item.key], amps, now, b.maxWaitMs);
    const switched = item.session && item.charger.phases === 3 ? item.input.switchedPhases : undefined;
    const phasesDeclared = switched === undefined && item.session && !phasesMeasured && item.input.evPhases !== undefined && item.phases.length === item.input.evPhases && item.phases.length < item.charger.phases;
    out[n] = { key: item.key, chargerId: item.input.chargerId, connectorId: item.input.connectorId, amps, phases: item.phases, phasesMeasured, ...(phasesDeclared ? { phasesDeclared } : NOTHING), ...(switched !== undefined ? { phasesSwitched: switched } : NOTHING), active: item.input.session !== undefined, reason, detail };
  }
  return { connectors: out, siteLimit, load: [tenths[0] / 10, tenths[1] / 10, tenths[2] / 10], state };
}

/** Spread where a result has nothing to add: one shared object, not two new ones per connector and run. */
const NOTHING = Object.freeze({});

function take(item: Fillable, amps: number, remaining: number[]): void {
  item.level = amps;
  for (const c of item.cons) remaining[c]! -= amps;
}

/**
 * What each admitted session would get with the same sessions admitted at the full fuse: its
 * ceiling under an external limit. They fit there, since they fit under the lower limit.
 */
function atFullFuse(items: readonly Item[], fuse: ConstraintTable): Map<Fillable, Fillable> {
  const copies = new Map<Item, Fillable>();
  for (const item of items) {
    if (item.input.fixed) for (const c of item.cons) fuse.remaining[c]! -= item.input.fixed.amps;
    else if (item.admitted) {
      const copy: Fillable = { cons: item.cons, phases: item.phases, level: 0, max: item.max, frozenBy: NOT_FROZEN, start: 0 };
      take(copy, item.min, fuse.remaining);
      copies.set(item, copy);
    }
  }
  for (const tier of byPriorityDesc([...copies.keys()])) waterFill(tier.map((i) => copies.get(i)!), fuse.remaining);
  return copies;
}

/**
 * The constraint lists of single-connector chargers, shared within one allocation by circuit
 * chain and phase list (both shared arrays): a site of 1,000 such chargers has a handful.
 */
type ConsCache = Map<readonly number[], Map<readonly Phase[], readonly number[]>>;

function itemOf(c: ConnectorInput, key: string, site: SiteModel, index: SiteIndex, table: ConstraintTable, now: number, shared: ConsCache): Item {
  const charger = chargerOf(site, c.chargerId);
  const session = c.session !== undefined && c.fixed === undefined;
  // Idle and fixed connectors may start drawing on every phase they have.
  const phases = session ? phasesOf(charger, index, c.measured, site.balancing.phaseThreshold, c.evPhases, c.switchedPhases) : index.wired(charger);
  const chain = chainOf(index, charger.circuit);
  let cons: readonly number[] | undefined;
  // A multi-connector charger's own maximum is a constraint of its own (its list is its own).
  if (charger.connectors > 1) cons = [...consOf(chain, phases), ...phases.map((p) => table.ofCharger(charger, p))];
  else {
    let byPhases = shared.get(chain);
    if (!byPhases) shared.set(chain, (byPhases = new Map()));
    cons = byPhases.get(phases);
    if (!cons) byPhases.set(phases, (cons = consOf(chain, phases)));
  }
  const item: Item = { key, input: c, charger, phases, cons, session, min: charger.minCurrent, max: charger.maxCurrent, maxReason: 'max', maxDraw: NaN, level: 0, start: 0, frozenBy: NOT_FROZEN, admitted: false, blockedBy: -1, rank: undefined };
  demand(item, now, site.balancing);
  return item;
}

/** The constraints of its circuits (the chain up to the supply) on its phases. */
function consOf(chain: readonly number[], phases: readonly Phase[]): number[] {
  const cons: number[] = [];
  for (const circuit of chain) for (const p of phases) cons.push(circuit * 3 + p);
  return cons;
}

/** Connectors in key order, so that nothing depends on the order they came in; their keys alike. */
function sortedByKey(connectors: readonly ConnectorInput[]): { connectors: readonly ConnectorInput[]; keys: readonly string[] } {
  const keys = connectors.map((c) => c.key ?? connectorKey(c.chargerId, c.connectorId));
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      const order = keys.map((_, n) => n).sort((x, y) => (keys[x]! < keys[y]! ? -1 : keys[x]! > keys[y]! ? 1 : 0));
      return { connectors: order.map((n) => connectors[n]!), keys: order.map((n) => keys[n]!) };
    }
  }
  return { connectors, keys }; // already sorted: the usual case, the balancer keeps them so
}

/** Whether every candidate's minimum fits at once (then none is blocked, in any order). */
function allMinimaFit(candidates: readonly Item[], remaining: readonly number[]): boolean {
  const need = new Float64Array(remaining.length);
  for (const item of candidates) for (const c of item.cons) need[c]! += item.min;
  for (let c = 0; c < remaining.length; c++) if (need[c]! > 0 && remaining[c]! - need[c]! < -EPS) return false;
  return true;
}

/** The supply's room per phase for the chargers. */
export function supplyCapacity(supply: SupplyModel, limit: number, other: AllocationInput['otherLoad']): number[] {
  return [0, 1, 2].map((p) => {
    if (supply.phases === 1 && p > 0) return 0;
    const room = limit - supply.margin - (other?.currents[p] ?? 0);
    return Math.max(0, other?.budget !== undefined ? Math.min(room, other.budget) : room);
  });
}

/**
 * How much a session could use: charger max, operator cap, or (settled) what its car draws or
 * that it paused. Sets the item's max and why; the words for it are made only where they are
 * shown (maxDetail): most sessions end up with another reason.
 */
function demand(item: Item, now: number, b: SiteModel['balancing']): void {
  const { input: c, charger, phases } = item;
  if (c.cap && c.cap.amps < item.max) {
    item.max = Math.max(0, c.cap.amps);
    item.maxReason = 'cap';
  }
  // The car itself has paused (SuspendedEV) for a settle time: it keeps its minimum, so that
  // it can start again at once, and the rest goes to others until it reports Charging.
  if (c.session && c.suspendedSince !== undefined && now - c.suspendedSince >= b.settleMs && charger.minCurrent < item.max) {
    item.max = charger.minCurrent;
    item.maxReason = 'released';
    return;
  }
  const { measured, offered } = c;
  if (c.session && measured && offered && offered.amps > 0 && measured.at >= offered.raisedAt + b.settleMs && measured.at <= now) {
    let draw = 0;
    for (const p of phases) draw = Math.max(draw, measured.currents[charger.rotation.indexOf(p)] ?? 0);
    // Below its offer by more than half the headroom: the car takes less than it may.
    if (draw < offered.amps - b.releaseHeadroom / 2) {
      const wants = Math.max(charger.minCurrent, Math.ceil((draw + b.releaseHeadroom) * 10) / 10);
      if (wants < item.max) {
        item.max = wants;
        item.maxReason = 'released';
        item.maxDraw = draw;
      }
    }
  }
}

/** Why an item's max is what it is, in words (demand() decided it). */
function maxDetail(item: Item): string {
  const { input: c, charger } = item;
  if (item.maxReason === 'cap') return `capped at ${c.cap!.amps} A by ${c.cap!.source}`;
  if (item.maxReason === 'released') {
    return Number.isNaN(item.maxDraw) ? `the car has paused (SuspendedEV): it keeps its minimum ${charger.minCurrent} A, the rest goes to others` : `the car draws ${round1(item.maxDraw)} A: the rest goes to others`;
  }
  return `at the charger's maximum ${charger.maxCurrent} A`;
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
  if (tiers.size === 1) return [items];
  return [...tiers.entries()].sort((a, b) => b[0] - a[0]).map(([, tier]) => tier);
}

function verdict(item: Item, table: ConstraintTable, siteLimit: { amps: number; source: string }, failsafe: string | undefined): { amps: number; reason: Reason; detail: string } {
  if (item.input.fixed) {
    const { why, detail } = item.input.fixed;
    const said = detail ?? (why === 'offline' ? 'offline: assumed to draw its standing limit' : why === 'unconfirmed' ? 'no limit confirmed yet: assumed at its maximum' : 'uncontrolled: assumed at its maximum');
    return { amps: item.input.fixed.amps, reason: 'fixed', detail: said };
  }
  if (!item.admitted) {
    if (item.max < item.min) return { amps: 0, reason: 'cap', detail: `${maxDetail(item)}, below its minimum ${item.min} A: paused` };
    if (!item.input.session) return { amps: 0, reason: 'standby', detail: 'no room left for a standing limit' };
    const c = item.blockedBy;
    const where = table.describe(c);
    const lowest = table.lowestAdmitted[c]!;
    if (lowest === Infinity) return { amps: 0, reason: 'paused-capacity', detail: `paused: ${where} has less than its minimum ${item.min} A free` };
    if (lowest <= item.charger.priority) return { amps: 0, reason: 'paused-rotation', detail: `paused: waiting its turn on ${where}` };
    return { amps: 0, reason: 'paused-priority', detail: `paused: ${where} is used by higher-priority sessions` };
  }
  const amps = Math.min(item.max, Math.max(item.min, Math.floor(item.level * 10 + 1e-6) / 10));
  if (!item.input.session) return { amps, reason: 'standby', detail: `standing limit until a car arrives` };
  const by = item.frozenBy;
  // At its own maximum (or what its car takes), whatever stopped the filling: after whole
  // steps a session may have been raised to it by the hand-back.
  if (by < 0 || amps >= item.max - EPS) return { amps, reason: item.maxReason, detail: maxDetail(item) };
  const { kind, id, phase } = table.name(by);
  if (kind === 'charger') return { amps, reason: 'max', detail: `the charger's ${item.charger.maxCurrent} A shared by its connectors` };
  if (kind === 'circuit') return { amps, reason: 'circuit-full', detail: `circuit ${id} full on ${PHASE_NAMES[phase]}` };
  if (failsafe) return { amps, reason: 'failsafe', detail: failsafe };
  if (siteLimit.source !== SUPPLY) return { amps, reason: 'external', detail: `site limited to ${siteLimit.amps} A by ${siteLimit.source}` };
  return { amps, reason: 'fair-share', detail: FAIR_SHARE[phase]! };
}

/** The most common reason's words, one string per phase (not one per connector and run). */
const FAIR_SHARE = PHASE_NAMES.map((name) => `fair share of the supply on ${name}`);

/** The memory for next time; the same object when nothing changed (memories are never changed in place). */
function remember(prev: ConnectorMemory | undefined, amps: number, now: number, maxWaitMs: number): ConnectorMemory {
  if (amps <= 0) return prev?.pausedSince !== undefined && prev.activeSince === undefined && prev.boosted === undefined ? prev : { pausedSince: prev?.pausedSince ?? now };
  if (prev?.activeSince !== undefined) {
    if (prev.pausedSince === undefined && (prev.boosted === true || prev.boosted === undefined)) return prev;
    return prev.boosted ? { activeSince: prev.activeSince, boosted: true } : { activeSince: prev.activeSince };
  }
  const starved = prev?.pausedSince !== undefined && now - prev.pausedSince >= maxWaitMs;
  return starved ? { activeSince: now, boosted: true } : { activeSince: now };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export type { BalancerState };
