/**
 * Where a connected charger stands with its BootNotification (issue 14 point 4), for the
 * installer: accepted; pending (connected, no BootNotification accepted yet: it gets no call but
 * TriggerMessage, OCPP 1.6 §4.2, boot-guard.ts); or refused (its BootNotification was answered
 * with a CALLERROR, strict validation: the charger never boots until it sends a valid one).
 * Pure: read from the registry's record.
 */
import type { LiveCharger } from './registry.js';

export type RegistrationState = 'accepted' | 'pending' | 'refused' | 'offline';

export interface Registration {
  state: RegistrationState;
  /** Why it is pending or refused, in the installer's words. */
  reason?: string;
  /** Since when (ISO time): the boot, the connection, or the refusal. */
  since?: string;
}

export function registrationOf(live: LiveCharger | undefined): Registration {
  if (!live?.online) return { state: 'offline', ...(live?.disconnectedAt ? { since: live.disconnectedAt } : {}) };
  if (live.booted) return { state: 'accepted', ...(live.boot ? { since: live.boot.at } : {}) };
  if (live.bootRefused) {
    return { state: 'refused', reason: `its BootNotification was refused (${live.bootRefused.code}: ${live.bootRefused.description}); it gets no call but TriggerMessage until one is accepted`, since: live.bootRefused.at };
  }
  return {
    state: 'pending',
    reason: 'connected without an accepted BootNotification; it gets no call but TriggerMessage until one is accepted',
    ...(live.awaitingBootSince ? { since: live.awaitingBootSince } : {}),
  };
}
