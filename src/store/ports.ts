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
  /** The subprotocol of its last connection: ocpp1.6, ocpp2.0.1. */
  protocol?: string;
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

/** What a car said it needs (OCPP 2.0.1 NotifyEVChargingNeeds; src/gateway/charging-needs.ts). */
export interface EvNeeds {
  connectorId: number;
  /** How the car asks for its energy: AC_single_phase, AC_two_phase, AC_three_phase, DC. */
  transfer: string;
  /** AC phases the car charges on (undefined: DC, or unknown). */
  phases?: 1 | 2 | 3;
  /** A per phase the car takes at most / needs at least (AC). */
  maxCurrentA?: number;
  minCurrentA?: number;
  /** Energy the car asks for, Wh. */
  energyWh?: number;
  /** When the driver leaves (ISO time). */
  departureTime?: string;
  receivedAt: string;
}

/** A limit another party set at a charger (OCPP 2.0.1 NotifyChargingLimit). */
export interface ChargerReportedLimit {
  /** 0: the whole charger. */
  connectorId: number;
  /** Who set it: EMS (a local energy manager), SO (the grid operator), CSO, Other. */
  source: string;
  /** A per phase in force when it was reported; null: no schedule came with it (its size is unknown). */
  amps: number | null;
  /** The grid operator marked it critical for the grid. */
  gridCritical?: boolean;
  receivedAt: string;
}

export interface ChargerStore {
  recordBoot(id: string, info: ChargerInfo, at: string): void;
  touch(id: string, at: string): void;
  /** The subprotocol it connected with (kept for when it is offline, and across restarts). */
  recordProtocol(id: string, protocol: string): void;
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
  /**
   * The charger's own id of the transaction, for chargers that name transactions themselves
   * (an OCPP 2.0.1 transactionId); unique per charger. transactionId stays chargegate's own.
   */
  reference?: string;
  /**
   * The type of the idToken a 2.0.1 charger started it with (ISO14443, eMAID, Central…);
   * NoAuthorization: started without an idToken (idTag ""), chargegate was not asked. 1.6: absent.
   */
  idTokenType?: string;
}

/**
 * One TransactionEvent (OCPP 2.0.1) as handled: its transaction, seqNo, kind and offline flag
 * (the replay check's record; its times are the session's and its samples').
 */
export interface TransactionEventSeen {
  chargerId: string;
  reference: string;
  seqNo: number;
  eventType: string;
  offline: boolean;
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
  /**
   * A later StartTransaction on its connector (this session's Stop was lost or is late): the
   * session waits for its own Stop for `ocpp.orphanGrace`, and is not the connector's running one.
   */
  supersededBy?: number;
  /** The gateway's clock when it was superseded. */
  supersededAt?: string;
  /** Who closed it: its own StopTransaction ('charger'), or chargegate by estimate ('gateway'). */
  closedBy?: 'charger' | 'gateway';
  /** When a late StopTransaction replaced chargegate's estimate. */
  correctedAt?: string;
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
  /** 'gateway': closed by estimate (a superseded session whose Stop never came); a later real Stop corrects it. */
  closedBy?: 'charger' | 'gateway';
}

export type StopOutcome =
  /** `corrected`: the session as chargegate had closed it by estimate, replaced now by this real Stop. */
  | { known: true; session: SessionRecord; alreadyStopped: boolean; corrected?: SessionRecord }
  /** A Stop for a transaction this gateway never started: recorded apart, never rejected (1.6 §3.7). */
  | { known: false };

/** A session's charger and connector (they never change) and whether it is still active. */
export interface SessionPlace {
  chargerId: string;
  connectorId: number;
  active: boolean;
}

