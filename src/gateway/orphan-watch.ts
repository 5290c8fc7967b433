/**
 * Closes superseded sessions whose own Stop did not come within the grace (orphans.ts decides):
 * by estimate, marked closedBy 'gateway', the estimated Stop staged for the cloud. One timer,
 * set to the next orphan due; re-read from the store at start, so a restart keeps the grace.
 */
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';
import type { SessionRecord, Store } from '../store/ports.js';
import { estimateStop, planOrphans } from './orphans.js';
import type { UpstreamPort } from './upstream-port.js';

export interface OrphanWatchDeps {
  store: Store;
  events: EventBus;
  logger: Logger;
  now: () => Date;
  graceMs: number;
  upstream: () => UpstreamPort | undefined;
}

export interface OrphanWatch {
  start(): void;
  stop(): void;
}

export function createOrphanWatch(deps: OrphanWatchDeps): OrphanWatch {
  const { store, events, logger, now, graceMs } = deps;
  let timer: NodeJS.Timeout | undefined;
  let off: (() => void) | undefined;
  let running = false;
  let closing = false;

  function schedule(): void {
    if (!running || closing) return;
    clearTimeout(timer);
    timer = undefined;
    const plan = planOrphans(store.sessions.superseded(), now().getTime(), graceMs);
    if (plan.due.length > 0) {
      closing = true;
      void close(plan.due)
        .catch((err: unknown) => logger.error({ err }, 'could not close superseded sessions'))
        .finally(() => {
          closing = false;
          schedule();
        });
      return;
    }
    if (plan.nextInMs !== undefined) {
      timer = setTimeout(schedule, plan.nextInMs);
      timer.unref();
    }
  }

  async function close(due: SessionRecord[]): Promise<void> {
    const receivedAt = now().toISOString();
    const closed = await store.durably(() => {
      const out: SessionRecord[] = [];
      for (const orphan of due) {
        const by = orphan.supersededBy === undefined ? undefined : store.sessions.get(orphan.supersededBy);
        const stop = estimateStop(orphan, store.meters.forTransaction(orphan.transactionId), by?.startedAt);
        const outcome = store.sessions.stop({
          chargerId: orphan.chargerId,
          transactionId: orphan.transactionId,
          stoppedAt: stop.timestamp,
          meterStop: stop.meterStop,
          reason: stop.reason,
          receivedAt,
          closedBy: 'gateway',
        });
        // Its real Stop got there first: nothing to estimate.
        if (!outcome.known || outcome.alreadyStopped) continue;
        deps.upstream()?.transactionStopped(orphan.chargerId, stop, outcome.session);
        out.push(outcome.session);
      }
      return out;
    });
    for (const session of closed) {
      logger.child({ chargerId: session.chargerId }).warn(
        { transactionId: session.transactionId, supersededBy: session.supersededBy, meterStop: session.meterStop, energyWh: session.energyWh, graceMs },
        'superseded session closed by estimate: its own StopTransaction did not come within the grace',
      );
      events.emit('session.ended', session);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      off = events.on('session.superseded', () => schedule());
      schedule();
    },
    stop() {
      running = false;
      off?.();
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
