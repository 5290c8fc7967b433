/**
 * The publish policy for state topics (pure: the caller passes the time): publish on change,
 * at most once per interval per topic. A change that arrives inside the interval is held, and
 * only its latest value is sent when the interval ends, so the last word always arrives and
 * a hundred chargers never flood a home broker.
 */
export type Decision = 'send' | 'hold' | 'unchanged';

export class Throttle {
  private readonly sent = new Map<string, { value: string; at: number }>();
  private readonly held = new Map<string, string>();

  /** @param intervalMs 0 sends every change at once. */
  constructor(private readonly intervalMs: number) {}

  /** What to do with a new value of a topic. 'send' means the caller publishes it now (it is recorded as sent). */
  offer(topic: string, value: string, now: number): Decision {
    const last = this.sent.get(topic);
    if (this.held.has(topic)) {
      if (last?.value === value) {
        this.held.delete(topic); // changed and changed back inside the window: nothing to send
        return 'unchanged';
      }
      this.held.set(topic, value);
      return 'hold';
    }
    if (last?.value === value) return 'unchanged';
    if (!last || now - last.at >= this.intervalMs) {
      this.sent.set(topic, { value, at: now });
      return 'send';
    }
    this.held.set(topic, value);
    return 'hold';
  }

  /** Held values whose interval has ended, recorded as sent at `now`; the caller publishes them. */
  due(now: number): [topic: string, value: string][] {
    const out: [string, string][] = [];
    for (const [topic, value] of this.held) {
      const last = this.sent.get(topic);
      if (last && now - last.at < this.intervalMs) continue;
      this.held.delete(topic);
      this.sent.set(topic, { value, at: now });
      out.push([topic, value]);
    }
    return out;
  }

  /** When the earliest held value falls due, or undefined when nothing is held. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const topic of this.held.keys()) {
      const at = (this.sent.get(topic)?.at ?? 0) + this.intervalMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Records a value published outside the policy (a republish after a reconnect). */
  markSent(topic: string, value: string, now: number): void {
    this.held.delete(topic);
    this.sent.set(topic, { value, at: now });
  }

  /** Forgets everything about a topic (its retained message was cleared). */
  forget(topic: string): void {
    this.held.delete(topic);
    this.sent.delete(topic);
  }
}
