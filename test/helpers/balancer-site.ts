/** Small builders for balancer tests: a site in a few words, a session in one line. */
import { SUPPLY, type ChargerModel, type CircuitModel, type ConnectorInput, type Phase, type SiteModel } from '../../src/balancer/model.js';

export interface SiteSpec {
  supply: number;
  phases?: 1 | 3;
  margin?: number;
  circuits?: { id: string; maxCurrent: number; parent?: string }[];
  chargers: (Partial<ChargerModel> & { id: string })[];
}

export function site(spec: SiteSpec): SiteModel {
  const circuits = new Map<string, CircuitModel>([[SUPPLY, { id: SUPPLY, parent: undefined, maxCurrent: spec.supply }]]);
  for (const c of spec.circuits ?? []) circuits.set(c.id, { id: c.id, parent: c.parent ?? SUPPLY, maxCurrent: c.maxCurrent });
  return {
    supply: { maxCurrent: spec.supply, phases: spec.phases ?? 3, voltage: 230, margin: spec.margin ?? 0 },
    circuits,
    chargers: new Map(spec.chargers.map((c) => [c.id, charger(c)])),
    balancing: { settleMs: 30_000, releaseHeadroom: 2, turnMs: 900_000, maxWaitMs: 1_800_000, phaseThreshold: 1 },
  };
}

export function charger(c: Partial<ChargerModel> & { id: string }): ChargerModel {
  return {
    connectors: 1,
    phases: 3,
    minCurrent: 6,
    maxCurrent: 32,
    rotation: [0, 1, 2] as [Phase, Phase, Phase],
    circuit: SUPPLY,
    priority: 0,
    quirks: { stackLevelZeroOnly: false, wattsOnly: false, noTxProfile: false, noZeroAmps: false },
    ...c,
  };
}

export function session(chargerId: string, extra: Partial<ConnectorInput> = {}, connectorId = 1): ConnectorInput {
  return { chargerId, connectorId, session: { transactionId: 1, startedAt: 0 }, ...extra };
}

export function idle(chargerId: string, connectorId = 1): ConnectorInput {
  return { chargerId, connectorId };
}
