/**
 * Whether a RemoteStartTransaction may go to a connector (1.6 §5.11), one rule for every door
 * a remote start comes in by (HTTP, MQTT: control/site-commands.ts; the cloud:
 * upstream/cloud-calls.ts). A charger that gets a start for a connector it lacks, or for one
 * already charging, may answer Accepted and do nothing, or start where nobody expects it: the
 * field showed both. So chargegate refuses such a start itself, with the reason.
 */
import type { SessionStore } from '../store/ports.js';
import type { Registry } from './registry.js';

/** What chargegate knows of a connector when a remote start names it. */
export interface ConnectorFacts {
  /** Connectors the configuration gives the charger (`chargers.list[].connectors`); undefined: not configured. */
  configured?: number;
  /** Connector ids (> 0) the charger reported a StatusNotification for. */
  reported: readonly number[];
  /** Its latest status, as the charger reported it (1.6 §7.7 ChargePointStatus). */
  status?: string;
  /** The transactionId of the session running on it, if one is. */
  runningTransactionId?: number;
}

export type RemoteStartVerdict = { ok: true } | { ok: false; code: 'no_such_connector' | 'connector_busy'; reason: string };

/** A car is charging or the connector is still held by a transaction (1.6 §4.9, §7.7). */
const BUSY = new Set(['Charging', 'SuspendedEV', 'SuspendedEVSE', 'Finishing']);
/** The charger says the connector is free: a session chargegate still holds open lost its Stop. */
const FREE = new Set(['Available', 'Preparing']);
const CANNOT = new Set(['Unavailable', 'Faulted']);

/** Pure. */
export function remoteStartVerdict(chargerId: string, connectorId: number, facts: ConnectorFacts): RemoteStartVerdict {
  const where = `${chargerId} connector ${connectorId}`;
  if (!Number.isInteger(connectorId) || connectorId < 1) {
    return { ok: false, code: 'no_such_connector', reason: `a transaction runs on connector 1 or higher, not ${connectorId} (connector 0 is the charger itself)` };
  }
  const exists = (facts.configured !== undefined && connectorId <= facts.configured) || facts.reported.includes(connectorId);
  // Nothing known either way (an unconfigured charger that reported nothing yet): its own answer decides.
  const known = facts.configured !== undefined || facts.reported.length > 0;
  if (known && !exists) {
    const count = Math.max(facts.configured ?? 0, ...facts.reported);
    return { ok: false, code: 'no_such_connector', reason: `${chargerId} has no connector ${connectorId} (it has ${count})` };
  }
  if (facts.status !== undefined && BUSY.has(facts.status)) {
    return { ok: false, code: 'connector_busy', reason: `${where} is busy (${facts.status}${facts.runningTransactionId !== undefined ? `, transaction ${facts.runningTransactionId}` : ''})` };
  }
  if (facts.status !== undefined && CANNOT.has(facts.status)) {
    return { ok: false, code: 'connector_busy', reason: `${where} is ${facts.status}` };
  }
  if (facts.runningTransactionId !== undefined && (facts.status === undefined || !FREE.has(facts.status))) {
    return { ok: false, code: 'connector_busy', reason: `${where} is busy (transaction ${facts.runningTransactionId} is running)` };
  }
  return { ok: true };
}

/** The facts as the registry, the store and the configuration hold them now. */
export function connectorFacts(
  deps: { registry: Registry; sessions: Pick<SessionStore, 'list'>; configuredConnectors(chargerId: string): number | undefined },
  chargerId: string,
  connectorId: number,
): ConnectorFacts {
  const live = deps.registry.get(chargerId);
  const configured = deps.configuredConnectors(chargerId);
  const status = live?.connectors.get(connectorId)?.status;
  const running = deps.sessions.list({ chargerId, state: 'active' }).find((s) => s.connectorId === connectorId);
  return {
    reported: [...(live?.connectors.keys() ?? [])].filter((n) => n > 0),
    ...(configured !== undefined ? { configured } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(running ? { runningTransactionId: running.transactionId } : {}),
  };
}
