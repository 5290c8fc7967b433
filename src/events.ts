import type { Registration } from './gateway/registration.js';
import type { SetChargingProfileRequest } from './ocpp/v16/types.js';
import type { ChargerInfo, ChargerReportedLimit, ConnectorState, DeadLetter, EvNeeds, MeterSample, SecurityEvent, SessionCost, SessionRecord } from './store/ports.js';
import type { UpstreamSummary } from './upstream/upstream.js';

/**
 * What happens on the site, as typed events. The gateway core emits; the MQTT mirror, the
 * balancer and the HTTP API listen. Listeners must not throw and must not block: the OCPP
 * path emits synchronously.
 */
export interface GatewayEvents {
  'charger.connected': { chargerId: string; protocol: string; remoteAddress?: string; at: string };
  'charger.disconnected': { chargerId: string; code: number; reason: string; at: string };
  'charger.boot': { chargerId: string; info: ChargerInfo; at: string };
  /**
   * A charger's effective quirks changed (config, vendor profile and what its setup learnt,
   * src/setup/quirks.ts): the balancer works with them from its next run, no restart needed.
   */
  'charger.quirks': { chargerId: string; quirks: { stackLevelZeroOnly: boolean; wattsOnly: boolean; noTxProfile: boolean; noZeroAmps: boolean; noSmartCharging: boolean }; why: string };
  /** A charger's automatic setup changed state, or another vendor profile matched it (src/setup). */
  /** Where a connected charger stands with its BootNotification (gateway/registration.ts). */
  'charger.registration': { chargerId: string } & Registration;
  'charger.setup': { chargerId: string; state: 'off' | 'pending' | 'done' | 'failed'; reason?: string; profile?: string };
  'connector.status': ConnectorState;
  /** What the car on a connector needs (src/gateway/charging-needs.ts); null: forgotten (its session ended). */
  'connector.evNeeds': { chargerId: string; connectorId: number; needs: EvNeeds | null };
  /** A limit set at the charger by another party (an EMS, the grid operator); amps null: cleared or of unknown size. */
  'charger.reportedLimit': { chargerId: string } & ChargerReportedLimit;
  /**
   * One frame of a charger's report of its installed charging profiles (OCPP 2.0.1 K09
   * ReportChargingProfiles; tbc: more frames follow), profiles in the core's (1.6) shape.
   */
  'charger.profilesReported': { chargerId: string; requestId: number; tbc: boolean; connectorId: number; source: string; profiles: ReportedProfile[] };
  /** outsideSession: no session runs on the connector, or the message names one that ended (gateway/live-flows.ts inSession): only its energy register counts. */
  'meter.values': { chargerId: string; connectorId: number; transactionId?: number; samples: MeterSample[]; outsideSession?: true };
  /**
   * A StartTransaction was written and is on its way to the disk (not yet answered): the
   * balancer may make room for the car meanwhile. Followed by 'session.started', or by
   * 'session.startFailed' if the write never became durable.
   */
  'session.starting': SessionRecord;
  'session.startFailed': { chargerId: string; connectorId: number; transactionId: number };
  'session.started': SessionRecord;
  'session.ended': SessionRecord;
  /** What a session cost so far (final: false, at each reading) or in the end (final: true, stored). src/cost. */
  'session.cost': { chargerId: string; connectorId: number; transactionId: number; cost: SessionCost; final: boolean };
  /** The tariff's price per kWh now changed (a period began, the feed published); null: no price. */
  'tariff.price': { currency: string; price: number | null; at: string };
  /** The feed's known prices changed (a publication or a fetch was taken): plans look again. */
  'tariff.feed': { prices: number };
  /** A fetch of tariff.feed.url: taken, or the problem (src/cost/feed-poll.ts). */
  'tariff.feedPoll': { ok: boolean; problem?: string };
  /**
   * A charger's SecurityEventNotification (security whitepaper ed. 3, use case A04), stored before it is
   * emitted, or one chargegate raised about a charger (InvalidCsr: its CSR was refused).
   */
  'security.event': SecurityEvent;
  /**
   * What came of a charger's SignCertificate that chargegate's local CA answered: the chain sent
   * with CertificateSigned.req and the charger's answer (use case A02/A03), or why nothing was sent.
   */
  'security.certificate': CertificateOutcome;
  /** LogStatusNotification and SignedFirmwareStatusNotification (use cases N01, L01): the charger's latest status. */
  /** FirmwareStatusNotification / DiagnosticsStatusNotification (OCPP 1.6 §4.4, §4.5), stored (src/transfers). */
  'charger.fileStatus': { chargerId: string; kind: 'firmware' | 'diagnostics'; status: string; at: string };
  /** A diagnostics file a charger uploaded to chargegate; forwardResult once its forwarding ended. */
  'diagnostics.file': { chargerId: string; id: number; fileName: string; size: number; forwardResult?: string };
  'charger.transferStatus': { chargerId: string; kind: 'log' | 'firmware'; status: string; requestId?: number; at: string };
  /**
   * A later StartTransaction on its connector superseded this open session (`by` is the new
   * one): it waits for its own Stop for `ocpp.orphanGrace`, then chargegate closes it by estimate.
   */
  'session.superseded': { session: SessionRecord; by: SessionRecord };
  /** A late real StopTransaction replaced chargegate's estimated close (`previous`) of a session. */
  'session.corrected': { session: SessionRecord; previous: SessionRecord };
  /** Every CALL handled ('in', from a charger) or sent ('out', a command): for metrics. */
  'ocpp.call': { chargerId: string; action: string; direction: 'in' | 'out' };
  /**
   * The load balancer's allocation changed (limits or reasons): per connector the limit in A
   * per phase and why. For the MQTT mirror and the HTTP API.
   */
  'allocation.changed': AllocationChanged;
  /**
   * Without a load balancer (no `site:` section): each connector's limit under the local users'
   * caps, which chargegate sends as the charger's own profiles (control/charger-caps.ts). For
   * the MQTT mirror (the same limit topics as an allocation).
   */
  'charger.limits': { chargerId: string; connectors: ConnectorLimit[] };
  /** A local user's cap changed (connectorId 0: the whole charger; amps null: removed): what the "Current limit" number shows. */
  'limit.cap': { chargerId: string; connectorId: number; amps: number | null; source: string };
  /**
   * A SetChargingProfile the load balancer sent was answered (or failed): every write lands in
   * the charger's flash, so they are counted (/metrics chargegate_profile_writes_total).
   */
  'balancer.profile': { chargerId: string; connectorId: number; purpose: string; result: 'accepted' | 'rejected' | 'callerror' | 'timeout' | 'offline' | 'unreadable' };
  /** chargegate's local authorization list changed (the cloud's SendLocalList). */
  /** A local list changed: the cloud's of `channel`, or (no channel) the config's. */
  'localList.changed': { channel?: string };
  /**
   * chargegate tolerated a deviation from OCPP 1.6 or 2.0.1 (issues 14, 16; gateway/tolerance.ts, edge201/rescue.ts): counted in
   * /metrics chargegate_ocpp_leniencies_total by charger and kind.
   */
  'ocpp.leniency': { chargerId: string; kind: string; action?: string; detail: string };
  /** A frame a charger sent that chargegate answered with a CALLERROR. */
  'ocpp.error': { chargerId: string; direction: 'in' | 'out'; code: string; description: string; action?: string };
  /** A connector's charge mode, or the cap it sets, changed (src/control/charge-modes.ts). */
  'connector.mode': ChargeModeState;
  /** A connector's charging plan was set, re-planned or ended (plan null). src/plan. */
  'connector.plan': { chargerId: string; connectorId: number; plan: PlanState | null };
  /** The grid meter's latest reading (emitted by the balancer's meter); a field left out is unknown. */
  'site.state': { powerW?: number; limitA?: number | null; availableA?: readonly number[]; grid?: { powerW?: number; currentA?: readonly number[]; at?: string } };
  /** The link to the cloud CSMS (emitted by the upstream link). */
  'upstream.state': { online: boolean; outboxDepth: number; deadLetters: number; /** When the oldest outbox message was queued (for its age in /metrics). */ oldestAt?: string };
  /** A message for the cloud was given up after its attempts (or could not be mapped): kept in the dead letters. */
  /** Each upstream (the primary and every mirror) when its link, outbox or dead letters change. */
  'upstream.summary': UpstreamSummary;
  'upstream.deadLetter': DeadLetter;
  /** A DataTransfer from the cloud that upstream.dataTransfer sends to MQTT (aggregate mode). */
  'upstream.dataTransfer': { channel: string; vendorId: string; messageId?: string; data?: string; at: string };
  /** The outbox was full: these messages were given up (status, then every second MeterValues; never Start/Stop). */
  'upstream.evicted': { count: number; status: number; meterValues: number; outboxDepth: number; at: string };
}

