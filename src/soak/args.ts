/**
 * `npm run soak -- [options]`: the command line, parsed and checked. Pure. Also the seeded
 * random numbers and the plan of kills, so that a seed replays the same chaos.
 */

export interface SoakArgs {
  minutes: number;
  chargers: number;
  seed: number;
  out: string | undefined;
  /** [min, max] seconds between two kills of the gateway. */
  killEvery: [number, number];
  /** A kept free on every phase; undefined: what the uncontrollable chargers can draw. */
  margin: number | undefined;
  help: boolean;
}

export const SOAK_USAGE = `usage: npm run soak -- [--minutes N] [--chargers N] [--seed S] [--out FILE] [--kill-every MIN-MAX] [--margin A]

  --minutes N          how long the chaos runs, fractions allowed (default 5), then a drain
  --chargers N         simulated chargers, 1..1000 (default 200); a few of them misbehave
  --seed S             seed of every random choice: kills, cloud outages, sessions (default 1)
  --out FILE           also write the report as markdown to FILE
  --kill-every MIN-MAX seconds between two kill -9 of the gateway (default 30-120)
  --margin A           site.supply.margin (default: 16 A per charger that cannot be limited)

Exit code 0 when every invariant holds, 1 when one fails, 2 for a bad option.`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  const args: SoakArgs = { minutes: 5, chargers: 200, seed: 1, out: undefined, killEvery: [30, 120], margin: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      const v = eq > 0 ? raw.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--minutes': {
        const v = value();
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 24 * 60) throw new UsageError(`--minutes must be a number of minutes above 0 (at most 1440), got "${v}"`);
        args.minutes = n;
        break;
      }
      case '--chargers': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000) throw new UsageError(`--chargers must be a whole number 1..1000, got "${v}"`);
        args.chargers = Number(v);
        break;
      }
      case '--seed': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 2 ** 32 - 1) throw new UsageError(`--seed must be a whole number 0..4294967295, got "${v}"`);
        args.seed = Number(v);
        break;
      }
      case '--out':
        args.out = value();
        break;
      case '--kill-every': {
        const v = value();
        const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(v);
        if (!m || Number(m[1]) <= 0 || Number(m[2]) < Number(m[1])) throw new UsageError(`--kill-every must be MIN-MAX seconds with 0 < MIN <= MAX, got "${v}"`);
        args.killEvery = [Number(m[1]), Number(m[2])];
        break;
      }
      case '--margin': {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 1000) throw new UsageError(`--margin must be a whole number of amperes 0..1000, got "${v}"`);
        args.margin = Number(v);
        break;
      }
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown option "${raw}"`);
    }
  }
  return args;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * When to kill the gateway (ms after the chaos began): every MIN..MAX s while at least MIN/2 s
 * of the run remain. A run too short for one interval still gets one kill, in its middle
 * third, so that every run crosses a restart.
 */
export function killPlan(durationMs: number, [minS, maxS]: [number, number], random: () => number): number[] {
  const out: number[] = [];
  let t = 0;
  for (;;) {
    t += (minS + random() * (maxS - minS)) * 1000;
    if (t > durationMs - (minS * 1000) / 2) break;
    out.push(Math.round(t));
  }
  if (out.length === 0 && durationMs >= 6000) out.push(Math.round(durationMs * (1 / 3 + random() / 3)));
  return out;
}
