/**
 * Retained state, events and command results on their way to the broker. Keeps the latest
 * value of every retained topic, so that a reconnect (or a restarted broker that lost its
 * retained store) gets the whole state again, and applies the throttle to telemetry and state.
 */
import { Throttle, type SentRecord } from './throttle.js';
import type { MqttTransport } from './transport.js';

export interface PublisherDeps {
  transport: MqttTransport;
  /** At most one publish per state topic per this many ms (throttle.ts); 0 sends every change. */
  throttleMs: number;
  /** Milliseconds, for the throttle only. */
  nowMs: () => number;
}

/** A retained topic's latest value and QoS, and what the throttle last sent of it: one record per topic. */
class Retained implements SentRecord {
  sentValue: string | undefined = undefined;
  sentAt = 0;
  constructor(
    public value: string,
    public qos: 0 | 1,
  ) {}
}

export class Publisher {
  private readonly retained = new Map<string, Retained>();
  private readonly throttle: Throttle<Retained>;
  private timer: NodeJS.Timeout | undefined;
  /** Publishes sent to the transport, for the bench and the tests. */
  published = 0;

  constructor(private readonly deps: PublisherDeps) {
    // The throttle keeps what it sent in the same records (throttle.ts, SentRecord).
    this.throttle = new Throttle(deps.throttleMs, this.retained, (value) => new Retained(value, 1));
  }

  /** The latest value of a retained topic: its record, made or updated. */
  private keep(topic: string, value: string, qos: 0 | 1): void {
    const r = this.retained.get(topic);
    if (r) {
      r.value = value;
      r.qos = qos;
    } else this.retained.set(topic, new Retained(value, qos));
  }

  /**
   * Retained state, published on change and at most once per throttle interval per topic.
   * qos 0 for telemetry (a lost value is replaced by the next), 1 for state.
   */
  state(topic: string, value: string, qos: 0 | 1): void {
    this.keep(topic, value, qos);
    if (!this.deps.transport.connected) return;
    const decision = this.throttle.offer(topic, value, this.deps.nowMs());
    if (decision === 'send') this.send(topic, value, qos, true);
    else if (decision === 'hold') this.scheduleFlush();
  }

  /**
   * A Home Assistant discovery config: retained, QoS 1, not throttled, and not kept here. The
   * configs are most of a site's retained bytes (33 per charger, 20 MB at 1,000 chargers,
   * docs/performance.md), and the mirror makes them again whenever they must be said again
   * (Home Assistant's birth, a reconnect), so holding a copy would only cost memory.
   */
  config(topic: string, value: string): void {
    this.send(topic, value, 1, true);
  }

  /** Retained and not throttled: rare, whole messages (chargegate's status). */
  stateNow(topic: string, value: string): void {
    this.keep(topic, value, 1);
    this.throttle.markSent(topic, value, this.deps.nowMs());
    this.send(topic, value, 1, true);
  }

  /** Removes a retained message from the broker: an empty retained PUBLISH [MQTT-3.3.1-10]. */
  clear(topic: string): void {
    this.throttle.forget(topic); // and its record, which is the retained one
    this.send(topic, '', 1, true);
  }

  /** Not retained, QoS 1: events and command results (lost while disconnected). */
  event(topic: string, payload: string): void {
    this.send(topic, payload, 1, false);
  }

  /** True when no throttled value is waiting to be sent (tests wait for it instead of sleeping). */
  idle(): boolean {
    return this.timer === undefined && this.throttle.nextDueAt() === undefined;
  }

  has(topic: string): boolean {
    return this.retained.has(topic);
  }

  /** After a (re)connect: every retained value again, at once (the discovery configs: the mirror's republishDiscovery). */
  republishAll(): void {
    const now = this.deps.nowMs();
    for (const [topic, { value, qos }] of this.retained) {
      this.throttle.markSent(topic, value, now);
      this.send(topic, value, qos, true);
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(topic: string, value: string, qos: 0 | 1, retain: boolean): void {
    if (!this.deps.transport.connected) return;
    this.published++;
    this.deps.transport.publish(topic, value, { qos, retain });
  }

  private scheduleFlush(): void {
    if (this.timer) return;
    const at = this.throttle.nextDueAt();
    if (at === undefined) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, at - this.deps.nowMs()));
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    for (const [topic, value] of this.throttle.due(this.deps.nowMs())) {
      this.send(topic, value, this.retained.get(topic)?.qos ?? 1, true);
    }
    this.scheduleFlush();
  }
}