export interface SessionFilter {
  chargerId?: string;
  /** Sessions started at or after this instant. */
  from?: string;
  /** Sessions started before this instant. */
  to?: string;
  /** 'active': the running sessions, one per connector (a superseded one waiting for its Stop is left out). */
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
  /** Marks an open session superseded by a later start on its connector (nothing if it is closed). */
  supersede(transactionId: number, by: number, at: string): void;
  /** Open sessions superseded by a later start, waiting for their own Stop; oldest first. */
  superseded(): SessionRecord[];
  /** Records the idTagInfo.status the charger was finally told (the cloud's, when it answered in time). */
  setAuthStatus(transactionId: number, status: string): void;
  /**
   * Gives a session started without an idToken (2.0.1, idTag "") the one a later TransactionEvent
   * carries, with its type and the verdict on it (E03: authorized after the start).
   */
  attachIdTag(transactionId: number, idTag: string, idTokenType: string, authStatus: string): void;
  get(transactionId: number): SessionRecord | undefined;
  /**
   * Where a session runs and whether it is open: what a MeterValues needs (its ownership check
   * and whether it is the connector's running session), three columns instead of the whole row.
   */
  placeOf(transactionId: number): SessionPlace | undefined;
  /**
   * The transaction running on a connector: the first of list({ chargerId, state: 'active' })
   * on it, not superseded. What a MeterValues that names no transaction asks on every message:
   * one column bound by position, not every running session of the charger made into a record.
   */
  runningOn(chargerId: string, connectorId: number): number | undefined;
  list(filter?: SessionFilter): SessionRecord[];
  /** Stops received for transaction ids this gateway does not know. */
  unmatchedStops(): StopInput[];
  /** The session a charger named `reference` itself (NewSession.reference), if any. */
  byReference(chargerId: string, reference: string): SessionRecord | undefined;
  /** Records a TransactionEvent as handled; false when its transaction and seqNo were seen before (a replay). */
  noteEvent(event: TransactionEventSeen): boolean;
  /** Whether a TransactionEvent of this transaction and seqNo was handled before. */
  eventSeen(chargerId: string, reference: string, seqNo: number): boolean;
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
  /**
   * Stores the samples; per sample whether it was new. A sample already stored (same charger,
   * connector, transaction, timestamp, measurand, phase, location, context and value: a resend) is kept once.
   */
  append(samples: MeterSample[]): boolean[];
  forTransaction(transactionId: number): MeterSample[];
  /** Most recent first, for a charger (and connector): a scan back from the newest sample, for tests and diagnosis (the product reads the latest readings from the registry). */
  recent(chargerId: string, connectorId?: number, limit?: number): MeterSample[];
}

/** What a session cost, in the tariff's currency (src/cost). */
export interface SessionCost {
  currency: string;
  amount: number;
  /** The energy priced, Wh. */
  energyWh: number;
  /** Energy at instants without a price, Wh (not in amount). */
  unpricedWh: number;
  /** When it was priced; a running session's cost is priced at each reading and not stored. */
  computedAt: string;
}

export interface CostStore {
  /** The session's final cost (replaces an earlier one: a corrected Stop). */
  record(transactionId: number, cost: SessionCost): void;
  get(transactionId: number): SessionCost | undefined;
}

export type AuthStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface AuthEntry {
  idTag: string;
  status: AuthStatus;
  expiryDate?: string;
  parentIdTag?: string;
}

/**
 * Whose list: 'config' (authorization.list, re-read at each start) or 'cloud:<channel>' (the
 * cloud's SendLocalList on one upstream connection, 1.6 §5.15). Each has its own entries and version.
 */
export type ListSource = 'config' | `cloud:${string}`;

/** The cloud's list on an upstream channel (aggregate: the site's identity; transparent: the charger's id). */
export function cloudList(channel: string): ListSource {
  return `cloud:${channel}`;
}

export interface AuthStore {
  get(source: ListSource, idTag: string): AuthEntry | undefined;
  /** Replaces the whole list of `source` with these entries (the config at start, or a full SendLocalList). */
  replaceAll(source: ListSource, entries: AuthEntry[], version: number): void;
  upsert(source: ListSource, entries: AuthEntry[], version: number): void;
  remove(source: ListSource, idTags: string[], version: number): void;
  list(source: ListSource): AuthEntry[];
  /** 0 for a list never set (what 1.6 GetLocalListVersion answers then). */
  version(source: ListSource): number;
  /**
   * Goes up with every change of any list, in the same transaction: the version chargers with
   * pushLocalList are given for the list they hold (merged from two sources, it has no version of its own).
   */
  generation(): number;
}

/** The cloud's ReserveNow a charger accepted (1.6 §5.13), so CancelReservation still reaches it after a restart. */
export interface Reservation {
  channel: string;
  /** The cloud's reservationId. */
  reservationId: number;
  chargerId: string;
  connectorId: number;
}

export interface ReservationStore {
  put(reservation: Reservation): void;
  get(channel: string, reservationId: number): Reservation | undefined;
  remove(channel: string, reservationId: number): void;
}

