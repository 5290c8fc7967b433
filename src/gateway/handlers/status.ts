import type { ConnectorState } from '../../store/ports.js';
import type { Handler } from './context.js';

/** OCPP 1.6 §4.9: connector 0 is the charge point itself. */
export const statusNotification: Handler<'StatusNotification'> = async (ctx, req) => {
  const state: ConnectorState = {
    chargerId: ctx.chargerId,
    connectorId: req.connectorId,
    status: req.status,
    errorCode: req.errorCode,
    timestamp: req.timestamp ?? ctx.now().toISOString(),
    ...(req.info ? { info: req.info } : {}),
    ...(req.vendorErrorCode ? { vendorErrorCode: req.vendorErrorCode } : {}),
  };
  // The history line rides in the same group commit as the state: no fsync of its own.
  await ctx.store.durably(() => {
    ctx.store.chargers.setConnectorState(state);
    ctx.store.statusHistory.add({ ...state, kind: 'status', receivedAt: ctx.now().toISOString() });
    ctx.upstream?.status(state);
  });
  ctx.registry.ensure(ctx.chargerId).connectors.set(req.connectorId, state);
  const level = req.errorCode !== 'NoError' || req.status === 'Faulted' ? 'warn' : 'info';
  ctx.logger[level]({ connectorId: req.connectorId, status: req.status, errorCode: req.errorCode }, 'connector status');
  ctx.events.emit('connector.status', state);
  return {};
};

export const firmwareStatusNotification: Handler<'FirmwareStatusNotification'> = (ctx, req) => {
  ctx.registry.ensure(ctx.chargerId).firmwareStatus = req.status;
  ctx.upstream?.notification(ctx.chargerId, 'FirmwareStatusNotification', req);
  ctx.logger.info({ firmwareStatus: req.status }, 'firmware status');
  return {};
};

export const diagnosticsStatusNotification: Handler<'DiagnosticsStatusNotification'> = (ctx, req) => {
  ctx.registry.ensure(ctx.chargerId).diagnosticsStatus = req.status;
  ctx.upstream?.notification(ctx.chargerId, 'DiagnosticsStatusNotification', req);
  ctx.logger.info({ diagnosticsStatus: req.status }, 'diagnostics status');
  return {};
};

/** A vendorId chargegate handles itself is answered here; any other is relayed to the cloud when there is one. */
export const dataTransfer: Handler<'DataTransfer'> = async (ctx, req) => {
  const handler = ctx.dataTransfer.get(req.vendorId);
  if (!handler && ctx.upstream) {
    const relayed = await ctx.upstream.dataTransfer(ctx.chargerId, req);
    if (relayed) return relayed;
    ctx.logger.info({ vendorId: req.vendorId }, 'DataTransfer not relayed: the cloud is not connected');
    return { status: 'Rejected', data: 'the central system is not reachable; try again later' };
  }
  if (!handler) {
    ctx.logger.info({ vendorId: req.vendorId, messageId: req.messageId }, 'DataTransfer for an unknown vendor');
    return { status: 'UnknownVendorId' };
  }
  return handler(ctx.chargerId, req);
};