export type EventName = keyof GatewayEvents;

export interface ReportedProfile {
  profile: SetChargingProfileRequest['csChargingProfiles'];
  /** The charger's own transactionId a TxProfile names (2.0.1: text). */
  chargerTransactionId?: string;
}

export interface CertificateOutcome {
  chargerId: string;
  /** installed: the charger Accepted the chain; rejected: it answered Rejected; failed: no answer (offline, timeout, CALLERROR); refused: the CA refused the CSR. */
  outcome: 'installed' | 'rejected' | 'failed' | 'refused';
  serial?: string;
  notAfter?: string;
  reason?: string;
  at: string;
}

export interface ChargeModeState {
  chargerId: string;
  connectorId: number;
  mode: 'off' | 'now' | 'minsolar' | 'solar';
  /** The cap the mode sets, A per phase: 0 pauses; null: none (now). */
  cap: number | null;
  /** In words, e.g. "solar: surplus 9 A". */
  why: string;
  /** A charger with phase switching and a session: the phases it is to charge on. */
  phases?: 1 | 3;
}

/** A connector's charging plan and what it does now (src/plan/service.ts); instants ISO 8601. */
export interface PlanState {
  chargerId: string;
  connectorId: number;
  /** The target: energy to add, kWh; or a state of charge, %, of a battery of capacityKWh. */
  energyKWh?: number;
  soc?: number;
  capacityKWh?: number;
  /** When the energy must be in the car. */
  by: string;
  /** reached, charging (in a planned slot), waiting (for one), unreachable (charging now). */
  status: 'reached' | 'charging' | 'waiting' | 'unreachable';
  /** Energy still to charge, kWh. */
  remainingKWh: number;
  /** The next (or current) planned slot. */
  nextSlot: { from: string; to: string } | null;
  expectedFinish: string | null;
  /** The expected cost of the energy still to charge (in the tariff's currency); null: not priced. */
  expectedCost: number | null;
  currency: string | null;
  /** Every planned window, in time order. */
  windows: { from: string; to: string }[];
  reason: string;
}