// ---- the cloud upstream (issue 3) ------------------------------------------------------------

/** What a queued upstream message is, for the eviction order when the outbox is full. */
export type OutboxKind = 'start' | 'meter' | 'stop' | 'status' | 'other';

export interface NewOutboxMessage {
  /** The upstream connection it goes out on: the aggregate identity, or a charger id (transparent). */
  channel: string;
  action: string;
  /** In the cloud's terms already (virtual connector numbers); transactionId is filled when sent. */
  payload: unknown;
  kind: OutboxKind;
  /** chargegate's transactionId, for Start/MeterValues/Stop: mapped to the cloud's when sent. */
  localTransactionId?: number;
  /** An unsent message with the same key is replaced (the latest status per connector). */
  coalesceKey?: string;
}

export interface OutboxMessage extends NewOutboxMessage {
  seq: number;
  attempts: number;
  createdAt: string;
}

export interface DeadLetter {
  id: number;
  seq: number;
  channel: string;
  action: string;
  payload: unknown;
  localTransactionId?: number;
  attempts: number;
  /** Why: the cloud's CALLERROR code and description, or what could not be mapped. */
  error: string;
  createdAt: string;
  deadAt: string;
}

export interface OutboxStore {
  /**
   * Appends a message; returns its seq and how many queued messages with its coalesceKey it
   * replaced. Only messages after `sentThrough` are replaced (those up to it were sent).
   */
  add(message: NewOutboxMessage, at: string, sentThrough?: number): { seq: number; replaced: number };
  /** Messages of a channel with afterSeq < seq <= upToSeq, in order. */
  page(channel: string, afterSeq: number, upToSeq: number, limit: number): OutboxMessage[];
  remove(seqs: readonly number[]): void;
  /**
   * Replaces the payload of a queued, unsent message (channel, action, transaction, seq after
   * `sentThrough`); false when there is none (it was sent already).
   */
  amend(channel: string, action: string, localTransactionId: number, payload: unknown, sentThrough: number): boolean;
  setAttempts(seq: number, attempts: number): void;
  /** Moves a message to the dead letters. */
  deadLetter(seq: number, error: string, at: string): DeadLetter | undefined;
  count(): number;
  maxSeq(): number;
  /** Every evictable message (status and MeterValues), in seq order. */
  evictable(): { seq: number; kind: OutboxKind; localTransactionId?: number }[];
  deadLetters(limit?: number): DeadLetter[];
  deadLetterCount(): number;
  /** When the oldest queued message was queued. */
  oldestAt(): string | undefined;
}

export type MappedTransaction = { channel: string; state: 'pending' | 'mapped' | 'dead'; cloudTransactionId?: number };

export interface TransactionMapStore {
  open(localTransactionId: number, channel: string): void;
  setCloud(localTransactionId: number, cloudTransactionId: number): void;
  markDead(localTransactionId: number): void;
  get(localTransactionId: number): MappedTransaction | undefined;
  localFor(channel: string, cloudTransactionId: number): number | undefined;
}

export interface CachedIdTag {
  status: string;
  expiryDate?: string;
  parentIdTag?: string;
}

export interface IdTagCacheStore {
  get(idTag: string): CachedIdTag | undefined;
  put(idTag: string, info: CachedIdTag, at: string): void;
  clear(): void;
}

export interface VirtualConnector {
  chargerId: string;
  connectorId: number;
  virtual: number;
}

export interface ConnectorMapStore {
  list(): VirtualConnector[];
  assign(mapping: VirtualConnector): void;
}

/** A 2.0.1 CSMS's RequestStartTransaction the charger accepted, waiting for its transaction (F01). */
export interface RemoteStart {
  remoteStartId: number;
  idTag: string;
  /** The connector asked for; absent: any. */
  connectorId?: number;
  createdAt: string;
}

export interface RemoteStartStore {
  add(channel: string, start: RemoteStart): number;
  /** The channel's waiting starts created at or after `since`, oldest first, with their row ids. */
  list(channel: string, since: string): (RemoteStart & { id: number })[];
  remove(id: number): void;
  /** Forgets the channel's starts created before `before`, and all but its newest `keep`. */
  prune(channel: string, before: string, keep: number): void;
}

