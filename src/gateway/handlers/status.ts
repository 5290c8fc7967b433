import type { ConnectorState } from '../../store/ports.js';
import type { Handler } from './context.js';

/** OCPP 1.6 §4.9: connector 0 is the charge point itself. */
export const statusNotification: Handler<'StatusNotification'> = (ctx, req) => {
  const state: ConnectorState = {
    chargerId: ctx.chargerId,
    connectorId: req.connectorId,
    status: req.status,
    errorCode: req.errorCode,
    timestamp: req.timestamp ?? ctx.now().toISOString(),
    ...(req.info ? { info: req.info } : {}),
    ...(req.vendorErrorCode ? { vendorErrorCode: req.vendorErrorCode } : {}),
  };
  ctx.store.chargers.setConnectorState(state);
  ctx.registry.ensure(ctx.chargerId).connectors.set(req.connectorId, state);
  const level = req.errorCode !== 'NoError' || req.status === 'Faulted' ? 'warn' : 'info';
  ctx.logger[level]({ connectorId: req.connectorId, status: req.status, errorCode: req.errorCode }, 'connector status');
  ctx.events.emit('connector.status', state);
  return {};
};

export const firmwareStatusNotification: Handler<'FirmwareStatusNotification'> = (ctx, req) => {
  ctx.registry.ensure(ctx.chargerId).firmwareStatus = req.status;
  ctx.logger.info({ firmwareStatus: req.status }, 'firmware status');
  return {};
};

export const diagnosticsStatusNotification: Handler<'DiagnosticsStatusNotification'> = (ctx, req) => {
  ctx.registry.ensure(ctx.chargerId).diagnosticsStatus = req.status;
  ctx.logger.info({ diagnosticsStatus: req.status }, 'diagnostics status');
  return {};
};

export const dataTransfer: Handler<'DataTransfer'> = (ctx, req) => {
  const handler = ctx.dataTransfer.get(req.vendorId);
  if (!handler) {
    ctx.logger.info({ vendorId: req.vendorId, messageId: req.messageId }, 'DataTransfer for an unknown vendor');
    return { status: 'UnknownVendorId' };
  }
  return handler(ctx.chargerId, req);
};
