/**
 * How admitted connectors rise above their minimum. Pure arithmetic on the constraint table.
 *
 * - waterFill(): max-min fair progressive filling. Everyone rises by the same amount until it
 *   reaches its max or one of its constraints is full. Event-driven (a heap of the level at
 *   which each constraint fills), so 1,000 connectors cost a few thousand heap operations.
 * - fillUnderCeilings(): used while an external limit lowers the site limit. Every session
 *   rises towards its ceiling (what it gets at the full fuse), and each supply phase is shared
 *   among the sessions on it as if all of them could use their share. This is what makes the
 *   allocation monotone in the site limit (lowering it never raises anyone, issue #4): plain
 *   max-min filling is not, because a 3-phase session frozen earlier on one phase leaves room
 *   on a shared circuit for others.
 */

export const NOT_FROZEN = -1;
export const AT_MAX = -2;
const EPS = 1e-9;

export interface Fillable {
  /** Constraint numbers this connector loads. */
  cons: readonly number[];
  /** Site phases it loads (the supply's constraints are 0, 1, 2). */
  phases: readonly number[];
  level: number;
  max: number;
  /** The constraint that stopped it, AT_MAX, or NOT_FROZEN. */
  frozenBy: number;
  /** Level when this fill began (internal). */
  start: number;
}

export function waterFill(items: readonly Fillable[], remaining: number[]): void {
  const rising: Fillable[] = [];
  for (const i of items) {
    if (i.max - i.level > EPS) {
      i.frozenBy = NOT_FROZEN;
      i.start = i.level;
      rising.push(i);
    } else i.frozenBy = AT_MAX;
  }
  if (rising.length === 0) return;

  const n = remaining.length;
  const at = new Float64Array(n);
  const count = new Int32Array(n);
  const version = new Int32Array(n);
  const members: (Fillable[] | undefined)[] = new Array(n);
  const involved: number[] = [];
  for (const i of rising) {
    for (const c of i.cons) {
      let m = members[c];
      if (!m) {
        m = members[c] = [];
        involved.push(c);
      }
      count[c]!++;
      m.push(i);
    }
  }
  const heap = new FillHeap();
  const schedule = (c: number) => {
    const v = ++version[c]!;
    if (count[c]! > 0) heap.push(at[c]! + Math.max(0, remaining[c]!) / count[c]!, c, v);
  };
  for (const c of involved) schedule(c);
  const byMax = rising.slice().sort((a, b) => a.max - a.level - (b.max - b.level));
  let next = 0;
  let frozen = 0;

  const freeze = (item: Fillable, w: number, by: number) => {
    if (item.frozenBy !== NOT_FROZEN) return;
    item.frozenBy = by;
    item.level = item.start + w;
    frozen++;
    for (const c of item.cons) {
      remaining[c]! -= count[c]! * (w - at[c]!);
      at[c] = w;
      count[c]!--;
      schedule(c);
    }
  };

  while (frozen < rising.length) {
    while (heap.size > 0 && heap.topVersion !== version[heap.topConstraint]) heap.pop();
    const atMax = byMax[next];
    const atMaxW = atMax ? atMax.max - atMax.start : Infinity;
    if (atMax && (heap.size === 0 || atMaxW <= heap.topLevel + EPS)) {
      next++;
      freeze(atMax, atMaxW, AT_MAX);
      continue;
    }
    if (heap.size === 0) break;
    const w = heap.topLevel;
    const c = heap.topConstraint;
    heap.pop();
    for (const m of members[c]!) freeze(m, w, c);
  }
}

/**
 * Tier by tier (highest priority first), each supply phase's room is shared among the tier's
 * sessions on it, each rising at most to its ceiling; a session gets the smallest share of
 * its phases. The room a tier reserves is what its shares add up to, used or not, so that a
 * lower limit can only lower the room left for the next tier. Circuits need no check: every
 * session stays at or below its level at the full fuse, which fitted them.
 */
export function fillUnderCeilings(tiers: readonly (readonly Fillable[])[], ceilings: ReadonlyMap<Fillable, Fillable>, remaining: number[]): void {
  const room = [remaining[0]!, remaining[1]!, remaining[2]!];
  for (const tier of tiers) {
    const share = [0, 1, 2].map((p) => {
      const headroom: number[] = [];
      for (const item of tier) if (item.phases.includes(p)) headroom.push(Math.max(0, ceilings.get(item)!.level - item.level));
      const { level, used } = shareOf(headroom, room[p]!);
      room[p] = room[p]! - used;
      return level;
    });
    for (const item of tier) {
      const ceiling = ceilings.get(item)!;
      const headroom = Math.max(0, ceiling.level - item.level);
      let lowest = Infinity;
      let by = NOT_FROZEN;
      for (const p of item.phases) {
        if (share[p]! < lowest) {
          lowest = share[p]!;
          by = p; // the supply's constraint on phase p is number p
        }
      }
      const rise = Math.min(headroom, lowest);
      item.frozenBy = rise < headroom - EPS ? by : ceiling.frozenBy;
      item.level += rise;
      for (const c of item.cons) remaining[c]! -= rise;
    }
  }
}

/** The level W with Σ min(headroom, W) = room (Infinity when all fit), and the room it uses. */
function shareOf(headroom: number[], room: number): { level: number; used: number } {
  if (room <= 0) return { level: 0, used: 0 };
  let total = 0;
  for (const h of headroom) total += h;
  if (total <= room) return { level: Infinity, used: total };
  headroom.sort((a, b) => a - b);
  let below = 0;
  for (let i = 0; i < headroom.length; i++) {
    const rest = headroom.length - i;
    if (below + headroom[i]! * rest >= room) return { level: (room - below) / rest, used: room };
    below += headroom[i]!;
  }
  return { level: Infinity, used: total };
}

/** A binary min-heap of (level, constraint, version) in parallel arrays: no object per event. */
class FillHeap {
  private readonly levels: number[] = [];
  private readonly constraints: number[] = [];
  private readonly versions: number[] = [];

  get size(): number {
    return this.levels.length;
  }
  get topLevel(): number {
    return this.levels[0]!;
  }
  get topConstraint(): number {
    return this.constraints[0]!;
  }
  get topVersion(): number {
    return this.versions[0]!;
  }

  push(level: number, constraint: number, version: number): void {
    let i = this.levels.length;
    this.levels.push(level);
    this.constraints.push(constraint);
    this.versions.push(version);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.levels[parent]! <= level) break;
      this.move(parent, i);
      i = parent;
    }
    this.put(i, level, constraint, version);
  }

  pop(): void {
    const last = this.levels.length - 1;
    const level = this.levels[last]!;
    const constraint = this.constraints[last]!;
    const version = this.versions[last]!;
    this.levels.pop();
    this.constraints.pop();
    this.versions.pop();
    if (last === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const m = r < last && this.levels[r]! < this.levels[l]! ? r : l;
      if (this.levels[m]! >= level) break;
      this.move(m, i);
      i = m;
    }
    this.put(i, level, constraint, version);
  }

  private move(from: number, to: number): void {
    this.levels[to] = this.levels[from]!;
    this.constraints[to] = this.constraints[from]!;
    this.versions[to] = this.versions[from]!;
  }

  private put(i: number, level: number, constraint: number, version: number): void {
    this.levels[i] = level;
    this.constraints[i] = constraint;
    this.versions[i] = version;
  }
}
