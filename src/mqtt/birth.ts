/**
 * Home Assistant's birth message (`<discoveryPrefix>/status` = `online`) asks every integration
 * to publish its discovery configs again. One republish is a retained QoS 1 message per entity
 * (about 17 per charger), so a 26-byte publish repeated by a client made chargegate publish
 * tens of thousands of messages, enough to exhaust the broker (issue 13). The trigger is
 * therefore coalesced and rate-limited: any number of birth messages leads to one republish a
 * moment later, and two republishes are at least `minIntervalMs` apart. A birth message that
 * arrives inside the interval is not lost: it leads to one republish when the interval ends.
 * Home Assistant itself sends one birth message per start, and the configs are retained, so it
 * never waits: it finds them on the broker.
 */
import type { Logger } from '../log.js';

/** A moment after the first birth message, so that a burst of them makes one republish. */
export const BIRTH_DELAY_MS = 1_000;
/**
 * Two republishes are at least this far apart. Home Assistant restarts take longer than this,
 * and the retained configs stay on the broker in between; only a broker that lost them (a
 * restart without persistence) needs the republish at all.
 */
export const BIRTH_MIN_INTERVAL_MS = 30_000;

export interface BirthCoalescerDeps {
  /** Publishes the discovery configs again. */
  republish: () => void;
  nowMs: () => number;
  logger: Logger;
  delayMs?: number;
  minIntervalMs?: number;
}

export interface BirthCoalescer {
  /** A birth message arrived (from a client allowed to send it). */
  trigger(): void;
  /** Republishes done so far, for the tests. */
  readonly republished: number;
  /** How many birth messages the last republish answered (they joined it), for the tests. */
  readonly lastBatch: number;
  stop(): void;
}

export function createBirthCoalescer(deps: BirthCoalescerDeps): BirthCoalescer {
  const delayMs = deps.delayMs ?? BIRTH_DELAY_MS;
  const minIntervalMs = deps.minIntervalMs ?? BIRTH_MIN_INTERVAL_MS;
  const log = deps.logger.child({ component: 'mqtt-discovery' });
  let timer: NodeJS.Timeout | undefined;
  let last = Number.NEGATIVE_INFINITY;
  let waiting = 0;
  let republished = 0;
  let lastBatch = 0;
  let stopped = false;

  function fire(): void {
    timer = undefined;
    last = deps.nowMs();
    republished++;
    log.info({ birthMessages: waiting }, 'Home Assistant came online: discovery configs published again');
    lastBatch = waiting;
    waiting = 0;
    try {
      deps.republish();
    } catch (err) {
      log.error({ err: (err as Error).message }, 'publishing the discovery configs again failed');
    }
  }

  return {
    get republished() {
      return republished;
    },
    get lastBatch() {
      return lastBatch;
    },
    trigger() {
      if (stopped) return;
      waiting++;
      if (timer) return; // one is planned already: this one joins it
      const now = deps.nowMs();
      const at = Math.max(now + delayMs, last + minIntervalMs);
      timer = setTimeout(fire, at - now);
      timer.unref();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
