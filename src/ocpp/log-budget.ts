/**
 * How many lines one source may cost the log. Pure: the clock is passed in. Every refused
 * WebSocket upgrade was logged at warn with its whole URL (up to 16 KB): 3,000 refusals wrote
 * 46 MB of log in 4.7 s. Now each source gets `perWindow` lines per window; the rest are
 * counted and reported in one line when its next window opens.
 */
export interface LogBudget {
  /** Whether this event may be logged, and how many of the source's were dropped before it. */
  take(source: string, now: number): { log: boolean; suppressed: number };
}

/** The most sources remembered: an attacker with many addresses must not grow the map for ever. */
const MAX_SOURCES = 1000;

export function createLogBudget(perWindow: number, windowMs: number): LogBudget {
  const sources = new Map<string, { start: number; used: number; dropped: number }>();
  return {
    take(source, now) {
      let s = sources.get(source);
      if (!s || now - s.start >= windowMs) {
        const suppressed = s?.dropped ?? 0;
        sources.delete(source);
        if (sources.size >= MAX_SOURCES) sources.delete(sources.keys().next().value!);
        s = { start: now, used: 1, dropped: 0 };
        sources.set(source, s);
        return { log: true, suppressed };
      }
      if (s.used < perWindow) {
        s.used++;
        return { log: true, suppressed: 0 };
      }
      s.dropped++;
      return { log: false, suppressed: 0 };
    },
  };
}

/** A URL or other text from a peer, cut to a length a log line can carry. */
export function clip(text: string | undefined, max = 200): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}
