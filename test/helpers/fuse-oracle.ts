/**
 * An oracle for the fuse rule that does not trust the allocator: it works out, from the site's
 * wiring and the measured currents alone, which site phases each connector loads, adds up the
 * allocated amps per site phase, circuit and charger, and compares with the limits.
 *
 * It imports nothing from src/balancer but types and the SUPPLY id: no phasesOf, no site
 * index, no constraint table, and never the `phases` or `load` that allocate() returns. Only
 * the amps allocate() gives each connector are taken from its result.
 */
import { SUPPLY, type Allocation, type AllocationInput, type ChargerModel, type ConnectorInput, type Phase } from '../../src/balancer/model.js';

const EPS = 1e-6;
const NAMES = ['L1', 'L2', 'L3'];

/**
 * The site phases a connector loads, from the charger's wiring:
 * - on a 1-phase supply there is only L1;
 * - a 1-phase charger loads the site phase its L1 is wired to: rotation[0];
 * - a 3-phase charger with a running session whose car was measured loads the site phases of
 *   the charger phases carrying more than `threshold` (rotation[i] for charger phase i), unless
 *   the reading was partial (it left out phases: a meter that reports L1 alone, or a current
 *   without a phase): then its zeros say nothing, and the car may draw on every wired phase;
 * - a 3-phase charger with a running session whose car said it charges on fewer phases
 *   (evPhases, and its profile names that many) and shows no phase yet: the charger's first
 *   evPhases phases (rotation[0]… : a single-phase car charges on the charger's L1);
 * - phase switching: a charger told to charge on 3 phases (switchedPhases 3) may let its car
 *   draw on every wired phase, whatever it drew before; told 1, it is as a car that said one;
 * - otherwise (no car yet, no measurement, nothing above the threshold, an idle or a fixed
 *   connector) every phase it is wired to.
 */
export function sitePhases(charger: ChargerModel, connector: ConnectorInput, supplyPhases: 1 | 3, threshold: number): Phase[] {
  if (supplyPhases === 1) return [0];
  if (charger.phases === 1) return [charger.rotation[0]];
  const wired: Phase[] = [charger.rotation[0], charger.rotation[1], charger.rotation[2]];
  const car = connector.session !== undefined && connector.fixed === undefined;
  if (car && connector.switchedPhases === 3) return wired;
  const used: Phase[] = [];
  for (const chargerPhase of [0, 1, 2] as const) {
    if (car && connector.measured && !connector.measured.partial && connector.measured.currents[chargerPhase] > threshold) used.push(charger.rotation[chargerPhase]);
  }
  if (used.length > 0) return used;
  const declared = connector.switchedPhases ?? connector.evPhases;
  return car && declared !== undefined ? wired.slice(0, declared) : wired;
}

/** One limit on one site phase: what it allows, what fixed connectors take, what chargegate gave. */
export interface PhaseCheck {
  /** "supply L2", "circuit c1 L3", "charger CP2 L1". */
  name: string;
  kind: 'supply' | 'circuit' | 'charger';
  /** The circuit's or the charger's id ('supply' for the supply). */
  id: string;
  /** The limit: the supply's room (limit − margin − other load), a breaker, a charger's maximum. */
  limit: number;
  /** Taken by connectors whose limit cannot change now (offline, flagged). */
  fixed: number;
  /** Allocated by chargegate: sessions and standing limits of idle connectors. */
  allocated: number;
  /** Connectors chargegate sets a limit for on this phase (fixed ones not counted). */
  controlled: number;
}

/** The supply's room per site phase: the limit in force minus the margin and the other load. */
export function supplyRoom(input: AllocationInput): [number, number, number] {
  const { supply } = input.site;
  let limit = supply.maxCurrent;
  for (const e of input.external) limit = Math.min(limit, Math.max(0, e.amps));
  const room = (p: Phase): number => {
    if (supply.phases === 1 && p > 0) return 0;
    let r = limit - supply.margin - (input.otherLoad?.currents[p] ?? 0);
    if (input.otherLoad?.budget !== undefined) r = Math.min(r, input.otherLoad.budget);
    return Math.max(0, r);
  };
  return [room(0), room(1), room(2)];
}

/**
 * Every limit on every site phase with what loads it. The supply, each circuit on the way from
 * the charger's circuit up to the supply, and the charger itself (its maximum is shared by its
 * connectors) each count the connector's amps on each of its site phases.
 */
