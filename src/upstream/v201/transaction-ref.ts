/**
 * The transactionId a 2.0.1 CSMS knows a session by (2.0.1 E01: the charging station makes it,
 * up to 36 characters, unique per station). Made from what the session already keeps, so it is
 * the same at every replay and after a restart without being stored: a 2.0.1 charger's own
 * transactionId where it named one (the CSMS then sees the id the charger shows), else
 * chargegate's transactionId and the session's start time, "<id>-<yyyymmddThhmmss>" (the time
 * keeps ids apart should a database ever start again from 1).
 */
import type { Store } from '../../store/ports.js';

export function referenceOf(store: Pick<Store, 'sessions'>, transactionId: number): string {
  const session = store.sessions.get(transactionId);
  if (!session) return String(transactionId);
  return session.reference ?? `${transactionId}-${session.startedAt.replace(/[^0-9T]/g, '').slice(0, 15)}`;
}

/** chargegate's running session a CSMS transactionId names, among the chargers of its channel; undefined: none. */
export function transactionOf(store: Pick<Store, 'sessions'>, chargers: readonly string[], reference: string): number | undefined {
  const made = /^(\d+)-/.exec(reference);
  if (made) {
    const id = Number(made[1]);
    const session = store.sessions.get(id);
    if (session?.state === 'active' && chargers.includes(session.chargerId) && referenceOf(store, id) === reference) return id;
  }
  for (const chargerId of chargers) {
    const session = store.sessions.byReference(chargerId, reference);
    if (session?.state === 'active') return session.transactionId;
  }
  return undefined;
}
