/**
 * Questions chargegate asks a charger whose answers come in more than one message, or that it
 * asks on its own:
 *
 * - The charging profiles installed on it: GetChargingProfiles, answered by one or more
 *   ReportChargingProfiles frames with the same requestId, all but the last with tbc (OCPP 2.0.1
 *   K09.FR.01/02). They are collected until the last (or `reportTimeoutMs`, then what came is
 *   given as incomplete). A report nobody asked for is answered (by the edge) and logged.
 * - Whether a transaction's messages are still queued at the charger: GetTransactionStatus
 *   (2.0.1 E14). Asked for every running session the charger named when it reconnects (its
 *   queued TransactionEvents are on their way: the session's figures are not final yet), and on
 *   a local user's request; the latest answer per session is shown on the charger's view.
 *
 * Both are messages of the protocols that have them (today 2.0.1; the charger's session refuses
 * them otherwise, and that refusal is the answer): they go out under their own names, which the
 * 2.0.1 edge passes through unchanged.
 */
import { randomInt } from 'node:crypto';
import type { EventBus, GatewayEvents, ReportedProfile } from '../events.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/ports.js';
import type { Commands } from './commands.js';

export interface InstalledProfiles {
  requestId: number;
  /** The charger's answer to the question: Accepted (reports follow) or NoProfiles. */
  status: 'Accepted' | 'NoProfiles';
  /** Every report frame came (the last without tbc); false: given up waiting after reportTimeoutMs. */
  complete: boolean;
  profiles: ({ connectorId: number; source: string } & ReportedProfile)[];
}

export interface TransactionQueueStatus {
  /** chargegate's transactionId (undefined: asked about the charger's queue as a whole). */
  transactionId?: number;
  /** The charger still holds messages of it (or of any transaction) to send. */
  messagesInQueue: boolean;
  /** The transaction still runs at the charger (only when a transaction was named). */
  ongoing?: boolean;
  at: string;
}

export interface ChargerQueries {
  installedProfiles(chargerId: string, connectorId?: number): Promise<InstalledProfiles>;
  transactionStatus(chargerId: string, transactionId?: number): Promise<TransactionQueueStatus>;
  /** The latest answers per running session of the charger. */
  queues(chargerId: string): TransactionQueueStatus[];
  start(): void;
  stop(): void;
}

export interface ChargerQueriesDeps {
  commands: Pick<Commands, 'send'>;
  store: Pick<Store, 'sessions'>;
  events: EventBus;
  logger: Logger;
  now: () => Date;
  /** How long the report frames may take after the charger accepted the question, ms. */
  reportTimeoutMs: number;
}

/** A question in another protocol's words: the 2.0.1 edge sends it as it is (src/gateway/edge201/outbound.ts). */
type NativeSend = (chargerId: string, action: string, payload: unknown) => Promise<unknown>;

export class UnknownTransactionError extends Error {
  override readonly name = 'UnknownTransactionError';
}

