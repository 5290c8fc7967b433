/**
 * Guessing secrets, slowed down (docs/security.md "Guessing passwords and tokens"): each client
 * address may present a wrong secret (an HTTP token, a charger's Basic password, an MQTT
 * password) `perMinute` times a minute, as a token bucket that refills continuously. Once it is
 * empty, every secret that address presents is refused until the bucket allows one more try,
 * the right one too: were the right one let through, a guesser would learn which guess was
 * right, and the limit would slow nothing. Other addresses are not affected. Each listener
 * keeps its own throttle.
 *
 * The clock is passed in; memory is bounded by `maxAddresses` (the oldest entries go first,
 * full buckets before them).
 */
export interface GuessThrottle {
  /** Milliseconds until `address` may present a secret again; 0 when it may now. */
  waitMs(address: string): number;
  /** `address` presented a wrong secret. */
  failed(address: string): void;
  /** Addresses with a bucket that is not full (tests, metrics). */
  readonly tracked: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** `onExhausted` is told when an address has used its last try (once per time it runs out: a log line, not one per guess). */
export function createGuessThrottle(perMinute: number, now: () => number, onExhausted: (address: string) => void = () => {}, maxAddresses = 10_000): GuessThrottle {
  const msPerToken = 60_000 / perMinute;
  const buckets = new Map<string, Bucket>();

  /** The bucket refilled up to now; undefined when it is full again (and then forgotten). */
  function current(address: string, t: number): Bucket | undefined {
    const b = buckets.get(address);
    if (!b) return undefined;
    const tokens = Math.min(perMinute, b.tokens + (t - b.at) / msPerToken);
    if (tokens >= perMinute) {
      buckets.delete(address);
      return undefined;
    }
    return { tokens, at: t };
  }

  function makeRoom(): void {
    if (buckets.size < maxAddresses) return;
    const t = now();
    for (const address of [...buckets.keys()]) current(address, t);
    // Still full: the oldest entries go (Map keeps insertion order).
    for (const address of buckets.keys()) {
      if (buckets.size < maxAddresses) break;
      buckets.delete(address);
    }
  }

  return {
    waitMs(address) {
      const b = current(address, now());
      return !b || b.tokens >= 1 ? 0 : Math.ceil((1 - b.tokens) * msPerToken);
    },
    failed(address) {
      const t = now();
      const b = current(address, t);
      if (!b) makeRoom();
      buckets.delete(address);
      const tokens = Math.max(0, (b?.tokens ?? perMinute) - 1);
      buckets.set(address, { tokens, at: t });
      if (tokens < 1 && (b?.tokens ?? perMinute) >= 1) onExhausted(address);
    },
    get tracked() {
      return buckets.size;
    },
  };
}
