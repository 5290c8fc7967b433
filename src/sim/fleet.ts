/**
 * A fleet of simulated chargers with behaviour: either random sessions (each connector plugs
 * in after a short delay, authorizes, starts, meters every `meterInterval` s, charges for a
 * random time, stops, unplugs, pauses and repeats) or, with a scenario, exactly its timeline.
 * Some chargers may misbehave (misbehaviour.ts): the first ones in id order, or those a
 * scenario says.
 */
import type { Logger } from '../log.js';
import type { BackoffOptions } from './backoff.js';
import { SimulatedCharger, type StopReason, type SimOcppVersion } from './charger.js';
import { assignMisbehaviours, parseMisbehaviour, type MisbehaviourCount } from './misbehaviour.js';
import type { PhaseCurrents } from './model.js';
import type { Scenario, ScenarioStep } from './scenario.js';
import { sleep } from './sleep.js';

export interface FleetOptions {
  url: string;
  /** Number of chargers (ignored with a scenario, which lists its own). */
  chargers: number;
  connectors: number;
  phases: 1 | 3;
  /** Per-phase maximum of each charger (A). */
  maxCurrent: number;
  /** Seconds between MeterValues during a session (fractions allowed). */
  meterInterval: number;
  idPrefix: string;
  idTag: string;
  password?: string;
  /** [min, max] seconds a random session lasts. */
  sessionSeconds: [number, number];
  /** [min, max] seconds between sessions on a connector. */
  pauseSeconds?: [number, number];
  /** [min, max] seconds before a connector's first session. */
  startDelaySeconds?: [number, number];
  /** [min, max] seconds a driver takes between steps (plug in → authorize, stop → unplug). */
  stepSeconds?: [number, number];
  scenario?: Scenario;
  /**
   * How many chargers misbehave, and how: the first chargers in id order get the first
   * entry's misbehaviour, the next ones the second's, …; the rest behave. Not with a
   * scenario, whose chargers say it themselves.
   */
  misbehave?: MisbehaviourCount[];
  /**
   * The OCPP versions the chargers speak, in turn: charger i speaks ocpp[i % length]
   * (['1.6', '2.0.1'] makes a mixed fleet, every other one 2.0.1). Default 1.6.
   */
  ocpp?: SimOcppVersion[];
  random?: () => number;
  backoff?: BackoffOptions;
  now?: () => number;
}

export interface FleetSummary {
  connected: number;
  total: number;
  /** Connectors with current flowing. */
  charging: number;
  totalKW: number;
  /** Chargers that misbehave. */
  misbehaving: number;
}

export interface Fleet {
  chargers: SimulatedCharger[];
  summary(): FleetSummary;
  /** The current actually flowing now on each charger's phases L1, L2, L3 (A), by charger id. */
  currents(): Map<string, PhaseCurrents>;
  /** The current flowing now per phase summed over the fleet (A), as if every charger's L1 were on the same site phase. */
  totalCurrents(): PhaseCurrents;
  /** Ends running sessions (reason Local), gives their StopTransaction a moment to go out, disconnects. */
  stop(): Promise<void>;
  /** Settles when the scenario timeline has run (at once for random behaviour, which never ends). */
  done: Promise<void>;
}