export interface UpstreamStore {
  outbox: OutboxStore;
  transactions: TransactionMapStore;
  /** Scoped to the upstream, like the outbox. */
  remoteStarts: RemoteStartStore;
  idTagCache: IdTagCacheStore;
  connectors: ConnectorMapStore;
  reservations: ReservationStore;
}

/**
 * A transaction message (Start, Stop, MeterValues) that schema validation could not take whole:
 * kept as received, beside what could be understood of it (issue 14: never lose one).
 */
export interface RawFrame {
  chargerId: string;
  action: string;
  messageId: string;
  /** The CALL as received (re-serialised JSON). */
  frame: string;
  /** What validation said, and what was dropped. */
  problem: string;
  /**
   * repaired: stored after a lenient repair that dropped something; salvaged: only its valid
   * part stored; unsalvageable: nothing stored but this; refused: strict mode answered it with
   * a CALLERROR (the charger may resend it).
   */
  outcome: 'repaired' | 'salvaged' | 'unsalvageable' | 'refused';
  receivedAt: string;
}

export interface RawFrameStore {
  add(frame: RawFrame): void;
  /** Most recent first. */
  list(filter?: { chargerId?: string; limit?: number }): (RawFrame & { id: number })[];
}

/** A local user's cap on a charger (connectorId 0) or a connector, A per phase (migration 14). */
export interface UserCap {
  chargerId: string;
  connectorId: number;
  amps: number;
  /** Who set it last: mqtt, http. */
  source: string;
  setAt: string;
}

/** The temporary site limit a local user set, until `until` (ISO time). */
export interface UserSiteLimit {
  amps: number;
  source: string;
  until: string;
}

/** What local users asked of the site's current, kept so a restart does not undo it. */
export interface LimitStore {
  caps(): UserCap[];
  setCap(cap: UserCap): void;
  clearCap(chargerId: string, connectorId: number): void;
  siteLimit(): UserSiteLimit | undefined;
  setSiteLimit(limit: UserSiteLimit | null): void;
}

/** Small named values that must survive a restart (the meta table); the caller encodes them. */
export interface MetaStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** A SecurityEventNotification a charger sent (security whitepaper edition 3, use case A04). */
export interface SecurityEvent {
  chargerId: string;
  /** The whitepaper's event type (its appendix 1: "FirmwareUpdated", "InvalidCsr"…), up to 50 characters. */
  type: string;
  /** When it happened, by the charger's clock. */
  timestamp: string;
  techInfo?: string;
  /** When chargegate received it (or raised it itself). */
  receivedAt: string;
}

export interface SecurityEventStore {
  /** Keeps the newest `SECURITY_EVENTS_KEPT` per charger: a charger flooding events cannot fill the disk. */
  add(event: SecurityEvent): void;
  /** Newest first. */
  list(chargerId: string, limit?: number): SecurityEvent[];
}

/**
 * A line of a charger's status history: a StatusNotification (OCPP 1.6 §4.9: per connector,
 * 0 being the charger itself) or its WebSocket connecting or going away.
 */
export type StatusChange =
  | (ConnectorState & { kind: 'status'; receivedAt: string })
  | {
      chargerId: string;
      kind: 'connected' | 'disconnected';
      /** connected: the subprotocol and address; disconnected: the close code and reason. */
      info?: string;
      /** The gateway's clock. */
      timestamp: string;
      receivedAt: string;
    };

/** The site's load at one moment (a 15 s sample) or over a bucket (its mean): src/http/load-history.ts. */
export interface LoadSample {
  at: string;
  /** The chargers' current on the site's L1, L2, L3, A. */
  chargersA: [number, number, number];
  /** The grid meter (the whole site), A per phase, when one is read. */
  gridA?: [number, number, number];
  /** The site limit in force, A per phase; null when none is known. */
  limitA: number | null;
}

/** The load history, downsampled into buckets that survive a restart (migration 13). */
export interface LoadHistoryStore {
  /** Adds a sample to its bucket of each resolution (a running mean), and drops buckets older than each resolution keeps. */
  add(sample: LoadSample, buckets: readonly { resolutionS: number; keepMs: number }[]): void;
  /** Buckets of one resolution starting at or after `fromMs`, oldest first; `at` is the bucket's start. */
  list(resolutionS: number, fromMs: number): LoadSample[];
}

