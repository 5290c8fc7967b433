/**
 * The composition root and the `chargegate` command line. The only module that touches
 * `process`: argv, env, stdout/stderr, signals and the exit code.
 *
 *   chargegate start [--config FILE]      run the gateway (no file: demo defaults)
 *   chargegate config check FILE          validate a config file without starting
 *   chargegate init [options]             write a home config (asks on a terminal; chargegate init --help)
 *   chargegate sim [options]              run simulated chargers (chargegate sim --help)
 *   chargegate report sessions|energy     sessions and energy from the database (chargegate report --help)
 *   chargegate charger <id> <command> …   a command to a charger through the running gateway (chargegate charger --help)
 */
import type { createApp } from './app.js';
import { siteProblems } from './balancer/site.js';
import { ConfigError } from './config/errors.js';
import { demoConfig, loadConfigFile } from './config/load.js';
import type { Config } from './config/schema.js';
import { createLogger } from './log.js';
import { limitHeapGrowth } from './runtime/heap-growth.js';
import { allocationSitePretenuring, semiSpaceMiB, singleThreadedGc } from './runtime/launch-flags.js';
import { VERSION } from './version.js';

const USAGE = `chargegate ${VERSION}: an edge gateway for EV charging sites

Usage:
  chargegate start [--config FILE]   start the gateway (no file and no CHARGEGATE_CONFIG: demo defaults)
  chargegate config check FILE       validate a config file and exit (0 valid, 2 invalid)
  chargegate init [options]          write a home config: wallboxes, MQTT for Home Assistant, the fuse (see: chargegate init --help)
  chargegate sim [options]           run simulated chargers against a gateway (see: chargegate sim --help)
  chargegate report sessions|energy  sessions or energy as CSV or JSON (see: chargegate report --help)
  chargegate charger <id> <command>  a command to a charger: configuration, trigger, reset… (see: chargegate charger --help)
  chargegate --version | --help
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Each command loads only its own modules: `chargegate charger …` is a short-lived client and
  // should not load the whole gateway first.
  switch (command) {
    case 'start':
      return start(rest);
    case 'config':
      return configCommand(rest);
    case 'sim': {
      const controller = new AbortController();
      onSignals(() => controller.abort());
      const { simCommand } = await import('./sim/cli.js');
      return simCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
    }
    case 'init': {
      const { initCommand } = await import('./cli/init.js');
      return initCommand(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
    }
    case 'charger': {
      const { chargerCommand } = await import('./cli/charger.js');
      return chargerCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    }
    case 'report': {
      const { reportCommand } = await import('./report/cli.js');
      return reportCommand(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
    }
    case '--version':
    case '-v':
      process.stdout.write(VERSION + '\n');
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`chargegate: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

