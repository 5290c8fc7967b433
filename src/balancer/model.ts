/**
 * The site as the load balancer sees it: one supply, nested circuits, chargers wired to site
 * phases, and what allocate() takes in and gives back. Pure data: no I/O, no clock.
 *
 * Currents are in A per phase. Phases are indices 0, 1, 2 for the site's L1, L2, L3.
 */

export type Phase = 0 | 1 | 2;
export type PhaseCurrents = readonly [number, number, number];
export const PHASE_NAMES = ['L1', 'L2', 'L3'] as const;
export const ZERO_CURRENTS: PhaseCurrents = [0, 0, 0];

/** The id of the root circuit: the site's supply itself. */
export const SUPPLY = 'supply';

export interface SupplyModel {
  /** The main fuse, A per phase. */
  maxCurrent: number;
  phases: 1 | 3;
  voltage: number;
  /** Kept free on every phase (meter and reaction-time error), A. */
  margin: number;
}

export interface CircuitModel {
  id: string;
  /** The circuit it hangs off; the supply's parent is undefined. */
  parent: string | undefined;
  /** A per phase. */
  maxCurrent: number;
}

export interface ChargerQuirks {
  /** Only stackLevel 0 is accepted: every profile goes to level 0. */
  stackLevelZeroOnly: boolean;
  /** Only chargingRateUnit W is accepted. */
  wattsOnly: boolean;
  /** TxProfile is not supported: the TxDefaultProfile carries the live limit. */
  noTxProfile: boolean;
  /** 0 A ends the transaction or is ignored: pause through ChangeAvailability instead. */
  noZeroAmps: boolean;
  /** No smart charging at all: no profile is ever sent; counted at uncontrolledCurrent (idle too, unless site.balancing.reserveUncontrolled is false). */
  noSmartCharging?: boolean;
}

export interface ChargerModel {
  id: string;
  connectors: number;
  phases: 1 | 3;
  minCurrent: number;
  maxCurrent: number;
  /** Site phase of the charger's L1, L2, L3 (a 1-phase charger uses only the first). */
  rotation: readonly [Phase, Phase, Phase];
  circuit: string;
  /** Higher charges first when not everyone can. */
  priority: number;
  /** What it draws when chargegate cannot control it, A per phase (default maxCurrent). */
  uncontrolledCurrent?: number;
  /** It can switch its car between 3 phases and 1 through the profile's numberPhases (solar modes). */
  phaseSwitching?: boolean;
  quirks: ChargerQuirks;
}

export interface BalancingSettings {
  /** A car drawing less than offered releases the rest only after this long (ms). */
  settleMs: number;
  /** A released car keeps this much above what it draws, so it can show it wants more (A). */
  releaseHeadroom: number;
  /** A running session keeps its turn this long before a waiting one may take it (ms). */
  turnMs: number;
  /** Nobody waits paused longer than this, whatever its priority (ms). */
  maxWaitMs: number;
  /** Per-phase current above which a phase counts as used by the car (A). */
  phaseThreshold: number;
  /** Limits are whole multiples of this (A, steps.ts); undefined: 0.1 A, nothing handed back. */
  step?: number;
}

export interface SiteModel {
  supply: SupplyModel;
  /** Every circuit by id, the supply included (id SUPPLY). */
  circuits: ReadonlyMap<string, CircuitModel>;
  chargers: ReadonlyMap<string, ChargerModel>;
  balancing: BalancingSettings;
}

/** A charger/connector key, `${chargerId}/${connectorId}`. */
export type ConnectorKey = string;
export const connectorKey = (chargerId: string, connectorId: number): ConnectorKey => `${chargerId}/${connectorId}`;

