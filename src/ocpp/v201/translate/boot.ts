/**
 * BootNotification, both ways (OCPP 2.0.1 B01 ↔ OCPP 1.6 §4.2). Pure.
 * chargingStation.vendorName/model/serialNumber/firmwareVersion/modem are 1.6's
 * chargePointVendor/Model/SerialNumber, firmwareVersion, iccid/imsi; the boot reason has no 1.6
 * field (not kept). The answer is the same in both: status (Accepted, Pending, Rejected),
 * currentTime and interval.
 */
import type { BootNotificationRequest as Boot16, BootNotificationResponse as BootAnswer16 } from '../../v16/types.js';
import type { BootNotificationRequest as Boot201, BootNotificationResponse as BootAnswer201 } from '../types.js';

export function bootToCore(req: Boot201): Boot16 {
  const cs = req.chargingStation;
  return {
    chargePointVendor: cs.vendorName,
    chargePointModel: cs.model,
    ...(cs.serialNumber !== undefined ? { chargePointSerialNumber: cs.serialNumber } : {}),
    ...(cs.firmwareVersion !== undefined ? { firmwareVersion: cs.firmwareVersion } : {}),
    ...(cs.modem?.iccid !== undefined ? { iccid: cs.modem.iccid } : {}),
    ...(cs.modem?.imsi !== undefined ? { imsi: cs.modem.imsi } : {}),
  };
}

export function bootAnswerFromCore(res: BootAnswer16): BootAnswer201 {
  return { status: res.status, currentTime: res.currentTime, interval: res.interval };
}

/** 1.6 → 2.0.1 (#17): the reason is PowerUp, the only one a 1.6 boot implies. */
export function bootFromCore(req: Boot16): Boot201 {
  const modem = { ...(req.iccid !== undefined ? { iccid: req.iccid } : {}), ...(req.imsi !== undefined ? { imsi: req.imsi } : {}) };
  return {
    reason: 'PowerUp',
    chargingStation: {
      vendorName: req.chargePointVendor,
      model: req.chargePointModel,
      ...((req.chargePointSerialNumber ?? req.chargeBoxSerialNumber) !== undefined ? { serialNumber: (req.chargePointSerialNumber ?? req.chargeBoxSerialNumber)! } : {}),
      ...(req.firmwareVersion !== undefined ? { firmwareVersion: req.firmwareVersion } : {}),
      ...(Object.keys(modem).length > 0 ? { modem } : {}),
    },
  };
}

export function bootAnswerToCore(res: BootAnswer201): BootAnswer16 {
  return { status: res.status, currentTime: res.currentTime, interval: res.interval };
}