export function chargerId(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(3, '0')}`;
}

export function runFleet(options: FleetOptions, logger: Logger): Fleet {
  const random = options.random ?? Math.random;
  const abort = new AbortController();
  if (options.scenario && options.misbehave) throw new RangeError('misbehave counts are for a fleet without scenario: a scenario says per charger');
  const misbehaviours = assignMisbehaviours(options.misbehave ?? [], options.scenario ? 0 : options.chargers);
  const specs = options.scenario
    ? options.scenario.chargers
    : Array.from({ length: options.chargers }, (_, i) => ({
        id: chargerId(options.idPrefix, i + 1),
        connectors: options.connectors,
        phases: options.phases,
        maxCurrent: options.maxCurrent,
        ...(options.password !== undefined ? { password: options.password } : {}),
        ...(misbehaviours[i] ? { misbehave: misbehaviours[i] } : {}),
      }));
  const versions = options.ocpp ?? [];
  const chargers = specs.map(
    (spec, i) =>
      new SimulatedCharger({
        ...(versions.length > 0 ? { ocpp: versions[i % versions.length]! } : {}),
        url: options.url,
        identity: spec.id,
        connectors: spec.connectors,
        phases: spec.phases,
        maxCurrentA: spec.maxCurrent,
        logger,
        random,
        // A scenario sends MeterValues only where its timeline says so.
        autoMeterValues: options.scenario === undefined,
        configuration: { MeterValueSampleInterval: String(options.meterInterval) },
        ...(spec.password !== undefined ? { password: spec.password } : options.password !== undefined ? { password: options.password } : {}),
        ...(options.backoff ? { backoff: options.backoff } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(spec.misbehave ? { misbehave: spec.misbehave } : {}),
      }),
  );
  for (const c of chargers) c.start();

  const between = ([min, max]: [number, number]): number => (min + random() * Math.max(0, max - min)) * 1000;
  const wait = (ms: number): Promise<void> => sleep(ms, abort.signal);

  let done: Promise<void>;
  if (options.scenario) {
    done = runTimeline(options.scenario.timeline, new Map(chargers.map((c) => [c.identity, c])), options.idTag, abort.signal, logger);
  } else {
    for (const charger of chargers) {
      for (let connector = 1; connector <= charger.connectorCount; connector++) {
        void randomSessions(charger, connector, options, between, wait, random, abort.signal, logger);
      }
    }
    done = Promise.resolve();
  }

  return {
    chargers,
    done,
    summary() {
      let connected = 0;
      let charging = 0;
      let watts = 0;
      for (const c of chargers) {
        if (c.connected) connected++;
        for (let n = 1; n <= c.connectorCount; n++) {
          if (c.currentA(n) > 0) charging++;
          watts += c.powerW(n);
        }
      }
      const misbehaving = chargers.filter((c) => c.misbehave !== undefined).length;
      return { connected, total: chargers.length, charging, totalKW: Math.round(watts / 100) / 10, misbehaving };
    },
    currents() {
      return new Map(chargers.map((c) => [c.identity, c.currents()]));
    },
    totalCurrents() {
      const total: PhaseCurrents = [0, 0, 0];
      for (const c of chargers) {
        const [l1, l2, l3] = c.currents();
        total[0] += l1;
        total[1] += l2;
        total[2] += l3;
      }
      return total;
    },
    async stop() {
      abort.abort();
      await Promise.all(
        chargers.map(async (c) => {
          if (c.isOnline) {
            for (let n = 1; n <= c.connectorCount; n++) if (c.hasTransaction(n)) void c.stopTransaction(n, 'Local');
            await Promise.race([c.whenQueueEmpty(), sleep(2000)]);
          }
          await c.stop();
        }),
      );
    },
  };
}

/** One connector's endless cycle of random sessions. */
async function randomSessions(
  charger: SimulatedCharger,
  connector: number,
  options: FleetOptions,
  between: (range: [number, number]) => number,
  wait: (ms: number) => Promise<void>,
  random: () => number,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const log = logger.child({ charger: charger.identity, connector });
  // A `noboot` charger never boots, but goes online (and runs sessions) all the same.
  if (!charger.isOnline) await new Promise<void>((resolve) => {
    charger.once('online', () => resolve());
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await wait(between(options.startDelaySeconds ?? [1, 5]));
  while (!signal.aborted) {
    try {
      // Most cars use every phase the charger has; some are single-phase.
      const phases = options.phases === 3 && random() < 0.25 ? 1 : options.phases;
      const maxCurrentA = [16, 16, 32, 10][Math.floor(random() * 4)] ?? 16;
      charger.plugIn(connector, { phases, maxCurrentA });
      log.info({ phases, carMaxA: maxCurrentA, idTag: options.idTag }, 'car plugged in; authorizing');
      await wait(between(options.stepSeconds ?? [0.5, 2]));
      if (signal.aborted) break;
      const authorized = await charger.authorize(options.idTag);
      if (signal.aborted) break;
      if (authorized !== 'Accepted') {
        log.warn({ idTag: options.idTag, status: authorized }, 'idTag not accepted; unplugging');
      } else {
        void charger.startTransaction(connector, options.idTag);
        await wait(between(options.sessionSeconds));
        if (signal.aborted) break;
        const reason: StopReason = random() < 0.5 ? 'EVDisconnected' : 'Local';
        if (reason === 'Local') {
          void charger.stopTransaction(connector, 'Local');
          await wait(between(options.stepSeconds ?? [1, 3]));
        }
      }
      if (signal.aborted) break;
      void charger.unplug(connector);
      await wait(between(options.pauseSeconds ?? [5, 20]));
    } catch (err) {
      log.error({ err }, 'simulated session failed');
      await wait(5000);
    }
  }
}

/** Runs a scenario's steps at their times (seconds after the start). */
async function runTimeline(steps: ScenarioStep[], chargers: Map<string, SimulatedCharger>, defaultIdTag: string, signal: AbortSignal, logger: Logger): Promise<void> {
  const start = Date.now();
  for (const [i, step] of steps.entries()) {
    await sleep(start + step.at * 1000 - Date.now(), signal);
    if (signal.aborted) return;
    const charger = chargers.get(step.charger)!;
    logger.info({ charger: step.charger, connector: step.connector, step: i + 1, at: step.at }, `scenario: ${step.do}`);
    try {
      await runStep(charger, step, defaultIdTag);
    } catch (err) {
      logger.error({ charger: step.charger, step: i + 1, err: (err as Error).message }, 'scenario step failed');
    }
  }
  logger.info({ steps: steps.length }, 'scenario complete');
}

/** One step; transaction messages are not awaited, so an offline charger does not hold up the timeline. */
async function runStep(charger: SimulatedCharger, step: ScenarioStep, defaultIdTag: string): Promise<void> {
  const connector = step.connector ?? 1;
  const idTag = step.idTag ?? defaultIdTag;
  switch (step.do) {
    case 'plugIn':
      return charger.plugIn(connector);
    case 'authorize':
      await charger.authorize(idTag);
      return;
    case 'start':
      void charger.startTransaction(connector, idTag);
      return;
    case 'stop':
      void charger.stopTransaction(connector, (step.value as StopReason | undefined) ?? 'Local');
      return;
    case 'unplug':
      void charger.unplug(connector);
      return;
    case 'meterValues':
      void charger.sendMeterValues(connector);
      return;
    case 'fault':
      void charger.fault(connector);
      return;
    case 'disconnect':
      return charger.disconnect();
    case 'setCarMaxCurrent':
      return charger.setCarMaxCurrent(connector, step.value as number);
    case 'misbehave':
      // Validated by the scenario parser: "none" or a misbehaviour.
      return charger.setMisbehaviour(step.value === 'none' ? undefined : parseMisbehaviour(String(step.value)));
  }
}