function loadOrExplain(path: string): Config | null {
  const explain = (problems: readonly string[]) => {
    process.stderr.write(`chargegate: ${path} is not a valid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    return null;
  };
  try {
    const config = loadConfigFile(path, process.env);
    // Checks across keys that need the site model (circuits, meters): the same wording.
    const across = siteProblems(config);
    return across.length > 0 ? explain(across) : config;
  } catch (err) {
    if (err instanceof ConfigError) return explain(err.problems);
    throw err;
  }
}

async function start(args: string[]): Promise<number> {
  let configPath = process.env.CHARGEGATE_CONFIG;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--config' || a === '-c') configPath = args[++i];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else {
      process.stderr.write(`chargegate start: unknown option "${a}" (allowed: --config FILE)\n`);
      return 2;
    }
  }
  if (configPath === '') {
    process.stderr.write('chargegate start: --config needs a file name\n');
    return 2;
  }
  const config = configPath ? loadOrExplain(configPath) : demoConfig();
  if (!config) return 2;
  // Demo mode is someone trying chargegate at a terminal: readable lines rather than JSON.
  const logger = createLogger({ level: config.log.level, format: config.demo ? 'pretty' : config.log.format }, process.stdout);
  if (config.demo) {
    const lines = [
      'RUNNING ON DEMO DEFAULTS: no config file was given.',
      'Any charger may connect WITHOUT a password, and ANY idTag may charge.',
      'MQTT on 127.0.0.1:1883: clients on this machine may read without a password; nobody may command.',
      'For a real site: copy config/chargegate.example.yaml, edit it, and run',
      '  chargegate start --config chargegate.yaml',
    ];
    logger.warn({ demo: true, example: 'config/chargegate.example.yaml' }, lines.join(' '));
    process.stderr.write('\n' + lines.map((l) => `  !! ${l}`).join('\n') + '\n\n');
  }
  const [{ createApp }, { StorageError }] = await Promise.all([import('./app.js'), import('./store/sqlite.js')]);
  // Before the first allocations of the site: a box's memory is small (src/runtime/heap-growth.ts).
  const heapGrowingPercent = limitHeapGrowth();
  // The young generation's size comes from node's command line only (src/runtime/launch-flags.ts).
  logger.info({ heapGrowingPercent: heapGrowingPercent ?? 'node flag', maxSemiSpaceMiB: semiSpaceMiB() ?? 'V8 default', singleThreadedGc: singleThreadedGc(), allocationSitePretenuring: allocationSitePretenuring(), mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? 'glibc default' }, 'V8 heap growth past the live set');
  let app: ReturnType<typeof createApp>;
  try {
    app = createApp(config, { logger });
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    process.stderr.write(`chargegate: storage.dir: ${err.message}\n`);
    return 2;
  }
  try {
    await app.start();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    logger.fatal({ err: e.message, code: e.code }, 'chargegate could not start');
    if (e.code === 'EADDRINUSE') process.stderr.write(`chargegate: ${portAdvice(config, e.port)}\n`);
    await app.stop().catch(() => undefined);
    return 1;
  }
  await new Promise<void>((resolve) => onSignals(resolve));
  logger.info('shutting down');
  await app.stop();
  return 0;
}

/** Which key to change when a port is taken: the installer's next step, in words. */
function portAdvice(config: Config, port: number | undefined): string {
  const owners: [number | undefined, string][] = [
    [config.ocpp.plain ? config.ocpp.port : undefined, 'change ocpp.port in the config'],
    [config.ocpp.tls?.port, 'change ocpp.tls.port in the config'],
    [config.http?.port, 'change http.port in the config'],
    [config.mqtt?.port, 'change mqtt.port in the config, or use the broker already running there (mqtt.broker: external with mqtt.url), or mqtt.broker: off'],
  ];
  const advice = owners.find(([p]) => p !== undefined && p === port)?.[1];
  return `port ${port ?? '?'} is already in use by another program${advice ? `: ${advice}` : ''}`;
}

function configCommand(args: string[]): number {
  const [sub, file, ...extra] = args;
  if (sub !== 'check' || !file || extra.length > 0) {
    process.stderr.write('Usage: chargegate config check FILE\n');
    return 2;
  }
  const config = loadOrExplain(file);
  if (!config) return 2;
  process.stdout.write(
    `${file}: valid. OCPP on ${[
      ...(config.ocpp.plain ? [`ws://${config.ocpp.host}:${config.ocpp.port}${config.ocpp.path}`] : []),
      ...(config.ocpp.tls ? [`wss://${config.ocpp.tls.host ?? config.ocpp.host}:${config.ocpp.tls.port}${config.ocpp.path}`] : []),
    ].join(' and ')}, ` +
      `${config.chargers.list.length} charger(s)${config.chargers.allowUnknown ? ' + unknown chargers allowed' : ''}, ` +
      `authorization ${config.authorization.mode}, data in ${config.storage.dir}\n`,
  );
  return 0;
}

function onSignals(handler: () => void): void {
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`chargegate: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