/** What allocate() must know about one connector right now. */
export interface ConnectorInput {
  chargerId: string;
  connectorId: number;
  /** connectorKey(chargerId, connectorId), when the caller has it already (else it is made). */
  key?: ConnectorKey;
  /** A running transaction; undefined = idle (it gets a standby share only). */
  session?: { transactionId: number; startedAt: number };
  /**
   * Latest Current.Import per charger phase (L1..L3 of the charger) and when it was sampled.
   * partial: the reading left out phases of a 3-phase charger (car-reading.ts), so its zeros
   * say nothing of the phases the car uses.
   */
  measured?: { currents: PhaseCurrents; at: number; partial?: true };
  /** The limit in force at the charger (last accepted) and when it was last raised. */
  offered?: { amps: number; raisedAt: number };
  /**
   * Since when (ms) the charger has reported SuspendedEV: the car takes nothing although it
   * may (OCPP 1.6 §4.9: full, on a timer, preconditioning). Undefined: it has not.
   */
  suspendedSince?: number;
  /**
   * The connector's limit cannot be changed now: it is assumed to draw `amps` on all its wired
   * phases. offline: the charger is not connected (it keeps what it accepted); uncontrolled: it
   * refused, ignored or never answered its limits, has not booted, or has no smart charging;
   * unconfirmed: it has a session but never accepted a limit (its first one is on its way).
   */
  fixed?: { amps: number; why: 'offline' | 'uncontrolled' | 'unconfirmed'; detail?: string };
  /** An operator cap (LimitControl.setCap), A. */
  cap?: { amps: number; source: string };
  /** Pausing does not work on this connector (noZeroAmps and ChangeAvailability refused). */
  cannotPause?: boolean;
  /**
   * The AC phases the car said it charges on (its charging needs, e.g. 2.0.1 NotifyEVChargingNeeds
   * AC_single_phase): the charger's first ones, until its currents show which it uses. Its
   * profile then names that many phases (numberPhases), so the charger holds it to them.
   */
  evPhases?: 1 | 2 | 3;
  /**
   * Phase switching (site.solar, chargers.list[].phaseSwitching): the phases its charger is told
   * to use (its profile's numberPhases). 3: every wired phase is counted, whatever its currents
   * showed on one phase; 1: its first phase, until its currents show more (a car still on three
   * while it switches is counted on three).
   */
  switchedPhases?: 1 | 3;
}

export interface ExternalLimit {
  /** Who asks: "demand-response", "schedule", "price", "cloud"… shown as the reason. */
  source: string;
  /** Site limit, A per phase. */
  amps: number;
}

/** What the site meter tells, already judged by failsafe.ts. */
export interface OtherLoad {
  /** Current on each site phase that is not the chargers' (A, ≥ 0). */
  currents: PhaseCurrents;
  /** Set when the meter is stale and the worst was assumed. */
  failsafe?: string;
  /** A fixed EV budget per phase that replaces supply − other load while failing safe. */
  budget?: number;
}

/** Per connector, carried from one allocate() to the next: the rotation and release memory. */
export interface ConnectorMemory {
  /** Charging without a pause since. */
  activeSince?: number;
  /** Paused (limit 0 with a session) since. */
  pausedSince?: number;
  /** Admitted because it waited longer than maxWait: it keeps this turn whatever its priority. */
  boosted?: boolean;
}

export type BalancerState = Readonly<Record<ConnectorKey, ConnectorMemory>>;

export interface AllocationInput {
  site: SiteModel;
  connectors: readonly ConnectorInput[];
  otherLoad?: OtherLoad;
  external: readonly ExternalLimit[];
  state: BalancerState;
  now: number;
}

export type Reason =
  | 'max' // at its own maximum (charger or car)
  | 'cap' // capped by an operator
  | 'released' // the car draws less than offered, or has paused (SuspendedEV): the rest went to others
  | 'fair-share' // the supply is shared
  | 'circuit-full' // a circuit is full
  | 'external' // an external limit (demand response, schedule, price, cloud) caps the site
  | 'failsafe' // the meter is stale: the worst is assumed
  | 'paused-rotation' // paused, waiting its turn
  | 'paused-priority' // paused for higher-priority sessions
  | 'paused-capacity' // paused: not even its minimum fits
  | 'fixed' // offline, uncontrolled or unconfirmed: assumed to draw this much
  | 'standby'; // idle connector: its standing share for when a car arrives

export interface ConnectorAllocation {
  key: ConnectorKey;
  chargerId: string;
  connectorId: number;
  /** A per phase: 0, or within [min, max]; a multiple of 0.1 (OCPP 1.6 §7.13 limit). */
  amps: number;
  /** Site phases this connector loads (as assumed for the allocation). */
  phases: readonly Phase[];
  /** The phases were seen in the car's currents (not assumed from the wiring). */
  phasesMeasured: boolean;
  /** The phases are the ones the car said it charges on (ConnectorInput.evPhases), not measured yet. */
  phasesDeclared?: boolean;
  /** Phase switching: the phases its profile names (ConnectorInput.switchedPhases), for a running session. */
  phasesSwitched?: 1 | 3;
  active: boolean;
  reason: Reason;
  /** The reason in words, e.g. "circuit garage full on L2". */
  detail: string;
}

export interface Allocation {
  connectors: ConnectorAllocation[];
  /** The effective supply limit per phase and what set it. */
  siteLimit: { amps: number; source: string };
  /** Sum of the allocations per site phase (fixed connectors included). */
  load: PhaseCurrents;
  state: BalancerState;
}
