/**
 * Messages that reach chargegate from the broker: commands on …/set topics, and Home
 * Assistant's birth message. Every command gets one answer on its result topic (not retained,
 * QoS 1): {"command", "result": "accepted"|"rejected", "reason", "id"?}.
 */
import type { ControlResult } from '../control/ports.js';
import type { Logger } from '../log.js';
import { commandRefusal, mayTriggerDiscovery } from './access.js';
import { correlationIdOf, parseCommand, type Command, type CorrelationId } from './command-parse.js';
import type { Publisher } from './publisher.js';
import type { Topics } from './topics.js';
import type { InboundMessage } from './transport.js';

export interface InboundDeps {
  topics: Topics;
  publisher: Publisher;
  run: (command: Command) => Promise<ControlResult>;
  /** Home Assistant came (back) online: discovery is published again (coalesced and rate-limited, birth.ts). */
  onDiscoveryBirth: () => void;
  discoveryPrefix?: string;
  /** A user (besides command users) whose birth message counts: mqtt.homeAssistant.user. */
  homeAssistantUser?: string;
  /** The broker is external: a retained command found there is removed from it. */
  clearRetainedCommands: boolean;
  logger: Logger;
}

export function createInboundHandler(deps: InboundDeps): (message: InboundMessage) => void {
  const { topics, publisher } = deps;
  const log = deps.logger.child({ component: 'mqtt-commands' });

  return (message) => {
    const payload = message.payload.toString('utf8');
    if (deps.discoveryPrefix !== undefined && message.topic === `${deps.discoveryPrefix}/status`) {
      // The embedded broker drops the others' already; this holds if it ever did not.
      if (payload === 'online' && mayTriggerDiscovery(message.sender, deps.homeAssistantUser)) deps.onDiscoveryBirth();
      return;
    }
    if (!topics.isCommandTopic(message.topic)) return;
    // An empty message is how a retained message is removed [MQTT-3.3.1-10]: not a command.
    if (message.payload.length === 0) return;

    const answer = (result: ControlResult, command: string, id?: CorrelationId) => {
      publisher.event(
        topics.resultTopic(message.topic),
        JSON.stringify({ command, result: result.accepted ? 'accepted' : 'rejected', reason: result.reason, ...(result.answer !== undefined ? { answer: result.answer } : {}), ...(id !== undefined ? { id } : {}) }),
      );
      log.info({ topic: message.topic, user: message.sender?.username, result: result.accepted ? 'accepted' : 'rejected', reason: result.reason }, 'MQTT command answered');
    };
    const name = commandName(message.topic);

    if (message.retained) {
      answer({ accepted: false, reason: 'retained command ignored: publish commands without the retain flag' }, name, correlationIdOf(payload));
      if (deps.clearRetainedCommands) publisher.clear(message.topic);
      return;
    }
    const refusal = commandRefusal(message.sender);
    if (refusal) return answer({ accepted: false, reason: refusal }, name, correlationIdOf(payload));
    const address = topics.parseCommand(message.topic);
    if ('unknown' in address) return answer({ accepted: false, reason: address.unknown }, name, correlationIdOf(payload));
    const parsed = parseCommand(address, payload);
    if (!parsed.ok) return answer({ accepted: false, reason: `malformed payload: ${parsed.reason}` }, name, parsed.id);
    // The runner never rejects; the answer's publish could throw, and an unhandled rejection ends the process.
    void deps
      .run(parsed.command)
      .then((result) => answer(result, name, parsed.id))
      .catch((err: unknown) => log.error({ topic: message.topic, err: (err as Error)?.message }, 'MQTT command could not be answered'));
  };
}

/** …/connectors/1/start/set → start; site/limit/set → limit. */
function commandName(topic: string): string {
  return topic.split('/').at(-2) ?? '';
}