export interface StatusHistoryStore {
  /** Appends; keeps about the newest `STATUS_HISTORY_KEPT` per charger (one charger's flapping cannot fill the disk). */
  add(change: StatusChange): void;
  /** Newest first (arrival order); `before`: only entries older than the one with this id (paging). */
  list(chargerId: string, options?: { limit?: number; before?: number }): (StatusChange & { id: number })[];
}

/**
 * One attribute of one variable a charger reported about itself (its device model, OCPP 2.0.1
 * B07/B08: NotifyReport). Absent optional fields: the charger did not say.
 */
export interface DeviceModelVariable {
  component: string;
  componentInstance?: string;
  /** The EVSE the component belongs to (an EVSE's own components, its connectors'). */
  evseId?: number;
  connectorId?: number;
  variable: string;
  variableInstance?: string;
  /** Actual (the value), Target, MinSet, MaxSet. */
  attributeType: string;
  value?: string;
  mutability?: string;
  persistent?: boolean;
  constant?: boolean;
  /** VariableCharacteristics as reported: unit, dataType, minLimit, maxLimit, valuesList, supportsMonitoring. */
  characteristics?: Record<string, unknown>;
}

/** The base report chargegate asked a charger for last, and how it ended. */
export interface DeviceModelReport {
  requestId: number;
  /** requested: under way (or cut short); complete: its last part came (tbc false); refused: Rejected, NotSupported, EmptyResultSet or a CALLERROR; incomplete: it stopped coming. */
  state: 'requested' | 'complete' | 'refused' | 'incomplete';
  reason?: string;
  /** The charger's firmware version when asked (a new firmware is asked again). */
  firmware?: string;
  requestedAt: string;
  endedAt?: string;
}

export interface DeviceModelStore {
  /** Writes the report's rows (a row reported again is replaced). */
  put(chargerId: string, requestId: number, variables: readonly DeviceModelVariable[], at: string): void;
  /** Ordered by component, EVSE, connector, variable; `component` keeps one component's rows. */
  list(chargerId: string, filter?: { component?: string }): DeviceModelVariable[];
  report(chargerId: string): DeviceModelReport | undefined;
  /** A new Actual value of a variable already in the model (SetVariables Accepted); false when it is not in it. */
  setActual(chargerId: string, ref: { component: string; componentInstance?: string; evseId?: number; connectorId?: number; variable: string; variableInstance?: string }, value: string, at: string): boolean;
  /** Records a new base report request (state requested). */
  requested(chargerId: string, requestId: number, firmware: string | undefined, at: string): void;
  /**
   * Ends the report `requestId` (ignored when another was asked since). complete: the rows no
   * report of this request wrote are dropped — a full inventory replaces the model.
   */
  ended(chargerId: string, requestId: number, state: 'complete' | 'refused' | 'incomplete', at: string, reason?: string): void;
}

/** A firmware file chargegate serves to its chargers (docs/firmware.md). */
export interface FirmwareFile {
  name: string;
  size: number;
  /** Hex. */
  sha256: string;
  /** Where chargegate fetched it from; absent: uploaded through the API. */
  sourceUrl?: string;
  /** The capability in its download URL (never logged, never shown on read-only surfaces). */
  token: string;
  addedAt: string;
}

/** An upload URL handed to a charger with GetDiagnostics. */
export interface DiagnosticsUpload {
  token: string;
  chargerId: string;
  /** Where the received file is forwarded (an http(s) or ftp location); absent: kept only. */
  forwardTo?: string;
  expiresAt: string;
  createdAt: string;
}

/** A diagnostics file a charger uploaded to chargegate. */
export interface DiagnosticsFile {
  id: number;
  chargerId: string;
  fileName: string;
  size: number;
  sha256: string;
  receivedAt: string;
  forwardTo?: string;
  /** "forwarded (HTTP 201)", "failed: …", "ftp forwarding not supported"…; absent while pending or when kept only. */
  forwardResult?: string;
  forwardedAt?: string;
}

export type TransferKind = 'firmware' | 'diagnostics';

/** A FirmwareStatusNotification or DiagnosticsStatusNotification as received. */
export interface TransferStatus {
  chargerId: string;
  kind: TransferKind;
  status: string;
  at: string;
}

