/**
 * Servers compared in alternating rounds (#19's verdict): each line's chargers connected and
 * warmed up once, then short rounds of the same load on each line in turn, the order rotating by
 * one each round, and the verdict the median of the rounds' ratios. Measured one after the other
 * for 4 s each, the box's drift over tens of seconds (a "slow mode" of about 1.6× per message,
 * docs/performance.md) was taken for a difference between the servers: ocpp-rpc's figure moved
 * from about 15,900 to 29,400 msg/s between two runs, and chargegate's ratio against it with it.
 */
import type { WebSocket } from 'ws';
import { runLoad, type LoadResult } from './load.js';
import { cpuMs } from './processes.js';
import { percentile } from './stats.js';

export type Frame = (i: number, s: number) => [string, unknown];

export interface Line {
  label: string;
  sockets: WebSocket[];
  frame: Frame;
  /** The server's process: its CPU time per message is measured too. */
  pid: number;
  runs: (LoadResult & { cpuUs: number })[];
}

/** The order of the lines in round `round`: each one goes first in turn (pure). */
export function rotation<T>(items: readonly T[], round: number): T[] {
  return items.map((_, i) => items[(i + round) % items.length]!);
}

/** Per round, a's figure over b's, and their median (pure). */
export function roundRatios(a: readonly { perSecond: number }[], b: readonly { perSecond: number }[]): { ratios: number[]; median: number } {
  const ratios = a.map((r, i) => (b[i]!.perSecond > 0 ? r.perSecond / b[i]!.perSecond : NaN));
  return { ratios, median: percentile(ratios, 50) };
}

export async function runAlternating(lines: Line[], options: { rounds: number; seconds: number; progress: (line: string) => void }): Promise<void> {
  for (let round = 0; round < options.rounds; round++) {
    for (const line of rotation(lines, round)) {
      const cpuBefore = cpuMs(line.pid);
      const r = await runLoad(line.sockets, { seconds: options.seconds, frame: line.frame });
      line.runs.push({ ...r, cpuUs: ((cpuMs(line.pid) - cpuBefore) * 1000) / r.messages });
    }
    options.progress(`round ${round + 1} of ${options.rounds}: ${lines.map((l) => `${l.label} ${Math.round(l.runs[round]!.perSecond)}`).join(', ')} msg/s`);
  }
}

/** A line's rounds as one figure: messages over seconds, the median p50, the worst p99, CPU per message weighted by messages. */
export function wholeLine(line: Pick<Line, 'sockets' | 'runs'>): { chargers: number; perSecond: number; p50ms: number; p99ms: number; cpuUs: number } {
  const messages = line.runs.reduce((n, r) => n + r.messages, 0);
  const seconds = line.runs.reduce((n, r) => n + r.seconds, 0);
  return {
    chargers: line.sockets.length,
    perSecond: messages / seconds,
    p50ms: percentile(line.runs.map((r) => r.p50ms), 50),
    p99ms: Math.max(...line.runs.map((r) => r.p99ms)),
    cpuUs: line.runs.reduce((n, r) => n + r.cpuUs * r.messages, 0) / messages,
  };
}
