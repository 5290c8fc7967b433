/** The API's shapes as the page uses them (see /api/openapi.json). */
export interface Limit {
  /** The balancer's plan. */
  plannedA: number;
  /** What the charger last accepted (null: none known). */
  acceptedA: number | null;
  /** Sent, not answered yet. */
  inFlightA: number | null;
  /** The highest per-phase current it reported lately. */
  measuredA: number | null;
  phases: string[];
  active: boolean;
  reason: string;
  detail: string;
}

export interface Connector {
  connectorId: number;
  status: string;
  errorCode?: string;
  powerW: number | null;
  /** 0 on a phase the latest reading does not name; null: not reported yet in this session. */
  currentA: number[] | null;
  session: { transactionId: number; idTag: string; startedAt: string; energyWh: number | null } | null;
  limit: Limit | null;
}

export interface Charger {
  id: string;
  online: boolean;
  status: string;
  vendor?: string;
  model?: string;
  serialNumber?: string;
  firmwareVersion?: string;
  protocol?: string;
  connectedAt?: string;
  disconnectedAt?: string;
  lastMessageAt?: string;
  maxCurrentA?: number;
  /** null: no load balancing, or not reported yet. */
  controlled: boolean | null;
  uncontrolledWhy?: string;
  uncontrolledSince?: string;
  /** The latest security event since chargegate started (OCPP 1.6 security extension). */
  lastSecurityEvent?: { type: string; timestamp: string; techInfo?: string };
  /** The latest FirmwareStatusNotification / DiagnosticsStatusNotification, and the latest diagnostics file received. */
  firmware?: { status: string; at: string };
  diagnostics?: { status: string; at: string; lastFile?: { id: number; fileName: string; receivedAt: string; forwardResult?: string } };
  /** Where it stands with its BootNotification (pending and refused are shown). */
  registration?: { state: 'accepted' | 'pending' | 'refused' | 'offline'; reason?: string; since?: string };
  /** Automatic setup, vendor profile and effective quirks (docs/chargers.md). */
  setup?: {
    state: 'off' | 'pending' | 'done' | 'failed';
    reason?: string;
    profile: { name: string } | null;
    quirks: Record<string, { value: boolean; source: string }>;
  };
  connectors: Connector[];
}

export interface LoadSample {
  at: string;
  chargersA: [number, number, number];
  gridA?: [number, number, number];
  limitA: number | null;
}

export interface Site {
  balancing: boolean;
  message?: string;
  limit: { amps: number; source: string } | null;
  allocatedA: [number, number, number] | null;
  failsafe: string | null;
  load: LoadSample | null;
  /** Per charger whether chargegate controls it. */
  chargers?: { chargerId: string; controlled: boolean | null }[];
}

export interface Upstream {
  configured: boolean;
  message?: string;
  online?: boolean | null;
  outboxDepth?: number;
  oldestQueuedAt?: string | null;
  deadLetterCount?: number;
  /** Every upstream side by side: the primary, then the mirrors (upstream.mirrors). */
  upstreams?: UpstreamEntry[];
}

export interface UpstreamEntry {
  name: string;
  role: 'primary' | 'mirror';
  mode: string;
  url: string;
  online: boolean;
  outboxDepth: number;
  deadLetters: number;
  lastError?: { message: string; at: string };
  commands?: string[];
}

export interface Session {
  transactionId: number;
  chargerId: string;
  connectorId: number;
  idTag: string;
  state: 'active' | 'completed';
  startedAt: string;
  stoppedAt?: string;
  energyWh?: number;
  stopReason?: string;
  /** With a tariff (docs/cost.md): stored when it ended, so far while it runs. */
  cost?: { currency: string; amount: number };
}

export interface Snapshot {
  chargers: Charger[];
  site: Site;
  upstream: Upstream;
}

/** A line of GET /api/chargers/{id}/status-history (newest first). */
export type StatusEntry =
  | { id: number; kind: 'status'; connectorId: number; status: string; errorCode: string; info?: string; vendorErrorCode?: string; timestamp: string; receivedAt: string }
  | { id: number; kind: 'connected' | 'disconnected'; info?: string; timestamp: string; receivedAt: string };

export interface StatusHistory {
  chargerId: string;
  entries: StatusEntry[];
  /** Pass as `before` for the next (older) page; null: none. */
  next: number | null;
}

/** A key of GetConfiguration.conf (OCPP 1.6 §6.25). */
export interface ConfigurationKey {
  key: string;
  readonly: boolean;
  value?: string;
}

/**
 * GET /api/site/plans: a connector's charging plan, the fields the page shows (the whole is
 * src/events.ts PlanState; the page's types cannot import the server's).
 */
export interface Plan {
  chargerId: string;
  connectorId: number;
  energyKWh?: number;
  soc?: number;
  by: string;
  status: 'reached' | 'charging' | 'waiting' | 'unreachable';
  expectedCost: number | null;
  currency: string | null;
  windows: { from: string; to: string }[];
}
