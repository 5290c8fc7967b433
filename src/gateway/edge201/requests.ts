/**
 * Which core command each firmware or log requestId sent to a 2.0.1 charger came from, so that
 * the charger's statuses go back to the core as that command's notifications
 * (src/ocpp/v201/translate/files.ts). Per charger and kept across its reconnects: a firmware
 * update ends after the charger's reboot, on a new connection. In memory: after a restart of
 * chargegate a status of an earlier request is taken as the whitepaper's (the requestId is then
 * unknown), which still shows it (firmwareStatus / logStatus) but not in the 1.6 status history.
 */
import { randomInt } from 'node:crypto';
import { KIND_OF, type RequestKind, type RequestOrigin } from '../../ocpp/v201/translate/files.js';

/** The latest requests remembered per charger and kind: a charger works on one at a time (L01, N01: a new one cancels the old). */
const KEPT = 8;

export interface RequestPairs {
  /** A fresh requestId for a 1.6 command that has none. */
  next(): number;
  sent(chargerId: string, requestId: number, origin: RequestOrigin): void;
  /** The origin of a requestId this charger was sent, if remembered. */
  originOf(chargerId: string, kind: RequestKind, requestId: number | undefined): RequestOrigin | undefined;
}

export function createRequestPairs(): RequestPairs {
  // A random start keeps the ids of one run apart from the last run's (the charger may still report those).
  let last = randomInt(1, 2 ** 30);
  const byCharger = new Map<string, { requestId: number; origin: RequestOrigin }[]>();
  return {
    next: () => (last = (last % (2 ** 31 - 1)) + 1),
    sent(chargerId, requestId, origin) {
      const list = (byCharger.get(chargerId) ?? []).filter((r) => !(r.requestId === requestId && KIND_OF[r.origin] === KIND_OF[origin]));
      list.push({ requestId, origin });
      const kind = KIND_OF[origin];
      const ofKind = list.filter((r) => KIND_OF[r.origin] === kind);
      byCharger.set(chargerId, ofKind.length > KEPT ? list.filter((r) => r !== ofKind[0]) : list);
    },
    originOf(chargerId, kind, requestId) {
      if (requestId === undefined) return undefined;
      return byCharger.get(chargerId)?.find((r) => r.requestId === requestId && KIND_OF[r.origin] === kind)?.origin;
    },
  };
}
