import type { EventBus } from '../../events.js';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/ports.js';
import type { ChargerAction16 } from '../../ocpp/v16/actions.js';
import type { Requests16, Responses16 } from '../../ocpp/v16/types.js';
import type { AuthorizationMode } from '../authorize.js';
import type { LocalCaPort } from '../local-ca-port.js';
import type { Registry } from '../registry.js';
import type { UpstreamPort } from '../upstream-port.js';

/** A handler for DataTransfer from a charger, registered per vendorId. */
export type DataTransferHandler = (chargerId: string, payload: Requests16['DataTransfer']) => Responses16['DataTransfer'];

export interface GatewaySettings {
  /** Seconds, sent in BootNotification.conf (OCPP 1.6 §4.2). */
  heartbeatInterval: number;
  authorizationMode: AuthorizationMode;
}

/** Everything a handler may use; one per charger connection. */
export interface HandlerContext {
  chargerId: string;
  logger: Logger;
  now(): Date;
  store: Store;
  registry: Registry;
  events: EventBus;
  settings: GatewaySettings;
  dataTransfer: ReadonlyMap<string, DataTransferHandler>;
  /** The cloud upstream, when one is configured. */
  upstream?: UpstreamPort;
  /** The local CA that answers SignCertificate when the cloud does not (security.localCa), when configured. */
  localCa?: LocalCaPort;
  /**
   * For one StartTransaction: the charger's own name of the transaction it opens (an OCPP 2.0.1
   * transactionId, given by the 2.0.1 edge), kept with the session (SessionRecord.reference).
   */
  transactionReference?: string;
  /**
   * For one StartTransaction: the type of the idToken it was started with (an OCPP 2.0.1
   * IdTokenEnumType, given by the 2.0.1 edge), kept with the session. NoAuthorization: the
   * charger started it without an idToken (idTag ""): chargegate was not asked, and the
   * session's authStatus says so instead of the verdict on "" (SessionRecord.idTokenType).
   */
  idTokenType?: string;
  /**
   * For one MeterValues or StopTransaction: a write the caller adds to the handler's own durable
   * write, committed with it or not at all. The 2.0.1 edge records its TransactionEvent (the
   * replay check's transactionId + seqNo) here: the record never lands without the event's
   * samples, and the event costs one group commit like a 1.6 MeterValues, not two.
   */
  writeAlongside?: () => void;
}

export type Handler<A extends ChargerAction16> = (
  ctx: HandlerContext,
  payload: Requests16[A],
) => Responses16[A] | Promise<Responses16[A]>;
