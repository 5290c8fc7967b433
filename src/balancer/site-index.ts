/**
 * What allocate() derives from the site alone, computed once per SiteModel (the model is
 * immutable data: a config reload builds a new one) instead of on every allocation: circuit
 * indices, each circuit's chain up to the supply, and each charger's wired site phases.
 *
 * Constraint numbering used by allocate(): circuit index × 3 + phase, the supply being
 * circuit 0; constraints of multi-connector chargers come after those.
 */
import { SUPPLY, type ChargerModel, type Phase, type SiteModel } from './model.js';

export interface SiteIndex {
  /** Circuit ids by index; index 0 is the supply. */
  circuitIds: string[];
  /** Capacity per circuit index (the supply's is replaced by the room left for the chargers). */
  circuitCaps: number[];
  /** Per circuit id: the indices of the circuit and its ancestors, ending with the supply (0). */
  chains: Map<string, readonly number[]>;
  /** Site phases a charger is wired to (1-phase supply: L1 only). */
  wired(charger: ChargerModel): readonly Phase[];
}

const SUPPLY_ONLY: readonly number[] = [0];
const cache = new WeakMap<SiteModel, SiteIndex>();

export function siteIndex(site: SiteModel): SiteIndex {
  let index = cache.get(site);
  if (!index) {
    index = build(site);
    cache.set(site, index);
  }
  return index;
}

function build(site: SiteModel): SiteIndex {
  const circuitIds = [SUPPLY, ...[...site.circuits.keys()].filter((id) => id !== SUPPLY)];
  const position = new Map(circuitIds.map((id, i) => [id, i]));
  const circuitCaps = circuitIds.map((id) => site.circuits.get(id)?.maxCurrent ?? 0);
  const chains = new Map<string, readonly number[]>([[SUPPLY, SUPPLY_ONLY]]);
  for (const id of circuitIds) {
    if (id === SUPPLY) continue;
    const chain: number[] = [];
    // A parent loop in a hand-made model must not hang us: each circuit once.
    for (let at: string | undefined = id; at !== undefined && at !== SUPPLY && !chain.includes(position.get(at) ?? -1); at = site.circuits.get(at)?.parent) {
      const i = position.get(at);
      if (i === undefined) break;
      chain.push(i);
    }
    chain.push(0);
    chains.set(id, chain);
  }
  const onePhaseSupply: readonly Phase[] = [0];
  const wiredCache = new WeakMap<ChargerModel, readonly Phase[]>();
  const wired = (charger: ChargerModel): readonly Phase[] => {
    if (site.supply.phases === 1) return onePhaseSupply;
    let phases = wiredCache.get(charger);
    if (!phases) {
      phases = charger.phases === 1 ? [charger.rotation[0]] : [...charger.rotation];
      wiredCache.set(charger, phases);
    }
    return phases;
  };
  return { circuitIds, circuitCaps, chains, wired };
}

/** The chain of a charger's circuit; an unknown circuit hangs off the supply. */
export function chainOf(index: SiteIndex, circuit: string): readonly number[] {
  return index.chains.get(circuit) ?? SUPPLY_ONLY;
}