export interface TransferStore {
  putFirmware(file: FirmwareFile): void;
  firmware(name: string): FirmwareFile | undefined;
  firmwareFiles(): FirmwareFile[];
  deleteFirmware(name: string): boolean;
  addUpload(upload: DiagnosticsUpload): void;
  upload(token: string): DiagnosticsUpload | undefined;
  /** Drops upload URLs that expired before `now` (ISO). */
  pruneUploads(now: string): void;
  /** Records a received file; returns its id. */
  addDiagnostics(file: Omit<DiagnosticsFile, 'id'>): number;
  setForwardResult(id: number, result: string, at: string): void;
  diagnostics(id: number): DiagnosticsFile | undefined;
  /** Newest first; one charger's or all. */
  diagnosticsFiles(chargerId?: string, limit?: number): DiagnosticsFile[];
  /** Forgets the files of a charger beyond the newest `keep`; returns the forgotten ones (their bytes are the caller's to delete). */
  trimDiagnostics(chargerId: string, keep: number): DiagnosticsFile[];
  /** Keeps the newest TRANSFER_STATUS_KEPT per charger and kind. */
  addStatus(status: TransferStatus): void;
  /** Newest first. */
  statuses(chargerId: string, kind: TransferKind, limit?: number): TransferStatus[];
}

/** The charge mode chosen per connector (migration 16). */
export interface ChargeModeRecord {
  chargerId: string;
  connectorId: number;
  mode: 'off' | 'now' | 'minsolar' | 'solar';
  updatedAt: string;
}

export interface ChargeModeStore {
  list(): ChargeModeRecord[];
  set(record: ChargeModeRecord): void;
}

/** A browser that signed in to the dashboard (migration 19; src/http/logins.ts). */
export interface DashboardLogin {
  /** SHA-256 (hex) of the cookie's secret. */
  secretHash: string;
  role: 'command' | 'read';
  /** HMAC-SHA256 (hex) of the secret keyed with the token it signed in with. */
  bound: string;
  createdAt: string;
  expiresAt: string;
}

export interface DashboardLoginStore {
  add(login: DashboardLogin): void;
  get(secretHash: string): DashboardLogin | undefined;
  remove(secretHash: string): void;
  /** Drops the logins expired at `now` (ISO); how many went. */
  removeExpired(now: string): number;
}

/**
 * A charging plan per connector (migration 20, src/plan): the energy (or the SoC of a battery of
 * capacityWh) to be in the car by the deadline. baseWh: what the session of transactionId had
 * delivered when the plan was set (the plan counts from there).
 */
export interface PlanRecord {
  chargerId: string;
  connectorId: number;
  energyWh?: number;
  soc?: number;
  capacityWh?: number;
  deadline: string;
  transactionId?: number;
  baseWh: number;
  createdAt: string;
}

export interface PlanStore {
  list(): PlanRecord[];
  set(record: PlanRecord): void;
  delete(chargerId: string, connectorId: number): void;
}

export interface Store {
  chargers: ChargerStore;
  security: SecurityEventStore;
  transfers: TransferStore;
  sessions: SessionStore;
  meters: MeterStore;
  /** Finished sessions' costs (migration 18). */
  costs: CostStore;
  auth: AuthStore;
  /** The primary upstream's outbox, dead letters and transaction map. */
  upstream: UpstreamStore;
  /** A mirror's own (upstream.mirrors[].name); the idTag cache and connector numbers are shared. */
  upstreamOf(mirror: string): UpstreamStore;
  meta: MetaStore;
  rawFrames: RawFrameStore;
  statusHistory: StatusHistoryStore;
  /** The site's load history, downsampled (migration 13). */
  loadHistory: LoadHistoryStore;
  /** OCPP 2.0.1 chargers' device models (migration 11). */
  deviceModel: DeviceModelStore;
  /** Local users' caps and site limit (migration 14). */
  limits: LimitStore;
  /** The charge mode chosen per connector (migration 16). */
  chargeModes: ChargeModeStore;
  /** Remembered dashboard logins (migration 19). */
  dashboardLogins: DashboardLoginStore;
  plans: PlanStore;
  /**
   * Group commit. Runs `work` now, inside the transaction shared by everything written in this
   * turn of the event loop (opening it if none is open), and resolves with its result once that
   * transaction is on disk: many handlers, one fsync. If `work` throws, only its own writes are
   * undone and the promise rejects. Handlers await it before answering a charger.
   */
  durably<T>(work: () => T): Promise<T>;
  close(): void;
}
