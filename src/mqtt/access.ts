/**
 * Who may do what on the embedded broker (pure). Reading is open to every client the broker
 * accepted; writing is limited to command topics, and acting on a command to users with
 * `access: command`. chargegate itself publishes through the broker object, not as a client,
 * so no client can ever write a state topic.
 */
import type { Topics } from './topics.js';

/** A client as the broker authenticated it. */
export interface Sender {
  /** undefined for an anonymous client. */
  username?: string;
  mayCommand: boolean;
}

export type WriteVerdict =
  /** A command topic: accepted by the broker; chargegate acts on it only when the sender may command. */
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

/** Why a sender may not command, or undefined when it may. */
export function commandRefusal(sender: Sender | undefined): string | undefined {
  if (!sender || sender.mayCommand) return undefined;
  return sender.username === undefined
    ? 'anonymous clients may not send commands (connect as a user with access: command)'
    : `user "${sender.username}" may not send commands (its access is read)`;
}
