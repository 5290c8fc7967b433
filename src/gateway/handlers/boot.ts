import { registrationOf } from '../registration.js';
import type { Handler } from './context.js';

/** OCPP 1.6 §4.2: chargegate accepts every charger it let connect, but where the cloud decides for it (transparent mode). */
export const bootNotification: Handler<'BootNotification'> = (ctx, req) => {
  const at = ctx.now().toISOString();
  const info = {
    vendor: req.chargePointVendor,
    model: req.chargePointModel,
    ...(req.chargePointSerialNumber ?? req.chargeBoxSerialNumber ? { serialNumber: (req.chargePointSerialNumber ?? req.chargeBoxSerialNumber)! } : {}),
    ...(req.firmwareVersion ? { firmwareVersion: req.firmwareVersion } : {}),
  };
  ctx.store.chargers.recordBoot(ctx.chargerId, info, at);
  const live = ctx.registry.ensure(ctx.chargerId);
  live.boot = { ...info, at };
  // Transparent mode: the cloud registers this charger through its channel; while the cloud
  // answers that boot Pending or Rejected, so is the charger's (1.6 §4.2), with the cloud's
  // interval. Its identity is kept all the same: the channel's next boot carries it. Not booted,
  // it gets no call but TriggerMessage (boot-guard.ts); when the cloud accepts, it is asked to boot.
  const cloud = ctx.upstream?.bootVerdict(ctx.chargerId);
  if (cloud) {
    ctx.logger.warn({ status: cloud.status, interval: cloud.interval }, 'the cloud has not accepted this charger: its BootNotification gets the cloud\'s answer');
    return { status: cloud.status, currentTime: at, interval: cloud.interval };
  }
  // Set before the answer is sent, so that 'charger.boot' listeners see it; the calls they
  // make stay held until the answer is on the wire (gateway/boot-guard.ts).
  live.booted = true;
  delete live.awaitingBootSince;
  delete live.bootRefused;
  ctx.logger.info({ vendor: info.vendor, model: info.model, firmware: info.firmwareVersion }, 'charger booted');
  ctx.events.emit('charger.boot', { chargerId: ctx.chargerId, info, at });
  ctx.events.emit('charger.registration', { chargerId: ctx.chargerId, ...registrationOf(live) });
  ctx.upstream?.booted(ctx.chargerId, info);
  return { status: 'Accepted', currentTime: at, interval: ctx.settings.heartbeatInterval };
};

/**
 * No disk write: "last seen" is kept in the registry for every message and written to the
 * store when the charger disconnects. A heartbeat is the most frequent message of an idle
 * site, and one fsync each would cap the whole gateway's message rate.
 */
export const heartbeat: Handler<'Heartbeat'> = (ctx) => ({ currentTime: ctx.now().toISOString() });
