/**
 * The soak's chargers: simulated OCPP 1.6 chargers (src/sim/) driven by random sessions, each
 * session with its own idTag so that the cloud's records name it, and a ledger of what each
 * charger was answered (ledger.ts). The chargers outlive every kill of the gateway: they
 * reconnect by themselves and keep their transaction messages queued meanwhile (tx-queue.ts).
 *
 * MeterValues are sent by this driver rather than the charger's own timer so that each
 * answered one is counted for its session.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from '../log.js';
import { SimulatedCharger, type StopReason } from '../sim/charger.js';
import { sleep } from '../sim/sleep.js';
import { CHARGER_MAX_A, type SiteSpec } from './config.js';
import type { ChargerSession } from './ledger.js';

export interface SiteOptions {
  url: string;
  spec: SiteSpec;
  random: () => number;
  logger: Logger;
  /** Seconds between MeterValues of a session. */
  meterIntervalS: number;
  /** [min, max] seconds a session lasts, and between sessions. */
  sessionS: [number, number];
  pauseS: [number, number];
}

export class SoakSite {
  readonly chargers: SimulatedCharger[];
  readonly sessions: ChargerSession[] = [];
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private seq = 0;

  constructor(private readonly o: SiteOptions) {
    // Every session loop sleeps on this one signal.
    setMaxListeners(0, this.abort.signal);
    this.chargers = o.spec.chargers.map(
      (c) =>
        new SimulatedCharger({
          url: o.url,
          identity: c.id,
          password: c.password,
          connectors: 1,
          phases: 3,
          maxCurrentA: CHARGER_MAX_A,
          logger: o.logger,
          random: o.random,
          autoMeterValues: false,
          // Quick reconnects after a kill (the charger's own back-off: 0.5 s doubling, capped).
          backoff: { initialMs: 500, maxMs: 10_000 },
          ...(c.misbehave ? { misbehave: c.misbehave } : {}),
        }),
    );
  }

  /** Connects every charger (they retry until the gateway is there). */
  connect(): void {
    for (const c of this.chargers) c.start();
  }

  /** Starts the random sessions on every connector. */
  run(): void {
    for (const c of this.chargers) this.loops.push(this.sessionsOn(c, 1));
  }

  get online(): number {
    return this.chargers.filter((c) => c.isOnline).length;
  }

  get charging(): number {
    return this.chargers.filter((c) => c.currentA(1) > 0).length;
  }

  /** The chargers' actual currents summed per phase (their L1..L3 are the site's: no rotation). */
  phaseCurrents(): [number, number, number] {
    const sum: [number, number, number] = [0, 0, 0];
    for (const c of this.chargers) {
      const [a, b, d] = c.currents();
      sum[0] += a;
      sum[1] += b;
      sum[2] += d;
    }
    return sum;
  }

  /**
   * Ends the session loops and every running session, then waits (at most `timeoutMs`) until
   * every charger's queue is empty and every answer has come back to the ledger.
   */
  async finish(timeoutMs: number): Promise<boolean> {
    this.abort.abort();
    await Promise.all(this.loops);
    for (const c of this.chargers) if (c.hasTransaction(1)) this.stop(c, 'Local');
    const all = Promise.all(this.chargers.map((c) => c.whenQueueEmpty())).then(() => Promise.all([...this.pending]));
    const done = await Promise.race([all.then(() => true), sleep(timeoutMs).then(() => false)]);
    return done;
  }

  /** Transaction messages still waiting in the chargers' queues. */
  queued(): number {
    return this.chargers.reduce((n, c) => n + c.queuedMessages, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.chargers.map((c) => c.stop()));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
    return p;
  }

  private between([min, max]: [number, number]): number {
    return (min + this.o.random() * Math.max(0, max - min)) * 1000;
  }

  private async sessionsOn(charger: SimulatedCharger, connector: number): Promise<void> {
    const signal = this.abort.signal;
    await sleep(this.between([0, 5]), signal);
    while (!signal.aborted) {
      if (!charger.isOnline) {
        // A driver arriving while the charger is offline still charges (the charger decides
        // locally, §3.5); only wait for a charger that has never been online at all.
        if (this.sessions.every((s) => s.charger !== charger.identity)) {
          await sleep(1000, signal);
          continue;
        }
      }
      charger.plugIn(connector, { phases: 3, maxCurrentA: [16, 16, 32, 10][Math.floor(this.o.random() * 4)] ?? 16 });
      await sleep(this.between([0.5, 2]), signal);
      if (signal.aborted) break;
      const session = this.begin(charger, connector);
      if (session) {
        const meter = setInterval(() => this.meter(charger, connector, session), this.o.meterIntervalS * 1000);
        await sleep(this.between(this.o.sessionS), signal);
        clearInterval(meter);
        if (signal.aborted) break;
        this.stop(charger, this.o.random() < 0.5 ? 'EVDisconnected' : 'Local');
        await sleep(this.between([0.5, 2]), signal);
      }
      if (signal.aborted) break;
      void charger.unplug(connector);
      await sleep(this.between(this.o.pauseS), signal);
    }
  }

  private begin(charger: SimulatedCharger, connector: number): ChargerSession | undefined {
    const idTag = `T${(this.seq++).toString(36).toUpperCase()}`;
    const startedAt = new Date().toISOString();
    const outcome = charger.startTransaction(connector, idTag);
    if (!charger.hasTransaction(connector)) return undefined; // refused locally (not plugged in…)
    const session: ChargerSession = { idTag, charger: charger.identity, connector, startedAt, startAnswered: false, stopAnswered: false, meterValuesAnswered: 0, dropped: false };
    this.sessions.push(session);
    void this.track(
      outcome.then((o) => {
        if (o.accepted || o.transactionId !== undefined) session.startAnswered = true;
        else if (o.reason === 'Dropped') session.dropped = true;
      }),
    );
    return session;
  }

  private current(charger: SimulatedCharger, connector: number): ChargerSession | undefined {
    for (let i = this.sessions.length - 1; i >= 0; i--) {
      const s = this.sessions[i]!;
      if (s.charger === charger.identity && s.connector === connector) return s.stoppedAt === undefined ? s : undefined;
    }
    return undefined;
  }

  private stop(charger: SimulatedCharger, reason: StopReason): void {
    // A session the charger ended itself (a reset, a late refusal) has no Stop of ours to follow.
    const session = charger.hasTransaction(1) ? this.current(charger, 1) : undefined;
    const outcome = charger.stopTransaction(1, reason);
    if (!session) return;
    session.stoppedAt = new Date().toISOString();
    void this.track(
      outcome.then((o) => {
        if (o?.delivered) session.stopAnswered = true;
        else if (o) session.dropped = true;
      }),
    );
  }

  private meter(charger: SimulatedCharger, connector: number, session: ChargerSession): void {
    if (!charger.hasTransaction(connector) || session.stoppedAt !== undefined) return;
    void this.track(
      charger.sendMeterValues(connector).then((answered) => {
        if (answered) session.meterValuesAnswered++;
      }),
    );
  }
}