export interface AllocationChanged {
  at: string;
  /** The supply limit in force (A per phase) and what set it: "supply", "schedule 17:00-20:00", a demand-response source… */
  siteLimit: { amps: number; source: string };
  /** Allocated A per site phase L1, L2, L3. */
  load: readonly [number, number, number];
  /** Set while the grid meter is stale and the worst is assumed. */
  failsafe?: string;
  connectors: {
    chargerId: string;
    connectorId: number;
    amps: number;
    /** Site phases, e.g. ['L1'] for a 1-phase car. */
    phases: string[];
    /** A session runs on it (else the limit is its standing share). */
    active: boolean;
    /** max, cap, released, fair-share, circuit-full, external, failsafe, paused-rotation, paused-priority, paused-capacity, fixed, standby. */
    reason: string;
    detail: string;
    /** The limit the charger last accepted, A per phase (undefined: none known: it may draw its maximum). */
    accepted?: number;
    /** A limit sent and not answered yet, A per phase. */
    inFlight?: number;
    /** The highest per-phase current the charger reported lately (fresh MeterValues), A. */
    measured?: number;
    /** Phase switching: the phases its charger is told to use (its profile's numberPhases). */
    numberPhases?: 1 | 3;
  }[];
  /**
   * Per charger: whether chargegate controls its current. Uncontrolled (it refused, ignored or
   * never answered its limits, has not booted, or is configured quirks.noSmartCharging) means
   * it is counted at its maximum, idle too unless site.balancing.reserveUncontrolled is false,
   * and the others are reduced for it.
   */
  chargers: ChargerControl[];
  /**
   * What differs from the previous 'allocation.changed' (the same objects as in the lists
   * above; an unchanged entry is passed on as the same object too). Absent: take the lists
   * whole (the first one, or an entry left them). A listener on a large site works on these
   * alone, not on every connector.
   */
  changed?: { connectors: AllocationChanged['connectors']; chargers: ChargerControl[] };
}

