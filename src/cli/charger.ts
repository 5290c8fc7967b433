/**
 * `chargegate charger <id> <command> [args…]`: sends a command to a charger through the running
 * gateway's HTTP API, so it goes through the same door as the API and MQTT (owned keys refused,
 * profiles merged…). Where the gateway is: --url, else http.host/http.port of the config
 * (--config FILE or CHARGEGATE_CONFIG), else http://127.0.0.1:8080. The token: CHARGEGATE_TOKEN,
 * else --token-file, else http.token of that config; it is never printed. Takes argv and the
 * streams; never touches `process`.
 */
import { readFileSync } from 'node:fs';
import { CHARGER_COMMANDS, parseJsonArg, UsageError, type ApiRequest } from './charger-commands.js';
import { EXIT, outcome } from './charger-output.js';

export interface ChargerIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

const COMMON = ['url', 'config', 'token-file'];

export const CHARGER_USAGE = `Usage: chargegate charger <id> <command> [args…] [--json] [--url URL | --config FILE] [--token-file FILE]

Sends a command to charger <id> through the running gateway's HTTP API.

Commands:
${Object.entries(CHARGER_COMMANDS)
  .map(([name, c]) => `  ${name} ${c.args}\n      ${c.summary}`)
  .join('\n')}

  T is a date (2026-06-01) or a date-time with a zone (2026-06-01T08:00:00+02:00).
  The gateway: --url, else http.host and http.port of --config FILE (or CHARGEGATE_CONFIG),
  else http://127.0.0.1:8080. The token (http.token): the environment variable CHARGEGATE_TOKEN,
  else --token-file FILE, else http.token of that config.
  Output: the answer as text, or the API's JSON with --json. Exit code: 0 done, 1 refused by
  the charger, 2 a wrong command line, config or token, 3 gateway or charger not reachable.
`;

export async function chargerCommand(argv: string[], io: ChargerIo): Promise<number> {
  const [chargerId, name, ...rest] = argv;
  if (chargerId === undefined || chargerId === '--help' || chargerId === '-h' || name === '--help' || name === '-h') {
    io.stdout.write(CHARGER_USAGE);
    return chargerId === undefined ? EXIT.usage : EXIT.ok;
  }
  const usage = (message: string) => (io.stderr.write(`chargegate charger: ${message}\n(chargegate charger --help lists the commands)\n`), EXIT.usage);
  if (name === undefined) return usage(`what should ${chargerId} do? Name a command`);
  const spec = Object.hasOwn(CHARGER_COMMANDS, name) ? CHARGER_COMMANDS[name]! : undefined;
  if (!spec) return usage(`unknown command "${name}" (known: ${Object.keys(CHARGER_COMMANDS).join(', ')})`);

  let request: ApiRequest;
  let target: { url: string; token?: string };
  let json = false;
  try {
    const { args, flags, json: wantJson } = parseArgs(rest, [...COMMON, ...(spec.flags ?? [])]);
    json = wantJson;
    if (args.length < spec.arity[0] || args.length > spec.arity[1]) throw new UsageError(`usage: chargegate charger <id> ${name} ${spec.args}`);
    request = spec.build(args, flags, readJsonFile);
    target = await gateway(flags, io.env);
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    throw err;
  }

  const url = `${target.url}/api/chargers/${encodeURIComponent(chargerId)}${request.path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: { ...(target.token ? { authorization: `Bearer ${target.token}` } : {}), ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    io.stderr.write(`chargegate charger: the gateway at ${target.url} cannot be reached (${cause?.code ?? cause?.message ?? (err as Error).message}): is it running? (--url, --config)\n`);
    return EXIT.unreachable;
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const result = outcome(chargerId, response.status, body, json);
  io.stdout.write(result.out);
  io.stderr.write(result.err);
  return result.code;
}

function parseArgs(argv: string[], allowed: string[]): { args: string[]; flags: Record<string, string>; json: boolean } {
  const args: string[] = [];
  const flags: Record<string, string> = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') {
      json = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
    if (!m) {
      args.push(a);
      continue;
    }
    const flag = m[1]!;
    if (flag === 'token') throw new UsageError('a token on the command line would be seen by every user of this machine: set CHARGEGATE_TOKEN or use --token-file');
    if (!allowed.includes(flag)) throw new UsageError(`unknown option --${flag} (here: ${allowed.map((f) => `--${f}`).join(', ')}, --json)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${flag} needs a value`);
    flags[flag] = value;
  }
  return { args, flags, json };
}

function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseJsonArg(text, file);
}

/** The gateway's base URL and the token, from the flags, the environment and the config. */
async function gateway(flags: Record<string, string>, env: Record<string, string | undefined>): Promise<{ url: string; token?: string }> {
  const configPath = flags.config ?? env.CHARGEGATE_CONFIG;
  let http: { host?: string; port: number; token?: string } | undefined;
  if (configPath && (!flags.url || (!env.CHARGEGATE_TOKEN && !flags['token-file']))) {
    // Loaded only when needed: the config's schema is most of what this command would load.
    const [{ loadConfigFile }, { ConfigError }] = await Promise.all([import('../config/load.js'), import('../config/errors.js')]);
    try {
      http = loadConfigFile(configPath, env).http;
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`${configPath} is not a valid configuration: ${err.problems.join('; ')}`);
      throw err;
    }
  }
  const token = env.CHARGEGATE_TOKEN || (flags['token-file'] ? readToken(flags['token-file']) : http?.token);
  const url = flags.url ?? (http ? `http://${connectHost(http.host)}:${http.port}` : 'http://127.0.0.1:8080');
  if (!/^https?:\/\/[^/?#\s]+$/.test(url.replace(/\/$/, ''))) throw new UsageError(`--url must be the gateway's base URL, e.g. http://127.0.0.1:8080, not "${url}"`);
  return { url: url.replace(/\/$/, ''), ...(token ? { token } : {}) };
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`cannot read the token file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** A wildcard listen address is reached on this machine's loopback. */
function connectHost(host: string | undefined): string {
  if (host === undefined || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
