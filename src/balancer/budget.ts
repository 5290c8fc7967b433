/**
 * The budget invariant, and which increases may go out now. Pure.
 *
 * THE INVARIANT. For every constraint of the site (each supply phase, each circuit phase, each
 * phase of a multi-connector charger), the sum of the connectors' *exposures* on it stays within
 * its capacity. A connector's exposure is the most it may draw right now as far as chargegate
 * can know, never what it merely hopes:
 *   - the limit the charger last accepted;
 *   - a limit still in flight (sent, not answered: the charger may already apply it), or one
 *     whose answer never came (timed out, connection lost) until a later one is accepted;
 *   - the current it reported: a reading taken after it accepted its limit is what it draws
 *     now, and a car that was cut keeps drawing its old current until it follows (IEC 61851-1
 *     gives it 5 s, site.balancing.responseTime); a reading from before the limit counts until
 *     its car had that time. So a decrease frees capacity for others once a reading shows the
 *     car followed it, or responseTime after it was accepted with no reading since (found by
 *     the end-to-end fuse test: a charger that accepted 0 A and kept drawing 16 A had its
 *     16 A given to its neighbour at once, and the site drew 37 A on a 32 A fuse);
 *   - nothing accepted at all: its maximum, idle or not. A car may arrive at any moment and
 *     the charger lets it draw what the charger allows, with no message to chargegate first;
 *     counting such a connector only once its session starts lets the exposures jump past the
 *     supply with every start (found by the mixed-fleet test on a busy machine: six chargers
 *     without a limit started at once while the others' standing limits were still being
 *     lowered, and the limits taken added up to 83 A on an 80 A phase);
 *   - an uncontrolled charger (refused, ignored or never answered its limits, not booted, or
 *     quirks.noSmartCharging): its maximum, once per charger, on the phases it is wired to,
 *     idle or not (the same reason).
 * A decrease never raises an exposure, so it is sent at once. An increase is sent only when the
 * invariant still holds with it, every unconfirmed decrease counted at its old value. So no
 * order of answers, no lost answer and no silent charger can make the site exceed a limit that
 * the exposures respected, and no charger waits for another's answer.
 */
import { chainOf, siteIndex } from './site-index.js';
import { ConstraintTable } from './constraints.js';
import { SUPPLY, type Phase, type SiteModel } from './model.js';

const EPS = 1e-9;

/** What chargegate knows of one connector's limit. */
export interface LimitKnowledge {
  /** The limit in force at the charger (last accepted), A; undefined: none known. */
  accepted?: number;
  /** When the charger accepted it (epoch ms). */
  acceptedAt?: number;
  /** A limit sent and not answered yet, A. */
  inFlight?: number;
  /**
   * A limit sent whose answer never came (timeout, lost connection): the charger may have
   * applied it. Counted until a later limit is accepted.
   */
  doubt?: number;
  /** Its highest reported current per phase (A) and when it was sampled (epoch ms). */
  measured?: { amps: number; at: number };
  /** Now (epoch ms): a reading from before the limit counts until responseTime after it was accepted. */
  now: number;
  /** What it draws at most without any limit (its maximum), A. */
  max: number;
}

/** The most one connector may draw right now, A per phase (see the invariant above). */
export function exposureOf(k: LimitKnowledge, responseMs: number): number {
  const acceptedAt = k.acceptedAt ?? -Infinity;
  // What it reported draws now if it was read after the limit was accepted, and may still
  // draw until its car had responseTime to follow if it was read before (see above).
  const drawing = k.measured && (k.measured.at >= acceptedAt || k.now < acceptedAt + responseMs) ? k.measured.amps : 0;
  // Nothing accepted: whatever it may start drawing without asking (see the invariant above).
  const known = k.accepted ?? k.max;
  return Math.max(known, k.inFlight ?? 0, k.doubt ?? 0, drawing);
}

export interface Loaded {
  chargerId: string;
  /** Site phases it loads. */
  phases: readonly Phase[];
  amps: number;
}

/** An order chargegate would send now: a connector from its exposure to a new limit. */
export interface Order extends Loaded {
  key: string;
  /** Its exposure now (already among the loads), A. */
  from: number;
}

/**
 * Which orders go out now: every one that does not raise its connector's exposure (at once:
 * they can only make room), and the increases that keep the invariant with those still counted
 * at their old values, in the order given.
 */
export function releaseOrders(site: SiteModel, supplyRoom: readonly number[], loads: readonly Loaded[], orders: readonly Order[]): Set<string> {
  const out = admitIncreases(site, supplyRoom, loads, orders.filter((o) => o.amps > o.from));
  for (const o of orders) if (o.amps <= o.from) out.add(o.key);
  return out;
}

/**
 * The increases that keep the invariant, in the order given (the caller puts the ones that
 * matter most first). `supplyRoom` is the supply's capacity per phase for the chargers (the
 * fuse or a lower external limit, minus margin and other load: allocate's supplyCapacity);
 * `loads` are every connector's exposures.
 */
export function admitIncreases(site: SiteModel, supplyRoom: readonly number[], loads: readonly Loaded[], increases: readonly Order[]): Set<string> {
  const { table, consOf } = loaded(site, supplyRoom, loads);
  const admitted = new Set<string>();
  for (const inc of increases) {
    const delta = inc.amps - inc.from;
    const cons = consOf(inc);
    if (delta > 0 && cons.some((c) => table.remaining[c]! - delta < -EPS)) continue;
    if (delta > 0) for (const c of cons) table.remaining[c]! -= delta;
    admitted.add(inc.key);
  }
  return admitted;
}

/** Per constraint: the loads' sum over its capacity, A (positive: over). For tests and logs. */
export function overloads(site: SiteModel, supplyRoom: readonly number[], loads: readonly Loaded[]): number[] {
  return loaded(site, supplyRoom, loads).table.remaining.map((r) => -r);
}

/** The site's constraints with the loads taken off. */
function loaded(site: SiteModel, supplyRoom: readonly number[], loads: readonly Loaded[]) {
  const index = siteIndex(site);
  const table = new ConstraintTable(index, supplyRoom);
  const consOf = (l: Loaded): number[] => {
    const charger = site.chargers.get(l.chargerId);
    const cons: number[] = [];
    for (const circuit of chainOf(index, charger?.circuit ?? SUPPLY)) for (const p of l.phases) cons.push(circuit * 3 + p);
    if (charger && charger.connectors > 1) for (const p of l.phases) cons.push(table.ofCharger(charger, p));
    return cons;
  };
  for (const l of loads) if (l.amps > 0) for (const c of consOf(l)) table.remaining[c]! -= l.amps;
  return { table, consOf };
}
