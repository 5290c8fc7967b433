import type { ChargerAction16 } from '../../ocpp/v16/actions.js';
import { bootNotification, heartbeat } from './boot.js';
import type { Handler, HandlerContext } from './context.js';
import { logStatusNotification, securityEventNotification, signCertificate, signedFirmwareStatusNotification } from './security.js';
import { dataTransfer, diagnosticsStatusNotification, firmwareStatusNotification, statusNotification } from './status.js';
import { authorize, meterValues, startTransaction, stopTransaction } from './transactions.js';

/** Every charger-initiated 1.6 action has a handler: a standalone central system answers all. */
export const HANDLERS_16: { [A in ChargerAction16]: Handler<A> } = {
  Authorize: authorize,
  BootNotification: bootNotification,
  DataTransfer: dataTransfer,
  DiagnosticsStatusNotification: diagnosticsStatusNotification,
  FirmwareStatusNotification: firmwareStatusNotification,
  Heartbeat: heartbeat,
  MeterValues: meterValues,
  StartTransaction: startTransaction,
  StatusNotification: statusNotification,
  StopTransaction: stopTransaction,
  LogStatusNotification: logStatusNotification,
  SecurityEventNotification: securityEventNotification,
  SignCertificate: signCertificate,
  SignedFirmwareStatusNotification: signedFirmwareStatusNotification,
};

export function dispatch16(ctx: HandlerContext, action: string, payload: unknown): unknown {
  // The session has already refused unknown and wrong-direction actions; this is a safety net
  // (own keys only, so "toString" is not an action).
  if (!Object.hasOwn(HANDLERS_16, action)) throw new Error(`no handler for ${action}`);
  const handler = HANDLERS_16[action as ChargerAction16] as Handler<ChargerAction16>;
  return handler(ctx, payload as never);
}
