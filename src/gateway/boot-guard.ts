/**
 * No CALL reaches a charger before its BootNotification was accepted. OCPP 1.6 §4.2: a charge
 * point is registered by an accepted BootNotification; before that, the field shows, some
 * stations do not answer calls (a timeout on every boot) and Wallbox firmware 6 boot-loops on
 * them. So a charger that has not booted since chargegate started has its outbound calls held
 * (OcppSession.holdOutbound) until its BootNotification.conf Accepted is on the wire.
 *
 * TriggerMessage is the one exception (1.6 §5.17): some chargers never send a BootNotification
 * unless asked (Wallbox Pulsar Pro; evcc asks the same way in cp_setup.go). One still unbooted
 * `bootTimeout` seconds after it connected is asked once, then at most every 10 minutes, and
 * never more often than that per charger even when it reconnects in between: some firmware
 * boot-loops on aggressive probing, and a loop of connect → ask → crash → connect must not form.
 *
 * Nothing a charger sends is refused for lack of a boot: transactions, status and meter values
 * are answered as usual (the handlers do not look at `booted`).
 */
import type { Logger } from '../log.js';
import type { AcceptedConnection } from '../ocpp/server.js';
import type { TriggerMessageResponse } from '../ocpp/v16/types.js';
import type { LiveCharger } from './registry.js';

/** What may be sent to a charger before it booted: only the request for its boot. */
export const SENT_BEFORE_BOOT: ReadonlySet<string> = new Set(['TriggerMessage']);

/** The least time between two requests for a boot to the same charger. */
export const BOOT_ASK_INTERVAL_MS = 10 * 60_000;

export interface BootGuardOptions {
  /** ocpp.bootTimeout in ms; 0: never ask. */
  bootTimeoutMs: number;
  /** Default BOOT_ASK_INTERVAL_MS (tests shorten it). */
  askIntervalMs?: number;
  /** Monotonic enough for spacing the asks, ms; default Date.now. */
  clock?: () => number;
}

export interface BootGuard {
  /** A charger connected (the registry already shows it online on this connection). */
  connected(conn: AcceptedConnection, live: LiveCharger, at: string): void;
  /** Its connection closed or was replaced. */
  disconnected(conn: AcceptedConnection): void;
  stop(): void;
}

export function createBootGuard(opts: BootGuardOptions): BootGuard {
  const askIntervalMs = opts.askIntervalMs ?? BOOT_ASK_INTERVAL_MS;
  const clock = opts.clock ?? Date.now;
  const timers = new Map<AcceptedConnection, NodeJS.Timeout>();
  /** Per charger (across its connections): when it was last asked for a boot, ms. */
  const lastAsked = new Map<string, number>();

  function clear(conn: AcceptedConnection): void {
    clearTimeout(timers.get(conn));
    timers.delete(conn);
  }

  function schedule(conn: AcceptedConnection, live: LiveCharger, delayMs: number, first: boolean): void {
    clear(conn);
    const timer = setTimeout(() => {
      timers.delete(conn);
      if (live.booted || live.connection !== conn || !conn.session.isOpen) return;
      // Per charger, not per connection: a charger that reconnects does not reset the spacing.
      const wait = (lastAsked.get(live.id) ?? -Infinity) + askIntervalMs - clock();
      if (wait > 0) return schedule(conn, live, wait, first);
      ask(conn, live, first);
      schedule(conn, live, askIntervalMs, false);
    }, delayMs);
    // A charger that stays unbooted must not keep the process alive on its own.
    timer.unref?.();
    timers.set(conn, timer);
  }

  function ask(conn: AcceptedConnection, live: LiveCharger, first: boolean): void {
    lastAsked.set(live.id, clock());
    const log = conn.logger;
    const failed = first ? 'warn' : 'debug';
    // Once per state change at info: the first ask on this connection; repeats are debug.
    if (first) log.info({ awaitingBootSince: live.awaitingBootSince }, 'charger connected without BootNotification: asked for one');
    else log.debug({ awaitingBootSince: live.awaitingBootSince }, 'charger still without BootNotification: asked again');
    conn.session
      .call<TriggerMessageResponse>('TriggerMessage', { requestedMessage: 'BootNotification' })
      .then(
        (answer) => {
          if (answer.status !== 'Accepted') log[failed]({ status: answer.status }, 'charger did not accept TriggerMessage BootNotification');
        },
        (err: unknown) => log[failed]({ err: (err as Error).message }, 'TriggerMessage BootNotification failed'),
      );
  }

  return {
    connected(conn, live, at) {
      if (live.booted) return;
      live.awaitingBootSince = at;
      conn.session.holdOutbound({
        except: SENT_BEFORE_BOOT,
        reason: `charger ${live.id} has not booted (no BootNotification accepted since it connected at ${live.awaitingBootSince})`,
        // The calls go out after the BootNotification.conf that accepts it (1.6 §4.2).
        releaseAfterAnswer: (action, response) => {
          const accepted = action === 'BootNotification' && (response as { status?: unknown } | null)?.status === 'Accepted';
          if (accepted) clear(conn);
          return accepted;
        },
      });
      if (opts.bootTimeoutMs > 0) schedule(conn, live, opts.bootTimeoutMs, true);
    },
    disconnected: clear,
    stop() {
      for (const conn of [...timers.keys()]) clear(conn);
    },
  };
}
