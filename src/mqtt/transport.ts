/**
 * What the mirror needs of a broker connection, whether the broker is embedded (aedes, in
 * this process) or external (an MQTT client). MQTT 3.1.1 only: aedes speaks nothing newer.
 */
import type { Sender } from './access.js';

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /**
   * Sent with the retain flag, or delivered from the broker's retained store: a command
   * stored on the broker would run again at every reconnect, so such commands are ignored.
   */
  retained: boolean;
  /** Who sent it, as the embedded broker authenticated them; undefined on an external broker (its ACLs decide). */
  sender?: Sender;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain: boolean;
}

export interface MqttTransport {
  /** Starts listening (embedded) or connecting in the background (external). */
  start(): Promise<void>;
  /** Dropped while disconnected: the mirror republishes its retained state on the next connect. */
  publish(topic: string, payload: string, options: PublishOptions): void;
  readonly connected: boolean;
  /** Told at every (re)connection, after which retained state must be published again. */
  onConnect(listener: () => void): void;
  /** Told of every command topic message and of Home Assistant's status message. */
  onMessage(listener: (message: InboundMessage) => void): void;
  /** Publishes what must be said last (offline), then closes. */
  stop(lastWords?: { topic: string; payload: string }): Promise<void>;
}
