/**
 * `chargegate sim [options]`: runs simulated chargers against a gateway until the caller's
 * signal aborts (main.ts aborts it on SIGINT/SIGTERM; this module never touches `process`).
 * Prints one line per event that matters and a summary every 10 s.
 */
import { readFile } from 'node:fs/promises';
import { createLogger } from '../log.js';
import type { SimOcppVersion } from './charger.js';
import { runFleet, type FleetOptions } from './fleet.js';
import { DEFAULT_LATE_SECONDS, MISBEHAVIOUR_KINDS, MisbehaviourError, misbehavingCount, parseMisbehaviourCounts } from './misbehaviour.js';
import { parseScenario, ScenarioError, type Scenario } from './scenario.js';

export interface SimIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  /** Aborted by the caller to stop the simulation. */
  signal: AbortSignal;
  /** Summary period (ms); tests shorten it. */
  summaryIntervalMs?: number;
}

export const SIM_USAGE = `Usage: chargegate sim [options]

Simulated OCPP 1.6J AC chargers, for trying chargegate without hardware.

Options:
  --url URL              central system (the gateway) base URL       [ws://127.0.0.1:9000/ocpp]
  --chargers N           number of chargers, ids <prefix>-001 …      [1]
  --connectors N         connectors per charger (1-10)               [1]
  --phases 1|3           phases wired to each charger                [3]
  --max-current A        per-phase maximum of each charger (6-80)    [16]
  --meter-interval S     seconds between MeterValues in a session    [10]
  --session-seconds A-B  random session length range, seconds        [60-300]
  --id-prefix P          charger id prefix                           [SIM]
  --id-tag TAG           idTag the simulated drivers present         [SIMTAG01]
  --password X           Basic auth password (or env CHARGEGATE_SIM_PASSWORD)
  --scenario FILE        YAML/JSON scenario: chargers and a timeline (no random behaviour)
  --misbehave K=N,…      the first chargers misbehave: N chargers of each kind K, in order
                         (K: ${MISBEHAVIOUR_KINDS.join(', ')};
                         late=N:S answers after S seconds [${DEFAULT_LATE_SECONDS}],
                         noboot=N:S boots S seconds after connecting [never])
  --ocpp V[,V…]          OCPP version(s): 1.6, 2.0.1, or 1.6,2.0.1 for a
                         mixed fleet (charger i speaks version i mod n)  [1.6]
  --log-level L          trace, debug, info, warn, error, silent     [info]
  --help                 show this help
`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The fleet's options as flags, plus what only the command line has (the scenario as a file). */
export type SimArgs = Pick<FleetOptions, 'url' | 'chargers' | 'connectors' | 'phases' | 'maxCurrent' | 'meterInterval' | 'sessionSeconds' | 'idPrefix' | 'idTag' | 'password' | 'misbehave' | 'ocpp'> & {
  help: boolean;
  scenario?: string;
  logLevel: string;
};

