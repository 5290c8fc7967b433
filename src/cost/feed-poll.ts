/**
 * The price feed fetched by chargegate itself: every `interval` seconds a GET of
 * `tariff.feed.url` (with an optional header, e.g. an API key from ${ENV}), its JSON taken like a
 * publication on MQTT or HTTP (`{from, to?, price}[]`, checked by tariff.ts parseFeed). A bad
 * answer (a status other than 2xx, no JSON, prices that do not parse, a timeout) is logged and
 * counted and changes nothing: the last good prices stay until they run out.
 */
import type { ControlResult } from '../control/ports.js';
import type { EventBus } from '../events.js';
import type { Logger } from '../log.js';

export interface FeedPollDeps {
  url: string;
  intervalMs: number;
  /** Sent with every request; its value is a secret and is never logged. */
  header?: { name: string; value: string };
  timeoutMs: number;
  /** The cost service's setFeed. */
  take(doc: unknown): ControlResult;
  events: EventBus;
  logger: Logger;
  /** The largest answer read, bytes. */
  maxBytes?: number;
}

export interface FeedPollState {
  polls: number;
  failures: number;
  lastOkAt: string | null;
  lastError: string | null;
}

export interface FeedPoller {
  start(): void;
  stop(): void;
  state(): FeedPollState;
}

const MAX_BYTES = 1024 * 1024;

/** The URL as it may be logged: no user info, no query (either may hold a key). */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid URL)';
  }
}

export function createFeedPoller(deps: FeedPollDeps): FeedPoller {
  const log = deps.logger.child({ component: 'tariff-feed', url: loggableUrl(deps.url) });
  const state: FeedPollState = { polls: 0, failures: 0, lastOkAt: null, lastError: null };
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let inFlight: AbortController | undefined;

  async function fetchDoc(): Promise<unknown> {
    const controller = new AbortController();
    inFlight = controller;
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${deps.timeoutMs / 1000} s`)), deps.timeoutMs);
    try {
      // No redirects: the header (an API key) must not follow the request to another server.
      const res = await fetch(deps.url, { headers: { accept: 'application/json', ...(deps.header ? { [deps.header.name]: deps.header.value } : {}) }, signal: controller.signal, redirect: 'manual' });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const location = res.headers.get('location');
        throw new Error(`HTTP ${res.status}: redirected${location ? ` to ${loggableUrl(new URL(location, deps.url).href)}` : ''}; give the final URL in tariff.feed.url`);
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
      }
      const text = await res.text();
      const max = deps.maxBytes ?? MAX_BYTES;
      if (text.length > max) throw new Error(`answer larger than ${max} bytes`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error('the answer is not JSON');
      }
    } finally {
      clearTimeout(timeout);
      inFlight = undefined;
    }
  }

  async function poll(): Promise<void> {
    state.polls++;
    let problem: string | undefined;
    try {
      const result = deps.take(await fetchDoc());
      if (!result.accepted) problem = result.reason;
      else log.debug({ reason: result.reason }, 'tariff feed fetched');
    } catch (err) {
      problem = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    }
    if (stopped) return;
    if (problem === undefined) {
      state.lastOkAt = new Date().toISOString();
      state.lastError = null;
    } else {
      state.failures++;
      state.lastError = problem;
      log.warn({ problem, failures: state.failures }, 'tariff feed answer not taken: the last good prices stay');
    }
    deps.events.emit('tariff.feedPoll', { ok: problem === undefined, ...(problem !== undefined ? { problem } : {}) });
  }

  function schedule(ms: number): void {
    timer = setTimeout(() => void poll().finally(() => !stopped && schedule(deps.intervalMs)), ms);
    timer.unref();
  }

  return {
    start() {
      stopped = false;
      schedule(0);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort(new Error('chargegate is stopping'));
    },
    state: () => ({ ...state }),
  };
}
