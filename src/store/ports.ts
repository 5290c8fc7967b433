/**
 * The small interfaces the gateway sees of its durable state. One implementation today
 * (store/sqlite.ts); the contract tests in test/unit/store/ run against any of them.
 * Timestamps are ISO-8601 strings; energy in Wh; currents in A.
 */

export interface ChargerInfo {
  vendor: string;
  model: string;
  serialNumber?: string;
  firmwareVersion?: string;
}

export interface ChargerRecord extends Partial<ChargerInfo> {
  id: string;
  lastBootAt?: string;
  lastSeenAt?: string;
}

export interface ConnectorState {
  chargerId: string;
  connectorId: number;
  status: string;
  errorCode: string;
  info?: string;
  vendorErrorCode?: string;
  /** The charger's own timestamp for the status when it sent one, else the gateway's clock. */
  timestamp: string;
}

export interface ChargerStore {
  recordBoot(id: string, info: ChargerInfo, at: string): void;
  touch(id: string, at: string): void;
  get(id: string): ChargerRecord | undefined;
  list(): ChargerRecord[];
  setConnectorState(state: ConnectorState): void;
  connectors(chargerId?: string): ConnectorState[];
}

export interface NewSession {
  chargerId: string;
  connectorId: number;
  idTag: string;
  /** The charger's timestamp of the start. */
  startedAt: string;
  meterStart: number;
  reservationId?: number;
  /** The idTagInfo.status the charger was told. */
  authStatus: string;
  /** The gateway's clock when the StartTransaction arrived. */
  receivedAt: string;
}

export interface SessionRecord extends NewSession {
  transactionId: number;
  state: 'active' | 'completed';
  stoppedAt?: string;
  meterStop?: number;
  /** meterStop − meterStart, once stopped. */
  energyWh?: number;
  stopReason?: string;
  stopIdTag?: string;
  /** The transactionData of the StopTransaction, kept as sent. */
  transactionData?: unknown;
}

export interface StopInput {
  chargerId: string;
  transactionId: number;
  stoppedAt: string;
  meterStop: number;
  reason?: string;
  idTag?: string;
  transactionData?: unknown;
  receivedAt: string;
}

export type StopOutcome =
  | { known: true; session: SessionRecord; alreadyStopped: boolean }
  /** A Stop for a transaction this gateway never started: recorded apart, never rejected (1.6 §3.7). */
  | { known: false };

export interface SessionFilter {
  chargerId?: string;
  /** Sessions started at or after this instant. */
  from?: string;
  /** Sessions started before this instant. */
  to?: string;
  state?: 'active' | 'completed';
  limit?: number;
}

export interface SessionStore {
  /**
   * Opens a session and returns its transactionId (int32, never reused, also across restarts).
   * The same charger, connector, idTag, startedAt and meterStart again is a replay after a
   * reconnect: the first session's id comes back with replayed = true.
   */
  start(input: NewSession): { transactionId: number; replayed: boolean };
  stop(input: StopInput): StopOutcome;
  get(transactionId: number): SessionRecord | undefined;
  list(filter?: SessionFilter): SessionRecord[];
  /** Stops received for transaction ids this gateway does not know. */
  unmatchedStops(): StopInput[];
}

export interface MeterSample {
  chargerId: string;
  connectorId: number;
  transactionId?: number;
  timestamp: string;
  value: string;
  measurand: string;
  phase?: string;
  unit?: string;
  context?: string;
  location?: string;
  format?: string;
}

export interface MeterStore {
  append(samples: MeterSample[]): void;
  forTransaction(transactionId: number): MeterSample[];
  /** Most recent first, for a charger (and connector). */
  recent(chargerId: string, connectorId?: number, limit?: number): MeterSample[];
}

export type AuthStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface AuthEntry {
  idTag: string;
  status: AuthStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

export interface AuthStore {
  get(idTag: string): AuthEntry | undefined;
  /** Replaces the whole list with these entries (the config seed, or a full SendLocalList). */
  replaceAll(entries: AuthEntry[], version: number): void;
  upsert(entries: AuthEntry[], version: number): void;
  remove(idTags: string[], version: number): void;
  list(): AuthEntry[];
  version(): number;
}

export interface Store {
  chargers: ChargerStore;
  sessions: SessionStore;
  meters: MeterStore;
  auth: AuthStore;
  close(): void;
}