/**
 * For a listener that works on what changed: each call gives the entries of an
 * 'allocation.changed' it has to look at, those that changed since the previous one, or all of
 * them on its first call (it may have started listening late) and when the event has no
 * `changed`. One per listener, made when it starts listening.
 */
export function allocationDelta(): (e: AllocationChanged) => { connectors: AllocationChanged['connectors']; chargers: ChargerControl[] } {
  let first = true;
  return (e) => {
    const whole = first || e.changed === undefined;
    first = false;
    return whole ? { connectors: e.connectors, chargers: e.chargers ?? [] } : e.changed!;
  };
}

/** One connector's limit and why, as an allocation says it. */
export type ConnectorLimit = Pick<AllocationChanged['connectors'][number], 'connectorId' | 'amps' | 'reason' | 'detail' | 'accepted' | 'inFlight'>;

export interface ChargerControl {
  chargerId: string;
  controlled: boolean;
  /** Why not, in words ("SetChargingProfile timed out (no answer in 30 s)"). */
  why?: string;
  /** Since when it is uncontrolled (ISO time). */
  since?: string;
}

export class EventBus {
  /**
   * The listeners of each event, copied on subscribe and unsubscribe, never changed in place:
   * an emit walks the array it found, so a listener added or removed meanwhile takes effect
   * from the next emit (as with Node's EventEmitter, which copied the array at every emit with
   * more than one listener instead: a MeterValues has five, issue #19).
   */
  private readonly listeners = new Map<string, readonly ((payload: never) => void)[]>();

  /**
   * @param onListenerError told when a listener throws. The error never reaches the emitter:
   *   a broken MQTT mirror must not turn a charger's StartTransaction into a CALLERROR.
   */
  constructor(private readonly onListenerError: (event: string, error: unknown) => void = () => undefined) {}

  emit<K extends EventName>(name: K, payload: GatewayEvents[K]): void {
    const listeners = this.listeners.get(name) as readonly ((payload: GatewayEvents[K]) => void)[] | undefined;
    if (listeners === undefined) return;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i]!(payload);
      } catch (error) {
        this.onListenerError(name, error);
      }
    }
  }

  on<K extends EventName>(name: K, listener: (payload: GatewayEvents[K]) => void): () => void {
    // Its own function per subscription: the same listener subscribed twice is called twice and unsubscribed once per call.
    const entry = (payload: GatewayEvents[K]): void => listener(payload);
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), entry as (payload: never) => void]);
    return () => {
      const now = this.listeners.get(name);
      if (!now) return;
      const rest = now.filter((l) => l !== entry);
      if (rest.length === 0) this.listeners.delete(name);
      else this.listeners.set(name, rest);
    };
  }

  once<K extends EventName>(name: K): Promise<GatewayEvents[K]> {
    return new Promise((resolve) => {
      const off = this.on(name, (payload) => {
        off();
        resolve(payload);
      });
    });
  }
}
