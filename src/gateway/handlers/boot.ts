import type { Handler } from './context.js';

/** OCPP 1.6 §4.2: a standalone central system accepts every charger it let connect. */
export const bootNotification: Handler<'BootNotification'> = (ctx, req) => {
  const at = ctx.now().toISOString();
  const info = {
    vendor: req.chargePointVendor,
    model: req.chargePointModel,
    ...(req.chargePointSerialNumber ?? req.chargeBoxSerialNumber ? { serialNumber: (req.chargePointSerialNumber ?? req.chargeBoxSerialNumber)! } : {}),
    ...(req.firmwareVersion ? { firmwareVersion: req.firmwareVersion } : {}),
  };
  ctx.store.chargers.recordBoot(ctx.chargerId, info, at);
  ctx.registry.ensure(ctx.chargerId).boot = { ...info, at };
  ctx.logger.info({ vendor: info.vendor, model: info.model, firmware: info.firmwareVersion }, 'charger booted');
  ctx.events.emit('charger.boot', { chargerId: ctx.chargerId, info, at });
  return { status: 'Accepted', currentTime: at, interval: ctx.settings.heartbeatInterval };
};

export const heartbeat: Handler<'Heartbeat'> = (ctx) => {
  const at = ctx.now().toISOString();
  ctx.store.chargers.touch(ctx.chargerId, at);
  return { currentTime: at };
};