export function createChargerQueries(deps: ChargerQueriesDeps): ChargerQueries {
  const send = deps.commands.send as unknown as NativeSend;
  const log = deps.logger.child({ component: 'charger-queries' });
  let requestId = randomInt(1, 2 ** 30);
  const waiting = new Map<string, { profiles: InstalledProfiles['profiles']; done(complete: boolean): void }>();
  const latest = new Map<string, Map<number, TransactionQueueStatus>>();
  let unsubscribe: (() => void)[] = [];

  function onReport(e: GatewayEvents['charger.profilesReported']): void {
    const w = waiting.get(`${e.chargerId}/${e.requestId}`);
    if (!w) {
      log.warn({ chargerId: e.chargerId, requestId: e.requestId, profiles: e.profiles.length }, 'the charger reported charging profiles nobody asked for (answered, not kept)');
      return;
    }
    for (const p of e.profiles) w.profiles.push({ connectorId: e.connectorId, source: e.source, ...p });
    if (!e.tbc) w.done(true);
  }

  async function installedProfiles(chargerId: string, connectorId?: number): Promise<InstalledProfiles> {
    const id = (requestId = (requestId % (2 ** 31 - 1)) + 1);
    const key = `${chargerId}/${id}`;
    const profiles: InstalledProfiles['profiles'] = [];
    let finish!: (complete: boolean) => void;
    const reported = new Promise<boolean>((resolve) => (finish = resolve));
    waiting.set(key, { profiles, done: finish });
    try {
      // Listening before asking: the first report may come before the answer.
      const answer = (await send(chargerId, 'GetChargingProfiles', { requestId: id, ...(connectorId !== undefined ? { evseId: connectorId } : {}), chargingProfile: {} })) as { status: 'Accepted' | 'NoProfiles' };
      if (answer.status !== 'Accepted') return { requestId: id, status: answer.status, complete: true, profiles };
      const timer = setTimeout(() => finish(false), deps.reportTimeoutMs);
      const complete = await reported;
      clearTimeout(timer);
      if (!complete) log.warn({ chargerId, requestId: id, profiles: profiles.length }, 'the charger did not finish its charging profile report in time: what came is given');
      return { requestId: id, status: 'Accepted', complete, profiles };
    } finally {
      waiting.delete(key);
    }
  }

  async function transactionStatus(chargerId: string, transactionId?: number): Promise<TransactionQueueStatus> {
    let reference: string | undefined;
    if (transactionId !== undefined) {
      const session = deps.store.sessions.get(transactionId);
      if (session?.chargerId !== chargerId) throw new UnknownTransactionError(`no transaction ${transactionId} on charger ${chargerId}`);
      reference = session.reference;
      if (reference === undefined) throw new UnknownTransactionError(`transaction ${transactionId} has no id of the charger's own to ask about`);
    }
    const answer = (await send(chargerId, 'GetTransactionStatus', reference !== undefined ? { transactionId: reference } : {})) as { messagesInQueue: boolean; ongoingIndicator?: boolean };
    const status: TransactionQueueStatus = {
      ...(transactionId !== undefined ? { transactionId } : {}),
      messagesInQueue: answer.messagesInQueue,
      ...(answer.ongoingIndicator !== undefined ? { ongoing: answer.ongoingIndicator } : {}),
      at: deps.now().toISOString(),
    };
    if (transactionId !== undefined) {
      let byCharger = latest.get(chargerId);
      if (!byCharger) latest.set(chargerId, (byCharger = new Map()));
      byCharger.set(transactionId, status);
    }
    log.info({ chargerId, ...status }, 'transaction status from the charger');
    return status;
  }

  /** A reconnect with sessions running: are their messages still queued at the charger (E14)? */
  function reconnected(chargerId: string): void {
    for (const s of deps.store.sessions.list({ chargerId, state: 'active' })) {
      if (s.reference === undefined) continue;
      transactionStatus(chargerId, s.transactionId).then(
        (st) => {
          if (st.messagesInQueue) log.info({ chargerId, transactionId: s.transactionId }, "the charger still has this session's messages queued: its figures follow");
          if (st.ongoing === false) log.info({ chargerId, transactionId: s.transactionId }, 'the charger says the session has ended: its end follows in the queued messages');
        },
        (err: unknown) => log.info({ chargerId, transactionId: s.transactionId, err: (err as Error).message }, 'could not ask the charger for the transaction status'),
      );
    }
  }

  function ended(e: { chargerId: string; transactionId: number }): void {
    latest.get(e.chargerId)?.delete(e.transactionId);
  }

  return {
    installedProfiles,
    transactionStatus,
    queues: (chargerId) => [...(latest.get(chargerId)?.values() ?? [])],
    start() {
      unsubscribe = [
        deps.events.on('charger.profilesReported', onReport),
        deps.events.on('charger.connected', (c) => reconnected(c.chargerId)),
        deps.events.on('session.ended', ended),
      ];
    },
    stop() {
      for (const off of unsubscribe.splice(0)) off();
      for (const w of waiting.values()) w.done(false);
    },
  };
}
