/**
 * `chargegate init`: writes a home config (one or two wallboxes, MQTT for Home Assistant, the
 * main fuse) from flags, or by asking when run on a terminal without flags. It never writes a
 * default password: each charger's and Home Assistant's are generated (or typed in when
 * asked), printed once, and kept in the file, which is created 0600. The text is checked by
 * the config loader before it is saved, so what init writes always starts. Takes argv and the
 * streams; never touches `process`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ConfigError } from '../config/errors.js';
import { parseConfig } from '../config/load.js';
import { homeConfigYaml, MQTT_PASSWORD_ENV, type HomeAnswers, type HomeBroker, type HomeCharger } from './home-config.js';

export interface InitIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
}

export const INIT_USAGE = `Usage: chargegate init [options]

Writes a config for a home: your wallboxes with generated passwords, MQTT for Home Assistant,
and the main fuse. Run on a terminal without options, it asks.

Options:
  --charger ID          a wallbox (repeat for a second one); default: garage
  --max-current A       the most each wallbox may give, A per phase (6..80); default 16
  --phases 1|3          how the wallboxes and the supply are wired; default 3
  --site-fuse A         the main fuse, A per phase: the wallboxes never take more; default: none
  --broker B            embedded (default: chargegate's own, with a user for Home Assistant),
                        mqtt://host:1883 (your broker), or off
  --mqtt-username U     the user name on your broker (its password: the variable ${MQTT_PASSWORD_ENV})
  --card TAG            a card that may charge (repeat); none: every idTag may (accept-all)
  --out FILE            where to write; default chargegate.yaml
  --force               replace FILE if it exists
`;

const ID = /^[A-Za-z0-9*_=:+|@.-]{1,48}$/;

class UsageError extends Error {}

/** A password a charger's keypad or web page takes: 20 hex digits (80 bits). */
const chargerPassword = () => randomBytes(10).toString('hex');
const brokerPassword = () => randomBytes(15).toString('base64url');