export function phaseChecks(input: AllocationInput, result: Allocation): PhaseCheck[] {
  const { site } = input;
  const room = supplyRoom(input);
  const checks = new Map<string, PhaseCheck>();
  const check = (kind: PhaseCheck['kind'], id: string, p: Phase, limit: number) => {
    const name = kind === 'supply' ? `supply ${NAMES[p]}` : `${kind} ${id} ${NAMES[p]}`;
    checks.set(name, { name, kind, id, limit, fixed: 0, allocated: 0, controlled: 0 });
  };
  // Every phase of the supply, of every circuit and of every charger, loaded or not.
  for (const p of [0, 1, 2] as const) {
    check('supply', SUPPLY, p, room[p]);
    for (const circuit of site.circuits.values()) if (circuit.id !== SUPPLY) check('circuit', circuit.id, p, circuit.maxCurrent);
    for (const charger of site.chargers.values()) check('charger', charger.id, p, charger.maxCurrent);
  }
  const amps = new Map(result.connectors.map((c) => [`${c.chargerId}/${c.connectorId}`, c.amps]));
  for (const connector of input.connectors) {
    const key = `${connector.chargerId}/${connector.connectorId}`;
    const given = amps.get(key);
    if (given === undefined) throw new Error(`${key} is missing from the result`);
    const fixed = connector.fixed !== undefined;
    for (const name of limitsLoaded(input, connector)) {
      const c = checks.get(name)!;
      if (fixed) c.fixed += connector.fixed!.amps;
      else {
        c.allocated += given;
        c.controlled += 1;
      }
    }
  }
  return [...checks.values()];
}

/**
 * The names of the limits a connector loads, one per site phase it uses: the supply, each
 * circuit from the charger's own up to the supply, and the charger itself.
 */
export function limitsLoaded(input: AllocationInput, connector: ConnectorInput): string[] {
  const { site } = input;
  const charger = chargerModel(input, connector);
  const limits = ['supply', ...circuitChain(input, charger.circuit).map((id) => `circuit ${id}`), `charger ${charger.id}`];
  const names: string[] = [];
  for (const p of sitePhases(charger, connector, site.supply.phases, site.balancing.phaseThreshold)) for (const l of limits) names.push(`${l} ${NAMES[p]}`);
  return names;
}

function chargerModel(input: AllocationInput, connector: ConnectorInput): ChargerModel {
  const charger = input.site.chargers.get(connector.chargerId);
  if (!charger) throw new Error(`the oracle knows no charger ${connector.chargerId}`);
  return charger;
}

/** The circuits from a charger's own up to (not including) the supply; an unknown id hangs off the supply. */
function circuitChain(input: AllocationInput, circuit: string): string[] {
  const chain: string[] = [];
  for (let at: string | undefined = circuit; at !== undefined && at !== SUPPLY && !chain.includes(at); at = input.site.circuits.get(at)?.parent) {
    if (!input.site.circuits.has(at)) break;
    chain.push(at);
  }
  return chain;
}

/**
 * The fuse rule: on every limit and phase, what chargegate allocates fits in what the fixed
 * connectors left. Fixed connectors may overfill a limit on their own (they cannot be told
 * otherwise); then chargegate may put nothing more on it. Returns the breaches in words.
 */
export function fuseBreaches(input: AllocationInput, result: Allocation): string[] {
  const out: string[] = [];
  for (const c of phaseChecks(input, result)) {
    const free = Math.max(0, c.limit - c.fixed);
    if (c.allocated > free + EPS) out.push(`${c.name}: ${round1(c.allocated)} A allocated + ${round1(c.fixed)} A fixed > limit ${round1(c.limit)} A`);
  }
  return out;
}

/** Throws with every breach listed. */
export function assertFusesHold(input: AllocationInput, result: Allocation): void {
  const breaches = fuseBreaches(input, result);
  if (breaches.length > 0) throw new Error(`fuse rule broken:\n  ${breaches.join('\n  ')}`);
}

/** Total load per site phase: allocated plus fixed, from the oracle's own phases (the supply's checks). */
export function siteLoads(input: AllocationInput, result: Allocation): [number, number, number] {
  const checks = new Map(phaseChecks(input, result).map((c) => [c.name, c]));
  return [0, 1, 2].map((p) => round1(checks.get(`supply ${NAMES[p]}`)!.allocated + checks.get(`supply ${NAMES[p]}`)!.fixed)) as [number, number, number];
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