/** Parses `--flag value` / `--flag=value`; throws UsageError naming the flag and what it allows. */
export function parseSimArgs(argv: string[], env: Record<string, string | undefined>): SimArgs {
  const args: SimArgs = {
    help: false,
    url: 'ws://127.0.0.1:9000/ocpp',
    chargers: 1,
    connectors: 1,
    phases: 3,
    maxCurrent: 16,
    meterInterval: 10,
    sessionSeconds: [60, 300],
    idPrefix: 'SIM',
    idTag: 'SIMTAG01',
    logLevel: 'info',
    ...(env.CHARGEGATE_SIM_PASSWORD ? { password: env.CHARGEGATE_SIM_PASSWORD } : {}),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      args.help = true;
      continue;
    }
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (options start with --; see --help)`);
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value (see --help)`);
      value = next;
      i++;
    }
    switch (flag) {
      case '--url':
        if (!/^wss?:\/\/[^/\s]+/.test(value)) throw new UsageError(`--url must be a ws:// or wss:// URL, got "${value}"`);
        args.url = value;
        break;
      case '--chargers':
        args.chargers = integer(flag, value, 1, 1000);
        break;
      case '--connectors':
        args.connectors = integer(flag, value, 1, 10);
        break;
      case '--phases':
        if (value !== '1' && value !== '3') throw new UsageError(`--phases must be 1 or 3, got "${value}"`);
        args.phases = value === '1' ? 1 : 3;
        break;
      case '--max-current':
        args.maxCurrent = decimal(flag, value, 6, 80, 'amperes');
        break;
      case '--meter-interval':
        args.meterInterval = decimal(flag, value, 0.1, 86_400, 'seconds');
        break;
      case '--session-seconds': {
        const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(value);
        const min = Number(m?.[1]);
        const max = Number(m?.[2] ?? m?.[1]);
        if (!m || !(min > 0) || max < min) throw new UsageError(`--session-seconds must be N or MIN-MAX seconds (MIN > 0, MAX >= MIN), got "${value}"`);
        args.sessionSeconds = [min, max];
        break;
      }
      case '--id-prefix':
        if (!/^[A-Za-z0-9_.-]{1,40}$/.test(value)) throw new UsageError(`--id-prefix must be 1-40 letters, digits or _ . -, got "${value}"`);
        args.idPrefix = value;
        break;
      case '--id-tag':
        if (value.length < 1 || value.length > 20) throw new UsageError(`--id-tag must be 1-20 characters (OCPP CiString20), got "${value}"`);
        args.idTag = value;
        break;
      case '--password':
        if (value.length === 0) throw new UsageError('--password must not be empty');
        args.password = value;
        break;
      case '--scenario':
        args.scenario = value;
        break;
      case '--misbehave':
        try {
          args.misbehave = parseMisbehaviourCounts(value);
        } catch (err) {
          if (!(err instanceof MisbehaviourError)) throw err;
          throw new UsageError(`--misbehave ${value}: ${err.message}`);
        }
        break;
      case '--ocpp': {
        const versions = value.split(',').map((v) => v.trim());
        const bad = versions.find((v) => v !== '1.6' && v !== '2.0.1');
        if (bad !== undefined) throw new UsageError(`--ocpp must be 1.6, 2.0.1 or a comma-separated list of them (1.6,2.0.1: a mixed fleet), got "${value}"`);
        args.ocpp = versions as SimOcppVersion[];
        break;
      }
      case '--log-level':
        if (!LOG_LEVELS.includes(value)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
        args.logLevel = value;
        break;
      default:
        throw new UsageError(`unknown option ${flag} (see --help)`);
    }
  }
  // Checked once every flag is read, so that their order does not matter.
  if (args.misbehave) {
    if (args.scenario !== undefined) throw new UsageError('--misbehave does not go with --scenario: give each charger of the scenario its own "misbehave:"');
    const wanted = misbehavingCount(args.misbehave);
    if (wanted > args.chargers) throw new UsageError(`--misbehave asks for ${wanted} misbehaving chargers, but --chargers is ${args.chargers}`);
  }
  return args;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} must be a whole number ${min}..${max}, got "${value}"`);
  return n;
}

function decimal(flag: string, value: string, min: number, max: number, unit: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be ${unit} ${min}..${max}, got "${value}"`);
  return n;
}

export async function simCommand(argv: string[], io: SimIo): Promise<number> {
  let args: SimArgs;
  try {
    args = parseSimArgs(argv, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`chargegate sim: ${err.message}\n`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(SIM_USAGE);
    return 0;
  }
  let scenario: Scenario | undefined;
  if (args.scenario !== undefined) {
    try {
      scenario = parseScenario(await readFile(args.scenario, 'utf8'), { connectors: args.connectors, phases: args.phases, maxCurrent: args.maxCurrent });
    } catch (err) {
      const message = err instanceof ScenarioError ? err.message : `cannot read ${args.scenario}: ${(err as Error).message}`;
      io.stderr.write(`chargegate sim: --scenario ${args.scenario}: ${message}\n`);
      return 2;
    }
  }
  const logger = createLogger({ level: args.logLevel, format: 'pretty' }, io.stdout);
  if (io.signal.aborted) return 0;
  const options: FleetOptions = {
    url: args.url,
    chargers: args.chargers,
    connectors: args.connectors,
    phases: args.phases,
    maxCurrent: args.maxCurrent,
    meterInterval: args.meterInterval,
    idPrefix: args.idPrefix,
    idTag: args.idTag,
    sessionSeconds: args.sessionSeconds,
    ...(args.password !== undefined ? { password: args.password } : {}),
    ...(scenario ? { scenario } : {}),
    ...(args.misbehave ? { misbehave: args.misbehave } : {}),
    ...(args.ocpp ? { ocpp: args.ocpp } : {}),
  };
  const count = scenario ? scenario.chargers.length : args.chargers;
  logger.info({ url: args.url, chargers: count, scenario: args.scenario }, `simulating ${count} charger${count === 1 ? '' : 's'}; Ctrl-C to stop`);
  const fleet = runFleet(options, logger);
  const summary = setInterval(() => {
    const s = fleet.summary();
    logger.info(s, `connected ${s.connected}/${s.total}, charging ${s.charging}, total ${s.totalKW.toFixed(1)} kW${s.misbehaving > 0 ? `, misbehaving ${s.misbehaving}` : ''}`);
  }, io.summaryIntervalMs ?? 10_000);
  await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(summary);
  logger.info('stopping: ending sessions');
  await fleet.stop();
  logger.info('stopped');
  return 0;
}
