/**
 * chargegate as the soak runs it: a real process (`dist/main.js start --config …`, what
 * `bin/chargegate.js` runs), killed with SIGKILL at random moments and started again on the
 * same config and data directory. An exit that the soak did not cause is a crash: its exit
 * code or signal and the tail of its output are kept for the report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface Crash {
  /** ms since the run began. */
  at: number;
  code: number | null;
  signal: string | null;
  /** The last lines the process wrote (stdout and stderr). */
  tail: string[];
}

export interface GatewayProcessOptions {
  configFile: string;
  /** A port the gateway listens on once it is ready (its HTTP API starts last). */
  readyPort: number;
  /** ms since the run began. */
  elapsed: () => number;
  /** Its own CPU priority is the soak's; the script is run with `nice` as a whole. */
  mainScript?: string;
}

const TAIL_LINES = 40;

export class GatewayProcess {
  private child: ChildProcess | undefined;
  private expectingExit = false;
  private readonly tail: string[] = [];
  readonly crashes: Crash[] = [];
  kills = 0;
  starts = 0;

  constructor(private readonly opts: GatewayProcessOptions) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once it accepts connections (or rejects after 60 s). */
  async start(): Promise<void> {
    if (this.child) return;
    const main = this.opts.mainScript ?? new URL('../main.js', import.meta.url).pathname;
    const child = spawn(process.execPath, [main, 'start', '--config', this.opts.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    this.expectingExit = false;
    const keep = (d: Buffer): void => {
      for (const line of d.toString().split('\n')) if (line.trim() !== '') this.tail.push(line.slice(0, 500));
      this.tail.splice(0, Math.max(0, this.tail.length - TAIL_LINES));
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (!this.expectingExit) this.crashes.push({ at: this.opts.elapsed(), code, signal, tail: [...this.tail] });
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child !== child) throw new Error(`chargegate exited while starting:\n${this.tail.join('\n')}`);
      if (await portOpen(this.opts.readyPort)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('chargegate did not start within 60 s');
  }

  /** kill -9, as a power cut would. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    this.kills++;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** A clean stop at the end of the run (SIGTERM; SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectingExit = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Resident memory now (MiB), from /proc; undefined when not running (or not on Linux). */
  rssMiB(): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined) return undefined;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
