/**
 * The seam between the gateway core and the cloud upstream (src/upstream implements it). The
 * gateway never imports the upstream; when one is configured, handlers call this port. Every
 * method either returns at once or waits a bounded, short time: a charger never waits on an
 * absent cloud.
 *
 * The staging methods (transactionStarted, meterValues, transactionStopped, status) must be
 * called inside `store.durably(...)`, so that the message bound upstream commits in the same
 * transaction as the session write it mirrors, before the charger gets its answer.
 */
import type { DataTransferRequest, DataTransferResponse, MeterValuesRequest, SignCertificateRequest, SignCertificateResponse, StopTransactionRequest } from '../ocpp/v16/types.js';
import type { ChargerInfo, ConnectorState, SecurityEvent, SessionRecord } from '../store/ports.js';
import type { IdTagInfo } from './authorize.js';

/** A StartTransaction staged for the cloud. */
export interface PendingStart {
  /** The cloud's idTagInfo if it answers within `upstream.answerTimeout`, else undefined. */
  cloudIdTagInfo(): Promise<IdTagInfo | undefined>;
}

export type ChargerNotification = 'FirmwareStatusNotification' | 'DiagnosticsStatusNotification' | 'LogStatusNotification' | 'SignedFirmwareStatusNotification';

export interface UpstreamPort {
  /** Authorize.req to the cloud when its link is up, with a short timeout; null: no answer (decide offline). */
  authorize(chargerId: string, idTag: string): Promise<IdTagInfo | null>;
  /** The cloud's earlier answer for this idTag (the authorization cache, 1.6 §3.5.2). */
  cachedIdTag(idTag: string): IdTagInfo | undefined;
  /** The upstream channel whose cloud list decides for this charger (local-lists.ts); undefined: it has none. */
  listChannel(chargerId: string): string | undefined;
  /** What an idTag known neither to the local list nor to the cache gets while the cloud is away. */
  readonly unknownIdTagOffline: 'accept' | 'reject';

  transactionStarted(session: SessionRecord): PendingStart;
  meterValues(chargerId: string, request: MeterValuesRequest, localTransactionId: number | undefined): void;
  transactionStopped(chargerId: string, request: StopTransactionRequest, session: SessionRecord): void;
  /** A late real Stop replaced chargegate's estimated close of `session`: the cloud is told (upstream/stop-correction.ts). */
  stopCorrected(chargerId: string, request: StopTransactionRequest, session: SessionRecord): void;
  status(state: ConnectorState): void;
  /**
   * A reservation ended on the charger without a transaction (2.0.1 H05: expired, or removed):
   * the cloud's reservationId held by this charger is free again (call inside `store.durably`),
   * and a cloud that has the message (2.0.1 H05) is told how it ended.
   */
  reservationEnded(chargerId: string, reservationId: number, how: 'Expired' | 'Removed'): void;
  /** A charger's SecurityEventNotification, staged where routing says so (call inside `store.durably`). */
  securityEvent(event: SecurityEvent): void;

  /**
   * The cloud's Pending or Rejected for this charger's registration (transparent: its channel's
   * boot, 1.6 §4.2), with the cloud's interval: the charger's BootNotification gets the same. Undefined: chargegate decides.
   */
  bootVerdict(chargerId: string): { status: 'Pending' | 'Rejected'; interval: number } | undefined;
  /** Mirrored when the link is up, never queued: a stale boot or notification means nothing later. */
  booted(chargerId: string, info: ChargerInfo): void;
  /** The payload goes up as the charger sent it (a LogStatusNotification's requestId is the cloud's own in transparent mode). */
  notification(chargerId: string, action: ChargerNotification, payload: { status: string; requestId?: number }): void;
  /** Relayed to the cloud when online; null when it cannot be (then the charger gets Rejected). */
  dataTransfer(chargerId: string, request: DataTransferRequest): Promise<DataTransferResponse | null>;
  /** SignCertificate relayed to the cloud where routing says so; null when it is not (or no answer came): chargegate decides. */
  signCertificate(chargerId: string, request: SignCertificateRequest): Promise<SignCertificateResponse | null>;
}
