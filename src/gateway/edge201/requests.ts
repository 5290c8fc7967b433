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
  /** Per charger and kind, requestId → origin, oldest first (a Map keeps insertion order). */
  const kept = new Map<string, Map<number, RequestOrigin>>();
  const keyOf = (chargerId: string, kind: RequestKind) => `${kind}\n${chargerId}`;
  return {
    next: () => (last = (last % (2 ** 31 - 1)) + 1),
    sent(chargerId, requestId, origin) {
      const key = keyOf(chargerId, KIND_OF[origin]);
      const ids = kept.get(key) ?? new Map<number, RequestOrigin>();
      ids.delete(requestId); // sent again: now the newest
      ids.set(requestId, origin);
      if (ids.size > KEPT) ids.delete(ids.keys().next().value!);
      kept.set(key, ids);
    },
    originOf: (chargerId, kind, requestId) => (requestId === undefined ? undefined : kept.get(keyOf(chargerId, kind))?.get(requestId)),
  };
}
