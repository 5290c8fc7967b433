/**
 * Who may do what on the embedded broker (pure). Users with `access: command` may read
 * everything and write command topics; read users and anonymous clients may read the state,
 * never the commands (their payloads carry idTags), and may write nothing. chargegate itself
 * publishes through the broker object, not as a client, so no client can ever write a state
 * topic. Home Assistant's birth message may come from a command user or from the configured
 * Home Assistant user (`mqtt.homeAssistant.user`), which may be a read user.
 */
import type { Topics } from './topics.js';

/** A client as the broker authenticated it. */
export interface Sender {
  /** undefined for an anonymous client. */
  username?: string;
  mayCommand: boolean;
}

export type WriteVerdict =
  /** A command topic: chargegate acts on it when the sender may command. */
  | 'command'
  /** Home Assistant's birth and will message: it asks chargegate to republish its discovery configs. */
  | 'discovery-status'
  /** Anything else: refused. */
  | 'refused';

export function writeVerdict(topic: string, topics: Topics, discoveryPrefix: string | undefined): WriteVerdict {
  if (topics.isCommandTopic(topic)) return 'command';
  if (discoveryPrefix !== undefined && topic === `${discoveryPrefix}/status`) return 'discovery-status';
  return 'refused';
}

export type PublishDecision =
  /** Delivered to subscribers and handed to chargegate. */
  | { action: 'accept'; kind: 'command' | 'discovery-status' }
  /**
   * Acknowledged as the QoS asks, then dropped: neither delivered nor acted on. MQTT 3.1.1 lets
   * a server do that with a PUBLISH it does not authorize [MQTT-3.3.5-2]; a Home Assistant
   * logged in as a read user keeps its connection when it sends its birth message or when
   * someone presses a button.
   */
  | { action: 'drop'; kind: 'command' | 'discovery-status'; reason: string }
  /** A write nobody may do (a state topic: a forgery): the connection is closed [MQTT-3.3.5-2]. */
  | { action: 'disconnect'; reason: string };

export function publishDecision(topic: string, sender: Sender, topics: Topics, discoveryPrefix: string | undefined, homeAssistantUser: string | undefined): PublishDecision {
  const verdict = writeVerdict(topic, topics, discoveryPrefix);
  if (verdict === 'refused') return { action: 'disconnect', reason: `clients may write only command topics (${topics.prefix}/…/set), not ${topic}` };
  if (verdict === 'command') {
    const refusal = commandRefusal(sender);
    return refusal ? { action: 'drop', kind: verdict, reason: refusal } : { action: 'accept', kind: verdict };
  }
  return mayTriggerDiscovery(sender, homeAssistantUser)
    ? { action: 'accept', kind: verdict }
    : { action: 'drop', kind: verdict, reason: `only command users${homeAssistantUser ? ` and "${homeAssistantUser}" (mqtt.homeAssistant.user)` : ''} may publish ${topic}` };
}

export type SubscribeDecision = { action: 'accept' } | { action: 'refuse'; kind: 'command-topics' | 'system-topics'; reason: string };

/**
 * A read user or anonymous client may subscribe to anything but the command topics (a filter
 * whose last level is `set`: nothing else ends so) and the broker's `$` topics ($SYS tells who
 * connects from where). Wider filters (`#`, `<prefix>/#`) are accepted; `forwardAllowed` keeps
 * the command topics out of what they receive. Command users may subscribe to anything.
 */
export function subscribeDecision(filter: string, sender: Sender): SubscribeDecision {
  if (sender.mayCommand) return { action: 'accept' };
  if (filter.startsWith('$')) return { action: 'refuse', kind: 'system-topics', reason: `only command users may subscribe to ${filter}` };
  if (filter === 'set' || filter.endsWith('/set')) return { action: 'refuse', kind: 'command-topics', reason: `only command users may subscribe to command topics (${filter})` };
  return { action: 'accept' };
}

/** Whether a message on `topic` may be delivered to a client: command topics only to command users. */
export function forwardAllowed(topic: string, receiver: Sender | undefined, topics: Topics): boolean {
  if (receiver?.mayCommand) return true;
  return !(topic.endsWith('/set') && topics.isCommandTopic(topic));
}

/**
 * Whether a sender may ask for the discovery configs again. undefined: the message came through
 * an external broker, whose ACLs decide (chargegate still coalesces and rate-limits it).
 */
export function mayTriggerDiscovery(sender: Sender | undefined, homeAssistantUser: string | undefined): boolean {
  if (!sender) return true;
  return sender.mayCommand || (homeAssistantUser !== undefined && sender.username === homeAssistantUser);
}

/** Why a sender may not command, or undefined when it may. */
export function commandRefusal(sender: Sender | undefined): string | undefined {
  if (!sender || sender.mayCommand) return undefined;
  return sender.username === undefined
    ? 'anonymous clients may not send commands (connect as a user with access: command)'
    : `user "${sender.username}" may not send commands (its access is read)`;
}
