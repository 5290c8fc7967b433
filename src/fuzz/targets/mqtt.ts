/**
 * The MQTT command path: topics and payloads (JSON and not, huge, nested, wrong types, invalid
 * UTF-8, retained, from users who may or may not command) into the real inbound handler,
 * parser (mqtt/command-parse.ts) and command runner, over the real site commands of a real
 * app; published answers are caught by an in-memory transport.
 *
 * Invariants: a non-empty message on a command topic gets exactly one answer on its result
 * topic, a JSON object {command, result: accepted|rejected, reason} that echoes a usable "id";
 * any other message gets none; a command the parser accepts is within its bounds; nothing
 * is logged at error level.
 */
import { createSiteCommands } from '../../control/site-commands.js';
import type { Sender } from '../../mqtt/access.js';
import { parseCommand, type Command } from '../../mqtt/command-parse.js';
import { createCommandRunner } from '../../mqtt/commands.js';
import { createInboundHandler } from '../../mqtt/inbound.js';
import { Publisher } from '../../mqtt/publisher.js';
import { CHARGER_COMMANDS, CONNECTOR_COMMANDS, Topics } from '../../mqtt/topics.js';
import type { MqttTransport } from '../../mqtt/transport.js';
import { mutateText } from '../mutate.js';
import type { Rng } from '../prng.js';
import { CHARGER_IDS, type FuzzSite } from '../site.js';
import { shrinkText, Violation, type Target } from '../target.js';
import { anyValue, randomText, weirdString, WEIRD_NUMBERS } from '../values.js';

export interface MqttInput {
  topic: string;
  /** Text, or raw bytes as hex (invalid UTF-8). */
  payload: string;
  hex?: boolean;
  retained: boolean;
  sender?: Sender;
}

const PREFIX = 'chargegate';