export async function initCommand(argv: string[], io: InitIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(INIT_USAGE);
    return 0;
  }
  let out: string;
  let force: boolean;
  let answers: HomeAnswers;
  try {
    const flags = parseFlags(argv);
    out = resolve(io.cwd, one(flags, 'out') ?? 'chargegate.yaml');
    force = flags.has('force');
    const asked = [...flags.keys()].filter((k) => k !== 'out' && k !== 'force').length === 0 && io.stdin.isTTY === true;
    answers = asked ? await ask(io) : fromFlags(flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`chargegate init: ${err.message}\n(chargegate init --help lists the options)\n`);
    return 2;
  }
  if (existsSync(out) && !force) {
    io.stderr.write(`chargegate init: ${out} exists; --force replaces it, --out FILE writes elsewhere\n`);
    return 2;
  }
  const yaml = homeConfigYaml(answers);
  try {
    // The same check as `config check`: with the broker's password variable, if it has one, set.
    parseConfig(yaml, { env: { [MQTT_PASSWORD_ENV]: 'checked-at-start' }, baseDir: dirname(out) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`chargegate init: these answers do not make a valid config:\n${err.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
  writeFileSync(out, yaml, { mode: 0o600 });
  io.stdout.write(summary(out, answers));
  return 0;
}

function summary(file: string, a: HomeAnswers): string {
  const host = lanAddress() ?? '<this machine\'s address>';
  const lines = [`Wrote ${file} (readable by you alone: it holds the passwords).`, '', 'Set in each wallbox (OCPP 1.6J or 2.0.1 backend / central system):'];
  for (const c of a.chargers) lines.push(`  ${c.id}: URL ws://${host}:9000/ocpp/${c.id}   user ${c.id}   password ${c.password}`);
  if (a.broker.kind === 'embedded') lines.push('', `Home Assistant, MQTT integration: broker ${host}, port 1883, user homeassistant, password ${a.broker.password}`);
  if (a.broker.kind === 'external' && a.broker.username !== undefined) lines.push('', `Set ${MQTT_PASSWORD_ENV} to the password of ${a.broker.username} on ${a.broker.url} before starting.`);
  lines.push('', 'Start it:', `  npm start -- --config ${file}`, '');
  return lines.join('\n');
}

function lanAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

type Flags = Map<string, string[]>;
const VALUE_FLAGS = ['charger', 'max-current', 'phases', 'site-fuse', 'broker', 'mqtt-username', 'card', 'out'];

function parseFlags(argv: string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected "${arg}"`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === 'force') {
      flags.set('force', []);
      continue;
    }
    if (!VALUE_FLAGS.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return flags;
}

const one = (flags: Flags, name: string): string | undefined => flags.get(name)?.at(-1);

function fromFlags(flags: Flags): HomeAnswers {
  const phases = phasesOf(one(flags, 'phases') ?? '3');
  const maxCurrent = amps(one(flags, 'max-current') ?? '16', 'max-current', 6, 80);
  const ids = flags.get('charger') ?? ['garage'];
  const fuse = one(flags, 'site-fuse');
  const username = one(flags, 'mqtt-username');
  return {
    chargers: ids.map((id) => charger(id, chargerPassword(), maxCurrent, phases)),
    broker: broker(one(flags, 'broker') ?? 'embedded', username),
    ...(fuse !== undefined ? { siteFuse: amps(fuse, 'site-fuse', 1, 4000) } : {}),
    sitePhases: phases,
    cards: flags.get('card') ?? [],
  };
}

async function ask(io: InitIo): Promise<HomeAnswers> {
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: false });
  // Lines typed ahead (or piped) are kept until asked for.
  const queued: string[] = [];
  const waiting: ((line: string | undefined) => void)[] = [];
  let closed = false;
  rl.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queued.push(line)));
  rl.on('close', () => ((closed = true), waiting.splice(0).forEach((w) => w(undefined))));
  const line = (question: string): Promise<string> => {
    io.stdout.write(question);
    if (queued.length > 0) return Promise.resolve(queued.shift()!.trim());
    if (closed) throw new UsageError('input ended before every question was answered');
    return new Promise((resolve, reject) => waiting.push((l) => (l === undefined ? reject(new UsageError('input ended before every question was answered')) : resolve(l.trim()))));
  };
  /** Asks until the answer passes `check` (which throws a UsageError saying why not). */
  const until = async <T>(question: string, fallback: string, check: (answer: string) => T): Promise<T> => {
    for (;;) {
      const answer = (await line(`${question} [${fallback}]: `)) || fallback;
      try {
        return check(answer);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        io.stdout.write(`  ${err.message}\n`);
      }
    }
  };
  try {
    io.stdout.write('chargegate init: a config for your home. Enter takes the [default].\n');
    const ids = await until('Wallbox ids, one or two, separated by a comma', 'garage', (a) => {
      const list = a.split(',').map((s) => s.trim()).filter(Boolean);
      for (const id of list) if (!ID.test(id)) throw new UsageError(`"${id}": 1..48 of A-Z a-z 0-9 * - _ = : + | @ .`);
      return list;
    });
    const maxCurrent = await until('The most each wallbox may give, A per phase', '16', (a) => amps(a, 'the current', 6, 80));
    const phases = await until('Phases: 1 or 3', '3', phasesOf);
    const chargers: HomeCharger[] = [];
    for (const id of ids) {
      const typed = await until(`Password for ${id} (8..128 characters; Enter generates one)`, 'generate', (a) => {
        if (a !== 'generate' && (a.length < 8 || a.length > 128)) throw new UsageError('8..128 characters, or Enter to generate one');
        return a;
      });
      chargers.push(charger(id, typed === 'generate' ? chargerPassword() : typed, maxCurrent, phases));
    }
    const fuse = await until('Main fuse, A per phase (none: no load balancing)', 'none', (a) => (a === 'none' ? undefined : amps(a, 'the fuse', 1, 4000)));
    const brokerAnswer = await until('MQTT broker: embedded, off, or your broker\'s URL (mqtt://host:1883)', 'embedded', (a) => broker(a, undefined));
    const username = brokerAnswer.kind === 'external' ? await line('User name on your broker (Enter: none): ') : '';
    const cards = await until('Cards that may charge, separated by commas (none: every idTag may charge)', 'none', (a) => (a === 'none' ? [] : a.split(',').map((s) => s.trim()).filter(Boolean)));
    return {
      chargers,
      broker: brokerAnswer.kind === 'external' && username ? { ...brokerAnswer, username } : brokerAnswer,
      ...(fuse !== undefined ? { siteFuse: fuse } : {}),
      sitePhases: phases,
      cards,
    };
  } finally {
    rl.close();
  }
}

function charger(id: string, password: string, maxCurrent: number, phases: 1 | 3): HomeCharger {
  if (!ID.test(id)) throw new UsageError(`--charger "${id}": 1..48 of A-Z a-z 0-9 * - _ = : + | @ .`);
  return { id, password, maxCurrent, phases };
}

function broker(value: string, username: string | undefined): HomeBroker {
  if (value === 'embedded') return { kind: 'embedded', password: brokerPassword() };
  if (value === 'off') return { kind: 'off' };
  if (/^(mqtts?|wss?):\/\/[^\s]+$/.test(value)) return { kind: 'external', url: value, ...(username !== undefined ? { username } : {}) };
  throw new UsageError(`broker "${value}": embedded, off, or a URL mqtt://host:1883 (mqtts://, ws://, wss:// too)`);
}

function amps(value: string, what: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) throw new UsageError(`${what}: a number from ${min} to ${max} (A per phase), got "${value}"`);
  return n;
}

function phasesOf(value: string): 1 | 3 {
  if (value === '1' || value === '3') return Number(value) as 1 | 3;
  throw new UsageError(`phases: 1 or 3, got "${value}"`);
}
