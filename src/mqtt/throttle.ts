/**
 * The publish policy for state topics (pure: the caller passes the time): publish on change,
 * at most once per interval per topic. A change that arrives inside the interval is held, and
 * only its latest value is sent when the interval ends, so the last word always arrives and
 * a hundred chargers never flood a home broker.
 */
export type Decision = 'send' | 'hold' | 'unchanged';

/**
 * What the policy remembers of a topic: the value last sent and when. A caller may keep more
 * in the same record: publisher.ts keeps each retained topic's latest value and QoS there, so a
 * site's 26,000 state topics at 1,000 chargers cost one record and one map entry each, not two
 * (about 2.7 MB of heap, issue #19).
 */
export interface SentRecord {
  /** undefined: never sent. */
  sentValue: string | undefined;
  sentAt: number;
}

export class Throttle<R extends SentRecord = SentRecord> {
  private readonly held = new Map<string, string>();

  /**
   * @param intervalMs 0 sends every change at once.
   * @param records the per-topic records, shared with the caller; a topic the policy sends
   *   that has none gets one from `create` (given the value being sent).
   */
  constructor(
    private readonly intervalMs: number,
    private readonly records: Map<string, R> = new Map(),
    private readonly create: (value: string) => R = () => ({ sentValue: undefined, sentAt: 0 }) as R,
  ) {}

  /** What to do with a new value of a topic. 'send' means the caller publishes it now (it is recorded as sent). */
  offer(topic: string, value: string, now: number): Decision {
    const last = this.records.get(topic);
    if (this.held.has(topic)) {
      if (last?.sentValue === value) {
        this.held.delete(topic); // changed and changed back inside the window: nothing to send
        return 'unchanged';
      }
      this.held.set(topic, value);
      return 'hold';
    }
    if (last?.sentValue === value) return 'unchanged';
    if (last?.sentValue === undefined || now - last.sentAt >= this.intervalMs) {
      this.record(topic, value, now);
      return 'send';
    }
    this.held.set(topic, value);
    return 'hold';
  }

  /** Held values whose interval has ended, recorded as sent at `now`; the caller publishes them. */
  due(now: number): [topic: string, value: string][] {
    const out: [string, string][] = [];
    for (const [topic, value] of this.held) {
      const last = this.records.get(topic);
      if (last?.sentValue !== undefined && now - last.sentAt < this.intervalMs) continue;
      this.held.delete(topic);
      this.record(topic, value, now);
      out.push([topic, value]);
    }
    return out;
  }

  /** When the earliest held value falls due, or undefined when nothing is held. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const topic of this.held.keys()) {
      const last = this.records.get(topic);
      const at = (last?.sentValue !== undefined ? last.sentAt : 0) + this.intervalMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Records a value published outside the policy (a republish after a reconnect). */
  markSent(topic: string, value: string, now: number): void {
    this.held.delete(topic);
    this.record(topic, value, now);
  }

  /** Forgets everything about a topic (its retained message was cleared): its record goes too. */
  forget(topic: string): void {
    this.held.delete(topic);
    this.records.delete(topic);
  }

  private record(topic: string, value: string, now: number): void {
    let r = this.records.get(topic);
    if (!r) {
      r = this.create(value);
      this.records.set(topic, r);
    }
    r.sentValue = value;
    r.sentAt = now;
  }
}