export function mqttTarget(options: { site: { get(): Promise<FuzzSite>; release(): Promise<void> } }): Target<MqttInput> {
  const topics = new Topics(PREFIX);
  const published: { topic: string; payload: string; retain: boolean }[] = [];
  let waiter: (() => void) | undefined;
  const transport: MqttTransport = {
    start: async () => {},
    publish(topic, payload, options) {
      published.push({ topic, payload, retain: options.retain });
      waiter?.();
    },
    connected: true,
    onConnect() {},
    onMessage() {},
    stop: async () => {},
  };
  let handle: ((m: { topic: string; payload: Buffer; retained: boolean; sender?: Sender }) => void) | undefined;
  let site: FuzzSite | undefined;
  let births = 0;

  function topic(rng: Rng): string {
    const id = rng.chance(0.7) ? rng.pick(CHARGER_IDS) : rng.pick(['UNKNOWN', 'a+b', 'a%2Bb', '', '#', '+', weirdString(rng)]);
    const r = rng.int(10);
    let t: string;
    if (r < 4) t = `${PREFIX}/chargers/${id}/connectors/${rng.pick(['1', '2', '0', '01', '999', '1000', '-1', '1.5', 'x', ''])}/${rng.pick([...CONNECTOR_COMMANDS, 'reset', 'nope'])}/set`;
    else if (r < 7) t = `${PREFIX}/chargers/${id}/${rng.pick([...CHARGER_COMMANDS, 'start', 'status'])}/set`;
    else if (r < 8) t = `${PREFIX}/site/limit/set`;
    else if (r < 9) t = rng.pick(['homeassistant/status', `${PREFIX}/status`, `${PREFIX}/set`, `${PREFIX}//set`, `${PREFIX}/chargers/set`, 'other/x/set', `${PREFIX}/site/limit/result`]);
    else t = `${PREFIX}/${randomText(rng, rng.int(30))}/set`;
    return rng.chance(0.15) ? mutateText(rng, t) : t;
  }

  function payload(rng: Rng): string {
    const r = rng.int(12);
    const id = rng.chance(0.3) ? { id: rng.pick<unknown>(['q1', 7, 'x'.repeat(64), 'x'.repeat(65), null, {}, 1e400, -0, weirdString(rng)]) } : {};
    let text: string;
    if (r < 2) text = JSON.stringify({ ...id, amps: rng.chance(0.7) ? rng.pick(WEIRD_NUMBERS) : anyValue(rng), ...(rng.chance(0.5) ? { duration: rng.pick([...WEIRD_NUMBERS, 3600]) } : {}) });
    else if (r < 3) text = JSON.stringify({ ...id, idTag: rng.chance(0.5) ? rng.pick(['TAG1', 'x'.repeat(20), 'x'.repeat(21), '']) : anyValue(rng) });
    else if (r < 4) text = JSON.stringify({ ...id, available: rng.chance(0.7) ? rng.chance(0.5) : anyValue(rng) });
    else if (r < 5) text = JSON.stringify({ ...id, type: rng.pick(['soft', 'hard', 'SOFT', 'Hard', '', 1, null]) });
    else if (r < 6) text = rng.pick(['ON', 'OFF', 'on', 'off', 'true', 'false', 'soft', 'hard', 'null', '16', '-1', '1e400', '{}', '[]', '', ' ', 'online', 'offline']);
    else if (r < 7) text = String(rng.pick(WEIRD_NUMBERS));
    else if (r < 8) text = JSON.stringify(anyValue(rng));
    else if (r < 9) text = 'x'.repeat(rng.pick([4095, 4096, 4097, 100000]));
    else if (r < 10) text = JSON.stringify({ ...id, [rng.pick(['__proto__', 'constructor', 'amps', 'extra'])]: anyValue(rng), amps: 10 });
    else text = randomText(rng, rng.int(50));
    return rng.chance(0.3) ? mutateText(rng, text) : text;
  }

  return {
    name: 'mqtt',
    about: 'MQTT command topics and payloads into the real command path',
    weight: 15,
    batch: 1,
    async setup() {
      site = await options.site.get();
      const app = site.app;
      const control = createSiteCommands({
        commands: app.gateway.commands,
        sessions: app.store.sessions,
        knowsCharger: (id) => (CHARGER_IDS as readonly string[]).includes(id) || app.gateway.registry.get(id) !== undefined,
        limits: () => app.balancer,
        checkRemoteStart: (chargerId, connectorId) => app.gateway.checkRemoteStart(chargerId, connectorId),
        store: app.store,
        events: app.events,
        now: () => new Date(),
      });
      handle = createInboundHandler({
        topics,
        publisher: new Publisher({ transport, throttleMs: 0, nowMs: () => Date.now() }),
        run: createCommandRunner({ control, startIdTag: 'TAG1' }),
        onDiscoveryBirth: () => void births++,
        discoveryPrefix: 'homeassistant',
        homeAssistantUser: 'ha',
        clearRetainedCommands: true,
        logger: site.logger,
      });
    },
    generate(rng) {
      const hex = rng.chance(0.05);
      const text = hex ? Buffer.from(Array.from({ length: rng.int(40) }, () => rng.int(256))).toString('hex') : payload(rng);
      const sender = rng.pick<Sender | undefined>([undefined, undefined, { username: 'cmd', mayCommand: true }, { username: 'reader', mayCommand: false }, { mayCommand: false }, { username: 'ha', mayCommand: false }]);
      return { topic: topic(rng), payload: text, ...(hex ? { hex } : {}), retained: rng.chance(0.05), ...(sender ? { sender } : {}) };
    },
    async execute(input) {
      published.length = 0;
      const bytes = input.hex ? Buffer.from(input.payload, 'hex') : Buffer.from(input.payload, 'utf8');
      const isCommand = topics.isCommandTopic(input.topic) && bytes.length > 0;
      const answered = new Promise<void>((resolve) => {
        waiter = () => {
          if (published.some((p) => p.topic === topics.resultTopic(input.topic))) resolve();
        };
      });
      try {
        handle!({ topic: input.topic, payload: bytes, retained: input.retained, ...(input.sender ? { sender: input.sender } : {}) });
      } catch (err) {
        throw new Violation(`the inbound handler threw: ${(err as Error)?.stack ?? String(err)}`);
      }
      if (isCommand) await answered;
      waiter = undefined;
      await new Promise((r) => setImmediate(r));
      const errors = site!.takeErrors();
      if (errors.length > 0) throw new Violation(`logged at error level: ${errors.join('; ')}`);
      checkParser(input.topic, bytes.toString('utf8'));
      const results = published.filter((p) => p.topic === topics.resultTopic(input.topic) && p.topic !== input.topic);
      if (!isCommand) {
        if (results.length > 0) throw new Violation(`answered a message that is no command: ${JSON.stringify(published)}`);
        return input.topic === 'homeassistant/status' ? 'birth' : 'ignored';
      }
      if (results.length !== 1) throw new Violation(`${results.length} answers to one command: ${JSON.stringify(published)}`);
      const answer = JSON.parse(results[0]!.payload) as Record<string, unknown>;
      if ((answer.result !== 'accepted' && answer.result !== 'rejected') || typeof answer.reason !== 'string' && answer.reason !== undefined || typeof answer.command !== 'string') {
        throw new Violation(`malformed answer ${results[0]!.payload}`);
      }
      if (results[0]!.retain) throw new Violation('the answer was retained');
      // Over the size limit a payload is not parsed at all (command-parse.ts), so its id is not read either.
      const id = bytes.length <= 4096 ? sentId(bytes.toString('utf8')) : undefined;
      if (id !== undefined && answer.id !== id) throw new Violation(`the answer does not echo the id ${JSON.stringify(id)}: ${results[0]!.payload}`);
      const reason = typeof answer.reason === 'string' ? answer.reason.replace(/"[^]*"|[\d.e+-]*\d/g, '…').replace(/\s+/g, ' ').slice(0, 40) : '';
      return `${answer.result}: ${reason}`;
    },
    describe: (input) => JSON.stringify(input),
    *shrink(input) {
      if (input.hex) return;
      for (const p of shrinkText(input.payload)) yield { ...input, payload: p };
    },
    async teardown() {
      await options.site.release();
    },
  };
}

/** The usable correlation id of a JSON object payload, worked out apart from the parser. */
function sentId(text: string): string | number | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text.trim());
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Object.hasOwn(json, 'id')) return undefined;
  const id = (json as { id: unknown }).id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  if (typeof id === 'string' && id.length <= 64) return id;
  return undefined;
}

/** What the parser accepts is within the bounds it promises. */
function checkParser(topic: string, text: string): void {
  const address = new Topics(PREFIX).parseCommand(topic);
  if ('unknown' in address) return;
  const parsed = parseCommand(address, text);
  if (!parsed.ok) return;
  const c: Command = parsed.command;
  const bad = (why: string) => new Violation(`parseCommand accepted ${JSON.stringify(text.slice(0, 200))} as ${JSON.stringify(c)}: ${why}`);
  if ('amps' in c && c.amps !== null && !(Number.isFinite(c.amps) && c.amps >= 0 && c.amps <= 1000)) throw bad('amps out of range');
  if ('connectorId' in c && c.connectorId !== undefined && !(Number.isInteger(c.connectorId) && c.connectorId >= 0)) throw bad('connector');
  if (c.kind === 'start' && c.idTag !== undefined && (c.idTag.length < 1 || c.idTag.length > 20)) throw bad('idTag length');
  if (c.kind === 'siteLimit' && c.amps !== null && !(Number.isInteger(c.durationS) && c.durationS >= 1)) throw bad('duration');
}
